"""Issue 8: the role × screen matrix (`accounts.matrix`) is what the site does.

Every screen is requested as every DOMAIN.md staff role, a hotel user and an anonymous visitor; the
response must be "let in" exactly for the roles the matrix allows. A refusal is a 403, a redirect to a
login page (anonymous visitors, and hotel users at the admin), or Wagtail's permission-denied redirect
to the admin dashboard (with its error message) — the staff's side of the members area redirects
there too. Every URL of the project's apps must have a matrix entry, and docs/role-matrix.md must be
the `role_matrix` command's output.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.snippets.models import get_snippet_models

from accounts import matrix

from .factories import PDF_BYTES, UserFactory

pytestmark = pytest.mark.django_db
DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "role-matrix.md"
HOTEL_EMAIL = "hotel-approved@example.jp"


def _walk(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            module = getattr(getattr(callback, "view_class", callback), "__module__", "")
            yield (f"{namespace}{pattern.name}" if pattern.name else "", module)


def all_urls() -> list[tuple[str, str]]:
    return list(_walk(get_resolver().url_patterns))


def test_every_url_of_the_project_has_a_matrix_entry():
    names = {screen.name for screen in matrix.SCREENS}
    ours = matrix.project_apps()
    missing = sorted(
        {name or module for name, module in all_urls() if module.split(".")[0] in ours and name not in names}
    )
    assert missing == [], f"add these URLs to accounts/matrix.py: {missing}"


def test_every_snippet_and_setting_of_the_project_is_in_the_matrix():
    from wagtail.contrib.settings.registry import registry as settings_registry

    keys = set(matrix.BY_KEY)
    ours = matrix.project_apps()
    missing = []
    for model in get_snippet_models():
        if model._meta.app_label in ours:
            prefix = f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}"
            missing += [
                f"{prefix}:{view}" for view in ("list", "add", "edit") if f"{prefix}:{view}" not in keys
            ]
    for model in settings_registry:
        if model._meta.app_label in ours:
            key = f"wagtailsettings:edit {model._meta.label_lower}"
            missing += [key] if key not in keys else []
    assert missing == [], f"add these screens to accounts/matrix.py: {missing}"


def test_every_matrix_entry_is_a_real_url():
    names = {name for name, _module in all_urls()}
    assert sorted({screen.name for screen in matrix.SCREENS} - names) == []


def test_the_document_is_the_commands_output():
    out = io.StringIO()
    call_command("role_matrix", stdout=out)
    assert DOCUMENT.read_text(encoding="utf-8") == out.getvalue(), (
        "regenerate it: python manage.py role_matrix --out docs/role-matrix.md"
    )


def test_the_matrix_follows_the_role_table():
    """Spot checks that the derivation reads the permissions the way DOMAIN.md means them."""
    allowed = {screen.key: set(matrix.allowed_roles(screen)) for screen in matrix.SCREENS}
    assert allowed["claims_payment_zengin"] == {"accountant"}
    assert allowed["participants_escalations"] == {"city"}
    assert allowed["audit_list"] == {"city", "admin"}
    assert allowed["surveys_admin:lottery_entries"] == {"reviewer"}
    assert allowed["inquiries_new"] == {"operator"}
    assert allowed["members:dashboard"] == {matrix.HOTEL}
    assert "hotel" not in allowed["wagtailadmin_home"] and "anonymous" not in allowed["wagtailadmin_home"]
    assert allowed["healthz"] == set(matrix.ROLES)


# --- the walk ------------------------------------------------------------------------------------


@pytest.fixture
def objects(seeded):
    """Real objects of the demo data for the URLs' parameters; members URLs use the hotel's own."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.models import Campaign
    from claims import payments, reports
    from claims.models import Claim, MonthlyClose, PaymentBatch, TransferSettings
    from cms.models import HomePage, TourismBanner
    from facilities.models import (
        Area,
        Facility,
        FacilityGuidePage,
        FacilityType,
        Feature,
        Ward,
    )
    from inquiries.models import FAQEntry, FAQPage, Inquiry, InquiryCategory
    from participants.documents import store_document
    from participants.models import Application, Membership, ParticipantNotice
    from promotion.models import Flyer
    from surveys import lottery
    from surveys.models import LotteryDraw, Survey

    hotel = get_user_model().objects.get(email=HOTEL_EMAIL)
    business = Membership.objects.get(user=hotel).business
    application = Application.objects.filter(business=business).order_by("created_at").first()
    own_claim = Claim.objects.filter(participation__facility__business=business).first()
    participation = own_claim.participation
    survey = Survey.objects.filter(locale__language_code="ja").exclude(slug="").first()
    # What the demo does not seed is made through the real services.
    campaign = participation.campaign
    accountant = UserFactory(role="accountant")
    draw = LotteryDraw.objects.first() or lottery.freeze(survey, UserFactory(role="reviewer"), 1)
    batch = PaymentBatch.objects.first()
    if batch is None:
        transfer = TransferSettings.load()
        transfer.remitter_code, transfer.remitter_name = "1234567890", "ｾﾝﾀﾞｲｼ"
        transfer.bank_code, transfer.bank_name = "0001", "ミズホ"
        transfer.branch_code, transfer.branch_name = "100", "センダイ"
        transfer.account_type, transfer.account_number = "1", "1111111"
        transfer.save()
        batch = payments.create_batch(campaign, timezone.localdate() + datetime.timedelta(days=7), accountant)
    # A report pack with files of its own (built packs live in the private storage of the run).
    from django.core.files.base import ContentFile

    from reports.models import PackKind, PackStatus, ReportPack

    pack = ReportPack.objects.filter(kind=PackKind.FINAL, campaign=campaign).first() or ReportPack(
        kind=PackKind.FINAL, campaign=campaign, status=PackStatus.DONE
    )
    pack.xlsx.save("matrix.xlsx", ContentFile(b"PK"), save=False)
    pack.pdf.save("matrix.pdf", ContentFile(PDF_BYTES), save=False)
    pack.save()
    # The round's 参加事業者データ（確定版）, frozen through the real service.
    from participants import frozen
    from participants.models import ParticipantSnapshot

    snapshot = ParticipantSnapshot.objects.filter(campaign=campaign).first() or frozen.freeze(
        campaign, UserFactory(role="reviewer")
    )
    month_close = MonthlyClose.objects.first() or reports.close_month(
        campaign,
        campaign.stay_start,
        accountant,
        today=reports.month_end(campaign.stay_start) + datetime.timedelta(days=1),
    )
    found = {
        "hotel": hotel,
        "application": application,
        "entry": application.facilities.first(),
        # A document of its own: the seeded files live in the storage of the run that seeded.
        "document": store_document(
            application, "licence_copy", SimpleUploadedFile("kyoka.pdf", PDF_BYTES), hotel
        ),
        "participation": participation,
        "claim": own_claim,
        "line": own_claim.lines.first(),
        "facility": participation.facility,
        "notice": ParticipantNotice.objects.filter(live=True).first(),
        "survey": survey,
        "draw": draw,
        "month_close": month_close,
        "pack": pack,
        "snapshot": snapshot,
        "batch": batch,
        "inquiry": Inquiry.objects.first(),
        "home": HomePage.objects.first(),
        "guide": FacilityGuidePage.objects.live().first(),
        "faq_page": FAQPage.objects.live().first(),
        "next_campaign": Campaign.objects.get(slug="demo-next"),
        "snippets": {
            "campaigns.campaign": Campaign.objects.first(),
            "cms.tourismbanner": TourismBanner.objects.first(),
            "facilities.facility": Facility.objects.first(),
            "facilities.ward": Ward.objects.first(),
            "facilities.area": Area.objects.first(),
            "facilities.facilitytype": FacilityType.objects.first(),
            "facilities.feature": Feature.objects.first(),
            "participants.participantnotice": ParticipantNotice.objects.first(),
            "inquiries.inquirycategory": InquiryCategory.objects.first(),
            "inquiries.faqentry": FAQEntry.objects.first(),
            "surveys.survey": survey,
            "promotion.flyer": Flyer.objects.first(),
        },
    }
    empty = [name for name, value in found.items() if value is None]
    empty += [name for name, value in found["snippets"].items() if value is None]
    assert empty == [], f"the demo data has none of: {empty}"
    return found


