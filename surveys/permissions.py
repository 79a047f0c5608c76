"""Who may do what with surveys on the staff side (`accounts.roles` grants the permissions).

Building a survey is content work; reading results is for the back office and the city; the
lottery, which is the only place with respondents' names and addresses, is for the back office
that runs it.
"""

from __future__ import annotations

EDIT = "surveys.change_survey"
VIEW_RESULTS = "surveys.view_results"  # dashboards, Excel of answers (no personal data), the PDF report
RUN_LOTTERY = "surveys.run_lottery"  # entries, draws, winners' addresses, shipping
VIEW_DRAWS = "surveys.view_lotterydraw"  # the draw records (hashes, seeds, entry numbers) without names


def can_view_results(user) -> bool:
    return user.has_perm(VIEW_RESULTS)


def can_run_lottery(user) -> bool:
    return user.has_perm(RUN_LOTTERY)


def can_view_draws(user) -> bool:
    return user.has_perm(VIEW_DRAWS) or user.has_perm(RUN_LOTTERY)
