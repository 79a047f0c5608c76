"""Staff upload of the facility file (施設一覧) in the Wagtail admin.

The screen only collects the file and the target round and shows the report; reading, checking and
writing are `facilities.importing.import_facilities`, the same service as the `import_facilities`
command. A file with any problem is shown back with every problem and nothing is saved.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from wagtail.admin.auth import user_passes_test

from campaigns.models import Campaign

from .importing import COLUMNS, REQUIRED_COLUMNS, import_facilities, template_csv

IMPORT_PERMISSIONS = ("facilities.add_facility", "facilities.change_facility")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ALLOWED_EXTENSIONS = (".xlsx", ".csv")
TEMPLATE_FILENAME = "facility-import-template.csv"


def can_import(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Importing creates and changes facilities, so it needs both permissions."""
    return user.has_perms(IMPORT_PERMISSIONS)


class FacilityImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("施設一覧のファイル"),
        help_text=gettext_lazy("Excel（.xlsx）または CSV（.csv）、5MBまで。"),
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("取り込み先のキャンペーン"),
        queryset=Campaign.objects.order_by("-stay_start"),
        empty_label=None,
        help_text=gettext_lazy("登録決定日と販売状況は、このキャンペーンの参加登録に記録します。"),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(_("Excel（.xlsx）または CSV（.csv）のファイルを選んでください。"))
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("ファイルが大きすぎます（%(size)sMB）。5MBまでのファイルにしてください。")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            )
        return upload


@user_passes_test(can_import)
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = FacilityImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload: UploadedFile = form.cleaned_data["file"]
            result = import_facilities(
                upload.read(),
                filename=upload.name or "",
                campaign=form.cleaned_data["campaign"],
                user=request.user,
            )
            if result.ok:
                messages.success(request, result.summary())
                return redirect("wagtailsnippets_facilities_facility:list")
    else:
        form = FacilityImportForm(initial={"campaign": Campaign.objects.current()})
    return TemplateResponse(
        request,
        "facilities/admin/import.html",
        {
            "form": form,
            "result": result,
            "columns": "、".join(COLUMNS),
            "required_columns": "、".join(REQUIRED_COLUMNS),
        },
    )


@user_passes_test(can_import)
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """The header row and one example row, as a CSV that Excel opens without garbling (UTF-8 with BOM)."""
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
    return response
