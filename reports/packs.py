"""Building the report packs (業務報告): one Excel workbook and one PDF summary of the same figures.

* Monthly pack of a month closed with claims' 月末締め: payments by facility (the figures frozen in
  `MonthlyClose.rows`), the call center's monthly tally, survey progress and the 発注者確認 cases.
* Dates: titles, periods and "made at" lines in 和暦 (令和7年6月分, 令和7年6月1日〜令和7年6月30日), as
  the city's documents are dated; data cells stay real dates so Excel sorts and filters them.
* Final pack (事業終了報告): each facility's allocation (the plan) against its payment results
  (`claims.reports.completion_rows`), inquiries per month and category, the survey summary and the
  escalations of the whole round. Before the stay period has ended it can only be made as a 暫定版
  (provisional, said on every page and sheet); after it ends it is the report, and can be made again
  while late approvals still come in (each generation is kept as a `ReportPackRun`).

Every figure comes from the function the rest of the platform uses for it (claims.reports,
inquiries.services, surveys.admin_links), so the pack and the screens never disagree. The packs hold
aggregated figures and facility / business names only: no callers, no bank details, and no free text
of the escalations (a question may quote an applicant), only their dates and states.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Locale

from campaigns.models import Campaign
from claims import charts as claim_charts
from claims import reports as claim_reports
from claims.admin_forms import add_months, campaign_months, month_label
from claims.models import MonthlyClose
from core.excel import Column, new_workbook, to_bytes, write_table
from core.formatting import document_datetime, document_month, document_period
from core.pdf import FONT_FAMILY, PdfError, check_fonts, html_to_pdf
from inquiries import reports as inquiry_reports
from inquiries.services import Tally, monthly_tally
from participants.models import ApplicationEvent, ApplicationStatus, EventKind
from surveys import charts as survey_charts
from surveys.admin_links import facility_rates, response_rate
from surveys.models import Response, Survey
from surveys.results import DayCount, Option, percent

from .models import PackKind, PackStatus, ReportPack, ReportPackRun

TOP_FACILITIES = 10  # bars in the PDF's payment chart; the tables list every facility
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A pack still queued or running after this long was lost (a worker stopped): it may be asked again.
STALE = datetime.timedelta(minutes=30)

logger = logging.getLogger(__name__)


class PackError(Exception):
    """The pack cannot be made; the message (Japanese) is shown to the user as is."""


# --- what may be made ----------------------------------------------------------------------------


def parse_month(value: str) -> datetime.date:
    """YYYY-MM → the month's first day; PackError with the expected shape otherwise."""
    message = _("対象月は YYYY-MM の形式で指定してください（%(value)s）。") % {"value": value}
    if not re.fullmatch(r"\d{4}-\d{2}", value or ""):
        raise PackError(message)
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise PackError(message) from exc


