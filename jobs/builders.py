"""The builders of the kinds of job: each calls the app's own service function, nothing more.

Parameters are plain JSON recorded at request time by the screen that checked the permissions; a
builder looks objects up again (they may have changed or gone since) and says so in Japanese.
"""

from __future__ import annotations

import datetime
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _

from .registry import JobError, Output, Progress, register

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


def _gone() -> JobError:
    return JobError(_("対象のデータが見つかりません（削除された可能性があります）。"))


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# --- アンケート集計 ------------------------------------------------------------------------------


def _survey(params: dict):
    from surveys.models import Survey

    survey = Survey.objects.filter(pk=params.get("survey")).first()
    if survey is None:
        raise _gone()
    return survey


@register("surveys.answers_excel")
def survey_answers_excel(job, params: dict, progress: Progress) -> Output:
    from surveys import export
    from surveys.results import Filters

    survey = _survey(params)
    progress(0, 1)
    filters = Filters(
        version=params.get("version") if isinstance(params.get("version"), int) else None,
        start=_date(params.get("start")),
        end=_date(params.get("end")),
        facility=params.get("facility") or None,
    )
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    export.write_answers(
        survey,
        spool,
        filters,
        language=params.get("language", "ja"),
        choice_flags=bool(params.get("flags")),
        progress=progress,
    )
    spool.seek(0)
    return Output(spool, export.answers_filename(survey), export.XLSX_TYPE)


@register("surveys.report_pdf")
def survey_report_pdf(job, params: dict, progress: Progress) -> Output:
    from surveys import report

    survey = _survey(params)
    progress(0, 1)
    try:
        content = report.build_report(survey, "en" if params.get("language") == "en" else "ja")
    except report.ReportError as exc:
        raise JobError(str(exc)) from exc
    return Output(content, report.report_filename(survey), PDF_TYPE)


@register("surveys.lottery_mailing", personal_data=True)
def survey_lottery_mailing(job, params: dict, progress: Progress) -> Output:
    from surveys.mailing import mailing_filename, mailing_workbook

    survey = _survey(params)
    content, _count = mailing_workbook(survey)
    return Output(content, mailing_filename(survey), XLSX_TYPE)


@register("surveys.lottery_entries", personal_data=True)
def survey_lottery_entries(job, params: dict, progress: Progress) -> Output:
    from surveys.mailing import entries_filename, entries_workbook

    survey = _survey(params)
    content, _count = entries_workbook(survey)
    return Output(content, entries_filename(survey), XLSX_TYPE)


# --- 実績報告の帳票 -------------------------------------------------------------------------------


def _campaign(params: dict):
    from campaigns.models import Campaign

    campaign = Campaign.objects.filter(pk=params.get("campaign")).first()
    if campaign is None:
        raise _gone()
    return campaign


@register("claims.month_report")
def claims_month_report(job, params: dict, progress: Progress) -> Output:
    from claims import reports
    from claims.models import MonthlyClose

    close = MonthlyClose.objects.select_related("campaign").filter(pk=params.get("close")).first()
    if close is None:
        raise _gone()
    filename = f"shiharai-jisseki-{close.campaign.slug}-{close.month:%Y%m}.xlsx"
    return Output(reports.monthly_report(close), filename, XLSX_TYPE)


@register("claims.completion_report")
def claims_completion_report(job, params: dict, progress: Progress) -> Output:
    from claims import reports

    campaign = _campaign(params)
    filename = f"kansei-data-{campaign.slug}-{timezone.localtime(job.created_at):%Y%m%d}.xlsx"
    return Output(reports.completion_report(campaign), filename, XLSX_TYPE)


@register("claims.lines_export")
def claims_lines_export(job, params: dict, progress: Progress) -> Output:
    from claims import reports

    campaign = _campaign(params)
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    reports.write_claim_lines(campaign, spool, progress=progress)
    spool.seek(0)
    filename = f"houkoku-meisai-{campaign.slug}-{timezone.localtime(job.created_at):%Y%m%d}.xlsx"
    return Output(spool, filename, XLSX_TYPE)


# --- 参加事業者データ ----------------------------------------------------------------------------


@register("participants.export", personal_data=True)
def participants_export(job, params: dict, progress: Progress) -> Output:
    """The export records itself (ParticipantExport and the audit trail) with the requester as the
    exporter, exactly as the synchronous download did."""
    from participants.export import VIA_ADMIN, ExportNotAllowed, export_filename, export_participants

    campaign = _campaign(params)
    try:
        data, _rows = export_participants(
            campaign,
            user=job.requested_by,
            via=VIA_ADMIN,
            full_account_numbers=bool(params.get("full_account_numbers")),
        )
    except ExportNotAllowed as exc:
        raise JobError(str(exc)) from exc
    return Output(data, export_filename(campaign), XLSX_TYPE)


# --- 応対記録の集計報告 --------------------------------------------------------------------------


@register("inquiries.tally")
def inquiries_tally(job, params: dict, progress: Progress) -> Output:
    from inquiries.reports import tally_filename, tally_report

    day = _date(params.get("day"))
    if day is None or params.get("kind") not in ("daily", "monthly"):
        raise _gone()
    tally, content = tally_report(params["kind"], day)
    return Output(content, tally_filename(tally), XLSX_TYPE)


# --- 監査ログ --------------------------------------------------------------------------------------


@register("audit.export")
def audit_export(job, params: dict, progress: Progress) -> Output:
    """The export was recorded in the audit trail when it was asked for (audit.admin_views)."""
    from audit.admin_views import export_workbook

    content = export_workbook(
        dict(params.get("filters") or {}), int(params.get("last_sequence") or 0), job.created_at
    )
    filename = f"audit-log-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.xlsx"
    return Output(content, filename, XLSX_TYPE)


# --- チラシ ---------------------------------------------------------------------------------------------


@register("promotion.flyer_pdf")
def promotion_flyer_pdf(job, params: dict, progress: Progress) -> Output:
    from promotion import pdf
    from promotion.models import Flyer

    flyer = Flyer.objects.select_related("campaign").filter(pk=params.get("flyer")).first()
    if flyer is None:
        raise _gone()
    proof, bleed = bool(params.get("proof")), bool(params.get("bleed"))
    try:
        content = pdf.proof_pdf(flyer, bleed=bleed) if proof else pdf.live_pdf(flyer, bleed=bleed)
    except pdf.PdfError as exc:
        raise JobError(str(exc)) from exc
    return Output(content, pdf.filename(flyer, proof=proof, bleed=bleed), PDF_TYPE)
