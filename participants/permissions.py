"""Who may do what with participant applications on the staff side.

The role table (`accounts.roles`) gives the permissions; these helpers name what each one means, so
the admin screens, the Excel export and the command ask the same question the same way.
"""

from __future__ import annotations

from .models import Application

VIEW = "participants.view_application"
REVIEW = "participants.review_application"
DECIDE = "participants.decide_escalation"
EXPORT = "participants.export_participants"
FULL_ACCOUNT = "participants.view_full_bank_account"
EXPORT_LOG = "participants.view_participantexport"
# 参加事業者データ（確定版）: the back office that exports freezes it; the city, which receives it,
# downloads it again but changes nothing.
FREEZE = "participants.add_participantsnapshot"
FROZEN = "participants.view_participantsnapshot"


def can_view(user) -> bool:
    return user.has_perm(VIEW)


def can_review(user) -> bool:
    return user.has_perm(REVIEW)


def can_decide_escalation(user) -> bool:
    return user.has_perm(DECIDE)


def can_comment(user) -> bool:
    """Internal notes: the reviewers and the city, who discuss a case."""
    return can_review(user) or can_decide_escalation(user)


def can_export(user) -> bool:
    return user.has_perm(EXPORT)


def can_see_full_account(user) -> bool:
    return user is not None and user.has_perm(FULL_ACCOUNT)


def can_freeze(user) -> bool:
    return user is not None and user.has_perm(FREEZE)


def can_download_frozen(user) -> bool:
    return user is not None and user.has_perm(FROZEN)


def can_view_export_log(user) -> bool:
    return user.has_perm(EXPORT_LOG)


def account_number_for(application: Application, user) -> str:
    """口座番号 as this user may see it: whole for those with the right, otherwise masked."""
    if can_see_full_account(user):
        return application.account_number
    return application.masked_account_number
