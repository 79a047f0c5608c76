"""The application workflow (参加申請 → 審査 → 登録決定): the only code that changes an application's state.

Hotel views, the admin review screen, the demo seeder and tests all call these functions, so the
rules (who may move an application where, what must be complete, what approval creates) live in one
place. Each move is recorded as an `ApplicationEvent` and, where the applicant must know, e-mailed.

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved
      ▲                   ▲                        │  │  └──reject──▶ rejected
      │                   └──────submit──── returned ◀─return_for_correction
      │                                            │
      └ (a returned application is edited again)   escalate ⇄ record_city_decision (escalated)
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Facility, Participation

from .models import (
    Application,
    ApplicationEvent,
    ApplicationFacility,
    ApplicationStatus,
    DocumentKind,
    EventKind,
    format_reference,
)
from .notifications import notify_applicant

S = ApplicationStatus


class TransitionError(Exception):
    """A move the rules do not allow; the message is shown to the user as is."""


def completeness_problems(application: Application) -> list[str]:
    """What is still missing before the application can be submitted, in the form's order."""
    problems: list[str] = []
    business = application.business
    for field in ("name", "representative", "postal_code", "address", "contact_person", "phone", "email"):
        if not getattr(business, field):
            problems.append(
                _("事業者情報の「%(field)s」が未入力です。")
                % {"field": business._meta.get_field(field).verbose_name}
            )
    if not application.facilities.exists():
        problems.append(_("施設を1件以上登録してください。"))
    for field in Application.BANK_FIELDS:
        if not getattr(application, field):
            problems.append(
                _("振込先口座の「%(field)s」が未入力です。")
                % {"field": Application._meta.get_field(field).verbose_name}
            )
    kinds = set(application.documents.values_list("kind", flat=True))
    for kind in DocumentKind:
        if kind.value not in kinds:
            problems.append(_("提出書類「%(kind)s」をアップロードしてください。") % {"kind": kind.label})
    if not application.pledges_given:
        problems.append(_("誓約事項のすべてに同意してください。"))
    return problems


def can_start_application(campaign, today: datetime.date | None = None) -> bool:
    return campaign.accepts_applications(today)


def deadline_message(campaign) -> str:
    """Why a new application cannot be made now, in words the applicant understands."""
    from core.formatting import format_date

    today = timezone.localdate()
    if today < campaign.application_start:
        return _("参加申請の受付は%(date)sからです。") % {"date": format_date(campaign.application_start)}
    return _(
        "参加申請の受付は%(date)sで終了しました。キャンペーン開始後は新規の参加申請を受け付けていません。"
    ) % {"date": format_date(campaign.application_end)}


def _record(
    application: Application,
    actor,
    to_status: str,
    note: str = "",
    *,
    kind: str = EventKind.TRANSITION,
    visible: bool = False,
) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        actor=actor,
        from_status=application.status,
        to_status=to_status,
        note=note,
        visible_to_applicant=visible,
    )
    application.status = to_status
    return event


def _lock(application: Application) -> Application:
    """Re-read the row under a lock so that two people acting at once cannot both move it."""
    return (
        Application.objects.select_for_update().select_related("campaign", "business").get(pk=application.pk)
    )


def _require(application: Application, *allowed: str) -> None:
    if application.status not in allowed:
        raise TransitionError(
            _("この操作は現在の状態（%(status)s）ではできません。画面を再読み込みしてください。")
            % {"status": application.get_status_display()}
        )


def _require_note(note: str, message: str) -> str:
    note = (note or "").strip()
    if not note:
        raise TransitionError(message)
    return note


