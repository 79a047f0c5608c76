"""Leak prevention shared by the whole site (annexes 行政情報の取扱い・個人情報等の取扱い).

- `SiteCSPMiddleware`: the strict Content-Security-Policy of the public site and members area, and a
  looser one for the staff admin, whose Wagtail screens still ship inline scripts and styles.
- `PermissionsPolicyMiddleware`: turns off browser features no page of ours uses.
- `neutralise_csv` / `SafeCSVWriter`: every CSV the site hands out is safe to open in Excel
  (a cell that starts with `=`, `+`, `-`, `@`, tab or CR is not run as a formula).
- `PersonalDataExceptionReporterFilter`: error reports (the 500 mail to ADMINS) never carry what a
  person typed into a form.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.debug import SafeExceptionReporterFilter

# --- Content-Security-Policy ----------------------------------------------------------------------


def uses_admin_policy(path: str) -> bool:
    """Whether a path gets the admin's looser policy (`CONTENT_SECURITY_POLICY_ADMIN`)."""
    prefixes = getattr(settings, "CSP_ADMIN_PATH_PREFIXES", ())
    return any(path.startswith(prefix) for prefix in prefixes)


def is_admin_preview(request: HttpRequest) -> bool:
    """Wagtail renders a page preview by running a dummy request for the page's public URL through
    the whole middleware stack (`make_preview_request` sets `is_dummy`); the admin shows the result
    in an iframe of its own."""
    return bool(getattr(request, "is_dummy", False))


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware that picks the admin policy for the staff screens.

    Everything else gets `CONTENT_SECURITY_POLICY` (no inline script or style at all). A view may
    still adjust its own policy with django-csp's decorators; those win over the path choice. A page
    preview keeps the public policy (so it shows what the live page would block) but may be framed by
    the admin on the same origin: `frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        if uses_admin_policy(request.path_info):
            from csp.utils import default_config

            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        elif is_admin_preview(request):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["'self'"]}
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if is_admin_preview(request) and response.get("X-Frame-Options") == "DENY":
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` (Django has no setting for it): features we never use stay off, so
    an injected script or a framed page cannot ask for the camera, microphone or location."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        features = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{name}=({' '.join(allow)})" for name, allow in features.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


# --- CSV formula injection --------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def starts_like_formula(value: object) -> bool:
    """Whether a spreadsheet could run this text as a formula (OWASP's list of leading characters)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise_csv(value: Any) -> Any:
    """A CSV cell that Excel shows as typed: formula-like text gets a leading `'`.

    Numbers, and text that is only a number such as "-1500", stay as they are: Excel reads them as
    numbers, never as formulas.
    """
    if not starts_like_formula(value) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeCSVWriter:
    """`csv.writer` whose rows are passed through `neutralise_csv`; use it for every CSV export."""

    def __init__(self, fileobj: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise_csv(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


# --- Error reports --------------------------------------------------------------------------------


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hides every POST value and every local variable's value in error reports, not only those of
    views marked `sensitive_post_parameters` / `sensitive_variables`.

    Almost every form of the site carries personal data (bank accounts, names, addresses, phone
    numbers, e-mail addresses, lottery entries, free-text answers), it sits in local variables
    (`form.cleaned_data`, model instances) when something fails, and an error mail to ADMINS travels
    outside the system. Field and variable names and the stack stay visible, which is enough to debug.
    With DEBUG on (a developer's machine) nothing is hidden, as in Django's own filter.
    """

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        cleansed = request.POST.copy()
        for key in cleansed:
            cleansed[key] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: Any
    ) -> list[tuple[str, Any]]:
        if not self.is_active(request):  # DEBUG on a developer's machine: show everything
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
