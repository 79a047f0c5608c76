"""The claim file (実績報告, DOMAIN.md): read it, check every row, say what each row is worth.

Hotels fix their file and upload it again until every row they want paid is accepted, so the check
answers for every row at once — accepted with its maximum and reimbursement, or rejected with the
reason — and never stops at the first problem. Rows are judged by `claims.rules.evaluate_stay`;
this module only turns cells into typed values and adds the file-level rules (duplicates).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core import tabular
from core.prefectures import find_prefecture

from .rules import Decision, Stay, evaluate_stay

RESERVATION, BOOKED_ON, CHECK_IN, NIGHTS = "予約番号", "予約日", "チェックイン日", "泊数"
GUESTS, CHARGE, DISCOUNT, CHANNEL, PREFECTURE = "人数", "宿泊料金", "割引額", "販売経路", "居住都道府県"
COLUMNS: tuple[str, ...] = (
    RESERVATION,
    BOOKED_ON,
    CHECK_IN,
    NIGHTS,
    GUESTS,
    CHARGE,
    DISCOUNT,
    CHANNEL,
    PREFECTURE,
)
REQUIRED_COLUMNS = COLUMNS[:7]
CHANNELS = ("直販", "電話", "OTA", "旅行会社")

MAX_DATA_ROWS = 50_000
MAX_RESERVATION_LENGTH = 50
MAX_NIGHTS_IN_FILE = 366
MAX_GUESTS = 999  # one reservation; more is a typing mistake (and 人数 is stored as a small integer)
ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass
class RowResult:
    """One data row: its row number in Excel, the parsed stay (when readable) and the verdict."""

    row: int
    status: str
    message: str = ""
    stay: Stay | None = None
    decision: Decision | None = None
    channel: str = ""
    prefecture: str = ""
    reservation_number: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED

    @property
    def counted_nights(self) -> int:
        return self.decision.counted_nights if self.decision else 0

    @property
    def max_discount(self) -> int:
        return self.decision.max_discount if self.decision else 0

    @property
    def reimbursement(self) -> int:
        return self.decision.reimbursement if self.decision and self.decision.accepted else 0


@dataclass
class ClaimFileResult:
    rows: list[RowResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the file as a whole (no row is judged then)

    @property
    def readable(self) -> bool:
        return not self.problems

    @property
    def accepted_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.accepted]

    @property
    def rejected_rows(self) -> list[RowResult]:
        return [row for row in self.rows if not row.accepted]

    @property
    def reimbursement_total(self) -> int:
        return sum(row.reimbursement for row in self.rows)


def _header_positions(header: Sequence[Any], result: ClaimFileResult) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = unicodedata.normalize("NFKC", tabular.cell_text(cell)).replace(" ", "")
        if name in COLUMNS and name not in positions:
            positions[name] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        result.problems.append(
            _(
                "1行目の見出しに必須の列がありません: %(columns)s。"
                "テンプレートの見出し行をそのまま使ってください。"
            )
            % {"columns": "、".join(missing)}
        )
    return positions


def _parse_row(values: Sequence[Any], positions: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    """Typed cells of one row and the reasons any could not be read (each names its column)."""

    def raw(column: str) -> Any:
        position = positions.get(column)
        return values[position] if position is not None and position < len(values) else None

    errors: list[str] = []
    parsed: dict[str, Any] = {}

    reservation = unicodedata.normalize("NFKC", tabular.cell_text(raw(RESERVATION)))
    if not reservation:
        errors.append(_("予約番号を入力してください。"))
    elif len(reservation) > MAX_RESERVATION_LENGTH:
        errors.append(_("予約番号は%(max)s文字以内にしてください。") % {"max": MAX_RESERVATION_LENGTH})
    parsed[RESERVATION] = reservation

    for column in (BOOKED_ON, CHECK_IN):
        try:
            parsed[column] = tabular.parse_date(raw(column))
            if parsed[column] is None:
                errors.append(_("%(column)sを入力してください。") % {"column": column})
        except tabular.CellError as problem:
            errors.append(f"{column}: {problem}")

    for column, minimum in ((NIGHTS, 1), (GUESTS, 1), (CHARGE, 1), (DISCOUNT, 1)):
        try:
            number = tabular.parse_int(raw(column))
        except tabular.CellError as problem:
            errors.append(f"{column}: {problem}")
            continue
        if number is None:
            errors.append(_("%(column)sを入力してください。") % {"column": column})
        elif number < minimum:
            errors.append(
                _("%(column)sは%(min)s以上で入力してください。") % {"column": column, "min": minimum}
            )
        else:
            parsed[column] = number
    if parsed.get(NIGHTS, 0) > MAX_NIGHTS_IN_FILE:
        errors.append(_("泊数が大きすぎます（%(value)s泊）。") % {"value": parsed[NIGHTS]})
    if parsed.get(GUESTS, 0) > MAX_GUESTS:
        errors.append(_("人数が大きすぎます（%(value)s人）。") % {"value": parsed[GUESTS]})

    channel = unicodedata.normalize("NFKC", tabular.cell_text(raw(CHANNEL)))
    if channel and channel.upper() == "OTA":
        channel = "OTA"
    if channel and channel not in CHANNELS:
        errors.append(
            _("販売経路「%(value)s」は使えません（%(choices)s のいずれか、または空欄）。")
            % {"value": tabular.quote_cell(channel), "choices": "・".join(CHANNELS)}
        )
    parsed[CHANNEL] = channel

    prefecture_text = tabular.cell_text(raw(PREFECTURE))
    prefecture = find_prefecture(prefecture_text) if prefecture_text else ""
    if prefecture is None:
        errors.append(
            _("居住都道府県「%(value)s」が分かりません。") % {"value": tabular.quote_cell(prefecture_text)}
        )
    parsed[PREFECTURE] = prefecture or ""
    return parsed, errors


def check_claim_file(
    data: bytes,
    filename: str,
    *,
    campaign,
    approved_on: datetime.date | None,
    claim_date: datetime.date,
    already_claimed: frozenset[str] | set[str] = frozenset(),
) -> ClaimFileResult:
    """Judge every row of a claim file for one facility. Nothing is stored here."""
    result = ClaimFileResult()
    first_row_of: dict[str, int] = {}
    try:
        with closing(tabular.read_rows(data, filename)) as numbered:
            header = next(numbered, None)
            if header is None or tabular.is_blank(header[1]):
                result.problems.append(
                    _("1行目に見出し（列名）がありません。テンプレートの見出し行を使ってください。")
                )
                return result
            positions = _header_positions(header[1], result)
            if result.problems:
                return result
            for number, values in numbered:
                if tabular.is_blank(values):
                    continue
                if len(result.rows) >= MAX_DATA_ROWS:
                    result.problems.append(
                        _("1つのファイルで報告できるのは%(max)s行までです。ファイルを分けてください。")
                        % {"max": f"{MAX_DATA_ROWS:,}"}
                    )
                    break
                result.rows.append(
                    _judge_row(
                        number,
                        values,
                        positions,
                        campaign,
                        approved_on,
                        claim_date,
                        already_claimed,
                        first_row_of,
                    )
                )
    except tabular.FileProblem as problem:
        result.problems.append(problem.message)
        result.rows.clear()
        return result
    if not result.rows:
        result.problems.append(_("報告する宿泊の行がありません。2行目以降に宿泊を入力してください。"))
    return result


def _judge_row(
    number: int,
    values: Sequence[Any],
    positions: dict[str, int],
    campaign,
    approved_on: datetime.date | None,
    claim_date: datetime.date,
    already_claimed: frozenset[str] | set[str],
    first_row_of: dict[str, int],
) -> RowResult:
    parsed, errors = _parse_row(values, positions)
    reservation = parsed[RESERVATION]
    row = RowResult(
        row=number,
        status=REJECTED,
        channel=parsed[CHANNEL],
        prefecture=parsed[PREFECTURE],
        reservation_number=reservation,
    )
    if reservation:
        first = first_row_of.setdefault(reservation, number)
        if first != number:
            errors.append(
                _("予約番号「%(number)s」がファイル内で重複しています（%(first)s行目）。")
                % {"number": tabular.quote_cell(reservation), "first": first}
            )
        elif reservation in already_claimed:
            errors.append(
                _("予約番号「%(number)s」は既に報告済みです。") % {"number": tabular.quote_cell(reservation)}
            )
    if errors:
        row.message = " ".join(errors)
        return row
    row.stay = Stay(
        reservation_number=reservation,
        booked_on=parsed[BOOKED_ON],
        check_in=parsed[CHECK_IN],
        nights=parsed[NIGHTS],
        guests=parsed[GUESTS],
        total_charge=parsed[CHARGE],
        discount=parsed[DISCOUNT],
    )
    row.decision = evaluate_stay(campaign, row.stay, approved_on=approved_on, claim_date=claim_date)
    row.status = ACCEPTED if row.decision.accepted else REJECTED
    row.message = row.decision.message
    return row


def template_csv() -> bytes:
    """The downloadable template: the header row and one example stay, UTF-8 with BOM for Excel."""
    header = ",".join(COLUMNS)
    example = "R-0001,2025-05-10,2025-05-30,2,2,40000,8000,直販,宮城県"
    return ("\ufeff" + header + "\r\n" + example + "\r\n").encode("utf-8")