@transaction.atomic
def submit(application: Application, user, today: datetime.date | None = None) -> Application:
    """The applicant hands in a complete draft, or resubmits after 差戻し."""
    application = _lock(application)
    _require(application, S.DRAFT, S.RETURNED)
    today = today or timezone.localdate()
    if application.status == S.DRAFT and not application.campaign.accepts_applications(today):
        raise TransitionError(deadline_message(application.campaign))
    if application.status == S.RETURNED and today > application.campaign.stay_end:
        raise TransitionError(_("キャンペーンが終了したため、再提出できません。"))
    problems = completeness_problems(application)
    if problems:
        raise TransitionError(" ".join(problems))
    if application.number is None:
        # Numbers are given per campaign in order of first submission; the campaign row is locked so
        # two submissions at the same moment cannot take the same number.
        type(application.campaign).objects.select_for_update().get(pk=application.campaign_id)
        last = Application.objects.filter(campaign=application.campaign).aggregate(n=Max("number"))["n"]
        application.number = (last or 0) + 1
    resubmission = application.status == S.RETURNED
    event = _record(
        application,
        user,
        S.SUBMITTED,
        _("修正して再提出しました。") if resubmission else _("参加申請を提出しました。"),
        visible=True,
    )
    application.submitted_at = timezone.now()
    application.save()
    transaction.on_commit(lambda: notify_applicant(application, event))
    return application


@transaction.atomic
def start_review(application: Application, reviewer) -> Application:
    application = _lock(application)
    _require(application, S.SUBMITTED)
    _record(application, reviewer, S.IN_REVIEW, _("審査を開始しました。"), visible=True)
    application.reviewer = reviewer
    application.save()
    return application


@transaction.atomic
def save_checklist(application: Application, reviewer, values: dict[str, bool]) -> Application:
    application = _lock(application)
    _require(application, S.IN_REVIEW, S.ESCALATED)
    changed = []
    for name in Application.CHECKLIST_FIELDS:
        value = bool(values.get(name, False))
        if getattr(application, name) != value:
            setattr(application, name, value)
            label = Application._meta.get_field(name).verbose_name
            changed.append(f"{label}: {'✓' if value else '—'}")
    if changed:
        ApplicationEvent.objects.create(
            application=application,
            kind=EventKind.COMMENT,
            actor=reviewer,
            note=_("チェックリストを更新しました（%(items)s）。") % {"items": "、".join(changed)},
        )
        application.save()
    return application


@transaction.atomic
def add_comment(application: Application, user, note: str) -> ApplicationEvent:
    """An internal review note: shown in the timeline to staff only."""
    note = _require_note(note, _("メモを入力してください。"))
    return ApplicationEvent.objects.create(
        application=application, kind=EventKind.COMMENT, actor=user, note=note
    )


@transaction.atomic
def return_for_correction(application: Application, reviewer, reasons: str) -> Application:
    """差戻し: the applicant sees the reasons, edits the application and submits it again."""
    reasons = _require_note(reasons, _("差戻しの理由を入力してください。申請者に表示されます。"))
    application = _lock(application)
    _require(application, S.IN_REVIEW)
    event = _record(application, reviewer, S.RETURNED, reasons, visible=True)
    application.save()
    transaction.on_commit(lambda: notify_applicant(application, event))
    return application


@transaction.atomic
def escalate(application: Application, reviewer, question: str) -> Application:
    """発注者確認: a doubt the contractor may not decide alone goes to the city (spec 参加可否の審査)."""
    question = _require_note(question, _("発注者に確認したい内容を入力してください。"))
    application = _lock(application)
    _require(application, S.IN_REVIEW)
    _record(application, reviewer, S.ESCALATED, question)
    application.save()
    return application


@transaction.atomic
def record_city_decision(application: Application, city_user, decision: str) -> Application:
    """The city's answer to an escalated case; the case goes back to the reviewer, who acts on it."""
    decision = _require_note(decision, _("判断の内容を入力してください。"))
    application = _lock(application)
    _require(application, S.ESCALATED)
    _record(application, city_user, S.IN_REVIEW, decision, kind=EventKind.CITY_DECISION)
    application.save()
    return application


