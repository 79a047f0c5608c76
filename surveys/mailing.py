"""The winners' mailing list (宛名リスト) as Excel, laid out to print address labels from.

One row per winner whose prize still has to go out (未発送 or 再送), with what the envelope needs:
〒 and postal code, address, name with 様, phone, the entry id, the prize and which draw it was.
Winners whose personal data has been erased cannot be shipped to and are left out.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import Column, new_workbook, to_bytes, write_table

from .lottery import TO_SHIP, digits, public_id
from .models import DrawKind, DrawState, LotteryWinner, Survey

A4 = 9  # openpyxl's paperSize for A4


def postal_label(postal_code: str) -> str:
    """〒123-4567, whatever way the entrant typed it."""
    number = digits(postal_code)
    if len(number) == 7:
        return f"〒{number[:3]}-{number[3:]}"
    return f"〒{postal_code.strip()}"


def draw_label(winner: LotteryWinner) -> str:
    if winner.draw.kind == DrawKind.REDRAW:
        return _("第%(number)d回（再抽選）") % {"number": winner.draw.number}
    return _("第%(number)d回") % {"number": winner.draw.number}


def winners_to_ship(survey: Survey) -> QuerySet[LotteryWinner]:
    return (
        LotteryWinner.objects.filter(
            draw__survey=survey,
            draw__state=DrawState.DRAWN,
            status__in=TO_SHIP,
            replaced_by__isnull=True,
            entry__isnull=False,
        )
        .select_related("draw", "entry")
        .order_by("draw__number", "rank")
    )


def mailing_filename(survey: Survey) -> str:
    return f"lottery-mailing-{survey.slug}-{timezone.localdate():%Y%m%d}.xlsx"


def mailing_workbook(survey: Survey) -> tuple[bytes, int]:
    """(the .xlsx bytes, the number of rows)."""
    prize = survey.prize_description
    columns = [
        Column(_("郵便番号"), lambda w: postal_label(w.entry.postal_code), "code"),
        Column(_("住所"), lambda w: w.entry.address),
        Column(_("氏名"), lambda w: _("%(name)s 様") % {"name": w.entry.name}),
        Column(_("電話番号"), lambda w: w.entry.phone, "code"),
        Column(_("応募番号"), lambda w: public_id(w.entry_number), "code"),
        Column(_("景品"), lambda w: prize),
        Column(_("当選回"), draw_label),
    ]
    title = _("当選者宛名リスト")
    workbook = new_workbook(title)
    sheet = workbook.active
    sheet.title = title
    count = write_table(
        sheet,
        columns,
        winners_to_ship(survey),
        title=f"{title}　{survey.title}",
        subtitle=_("未発送・再送の当選者（%(date)s 出力）") % {"date": timezone.localdate().isoformat()},
    )
    # Print on A4, as wide as the paper, the header row on every page.
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    return to_bytes(workbook), count


def entries_filename(survey: Survey) -> str:
    return f"lottery-entries-{survey.slug}.xlsx"


def entries_workbook(survey: Survey) -> tuple[bytes, int]:
    """Every lottery entry of the survey as Excel (応募者一覧): (the .xlsx bytes, the number of rows)."""
    columns = [
        Column(_("応募番号"), lambda e: e.public_id, "code"),
        Column(_("氏名"), lambda e: e.name),
        Column(_("郵便番号"), lambda e: e.postal_code, "code"),
        Column(_("住所"), lambda e: e.address),
        Column(_("電話番号"), lambda e: e.phone, "code"),
        Column(_("メールアドレス"), lambda e: e.email),
        Column(_("応募言語"), lambda e: e.language, "code"),
        Column(_("応募日時"), lambda e: timezone.localtime(e.created_at).replace(tzinfo=None), "datetime"),
    ]
    title = _("抽選への応募者一覧")
    workbook = new_workbook(title)
    workbook.active.title = title
    count = write_table(
        workbook.active, columns, survey.lottery_entries.order_by("number"), title=f"{title}　{survey.title}"
    )
    return to_bytes(workbook), count