def url_for(screen: matrix.Screen, o: dict) -> str:
    """The screen's URL with the objects' ids (see `objects`)."""
    key, name = screen.key, screen.name
    if name.startswith("wagtailsnippets_"):
        model = name.removeprefix("wagtailsnippets_").split(":")[0].replace("_", ".", 1)
        view = name.split(":")[1]
        return reverse(name, args=[o["snippets"][model].pk]) if view == "edit" else reverse(name)
    if name == "wagtailsettings:edit":
        app_label, model = key.split(" ")[1].split(".")
        return reverse(name, args=[app_label, model, apps.get_model(app_label, model).load().pk])
    special = {
        "wagtail_serve home": lambda: o["home"].url,
        "wagtail_serve guide": lambda: o["guide"].url + f"{o['facility'].code}/",
        "wagtail_serve faq": lambda: o["faq_page"].url,
        "wagtaildocs_serve": lambda: reverse(name, args=[999_999, "missing.pdf"]),
        "wagtaildocs_authenticate_with_password": lambda: reverse(name, args=[999_999]),
        "wagtailcore_authenticate_with_password": lambda: reverse(name, args=[999_999, o["home"].pk]),
    }
    if key in special:
        return special[key]()
    args = {
        "surveys:survey": [o["survey"].slug],
        "surveys:facility_link": [o["survey"].slug, o["facility"].code],
        "surveys:thanks": [o["survey"].slug],
        "members:verify": ["not-a-token"],
        "members:password_reset_confirm": ["MQ", "not-a-token"],
        "members:invitation": ["not-a-token"],
        "members:notice_detail": [o["notice"].pk],
        "members:facility_detail": [o["facility"].pk],
        "members:facility_survey_qr": [o["facility"].pk, o["survey"].pk, "png"],
        "members:application_start": [o["next_campaign"].pk],
        "members:entry_edit": [o["application"].pk, o["entry"].pk],
        "members:entry_delete": [o["application"].pk, o["entry"].pk],
        "members:document_download": [o["application"].pk, o["document"].pk],
        "members:document_delete": [o["application"].pk, o["document"].pk],
        "members:participation_claims": [o["participation"].pk],
        "members:claim_new": [o["participation"].pk],
        "members:claim_entry_new": [o["participation"].pk],
        "members:sold_out": [o["participation"].pk],
        "wagtailadmin_pages:edit": [o["home"].pk],
        "wagtailadmin_pages:add_subpage": [o["home"].pk],
        "facilities_sales_change": [o["participation"].pk],
        "participants_application": [o["application"].pk],
        "participants_application_action": [o["application"].pk, key.split(" ")[-1]],
        "participants_document": [o["document"].pk],
        "claims_claim": [o["claim"].pk],
        "claims_claim_action": [o["claim"].pk, key.split(" ")[-1]],
        "claims_line_action": [o["claim"].pk, o["line"].pk, key.split(" ")[-1]],
        "claims_allocation_edit": [o["participation"].pk],
        "claims_month_report": [o["month_close"].pk],
        "reports_pack_download": [o["pack"].pk, "pdf"],
        "participants_frozen_download": [o["snapshot"].pk],
        "claims_payment_batch": [o["batch"].pk],
        "claims_payment_zengin": [o["batch"].pk],
        "inquiries_detail": [o["inquiry"].pk],
        "inquiries_edit": [o["inquiry"].pk],
        "inquiries_to_faq": [o["inquiry"].pk],
        "surveys_admin:links_survey": [o["survey"].pk],
        "surveys_admin:links_qr_png": [o["survey"].pk, o["facility"].code],
        "surveys_admin:links_qr_svg": [o["survey"].pk, o["facility"].code],
        "surveys_admin:links_card": [o["survey"].pk, o["facility"].code],
        "surveys_admin:results_dashboard": [o["survey"].pk],
        "surveys_admin:results_excel": [o["survey"].pk],
        "surveys_admin:results_pdf": [o["survey"].pk],
        "surveys_admin:lottery_survey": [o["survey"].pk],
        "surveys_admin:lottery_entries": [o["survey"].pk],
        "surveys_admin:lottery_entries_download": [o["survey"].pk],
        "surveys_admin:lottery_mailing": [o["survey"].pk],
        "surveys_admin:lottery_freeze": [o["survey"].pk],
        "surveys_admin:lottery_status": [o["survey"].pk],
        "surveys_admin:lottery_redraw": [o["survey"].pk],
        "surveys_admin:lottery_events": [o["survey"].pk],
        "surveys_admin:lottery_draw": [o["draw"].pk],
        "surveys_admin:lottery_list": [o["draw"].pk],
        "surveys_admin:lottery_run": [o["draw"].pk],
        "surveys_admin:lottery_cancel": [o["draw"].pk],
        "jobs_detail": [999_999],
        "jobs_status": [999_999],
        "jobs_download": [999_999],
        "promotion_flyer_pdf": [o["snippets"]["promotion.flyer"].pk],
        "promotion_flyer_proof_pdf": [o["snippets"]["promotion.flyer"].pk],
    }
    for member_name in (
        "members:application",
        "members:application_business",
        "members:application_facilities",
    ):
        args[member_name] = [o["application"].pk]
    for member_name in ("entry_add", "application_bank", "application_documents", "application_pledges"):
        args[f"members:{member_name}"] = [o["application"].pk]
    args["members:application_submit"] = [o["application"].pk]
    for member_name in ("claim_detail", "claim_upload", "claim_entry", "claim_result", "claim_result_csv"):
        args[f"members:{member_name}"] = [o["claim"].pk]
    args["members:claim_submit"] = [o["claim"].pk]
    return reverse(name, args=args.get(name, []))


