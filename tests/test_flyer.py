"""Issue 9 (プロモーション 2): the A4 flyer — print data, proofs, validation, permissions, workflow.

The demo data has a flyer for the running round, published after the first proof and with a second
proof round saved as a draft (promotion/demo.py); the PDFs are read back with pypdf.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images.models import Image

from accounts.roles import WORKFLOW_NAME
from core.formatting import format_date
from core.pdf import fonts_installed
from jobs import services as jobs_services
from jobs.models import Job, JobStatus
from promotion import pdf
from promotion.models import Flyer

from .factories import UserFactory
from .jobhelpers import body, download_via_job

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not fonts_installed(), reason="Noto Sans CJK JP (fonts-noto-cjk) is not installed"),
]

A4 = (595.3, 841.9)
A4_WITH_BLEED = (612.3, 858.9)  # 216 × 303 mm


@pytest.fixture
def flyer(seeded) -> Flyer:
    return Flyer.objects.select_related("campaign").get(campaign__slug="demo-current")


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF")
    return PdfReader(io.BytesIO(content))


def text_of(content: bytes) -> str:
    """The PDF's text without whitespace (the layout breaks long lines anywhere)."""
    return "".join("".join(page.extract_text() for page in read(content).pages).split())


def squeeze(value: str) -> str:
    return "".join(value.split())


def size(box) -> tuple[float, float]:
    return float(box.width), float(box.height)


def assert_close(got: tuple[float, float], expected: tuple[float, float]) -> None:
    assert abs(got[0] - expected[0]) <= 1 and abs(got[1] - expected[1]) <= 1, (got, expected)


def make_image(width: int, height: int) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (0, 90, 156)).save(buffer, format="JPEG")
    return Image.objects.create(title=f"test {width}x{height}", file=ImageFile(buffer, name="test.jpg"))


# --- the PDF ------------------------------------------------------------------------------------


def test_print_pdf_is_one_a4_page(flyer):
    reader = read(pdf.live_pdf(flyer, bleed=False))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert_close(size(page.mediabox), A4)
    assert_close(size(page.trimbox), A4)


def test_bleed_adds_3mm_around_an_a4_trim_box(flyer):
    page = read(pdf.live_pdf(flyer, bleed=True)).pages[0]
    assert_close(size(page.mediabox), A4_WITH_BLEED)
    assert_close(size(page.trimbox), A4)
    trim, media = page.trimbox, page.mediabox
    for side in ("left", "bottom"):  # 3 mm = 8.5 pt on every side
        assert abs(abs(float(getattr(trim, side)) - float(getattr(media, side))) - 8.5) <= 0.5
    bleed = page.bleedbox
    assert float(bleed.width) > float(trim.width) and float(bleed.width) <= A4_WITH_BLEED[0] + 0.5


def test_pdf_text_is_japanese_and_comes_from_the_campaign(flyer):
    text = text_of(pdf.live_pdf(flyer))
    campaign = flyer.campaign
    assert squeeze(flyer.title) in text
    assert squeeze(flyer.catch_copy) in text
    assert squeeze(format_date(campaign.stay_start)) in text
    assert squeeze(format_date(campaign.stay_end)) in text
    assert squeeze(campaign.discount_summary()) in text
    assert flyer.phone and squeeze(flyer.phone) in text
    assert "ご利用の流れ" in text
    assert "校正" not in text


