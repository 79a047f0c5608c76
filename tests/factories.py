from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from campaigns.models import Campaign
from facilities.models import Area, FacilityType, Feature, Ward


class CampaignFactory(factory.django.DjangoModelFactory):
    """A round whose stays are running today unless dates are given."""

    class Meta:
        model = Campaign
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"round-{n}")
    name = factory.Sequence(lambda n: f"仙台市宿泊促進キャンペーン 第{n}弾")
    name_en = factory.Sequence(lambda n: f"Sendai Stay Campaign round {n}")
    stay_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))
    stay_end = factory.LazyAttribute(lambda o: o.stay_start + datetime.timedelta(days=45))
    application_start = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=40))
    application_end = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        """`UserFactory(role="editor")` puts the user in that DOMAIN.md group."""
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def _term(model, slug):
    return model.objects.get(slug=slug)


class FacilityFactory(factory.django.DjangoModelFactory):
    """A published facility in 青葉区 / 仙台駅周辺 unless told otherwise (taxonomy by slug)."""

    class Meta:
        model = "facilities.Facility"
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    class Params:
        ward_slug = "aoba"
        area_slug = "sendai-station"
        type_slug = "hotel"

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"テストホテル{n}")
    kana = factory.Sequence(lambda n: f"テストホテル{n}")
    address = "仙台市青葉区中央1-1-1"
    ward = factory.LazyAttribute(lambda o: _term(Ward, o.ward_slug))
    area = factory.LazyAttribute(lambda o: _term(Area, o.area_slug))
    facility_type = factory.LazyAttribute(lambda o: _term(FacilityType, o.type_slug))

    @factory.post_generation
    def feature_slugs(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.features.set(Feature.objects.filter(slug__in=extracted))
            self.save()


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "facilities.Participation"

    facility = factory.SubFactory(FacilityFactory)
    campaign = factory.SubFactory(CampaignFactory)
    approved_on = factory.LazyAttribute(lambda o: o.campaign.application_start)


class OpenCampaignFactory(CampaignFactory):
    """A round taking applications today; its stays start in a month."""

    stay_start = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    application_start = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=40))
    application_end = factory.LazyAttribute(lambda o: o.stay_start - datetime.timedelta(days=5))


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participants.Business"

    name = factory.Sequence(lambda n: f"株式会社テスト宿泊{n}")
    representative = "青葉 太郎"
    postal_code = "980-0811"
    address = "仙台市青葉区一番町1-2-3"
    contact_person = "宮城 花子"
    phone = "022-123-4567"
    email = factory.Sequence(lambda n: f"business{n}@example.jp")


def make_member(
    business=None, *, email: str | None = None, is_owner: bool = True, password: str = "correct-horse-battery"
):
    """A hotel user (no staff flag) belonging to `business` (a new one by default)."""
    from participants.models import Membership

    business = business or BusinessFactory()
    user = UserFactory(password=password)
    user.username = user.email = email or f"{user.username}@hotel.example.jp"
    user.save()
    Membership.objects.create(user=user, business=business, is_owner=is_owner)
    return user


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft: bank account, pledges; add facilities and documents with `complete_application`."""

    class Meta:
        model = "participants.Application"

    campaign = factory.SubFactory(OpenCampaignFactory)
    business = factory.SubFactory(BusinessFactory)
    bank_code = "0001"
    bank_name = "みずほ銀行"
    branch_code = "123"
    branch_name = "仙台支店"
    account_type = "1"
    account_number = "1234567"
    account_holder = "ｶ)ﾃｽﾄｼﾕｸﾊｸ"
    pledge_no_antisocial = True
    pledge_no_tax_arrears = True
    pledge_compliance = True
    pledge_privacy = True


class ApplicationFacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participants.ApplicationFacility"

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"申請ホテル{n}")
    kana = "シンセイホテル"
    facility_type = factory.LazyFunction(lambda: _term(FacilityType, "hotel"))
    ward = factory.LazyFunction(lambda: _term(Ward, "aoba"))
    area = factory.LazyFunction(lambda: _term(Area, "sendai-station"))
    postal_code = "980-0021"
    address = "仙台市青葉区中央2-2-2"
    phone = "022-222-2222"
    licence_type = "hotel_ryokan"
    licence_number = "仙台市指令青保第100号"
    licence_date = datetime.date(2015, 4, 1)
    room_count = 50
    capacity = 90
    booking_channels = factory.LazyFunction(lambda: ["direct", "ota"])


# Smallest real files of each accepted type, for document uploads.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def attach_documents(application, user=None):
    """Both required documents, stored through the real validation."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from participants.documents import store_document

    store_document(application, "licence_copy", SimpleUploadedFile("kyoka.pdf", PDF_BYTES), user)
    store_document(application, "passbook_copy", SimpleUploadedFile("tsucho.png", png_bytes()), user)


