"""The Zengin 総合振込 transfer file: header, data, trailer and end records of 120 bytes each.

Banks take this fixed-width format (全銀協規定) in Shift_JIS with CRLF after each record. Every field
is written by `_field`, which pads or refuses — never truncates silently — so that a name or an amount
that does not fit stops the file with a message instead of paying the wrong account.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.zengin import invalid_characters, to_zengin_kana

RECORD_LENGTH = 120
ENCODING = "cp932"
TRANSFER_TYPE = "21"  # 総合振込
MAX_AMOUNT = 9_999_999_999  # 10 digits


class ZenginError(ValueError):
    """A value the format cannot carry; the message names the record and the field."""


@dataclass(frozen=True)
class Remitter:
    """振込依頼人: the contractor's account the transfers are paid from."""

    code: str  # 依頼人コード, 10 digits given by the bank
    name: str  # half-width kana
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str


@dataclass(frozen=True)
class Transfer:
    """One payment to a facility's business."""

    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    holder: str
    amount: int
    customer_code: str = ""  # 顧客コード1: our reference (e.g. the claim or facility code)


def _field(value: str, width: int, *, what: str, numeric: bool = False) -> str:
    if numeric:
        if not value.isdigit() or len(value) > width:
            raise ZenginError(
                _("%(what)sは%(width)s桁以内の数字にしてください（%(value)s）。")
                % {"what": what, "width": width, "value": value}
            )
        return value.zfill(width)
    bad = invalid_characters(value)
    if bad:
        raise ZenginError(
            _("%(what)sに全銀形式で使えない文字があります: %(chars)s")
            % {"what": what, "chars": "、".join(bad)}
        )
    if len(value) > width:
        raise ZenginError(
            _("%(what)sが%(width)s文字を超えています（%(value)s）。")
            % {"what": what, "width": width, "value": value}
        )
    return value.ljust(width)


def _kana_or_blank(value: str, width: int) -> str:
    """Bank and branch names are informational: kana when it converts and fits, blank otherwise."""
    kana = to_zengin_kana(value)
    if invalid_characters(kana) or len(kana) > width:
        return " " * width
    return kana.ljust(width)


def header_record(remitter: Remitter, transfer_date: datetime.date) -> str:
    return "".join(
        [
            "1",
            TRANSFER_TYPE,
            "0",  # コード区分: JIS/SJIS
            _field(remitter.code, 10, what=_("依頼人コード"), numeric=True),
            _field(to_zengin_kana(remitter.name), 40, what=_("依頼人名")),
            transfer_date.strftime("%m%d"),
            _field(remitter.bank_code, 4, what=_("仕向銀行番号"), numeric=True),
            _kana_or_blank(remitter.bank_name, 15),
            _field(remitter.branch_code, 3, what=_("仕向支店番号"), numeric=True),
            _kana_or_blank(remitter.branch_name, 15),
            _field(remitter.account_type, 1, what=_("預金種目（依頼人）"), numeric=True),
            _field(remitter.account_number, 7, what=_("口座番号（依頼人）"), numeric=True),
            " " * 17,
        ]
    )


def data_record(transfer: Transfer) -> str:
    if not 0 < transfer.amount <= MAX_AMOUNT:
        raise ZenginError(_("振込金額が範囲外です（%(amount)s）。") % {"amount": transfer.amount})
    return "".join(
        [
            "2",
            _field(transfer.bank_code, 4, what=_("被仕向銀行番号"), numeric=True),
            _kana_or_blank(transfer.bank_name, 15),
            _field(transfer.branch_code, 3, what=_("被仕向支店番号"), numeric=True),
            _kana_or_blank(transfer.branch_name, 15),
            " " * 4,  # 手形交換所番号
            _field(transfer.account_type, 1, what=_("預金種目"), numeric=True),
            _field(transfer.account_number, 7, what=_("口座番号"), numeric=True),
            _field(transfer.holder, 30, what=_("受取人名")),
            str(transfer.amount).zfill(10),
            "0",  # 新規コード
            _field(to_zengin_kana(transfer.customer_code), 10, what=_("顧客コード")),
            " " * 10,  # 顧客コード2
            " ",  # 振込指定区分
            " ",  # 識別表示
            " " * 7,
        ]
    )


def trailer_record(count: int, total: int) -> str:
    return "8" + str(count).zfill(6) + str(total).zfill(12) + " " * 101


def end_record() -> str:
    return "9" + " " * 119


def build_file(remitter: Remitter, transfer_date: datetime.date, transfers: Iterable[Transfer]) -> bytes:
    """The whole file as bytes: Shift_JIS, every record exactly 120 bytes, CRLF after each."""
    transfers = list(transfers)
    records = [header_record(remitter, transfer_date)]
    records += [data_record(transfer) for transfer in transfers]
    records.append(trailer_record(len(transfers), sum(t.amount for t in transfers)))
    records.append(end_record())
    encoded = []
    for number, record in enumerate(records, start=1):
        data = record.encode(ENCODING)
        if len(data) != RECORD_LENGTH:  # half-width kana are one byte each in Shift_JIS
            raise ZenginError(_("%(number)s件目のレコードが120バイトになりません。") % {"number": number})
        encoded.append(data)
    return b"\r\n".join(encoded) + b"\r\n"
