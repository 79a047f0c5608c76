"""Monthly close (月末締め) and the payment reports the city receives, as Excel.

* `close_month` freezes a month: the approved claims not yet reported are stamped with the close and
  the per-facility figures are stored with it, so the report of a closed month reads the same however
  often it is downloaded.
* `monthly_report` — 支払実績 of a closed month: per facility, claims, stays, person-nights and
  reimbursement of the month, and the cumulative amount against the allocation.
* `completion_report` — 完成データ after the campaign: every participating facility with its payment
  results (also 事業終了報告's table: allocation as the plan against the results).
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable
from operator import itemgetter

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from openpyxl.worksheet.worksheet import Worksheet

from core.excel import Column, as_text, new_workbook, to_bytes, write_only_value, write_table
from core.formatting import document_datetime, document_month
from facilities.models import Participation

from .models import BudgetAccount, Claim, ClaimLine, ClaimStatus, MonthlyClose

DONE = (ClaimStatus.APPROVED, ClaimStatus.PAID)


class CloseError(Exception):
    """The month cannot be closed; the message is shown to the user as is."""


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _figures(claims) -> dict[int, dict[str, int]]:
    """Per participation: claims, stays, person-nights and approved amount of the given claims."""
    figures: dict[int, dict[str, int]] = defaultdict(
        lambda: {"claims": 0, "stays": 0, "person_nights": 0, "amount": 0, "paid": 0}
    )
    for row in claims.values("participation_id").annotate(
        n=Count("pk"),
        amount=Sum("approved_amount"),
        paid=Sum("approved_amount", filter=Q(status=ClaimStatus.PAID)),
    ):
        entry = figures[row["participation_id"]]
        entry["claims"] = row["n"]
        entry["amount"] = row["amount"] or 0
        entry["paid"] = row["paid"] or 0
    lines = ClaimLine.objects.filter(claim__in=claims, excluded=False)
    for row in lines.values("participation_id").annotate(
        stays=Count("pk"), person_nights=Sum(F("guests") * F("counted_nights"))
    ):
        entry = figures[row["participation_id"]]
        entry["stays"] = row["stays"]
        entry["person_nights"] = row["person_nights"] or 0
    return figures


def _participations(campaign):
    return (
        Participation.objects.filter(campaign=campaign)
        .select_related("facility__ward", "facility__area", "facility__business")
        .order_by("facility__code")
    )


def _facility_fields(participation) -> dict:
    facility = participation.facility
    return {
        "code": facility.code,
        "name": facility.name,
        "business": facility.business.name if facility.business else "",
        "ward": facility.ward.name,
        "area": facility.area.name,
    }


# (header, key, kind, summed in the 合計 row)
_FACILITY_SPEC = [
    (_l("施設コード"), "code", "code", False),
    (_l("施設名"), "name", "text", False),
    (_l("事業者名"), "business", "text", False),
    (_l("区"), "ward", "text", False),
    (_l("エリア"), "area", "text", False),
]


def _columns(spec) -> list[Column]:
    return [Column(header, itemgetter(key), kind) for header, key, kind, _total in spec]


def _totals(spec, rows: list[dict]) -> dict[int, int]:
    return {index: sum(row[key] for row in rows) for index, (_h, key, _k, total) in enumerate(spec) if total}


def _allocations(campaign) -> dict[int, int]:
    return dict(
        BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False).values_list(
            "participation_id", "limit"
        )
    )


@transaction.atomic
def close_month(campaign, month: datetime.date, user, today: datetime.date | None = None) -> MonthlyClose:
    month = month.replace(day=1)
    today = today or timezone.localdate()
    if today <= month_end(month):
        raise CloseError(_("%(month)s は月末を過ぎてから締めてください。") % {"month": f"{month:%Y年%-m月}"})
    try:
        with transaction.atomic():
            close = MonthlyClose.objects.create(campaign=campaign, month=month, closed_by=user)
    except IntegrityError as exc:
        raise CloseError(_("%(month)s は既に締められています。") % {"month": f"{month:%Y年%-m月}"}) from exc
    end = month_end(month)
    claims = Claim.objects.select_for_update().filter(
        participation__campaign=campaign, status__in=DONE, closed_in__isnull=True, approved_at__date__lte=end
    )
    claims.update(closed_in=close)
    of_month = _figures(Claim.objects.filter(closed_in=close))
    cumulative = _figures(Claim.objects.filter(participation__campaign=campaign, closed_in__month__lte=month))
    allocations = _allocations(campaign)
    rows = []
    for participation in _participations(campaign):
        month_figures = of_month.get(participation.pk, {})
        total = cumulative.get(participation.pk, {}).get("amount", 0)
        allocation = allocations.get(participation.pk, 0)
        rows.append(
            {
                **_facility_fields(participation),
                "claims": month_figures.get("claims", 0),
                "stays": month_figures.get("stays", 0),
                "person_nights": month_figures.get("person_nights", 0),
                "amount": month_figures.get("amount", 0),
                "cumulative": total,
                "allocation": allocation,
                "remaining": allocation - total,
            }
        )
    close.rows = rows
    close.save(update_fields=["rows"])
    return close


MONTHLY_SPEC = [
    *_FACILITY_SPEC,
    (_l("実績報告件数"), "claims", "int", True),
    (_l("宿泊件数"), "stays", "int", True),
    (_l("延べ人泊数"), "person_nights", "int", True),
    (_l("当月支払額"), "amount", "yen", True),
    (_l("累計支払額"), "cumulative", "yen", True),
    (_l("配分額"), "allocation", "yen", True),
    (_l("配分残額"), "remaining", "yen", True),
]


def monthly_title(close: MonthlyClose) -> str:
    """`支払実績報告（令和7年6月分）`: the city's documents are dated in 和暦 (the data cells keep real
    dates for Excel)."""
    return _("支払実績報告（%(month)s分）") % {"month": document_month(close.month)}


def write_monthly_sheet(sheet: Worksheet, close: MonthlyClose) -> int:
    """The 支払実績 table of a closed month into `sheet` (also the report pack's first sheet)."""
    rows = close.rows
    return write_table(
        sheet,
        _columns(MONTHLY_SPEC),
        rows,
        title=f"{monthly_title(close)} {close.campaign.name}",
        subtitle=_("締め日時 %(at)s") % {"at": document_datetime(close.closed_at)},
        freeze_columns=2,
        totals=_totals(MONTHLY_SPEC, rows),
    )


def monthly_report(close: MonthlyClose) -> bytes:
    """支払実績 of a closed month, from the figures stored at closing."""
    workbook = new_workbook(monthly_title(close))
    sheet = workbook.active
    sheet.title = f"{close.month:%Y-%m}"
    write_monthly_sheet(sheet, close)
    return to_bytes(workbook)


COMPLETION_SPEC = [
    *_FACILITY_SPEC,
    (_l("登録決定日"), "approved_on", "date", False),
    (_l("配分額（計画）"), "allocation", "yen", True),
    (_l("実績報告件数"), "claims", "int", True),
    (_l("宿泊件数"), "stays", "int", True),
    (_l("延べ人泊数"), "person_nights", "int", True),
    (_l("承認額"), "amount", "yen", True),
    (_l("支払額"), "paid", "yen", True),
    (_l("執行率（%）"), "rate", "int", False),
    (_l("販売終了日"), "sold_out_on", "date", False),
]


def completion_rows(campaign) -> list[dict]:
    figures = _figures(Claim.objects.filter(participation__campaign=campaign, status__in=DONE))
    allocations = _allocations(campaign)
    rows = []
    for participation in _participations(campaign):
        entry = figures.get(participation.pk, {})
        allocation = allocations.get(participation.pk, 0)
        amount = entry.get("amount", 0)
        rows.append(
            {
                **_facility_fields(participation),
                "approved_on": participation.approved_on,
                "allocation": allocation,
                "claims": entry.get("claims", 0),
                "stays": entry.get("stays", 0),
                "person_nights": entry.get("person_nights", 0),
                "amount": amount,
                "paid": entry.get("paid", 0),
                "rate": amount * 100 // allocation if allocation else 0,
                "sold_out_on": timezone.localdate(participation.sold_out_at)
                if participation.sold_out_at
                else None,
            }
        )
    return rows


COMPLETION_TITLE = _l("完成データ・事業終了報告（参加施設別の配分額と支払実績）")


def write_completion_sheet(sheet: Worksheet, campaign, rows: list[dict] | None = None) -> list[dict]:
    """The 完成データ table into `sheet` (also the final report pack's first sheet); returns the rows."""
    rows = completion_rows(campaign) if rows is None else rows
    write_table(
        sheet,
        _columns(COMPLETION_SPEC),
        rows,
        title=f"{COMPLETION_TITLE} {campaign.name}",
        subtitle=_("作成日時 %(at)s") % {"at": document_datetime(timezone.now())},
        freeze_columns=2,
        totals=_totals(COMPLETION_SPEC, rows),
    )
    return rows


def completion_report(campaign) -> bytes:
    """完成データ / 事業終了報告: each facility's allocation (the plan) against its payment results."""
    workbook = new_workbook(str(COMPLETION_TITLE))
    sheet = workbook.active
    sheet.title = _("支払実績")
    write_completion_sheet(sheet, campaign)
    return to_bytes(workbook)


LINE_HEADERS = [
    _l("施設コード"),
    _l("施設名"),
    _l("対象月"),
    _l("状態"),
    _l("行"),
    _l("予約番号"),
    _l("予約日"),
    _l("チェックイン日"),
    _l("泊数"),
    _l("人数"),
    _l("宿泊料金"),
    _l("割引額"),
    _l("販売経路"),
    _l("居住都道府県"),
    _l("対象泊数"),
    _l("割引上限額"),
    _l("支払額"),
    _l("除外の理由"),
]


def write_claim_lines(campaign, fileobj, progress: Callable[[int, int], None] | None = None) -> int:
    """Every reported stay of a campaign as one sheet, streamed: openpyxl's write-only mode and a
    server-side cursor keep memory flat however many rows there are (100,000 and more).
    `progress(done, total)` is told every 2,000 rows (a download job's progress bar)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("報告明細")))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in LINE_HEADERS:
        cell = as_text(WriteOnlyCell(sheet, value=str(title)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    statuses = dict(ClaimStatus.choices)
    lines = (
        ClaimLine.objects.filter(claim__participation__campaign=campaign)
        .order_by("claim__participation__facility__code", "claim__month", "claim_id", "row")
        .values_list(
            "claim__participation__facility__code",
            "claim__participation__facility__name",
            "claim__month",
            "claim__status",
            "row",
            "reservation_number",
            "booked_on",
            "check_in",
            "nights",
            "guests",
            "total_charge",
            "discount",
            "channel",
            "prefecture",
            "counted_nights",
            "max_discount",
            "reimbursement",
            "excluded_reason",
        )
    )
    count = 0
    total = lines.count() if progress else 0
    for values in lines.iterator(chunk_size=2_000):
        count += 1
        if progress and count % 2_000 == 0:
            progress(count, total)
        row = list(values)
        row[2] = f"{row[2]:%Y-%m}"
        row[3] = str(statuses.get(row[3], row[3]))
        # Reservation numbers, names, channels are what hotels typed: never formulas.
        sheet.append([write_only_value(sheet, value) for value in row])
    last = count + 1
    sheet.auto_filter.ref = f"A1:R{last}"
    workbook.save(fileobj)
    return count
