"""Who may do what in the call center on the staff side (the role table in `accounts.roles` gives the
permissions; these names say what each means, for the screens, the menu and the tests)."""

from __future__ import annotations

VIEW = "inquiries.view_inquiry"
ADD = "inquiries.add_inquiry"
CHANGE = "inquiries.change_inquiry"
CALLER_DETAILS = "inquiries.view_caller_details"  # personal data: the caller's name and phone
QUICK_TALLY = "inquiries.add_quicktally"
VIEW_REPORTS = "inquiries.view_reportsubmission"
SUBMIT_REPORTS = "inquiries.add_reportsubmission"
MAKE_FAQ = "inquiries.add_faqentry"  # "FAQ にする" creates a draft entry


def can_view(user) -> bool:
    return user.has_perm(VIEW)


def can_add(user) -> bool:
    return user.has_perm(ADD)


def can_change(user) -> bool:
    return user.has_perm(CHANGE)


def can_see_caller(user) -> bool:
    return user is not None and user.has_perm(CALLER_DETAILS)


def can_quick_tally(user) -> bool:
    return user.has_perm(QUICK_TALLY)


def can_view_reports(user) -> bool:
    return user.has_perm(VIEW_REPORTS)


def can_submit_reports(user) -> bool:
    return user.has_perm(SUBMIT_REPORTS)


def can_make_faq(user) -> bool:
    return user.has_perm(MAKE_FAQ)
