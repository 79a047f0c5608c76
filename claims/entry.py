"""Form entry (1件ずつ入力): one stay typed into a form instead of a claim file.

The stay is written as a one-row claim file and judged by `claims.claim_file.check_claim_file`, so a
typed stay meets exactly the rule and the messages a file row meets. An accepted stay is added to the
draft's lines (a file upload replaces them; this adds one); a rejected stay stores nothing. A
reservation already among the draft's own lines counts as already claimed.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .claim_file import COLUMNS, RowResult, check_claim_file
from .models import Claim, ClaimLine
from .services import ClaimError, S, _lock, _require, claimed_reservation_numbers, first_of_month

ENTRY_FILENAME = "form-entry.csv"


def one_row_file(values: Mapping[str, object]) -> bytes:
    """A claim file (UTF-8 CSV, the template's header) whose only data row holds `values` by column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(["" if values.get(column) is None else str(values[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


@dataclass
class EntryOutcome:
    claim: Claim | None
    row: RowResult | None
    problems: list[str]

    @property
    def accepted(self) -> bool:
        return self.row is not None and self.row.accepted


@transaction.atomic
def add_stay(
    participation,
    month: datetime.date,
    values: Mapping[str, object],
    user,
    *,
    claim: Claim | None = None,
    claim_date: datetime.date | None = None,
) -> EntryOutcome:
    """Judge one stay and, when accepted, add it to `claim` (or to a new draft for `month`)."""
    if claim is not None:
        claim = _lock(claim)
        _require(claim, S.DRAFT, S.RETURNED)
    result = check_claim_file(
        one_row_file(values),
        ENTRY_FILENAME,
        campaign=participation.campaign,
        approved_on=participation.approved_on,
        claim_date=claim_date or timezone.localdate(),
        already_claimed=claimed_reservation_numbers(participation),
    )
    if not result.readable:
        return EntryOutcome(claim, None, result.problems)
    row = result.rows[0]
    if not row.accepted:
        return EntryOutcome(claim, row, [])
    if claim is None:
        claim = Claim.objects.create(
            participation=participation,
            month=first_of_month(month),
            created_by=user,
            source_filename="",
        )
    last_row = claim.lines.aggregate(last=Max("row"))["last"] or 1  # row 1 is a file's header
    line = ClaimLine(
        claim=claim,
        participation=participation,
        row=last_row + 1,
        reservation_number=row.reservation_number,
        booked_on=row.stay.booked_on,
        check_in=row.stay.check_in,
        nights=row.stay.nights,
        guests=row.stay.guests,
        total_charge=row.stay.total_charge,
        discount=row.stay.discount,
        channel=row.channel,
        prefecture=row.prefecture,
        counted_nights=row.counted_nights,
        max_discount=row.max_discount,
        reimbursement=row.reimbursement,
    )
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as exc:
        raise ClaimError(
            _("同じ予約番号が別の実績報告で同時に登録されました。もう一度入力してください。")
        ) from exc
    return EntryOutcome(claim, row, [])