def complete_application(**kwargs):
    """A draft that `participants.services.submit` accepts: one facility and both documents."""
    application = ApplicationFactory(**kwargs)
    ApplicationFacilityFactory(application=application)
    attach_documents(application)
    return application


def delete_all_campaigns() -> None:
    """Remove every round (the seeded ones included) for tests that reason about the rounds they make.

    Rounds are protected by what hangs off them: applications, claims, the budget ledger and the
    surveys with their answers and lottery. The
    ledger is append-only (a PostgreSQL trigger refuses DELETE), so the trigger is switched off for
    the test's own transaction, which is rolled back afterwards like everything else the test did.
    """
    from django.db import connection

    from claims.models import BudgetAccount, Claim, LedgerEntry, MonthlyClose, Payment, PaymentBatch
    from participants.models import Application
    from promotion.models import Flyer
    from reports.models import ReportPack
    from surveys.models import LotteryDraw, LotteryEntry, LotteryEvent, LotteryWinner, Response, Survey

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE claims_ledgerentry DISABLE TRIGGER claims_ledger_append_only")
    LedgerEntry.objects.all().delete()
    Payment.objects.all().delete()
    PaymentBatch.objects.all().delete()
    Claim.objects.update(closed_in=None)
    Claim.objects.all().delete()
    MonthlyClose.objects.all().delete()
    BudgetAccount.objects.all().delete()
    Application.objects.all().delete()
    LotteryEvent.objects.all().delete()
    LotteryWinner.objects.all().delete()
    LotteryDraw.objects.all().delete()
    LotteryEntry.objects.all().delete()
    Response.objects.all().delete()
    Survey.objects.all().delete()
    Flyer.objects.all().delete()
    ReportPack.objects.all().delete()
    Campaign.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE claims_ledgerentry ENABLE TRIGGER claims_ledger_append_only")


def survey_questions() -> list[dict]:
    """One question of every type, on two pages, as raw StreamField data."""
    from surveys.blocks import page_break_data, question_data

    return [
        question_data("facility", "宿泊した施設を選んでください"),
        question_data("stay_month", "宿泊した月"),
        question_data("prefecture", "お住まいの都道府県"),
        question_data("age_group", "年代"),
        page_break_data("ご感想"),
        question_data("single_choice", "旅行の目的", choices=["観光", "仕事", "帰省"]),
        question_data(
            "multiple_choice",
            "訪れた場所（複数選択可）",
            choices=["青葉城址", "定禅寺通", "秋保温泉"],
            required=False,
        ),
        question_data("rating", "満足度", low_label="不満", high_label="満足"),
        question_data("free_text", "ご意見・ご感想", required=False, multiline=True),
    ]


def _default_locale():
    from wagtail.models import Locale

    return Locale.get_default()


class SurveyFactory(factory.django.DjangoModelFactory):
    """An open Japanese survey with one question of every type (versions are made on save)."""

    class Meta:
        model = "surveys.Survey"

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"利用者アンケート {n}")
    slug = factory.Sequence(lambda n: f"survey-{n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    questions = factory.LazyFunction(survey_questions)
    lottery_enabled = True
    prize_description = "仙台の特産品（抽選で100名様）"
    locale = factory.LazyFunction(
        lambda: __import__("wagtail.models", fromlist=["Locale"]).Locale.get_default()
    )
