"""E-mails to applicants when their application moves.

The body carries the business name and a link to the members area, nothing else: reasons, bank data
and documents stay behind the login (e-mail is not a safe channel for personal data).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.mail import queue_email

from .models import Application, ApplicationEvent, ApplicationStatus

SUBJECTS = {
    ApplicationStatus.SUBMITTED: gettext_lazy("参加申請を受け付けました"),
    ApplicationStatus.RETURNED: gettext_lazy("参加申請の修正のお願い（差戻し）"),
    ApplicationStatus.APPROVED: gettext_lazy("参加申請の審査結果のお知らせ（登録決定）"),
    ApplicationStatus.REJECTED: gettext_lazy("参加申請の審査結果のお知らせ"),
}


def recipients(application: Application) -> list[str]:
    addresses = [application.business.email]
    addresses += [
        m.user.email for m in application.business.memberships.select_related("user") if m.user.is_active
    ]
    unique: list[str] = []
    for address in addresses:
        if address and address.lower() not in {a.lower() for a in unique}:
            unique.append(address)
    return unique


def members_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("members:dashboard")


def notify_applicant(application: Application, event: ApplicationEvent) -> None:
    subject = SUBJECTS.get(event.to_status)
    if subject is None:
        return
    with translation.override("ja"):
        body = _(
            "%(business)s 様\n\n"
            "仙台市宿泊促進キャンペーン事務局です。\n"
            "参加申請（受付番号 %(reference)s）の状態が「%(status)s」になりました。\n"
            "内容は参加事業者専用ページでご確認ください。\n\n"
            "%(url)s\n\n"
            "このメールは送信専用です。ご不明な点はコールセンターへお問い合わせください。\n"
        ) % {
            "business": application.business.name,
            "reference": application.reference,
            "status": ApplicationStatus(event.to_status).label,
            "url": members_url(),
        }
        # Sent by the worker once the state change is committed (jobs.mail).
        queue_email(f"[{settings.WAGTAIL_SITE_NAME}] {subject}", body, recipients(application))