def test_fonts_are_embedded_noto_sans_cjk(flyer):
    page = read(pdf.live_pdf(flyer)).pages[0]
    fonts = page["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descriptor_owner["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        names.append(str(font["/BaseFont"]))
    assert names and all("NotoSansCJKJP" in name.replace("-", "") for name in names), names


def test_photo_is_printed_at_300_dpi(flyer):
    page = read(pdf.live_pdf(flyer)).pages[0]
    images = list(page.images)
    assert images, "the photo is missing"
    widest = max(image.image.width for image in images)
    assert widest >= 2197  # 186 mm at 300 dpi, not an 800 px web rendition


def test_proof_is_the_latest_draft_and_marked_as_proof(flyer):
    assert flyer.live and flyer.has_unpublished_changes
    draft = flyer.latest_revision.as_object()
    assert draft.catch_copy != flyer.catch_copy
    proof = text_of(pdf.proof_pdf(flyer))
    assert "校正刷り" in proof and "印刷に使わないでください" in proof
    assert squeeze(draft.catch_copy) in proof
    live = text_of(pdf.live_pdf(flyer))
    assert squeeze(flyer.catch_copy) in live and squeeze(draft.catch_copy) not in live


def test_a_flyer_never_published_has_no_print_data(flyer):
    Flyer.objects.filter(pk=flyer.pk).update(live=False)
    flyer.refresh_from_db()
    with pytest.raises(pdf.FlyerError, match="公開"):
        pdf.live_pdf(flyer)


def test_missing_font_is_a_clear_error(flyer, monkeypatch):
    monkeypatch.setattr("core.pdf.fonts_installed", lambda: False)
    with pytest.raises(pdf.PdfError, match="fonts-noto-cjk"):
        pdf.live_pdf(flyer)


# --- validation ----------------------------------------------------------------------------------


def test_too_long_catch_copy_and_title_are_refused_in_japanese(flyer):
    flyer.catch_copy = "あ" * 41
    flyer.title = "い" * 31
    with pytest.raises(ValidationError) as caught:
        flyer.full_clean()
    errors = caught.value.message_dict
    assert "40文字以内" in errors["catch_copy"][0] and "41文字" in errors["catch_copy"][0]
    assert "30文字以内" in errors["title"][0]


def test_image_too_small_for_print_names_the_pixels_needed(flyer):
    flyer.image = make_image(800, 600)
    with pytest.raises(ValidationError) as caught:
        flyer.full_clean()
    message = caught.value.message_dict["image"][0]
    assert "2197" in message and "1040" in message and "800" in message and "300dpi" in message


def test_steps_must_be_three_to_five(flyer):
    flyer.steps = [("step", {"title": "予約", "text": "予約します。"})] * 2
    with pytest.raises(ValidationError) as caught:
        flyer.full_clean()
    assert "3〜5手順" in caught.value.message_dict["steps"][0]
    flyer.steps = [("step", {"title": "予約", "text": "予約します。"})] * 6
    with pytest.raises(ValidationError):
        flyer.full_clean()


def test_empty_contact_fields_take_the_contact_settings(flyer):
    from cms.models import ContactSettings

    flyer.phone = flyer.hours = flyer.qr_url = ""
    flyer.full_clean()
    contact = ContactSettings.load()
    assert flyer.phone == contact.traveller_phone and flyer.hours == contact.hours
    assert flyer.qr_url.startswith("http") and flyer.qr_url.endswith("/")


# --- admin: downloads, permissions, preview, history ------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "moderator", "admin"])
def test_staff_who_work_on_the_flyer_download_both_pdfs(client, flyer, role):
    client.force_login(UserFactory(role=role))
    for name in ("promotion_flyer_pdf", "promotion_flyer_proof_pdf"):
        url = reverse(name, args=[flyer.pk])
        page = client.get(url)
        assert page.status_code == 200 and "PDFを作成する" in page.content.decode(), name
        response = download_via_job(client, url)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert_close(size(read(body(response)).pages[0].mediabox), A4)
    bleed = download_via_job(client, reverse("promotion_flyer_pdf", args=[flyer.pk]), {"bleed": "1"})
    assert_close(size(read(body(bleed)).pages[0].mediabox), A4_WITH_BLEED)


@pytest.mark.parametrize("role", ["operator", "city", "reviewer"])
def test_other_roles_cannot_download(client, flyer, role):
    client.force_login(UserFactory(role=role))
    for name in ("promotion_flyer_pdf", "promotion_flyer_proof_pdf"):
        for response in (
            client.get(reverse(name, args=[flyer.pk])),
            client.post(reverse(name, args=[flyer.pk])),
        ):
            assert response.status_code in (302, 403), name
            assert not Job.objects.filter(requested_by=response.wsgi_request.user).exists()


def test_download_of_an_unpublished_flyer_says_why(client, flyer):
    Flyer.objects.filter(pk=flyer.pk).update(live=False)
    client.force_login(UserFactory(role="editor"))
    for method in (client.get, client.post):
        response = method(reverse("promotion_flyer_pdf", args=[flyer.pk]), follow=True)
        assert response.status_code == 200
        assert "まだ公開（承認）されていません" in response.content.decode()
    assert not Job.objects.exists()


def test_a_flyer_unpublished_before_its_job_runs_fails_the_job_with_the_reason(flyer):
    """The job looks again: print data asked for while published but unpublished since is refused."""
    Flyer.objects.filter(pk=flyer.pk).update(live=False)
    job = jobs_services.start(
        UserFactory(role="editor"), "promotion.flyer_pdf", {"flyer": flyer.pk}, label="x"
    )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "まだ公開（承認）されていません" in job.error and not job.file


def test_edit_screen_offers_the_downloads(client, flyer):
    client.force_login(UserFactory(role="editor"))
    response = client.get(reverse("wagtailsnippets_promotion_flyer:edit", args=[flyer.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("promotion_flyer_pdf", args=[flyer.pk]) in body
    assert reverse("promotion_flyer_proof_pdf", args=[flyer.pk]) in body


def test_preview_renders_the_print_html_at_a4(flyer):
    request = RequestFactory().get("/")
    request.user = UserFactory(role="editor")
    response = flyer.serve_preview(request, flyer.default_preview_mode)
    body = response.render().content.decode() if hasattr(response, "render") else response.content.decode()
    assert "width: 210mm; height: 297mm" in body
    assert flyer.title in body and "プレビュー" in body


def test_proof_rounds_are_revisions_that_can_be_compared(client, flyer):
    revisions = list(flyer.revisions.order_by("created_at", "pk"))
    assert len(revisions) >= 2
    client.force_login(UserFactory(role="moderator"))
    url = reverse(
        "wagtailsnippets_promotion_flyer:revisions_compare",
        args=[flyer.pk, revisions[0].pk, revisions[-1].pk],
    )
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "キャッチコピー" in body and "満喫" in body
    history = client.get(reverse("wagtailsnippets_promotion_flyer:history", args=[flyer.pk]))
    assert history.status_code == 200


# --- moderation -------------------------------------------------------------------------------------


def test_editor_submits_and_moderator_approves_then_it_is_live(flyer):
    editor, moderator = UserFactory(role="editor"), UserFactory(role="moderator")
    flyer.catch_copy = "第3回校正のキャッチコピー"
    revision = flyer.save_revision(user=editor)
    workflow = flyer.get_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME
    assert not editor.has_perm("promotion.publish_flyer") and moderator.has_perm("promotion.publish_flyer")

    state = workflow.start(flyer, editor)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(flyer, editor) == []
    assert "approve" in [action[0] for action in task.get_actions(flyer, moderator)]

    task.on_action(task_state, moderator, "approve")
    flyer.refresh_from_db()
    assert flyer.live and flyer.live_revision_id == revision.pk and not flyer.has_unpublished_changes
    assert "第3回校正のキャッチコピー" in text_of(pdf.live_pdf(flyer))


# --- the command ------------------------------------------------------------------------------------


def test_command_writes_the_live_flyer(flyer, tmp_path):
    out = io.StringIO()
    target = tmp_path / "flyer.pdf"
    call_command("flyer", "--out", str(target), stdout=out)
    assert "印刷用データ" in out.getvalue() and str(target) in out.getvalue()
    page = PdfReader(target).pages[0]
    assert_close(size(page.mediabox), A4)
    assert "校正" not in text_of(target.read_bytes())


def test_command_bleed_and_draft(flyer, tmp_path):
    target = tmp_path / "proof.pdf"
    out = io.StringIO()
    call_command("flyer", "--out", str(target), "--bleed", "--draft", stdout=out)
    assert "校正刷り" in out.getvalue()
    assert_close(size(PdfReader(target).pages[0].mediabox), A4_WITH_BLEED)
    assert "校正刷り" in text_of(target.read_bytes())


def test_command_without_a_published_flyer_fails_clearly(flyer, tmp_path):
    Flyer.objects.update(live=False)
    with pytest.raises(CommandError, match="公開（承認）済みのチラシがありません"):
        call_command("flyer", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
    Flyer.objects.all().delete()
    with pytest.raises(CommandError, match="チラシがまだありません"):
        call_command("flyer", "--out", str(tmp_path / "x.pdf"), "--draft")


def test_command_without_fonts_fails_clearly(flyer, tmp_path, monkeypatch):
    monkeypatch.setattr("core.pdf.fonts_installed", lambda: False)
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("flyer", "--out", str(tmp_path / "x.pdf"))


# --- the edit form ----------------------------------------------------------------------------------


def form_data(flyer: Flyer, **changes) -> dict:
    """The snippet edit form's POST for `flyer` (the steps as Wagtail's StreamField inputs)."""
    data = {
        "campaign": flyer.campaign_id,
        "title": flyer.title,
        "catch_copy": flyer.catch_copy,
        "image": flyer.image_id,
        "image_alt": flyer.image_alt,
        "phone": flyer.phone,
        "hours": flyer.hours,
        "qr_url": flyer.qr_url,
        "steps-count": len(flyer.steps),
    }
    for index, step in enumerate(flyer.steps):
        data |= {
            f"steps-{index}-type": "step",
            f"steps-{index}-deleted": "",
            f"steps-{index}-order": index,
            f"steps-{index}-id": step.id,
            f"steps-{index}-value-title": step.value["title"],
            f"steps-{index}-value-text": step.value["text"],
        }
    return data | changes


def test_edit_form_shows_the_layout_error_next_to_the_field(client, flyer):
    client.force_login(UserFactory(role="editor"))
    url = reverse("wagtailsnippets_promotion_flyer:edit", args=[flyer.pk])
    response = client.post(url, form_data(flyer, catch_copy="あ" * 45))
    assert response.status_code == 200
    assert "キャッチコピーは40文字以内にしてください" in response.content.decode()
    assert flyer.revisions.count() == 2


def test_editor_submits_through_the_edit_form(client, flyer):
    editor = UserFactory(role="editor")
    client.force_login(editor)
    url = reverse("wagtailsnippets_promotion_flyer:edit", args=[flyer.pk])
    response = client.post(url, form_data(flyer, catch_copy="第3回校正", **{"action-submit": "1"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    flyer.refresh_from_db()
    assert flyer.workflow_in_progress
    assert flyer.latest_revision.as_object().catch_copy == "第3回校正"
    assert flyer.catch_copy != "第3回校正"  # the live version is unchanged until a moderator approves