LOGIN_PATHS = ("/admin/login/", "/members/login/", "/en/members/login/")


# Public URLs the walk fills with ids that do not exist (no protected document or page is seeded).
NOT_FOUND_IS_FINE = {
    "wagtaildocs_serve",
    "wagtaildocs_authenticate_with_password",
    "wagtailcore_authenticate_with_password",
    # A job belongs to whoever asked for it: anyone else, whatever the role, gets a 404 (jobs.admin_views).
    "jobs_detail",
    "jobs_status",
    "jobs_download",
}


def outcome(response, screen: matrix.Screen) -> str:
    """ "in" when the role was let in, "out" when it was refused (see the module docstring), "404" when
    the walk's parameters are wrong (a let-in that proves nothing)."""
    if response.status_code == 403:
        return "out"
    if response.status_code in (301, 302):
        target = urlsplit(response["Location"])
        if target.path in LOGIN_PATHS and "next=" in target.query:  # not logout's "back to the login page"
            return "out"
        if target.path == reverse("wagtailadmin_home") and _error_message(response):
            return "out"  # Wagtail's permission_denied()
        if screen.area == matrix.ADMIN and target.path == "/":
            return "out"  # the second factor's screens send non-staff users to the site
    if response.status_code == 404 and screen.name not in NOT_FOUND_IS_FINE:
        return "404"
    return "in"