@transaction.atomic
def reject(application: Application, reviewer, reason: str) -> Application:
    reason = _require_note(reason, _("不承認の理由を入力してください。申請者に表示されます。"))
    application = _lock(application)
    _require(application, S.IN_REVIEW)
    event = _record(application, reviewer, S.REJECTED, reason, visible=True)
    application.decided_at = timezone.now()
    application.save()
    transaction.on_commit(lambda: notify_applicant(application, event))
    return application


@transaction.atomic
def approve(
    application: Application,
    reviewer,
    approved_on: datetime.date | None = None,
    note: str = "",
    allocations: dict[int, int] | None = None,
) -> Application:
    """登録決定: fix 登録決定日 and publish the application's facilities in the guide for its round.

    `allocations` gives each facility's 配分額 by application-entry id; a budget that cannot take
    them refuses the whole approval (nothing is published).
    """
    from claims import budget

    application = _lock(application)
    _require(application, S.IN_REVIEW)
    if not application.checklist_complete:
        raise TransitionError(_("審査チェックリストのすべての項目を確認してから登録決定してください。"))
    approved_on = approved_on or timezone.localdate()
    entries = list(application.facilities.select_related("facility").prefetch_related("features"))
    if not entries:
        raise TransitionError(_("施設が登録されていない申請は登録決定できません。"))
    for index, entry in enumerate(entries, start=1):
        facility = publish_facility(application, entry, index)
        participation, _created = Participation.objects.update_or_create(
            facility=facility, campaign=application.campaign, defaults={"approved_on": approved_on}
        )
        amount = (allocations or {}).get(entry.pk)
        if amount:
            try:
                budget.set_allocation(participation, amount, actor=reviewer, note=_("登録決定時の配分額"))
            except budget.BudgetError as error:
                raise TransitionError(f"{entry.name}: {error}") from error
    event = _record(
        application, reviewer, S.APPROVED, note.strip() or _("参加を登録決定しました。"), visible=True
    )
    application.approved_on = approved_on
    application.decided_at = timezone.now()
    application.save()
    transaction.on_commit(lambda: notify_applicant(application, event))
    return application


def facility_code(application: Application, index: int) -> str:
    """施設コード of an approved entry: its 受付番号 (which carries the round) and position, e.g.
    `R3-A00012-1`. The codes are in the guide's URLs and on claims, so they must never change shape."""
    return f"{format_reference(application.campaign_id, application.number)}-{index}"


def publish_facility(application: Application, entry: ApplicationFacility, index: int) -> Facility:
    """Create (or, for an entry approved before, update) the guide's facility from an application entry."""
    facility = entry.facility or Facility(code=facility_code(application, index))
    facility.name = entry.name
    facility.kana = entry.kana
    facility.facility_type = entry.facility_type
    facility.ward = entry.ward
    facility.area = entry.area
    facility.address = entry.address
    facility.phone = entry.phone
    facility.website = entry.website
    facility.description = entry.description
    facility.booking_notes = entry.booking_notes
    facility.room_count = entry.room_count
    facility.business = application.business
    facility.is_published = True
    facility.save()
    facility.features.set(entry.features.all())
    facility.refresh_search_text()
    if entry.facility_id != facility.pk:
        entry.facility = facility
        entry.save(update_fields=["facility"])
    return facility


def record_edit(application: Application, user, what: str) -> ApplicationEvent | None:
    """After 差戻し, note each change the applicant saves, so the reviewer sees what was corrected.

    Drafts are not logged: nobody has reviewed them yet, so their edits tell a reviewer nothing.
    """
    if application.status != S.RETURNED:
        return None
    return ApplicationEvent.objects.create(
        application=application, kind=EventKind.EDIT, actor=user, note=what
    )


def applicant_timeline(application: Application):
    """The events an applicant sees: state changes and messages addressed to them, never staff notes
    (nor who on the staff acted: the members area does not name staff)."""
    return application.events.filter(visible_to_applicant=True)
