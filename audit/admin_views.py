"""監査ログ in the Wagtail admin: the list with filters, and its Excel export for the city.

Only `audit.view_auditentry` (roles admin and city) opens either. Exporting is itself an audit entry
(audit_export), written before the file is handed out: if it cannot be written there is no file.
The export carries each entry's hash and previous hash, so the chain can be checked outside the system
(see `AuditEntry.canonical`).
"""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.auth import permission_required

from core.excel import Column, new_workbook, to_bytes, write_table
from core.paging import query_without
from jobs.admin_views import start_download

from .log import record
from .models import AuditAction, AuditEntry

VIEW = "audit.view_auditentry"
PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_view(user) -> bool:
    return user.has_perm(VIEW)


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label=gettext_lazy("操作"), choices=AuditAction.choices, empty_label=gettext_lazy("すべて")
    )
    actor = django_filters.CharFilter(
        label=gettext_lazy("実行者のユーザー名"), field_name="actor_label", lookup_expr="icontains"
    )
    date_from = django_filters.DateFilter(
        label=gettext_lazy("開始日"),
        field_name="at__date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("終了日"),
        field_name="at__date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    object_type = django_filters.CharFilter(
        label=gettext_lazy("対象の種類"), field_name="object_type", lookup_expr="iexact"
    )
    object_id = django_filters.CharFilter(label=gettext_lazy("対象のID"), field_name="object_id")

    class Meta:
        model = AuditEntry
        fields: list[str] = []


def _filtered(request: HttpRequest) -> tuple[AuditFilter, QuerySet[AuditEntry]]:
    filterset = AuditFilter(request.GET or None, queryset=AuditEntry.objects.order_by("-sequence"))
    return filterset, filterset.qs


@permission_required(VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    filterset, entries = _filtered(request)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "audit/admin/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "query_string": query_without(request),
            "export_query": query_without(request),
            "filtered": any(request.GET.get(name) for name in filterset.filters),
        },
    )


COLUMNS = [
    Column(gettext_lazy("連番"), lambda e: e.sequence, "int"),
    Column(gettext_lazy("日時"), lambda e: timezone.localtime(e.at).replace(tzinfo=None), "datetime"),
    Column(gettext_lazy("操作"), lambda e: e.get_action_display()),
    Column(gettext_lazy("実行者のユーザー名"), lambda e: e.actor_label),
    Column(gettext_lazy("実行者のID"), lambda e: e.actor_id, "int"),
    Column(gettext_lazy("IPアドレス"), lambda e: e.ip, "code"),
    Column(gettext_lazy("対象の種類"), lambda e: e.object_type, "code"),
    Column(gettext_lazy("対象のID"), lambda e: e.object_id, "code"),
    Column(gettext_lazy("概要"), lambda e: e.summary),
    Column(gettext_lazy("詳細"), lambda e: e.detail_text()),
    Column(gettext_lazy("直前のハッシュ"), lambda e: e.prev_hash, "code"),
    Column(gettext_lazy("ハッシュ"), lambda e: e.hash, "code"),
]


def export_workbook(filters: dict[str, str], last_sequence: int, at) -> bytes:
    """The entries matching the list's `filters` up to `last_sequence` (the last one counted when the
    export was recorded), as the 監査ログ workbook; `at` is the time the export was asked for."""
    entries = AuditFilter(filters, queryset=AuditEntry.objects.all()).qs.filter(sequence__lte=last_sequence)
    workbook = new_workbook(_("監査ログ"))
    sheet = workbook.active
    sheet.title = _("監査ログ")
    write_table(
        sheet,
        COLUMNS,
        entries.order_by("sequence").iterator(chunk_size=2000),
        title=_("監査ログ"),
        subtitle=_("出力日時 %(at)s／条件 %(filters)s")
        % {
            "at": f"{timezone.localtime(at):%Y/%m/%d %H:%M}",
            "filters": json.dumps(filters, ensure_ascii=False) if filters else "—",
        },
        freeze_columns=1,
    )
    return to_bytes(workbook)


@permission_required(VIEW)
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    """Records the export (which entries, by sequence) and starts the job that writes them
    (`jobs.builders`); the filters come from the list's query string."""
    filterset, entries = _filtered(request)
    filters = {name: value for name, value in request.GET.items() if name in filterset.filters and value}
    span = entries.aggregate(rows=Count("pk"), first=Min("sequence"), last=Max("sequence"))
    record(
        AuditAction.AUDIT_EXPORT,
        request=request,
        summary=gettext_lazy("監査ログをExcelで出力"),
        detail={
            "filters": filters,
            "rows": span["rows"],
            "first_sequence": span["first"],
            "last_sequence": span["last"],
        },
    )
    params = {"filters": filters, "last_sequence": span["last"] or 0}
    return start_download(request, "audit.export", params, _("監査ログ（Excel）"))