def _error_message(response) -> bool:
    return any(message.level == messages.ERROR for message in messages.get_messages(response.wsgi_request))


def client_for(role: str, objects: dict) -> Client:
    client = Client()
    if role == matrix.HOTEL:
        client.force_login(objects["hotel"])
    elif role != matrix.ANONYMOUS:
        client.force_login(UserFactory(role=role))
    return client


# Cells where the code is known to disagree with the matrix (none now); each entry needs a reason.
KNOWN_GAPS: set[tuple[str, str]] = set()


@pytest.mark.parametrize("role", matrix.ROLES)
def test_each_role_reaches_exactly_the_screens_the_matrix_allows(role, objects):
    client = client_for(role, objects)
    mismatches, gaps = [], []
    # Logging out ends the session: last.
    for screen in sorted(matrix.SCREENS, key=lambda screen: screen.key == "members:logout"):
        url = url_for(screen, objects)
        try:
            response = client.post(url, {}) if screen.method == "POST" else client.get(url)
        except Exception as exc:
            mismatches.append(f"{screen.key} {url} as {role}: {exc!r}")
            continue
        expected = "in" if role in matrix.allowed_roles(screen) else "out"
        got = outcome(response, screen)
        if got != expected:
            line = f"{screen.key} {url} as {role}: {response.status_code} {response.get('Location', '')}"
            (gaps if (role, screen.area) in KNOWN_GAPS else mismatches).append(line)
        if role == matrix.ANONYMOUS and expected == "out":
            assert response.status_code == 302 and urlsplit(response["Location"]).path in LOGIN_PATHS, url
    assert mismatches == [], "\n".join(mismatches)
    assert gaps == [], "\n".join(gaps)