def campaign_by_slug(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise PackError(_("キャンペーン「%(slug)s」は登録されていません。") % {"slug": slug})
    return campaign


def closed_months(campaign: Campaign) -> list[datetime.date]:
    """The months a monthly pack can be made for: those closed with 月末締め, newest first."""
    return list(MonthlyClose.objects.filter(campaign=campaign).values_list("month", flat=True))


def monthly_close(campaign: Campaign, month: datetime.date) -> MonthlyClose:
    close = MonthlyClose.objects.filter(campaign=campaign, month=month.replace(day=1)).first()
    if close is None:
        raise PackError(
            _(
                "%(month)sは月末締めが済んでいないため、月次報告を作成できません。"
                "先に「月末締め・報告」で%(month)sを締めてください。"
            )
            % {"month": month_label(month)}
        )
    return close


def final_is_provisional(campaign: Campaign, today: datetime.date | None = None) -> bool:
    """Until the stay period has ended the final pack can only be a 暫定版."""
    return (today or timezone.localdate()) <= campaign.stay_end


def check_final(campaign: Campaign, provisional: bool, today: datetime.date | None = None) -> bool:
    """Whether the final pack will be provisional; PackError when a 確定版 is asked for too early."""
    if final_is_provisional(campaign, today) and not provisional:
        raise PackError(
            _(
                "宿泊対象期間（%(end)sまで）が終わっていないため、事業終了報告はまだ作成できません。"
                "途中経過は「暫定版」として作成できます。"
            )
            % {"end": f"{campaign.stay_end:%Y年%-m月%-d日}"}
        )
    return final_is_provisional(campaign, today)


# --- the figures -------------------------------------------------------------------------------


def _start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class SurveyRow:
    title: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    in_period: int
    cumulative: int


@dataclass
class EscalationRow:
    reference: str
    business: str
    escalated_at: datetime.datetime
    decided_at: datetime.datetime | None
    status: str


@dataclass
class PackData:
    kind: str
    campaign: Campaign
    title: str
    period: str
    provisional: bool = False
    month: datetime.date | None = None
    close: MonthlyClose | None = None
    payments: list[dict] = field(default_factory=list)
    tally: Tally | None = None  # monthly
    inquiry_months: list[dict] = field(default_factory=list)  # final: per month
    inquiry_categories: list[Option] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    survey_days: list[DayCount] = field(default_factory=list)
    facility_rates: list[dict] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    escalations_open: int = 0
    budget_points: list[tuple[datetime.date, int]] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(row.get(key) or 0 for row in self.payments)

    @property
    def inquiry_total(self) -> int:
        return sum(option.count for option in self.inquiry_categories)

    @property
    def decided(self) -> int:
        return sum(1 for row in self.escalations if row.decided_at is not None)


def _surveys(campaign: Campaign) -> list[Survey]:
    return list(
        Survey.objects.filter(campaign=campaign, locale=Locale.get_default()).order_by("opens_at", "pk")
    )


def _survey_figures(data: PackData, since: datetime.datetime | None, until: datetime.datetime) -> None:
    """Responses per survey in the period and up to its end, per day, and per facility (rates)."""
    surveys = _surveys(data.campaign)
    responses = Response.objects.filter(survey__in=surveys, submitted_at__lt=until)
    in_period = Counter(
        dict(
            (responses.filter(submitted_at__gte=since) if since else responses)
            .values_list("survey")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    cumulative = Counter(dict(responses.values_list("survey").annotate(n=Count("pk")).order_by()))
    data.surveys = [
        SurveyRow(s.title, s.opens_at, s.closes_at, in_period[s.pk], cumulative[s.pk]) for s in surveys
    ]
    per_day = dict(
        responses.annotate(day=TruncDate("submitted_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    if per_day:
        first = min(per_day) if since is None else since.date()
        last = (until - datetime.timedelta(seconds=1)).date()
        running = sum(n for day, n in per_day.items() if day < first)
        day = first
        while day <= last:
            count = per_day.get(day, 0)
            running += count
            data.survey_days.append(DayCount(day, count, running))
            day += datetime.timedelta(days=1)
    for survey in surveys:
        for participation in facility_rates(survey):
            rate = response_rate(participation.response_count, participation.stay_count)
            data.facility_rates.append(
                {
                    "survey": survey.title,
                    "code": participation.facility.code,
                    "name": participation.facility.name,
                    "responses": participation.response_count,
                    "stays": participation.stay_count,
                    "rate": round(rate, 1) if rate is not None else None,
                }
            )


def _escalations(data: PackData, since: datetime.datetime | None, until: datetime.datetime) -> None:
    """発注者確認 cases asked in the period, with the city's decision when it came (dates only)."""
    events = ApplicationEvent.objects.filter(application__campaign=data.campaign, created_at__lt=until)
    asked = events.filter(to_status=ApplicationStatus.ESCALATED).select_related("application__business")
    if since is not None:
        asked = asked.filter(created_at__gte=since)
    decisions = list(
        events.filter(kind=EventKind.CITY_DECISION)
        .values_list("application_id", "created_at")
        .order_by("created_at")
    )
    statuses = dict(ApplicationStatus.choices)
    for event in asked.order_by("created_at", "pk"):
        decided = next(
            (at for app, at in decisions if app == event.application_id and at >= event.created_at), None
        )
        data.escalations.append(
            EscalationRow(
                reference=str(event.application.reference),
                business=event.application.business.name,
                escalated_at=event.created_at,
                decided_at=decided,
                status=str(statuses.get(event.application.status, event.application.status)),
            )
        )
    data.escalations_open = sum(1 for row in data.escalations if row.decided_at is None)


def _budget_points(campaign: Campaign, until_month: datetime.date | None) -> list[tuple[datetime.date, int]]:
    """Cumulative payments at each closed month's end (the closes' frozen figures)."""
    closes = MonthlyClose.objects.filter(campaign=campaign).order_by("month")
    if until_month is not None:
        closes = closes.filter(month__lte=until_month)
    return [
        (claim_reports.month_end(close.month), sum(row.get("cumulative", 0) for row in close.rows))
        for close in closes
    ]


def monthly_data(campaign: Campaign, month: datetime.date) -> PackData:
    close = monthly_close(campaign, month)
    month = close.month
    since, until = _start(month), _start(add_months(month, 1))
    data = PackData(
        kind=PackKind.MONTHLY,
        campaign=campaign,
        title=_("月次業務報告（%(month)s分）") % {"month": document_month(month)},
        period=document_period(month, claim_reports.month_end(month)),
        month=month,
        close=close,
        payments=close.rows,
        tally=monthly_tally(month),
    )
    data.inquiry_categories = [
        Option(
            str(row.category.pk), row.category.name, row.total, percent(row.total, data.tally.totals.total)
        )
        for row in data.tally.by_category
    ]
    _survey_figures(data, since, until)
    _escalations(data, since, until)
    data.budget_points = _budget_points(campaign, month)
    return data


def final_data(campaign: Campaign, provisional: bool = False) -> PackData:
    today = timezone.localdate()
    months = campaign_months(campaign, today)
    data = PackData(
        kind=PackKind.FINAL,
        campaign=campaign,
        title=_("事業終了報告"),
        period=document_period(campaign.stay_start, campaign.stay_end),
        provisional=provisional,
        payments=claim_reports.completion_rows(campaign),
    )
    categories: dict[str, Option] = {}
    for month in months:
        if month > today:
            break
        tally = monthly_tally(month)
        data.inquiry_months.append(
            {
                "month": month,  # a real date in Excel (sorted, filtered); the PDF prints its 和暦
                "label": document_month(month),
                "records": tally.totals.records,
                "quick": tally.totals.quick,
                "total": tally.totals.total,
            }
        )
        for row in tally.by_category:
            option = categories.setdefault(row.category.name, Option(str(row.category.pk), row.category.name))
            option.count += row.total
    total = sum(option.count for option in categories.values())
    for option in categories.values():
        option.percent = percent(option.count, total)
    data.inquiry_categories = list(categories.values())
    _survey_figures(data, None, _start(today + datetime.timedelta(days=1)))
    _escalations(data, None, _start(today + datetime.timedelta(days=1)))
    data.budget_points = _budget_points(campaign, None)
    approved = data.total("amount")
    if not data.budget_points or data.budget_points[-1][1] != approved:
        data.budget_points.append((today, approved))
    return data


# --- Excel -------------------------------------------------------------------------------------


def _sheet_title(data: PackData) -> str:
    title = f"{data.title} {data.campaign.name}"
    return f"{title}【{_('暫定版')}】" if data.provisional else title


def write_workbook(data: PackData) -> bytes:
    workbook = new_workbook(_sheet_title(data))
    subtitle = _("対象期間 %(period)s ／ 作成日時 %(now)s") % {
        "period": data.period,
        "now": document_datetime(timezone.now()),
    }
    sheet = workbook.active
    sheet.title = _("支払実績")
    if data.kind == PackKind.MONTHLY:
        claim_reports.write_monthly_sheet(sheet, data.close)
        inquiry_reports.write_tally_sheets(workbook, data.tally, prefix=_("問合せ_"))
    else:
        claim_reports.write_completion_sheet(sheet, data.campaign, data.payments)
        if data.provisional:
            sheet.cell(row=2, column=1).value = f"【{_('暫定版')}】 {sheet.cell(row=2, column=1).value}"
        write_table(
            workbook.create_sheet(_("問合せ_月別")),
            [
                Column(_("月"), lambda r: r["month"], "month"),
                Column(_("応対記録（件）"), lambda r: r["records"], "int"),
                Column(_("簡易集計（件）"), lambda r: r["quick"], "int"),
                Column(_("合計（件）"), lambda r: r["total"], "int"),
            ],
            data.inquiry_months,
            title=_sheet_title(data),
            subtitle=subtitle,
            totals={
                index: sum(row[key] for row in data.inquiry_months)
                for index, key in ((1, "records"), (2, "quick"), (3, "total"))
            },
        )
        write_table(
            workbook.create_sheet(_("問合せ_分類別")),
            [Column(_("分類"), lambda o: o.label), Column(_("合計（件）"), lambda o: o.count, "int")],
            data.inquiry_categories,
            title=_sheet_title(data),
            subtitle=subtitle,
            totals={1: data.inquiry_total},
        )
    in_period = _("当月の回答数") if data.kind == PackKind.MONTHLY else _("期間中の回答数")
    write_table(
        workbook.create_sheet(_("アンケート")),
        [
            Column(_("アンケート"), lambda r: r.title),
            Column(
                _("回答受付の開始"), lambda r: timezone.localtime(r.opens_at).replace(tzinfo=None), "datetime"
            ),
            Column(
                _("回答受付の終了"),
                lambda r: timezone.localtime(r.closes_at).replace(tzinfo=None),
                "datetime",
            ),
            Column(in_period, lambda r: r.in_period, "int"),
            Column(_("累計回答数"), lambda r: r.cumulative, "int"),
        ],
        data.surveys,
        title=_sheet_title(data),
        subtitle=subtitle,
        totals={3: sum(r.in_period for r in data.surveys), 4: sum(r.cumulative for r in data.surveys)},
    )
    write_table(
        workbook.create_sheet(_("アンケート_施設別")),
        [
            Column(_("アンケート"), lambda r: r["survey"]),
            Column(_("施設コード"), lambda r: r["code"], "code"),
            Column(_("施設名"), lambda r: r["name"]),
            Column(_("回答数"), lambda r: r["responses"], "int"),
            Column(_("報告された宿泊件数"), lambda r: r["stays"], "int"),
            Column(_("回答率（%）"), lambda r: r["rate"]),
        ],
        data.facility_rates,
        title=_sheet_title(data),
        subtitle=_("作成時点の回答数と宿泊件数 ／ %(subtitle)s") % {"subtitle": subtitle},
        freeze_columns=3,
    )
    write_table(
        workbook.create_sheet(_("発注者確認")),
        [
            Column(_("受付番号"), lambda r: r.reference, "code"),
            Column(_("事業者名"), lambda r: r.business),
            Column(
                _("確認依頼日時"),
                lambda r: timezone.localtime(r.escalated_at).replace(tzinfo=None),
                "datetime",
            ),
            Column(
                _("市の判断日時"),
                lambda r: timezone.localtime(r.decided_at).replace(tzinfo=None) if r.decided_at else None,
                "datetime",
            ),
            Column(_("申請の現在の状態"), lambda r: r.status),
        ],
        data.escalations,
        title=_sheet_title(data),
        subtitle=_("確認依頼 %(asked)s件 ／ 判断済み %(decided)s件 ／ 判断待ち %(open)s件 ／ %(subtitle)s")
        % {
            "asked": len(data.escalations),
            "decided": data.decided,
            "open": data.escalations_open,
            "subtitle": subtitle,
        },
    )
    return to_bytes(workbook)


# --- PDF ---------------------------------------------------------------------------------------


def _payment_bars(data: PackData) -> claim_charts.BarChart | None:
    """The facilities with the largest amounts: this month's and cumulative payments (monthly), or
    allocation against approved amount (final); facilities with nothing to draw are left out."""
    first, second = ("amount", "cumulative") if data.kind == PackKind.MONTHLY else ("allocation", "amount")
    ranked = sorted(data.payments, key=lambda r: (-r["amount"], -r[first], r["code"]))
    rows = [
        (survey_charts.short_label(r["name"], 20), r[first], r[second])
        for r in ranked
        if r[first] or r[second]
    ]
    return claim_charts.bar_chart(rows[:TOP_FACILITIES])


def pdf_context(data: PackData) -> dict[str, Any]:
    budget = data.campaign.budget
    ranked = sorted(data.payments, key=lambda r: (-r["amount"], r["code"]))
    return {
        "data": data,
        "campaign": data.campaign,
        "font_family": FONT_FAMILY,
        "now": timezone.localtime(),
        "monthly": data.kind == PackKind.MONTHLY,
        "payments": ranked,
        "totals": {
            key: data.total(key)
            for key in (
                "claims",
                "stays",
                "person_nights",
                "amount",
                "paid",
                "cumulative",
                "allocation",
                "remaining",
            )
        },
        "payment_chart": _payment_bars(data),
        "budget_chart": claim_charts.line_chart(data.budget_points, budget) if data.budget_points else None,
        "budget": budget,
        "budget_rows": [(day, value, budget - value) for day, value in data.budget_points],
        "category_chart": survey_charts.option_chart([o for o in data.inquiry_categories if o.count]),
        "survey_chart": survey_charts.day_chart(data.survey_days, cumulative=True),
        "survey_total": sum(r.cumulative for r in data.surveys),
        "survey_in_period": sum(r.in_period for r in data.surveys),
    }


def render_pdf(data: PackData) -> bytes:
    check_fonts()
    from django.template.loader import render_to_string

    with translation.override("ja"):
        html = render_to_string("reports/pdf/pack.html", pdf_context(data))
    return html_to_pdf(html, base_url=str(Path(__file__).parent))


# --- building ----------------------------------------------------------------------------------


def collect(pack: ReportPack) -> PackData:
    if pack.kind == PackKind.MONTHLY:
        return monthly_data(pack.campaign, pack.month)
    return final_data(pack.campaign, pack.provisional)


def filenames(pack: ReportPack) -> tuple[str, str]:
    if pack.kind == PackKind.MONTHLY:
        stem = f"geppou-{pack.campaign.slug}-{pack.month:%Y%m}"
    else:
        stem = f"jigyou-shuuryou-{pack.campaign.slug}" + ("-zantei" if pack.provisional else "")
    return f"{stem}.xlsx", f"{stem}.pdf"


def build_files(pack: ReportPack) -> tuple[bytes, bytes]:
    data = collect(pack)
    return write_workbook(data), render_pdf(data)


def request_pack(
    campaign: Campaign,
    kind: str,
    user,
    month: datetime.date | None = None,
    provisional: bool = False,
    today: datetime.date | None = None,
) -> ReportPack:
    """Create (or reset) the pack row as queued and record the run; the caller builds or enqueues it.

    Refuses (PackError) a month not closed, a 確定版 final pack before the stays ended, and a pack
    that is being built right now."""
    if kind == PackKind.MONTHLY:
        if month is None:
            raise PackError(_("対象月を指定してください。"))
        month = monthly_close(campaign, month).month
        provisional = False
    elif kind == PackKind.FINAL:
        month = None
        provisional = check_final(campaign, provisional, today)
    else:
        raise PackError(_("種類は monthly または final で指定してください。"))
    with transaction.atomic():
        pack, created = ReportPack.objects.select_for_update().get_or_create(
            campaign=campaign, kind=kind, month=month, defaults={"created_by": user}
        )
        if not created and pack.is_busy and pack.requested_at and timezone.now() - pack.requested_at < STALE:
            raise PackError(_("この報告書パックは作成中です。終わるまでお待ちください。"))
        pack.status = PackStatus.QUEUED
        pack.provisional = provisional
        pack.error = ""
        pack.requested_at = timezone.now()
        pack.finished_at = None
        pack.save()
        ReportPackRun.objects.create(pack=pack, requested_by=user, provisional=provisional)
    return pack


def build_pack(pack_id: int) -> ReportPack:
    """Build a queued pack's files and store them, replacing the previous ones; a failure is kept on
    the pack (and its run) with the message, so the list can show it."""
    pack = ReportPack.objects.select_related("campaign").get(pk=pack_id)
    run = pack.runs.filter(status__in=[PackStatus.QUEUED, PackStatus.RUNNING]).first()
    ReportPack.objects.filter(pk=pack.pk).update(status=PackStatus.RUNNING)
    if run:
        ReportPackRun.objects.filter(pk=run.pk).update(status=PackStatus.RUNNING)
    try:
        xlsx, pdf = build_files(pack)
    except (PackError, PdfError) as exc:
        return _fail(pack, run, str(exc))
    except Exception as exc:  # any failure must show on the list, not leave the pack "running"
        logger.exception("report pack %s failed", pack.pk)
        return _fail(
            pack, run, _("作成中にエラーが発生しました（%(error)s）。") % {"error": type(exc).__name__}
        )
    old = [name for name in (pack.xlsx.name, pack.pdf.name) if name]
    xlsx_name, pdf_name = filenames(pack)
    pack.xlsx.save(xlsx_name, ContentFile(xlsx), save=False)
    pack.pdf.save(pdf_name, ContentFile(pdf), save=False)
    pack.xlsx_sha256 = hashlib.sha256(xlsx).hexdigest()
    pack.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    pack.status = PackStatus.DONE
    pack.error = ""
    pack.finished_at = timezone.now()
    pack.save()
    for name in old:
        if name not in (pack.xlsx.name, pack.pdf.name):
            pack.xlsx.storage.delete(name)
    if run:
        ReportPackRun.objects.filter(pk=run.pk).update(
            status=PackStatus.DONE,
            finished_at=pack.finished_at,
            xlsx_sha256=pack.xlsx_sha256,
            pdf_sha256=pack.pdf_sha256,
        )
    return pack


def _fail(pack: ReportPack, run: ReportPackRun | None, message: str) -> ReportPack:
    now = timezone.now()
    ReportPack.objects.filter(pk=pack.pk).update(status=PackStatus.FAILED, error=message, finished_at=now)
    if run:
        ReportPackRun.objects.filter(pk=run.pk).update(
            status=PackStatus.FAILED, error=message, finished_at=now
        )
    pack.refresh_from_db()
    return pack
