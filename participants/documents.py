"""Checking and storing application documents (営業許可証の写し, 通帳の写し).

A file's name and the browser's Content-Type are whatever the uploader says, so the type is decided
from the content: PDF by its header, JPEG and PNG by Pillow actually parsing the image. A file whose
content does not match its extension is refused, so a renamed executable or HTML page never reaches
a reviewer's browser. Files go to the "private" storage and are served only by `serve_document`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .models import Application, ApplicationDocument

# extension -> (content type, checker)
ALLOWED = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def sniff_content_type(uploaded: UploadedFile) -> str | None:
    """The real type of the file from its bytes, or None when it is none of PDF, JPEG and PNG."""
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        with Image.open(uploaded) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        uploaded.seek(0)
    return {"JPEG": "image/jpeg", "PNG": "image/png"}.get(fmt or "")


def validate_document(uploaded: UploadedFile) -> str:
    """Return the checked content type, or raise ValidationError with a message for the field."""
    limit = settings.PARTICIPANT_DOCUMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("ファイルが大きすぎます（%(size)sMB）。%(limit)sMB以下にしてください。")
            % {"size": f"{uploaded.size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("ファイルが空です。"), code="empty")
    name = uploaded.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = ALLOWED.get(extension)
    if expected is None:
        raise ValidationError(
            _("PDF・JPEG・PNGのいずれかのファイルをアップロードしてください。"), code="extension"
        )
    actual = sniff_content_type(uploaded)
    if actual != expected:
        raise ValidationError(
            _("ファイルの中身が拡張子（.%(ext)s）と一致しません。正しい形式のファイルを選んでください。")
            % {"ext": extension},
            code="content_mismatch",
        )
    return actual


def store_document(application: Application, kind: str, uploaded: UploadedFile, user) -> ApplicationDocument:
    content_type = validate_document(uploaded)
    document = ApplicationDocument(
        application=application,
        kind=kind,
        original_name=(uploaded.name or "")[-200:],
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=user,
    )
    document.file.save(uploaded.name or "document", uploaded, save=False)
    document.save()
    return document


def serve_document(document: ApplicationDocument, user) -> FileResponse:
    """Send a document to someone already allowed to see it, as a download that is never cached."""
    if not user.is_authenticated:
        raise PermissionDenied
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("ファイルが見つかりません。")) from exc
    response = FileResponse(
        handle,
        as_attachment=document.content_type == "application/pdf",
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
