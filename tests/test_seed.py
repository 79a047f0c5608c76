"""seed_demo builds the demo a newcomer sees and can run any number of times."""

import datetime
import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Page, Site

from accounts.roles import STAFF_ROLES
from audit.models import AuditEntry
from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from claims import budget
from claims.models import (
    BudgetAccount,
    Claim,
    ClaimLine,
    ClaimStatus,
    LedgerEntry,
    MonthlyClose,
    PaymentBatch,
    PaymentBatchStatus,
)
from cms.models import HomePage, NewsPage, StandardPage, TourismBanner
from core.formatting import format_date, format_yen
from facilities.models import Facility, Participation
from inquiries.business_days import TOKYO, daily_deadline, is_business_day
from inquiries.models import Inquiry, QuickTally, ReportSubmission
from participants.models import Application, ApplicationEvent, ApplicationStatus, EventKind
from reports.dashboard import budget_figures, survey_figures
from reports.models import PackKind, PackStatus, ReportPack, ReportPackRun
from surveys.models import LotteryEntry, Response

pytestmark = pytest.mark.django_db


def counts():
    models = [Page, NewsPage, TourismBanner, Image, Campaign, get_user_model(), Site, Facility, Participation,
              Application, ApplicationEvent, Claim, ClaimLine, LedgerEntry, PaymentBatch, MonthlyClose,
              ReportPack, ReportPackRun, Inquiry, QuickTally, ReportSubmission, Response, LotteryEntry,
              AuditEntry]  # fmt: skip
    return {model._meta.label: model.objects.count() for model in models}


def test_seed_is_idempotent(seeded):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "Demo content is ready." in out.getvalue()


def test_seed_builds_the_site_the_spec_requires(seeded):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    slugs = set(StandardPage.objects.filter(locale__language_code="ja").values_list("slug", flat=True))
    assert {"about", "how-to-use", "for-businesses", "contact", "accessibility", "privacy"} <= slugs
    assert NewsPage.objects.filter(locale__language_code="ja").count() >= 3
    assert set(TourismBanner.objects.filter(locale__language_code="ja").values_list("name", flat=True)) == {
        "せんだい旅日和",
        "仙台旅先体験コレクション",
        "仙台夜時間",
    }
    assert not Page.objects.filter(depth=2, content_type__model="page").exists(), "welcome page replaced"


def test_seed_has_a_campaign_running_today(seeded):
    campaign = Campaign.objects.current()
    assert campaign is not None
    assert campaign.status().value == "running"


def test_seed_creates_one_user_per_role_and_prints_dev_passwords(seeded):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = get_user_model().objects.filter(username__in=STAFF_ROLES)
    assert users.count() == len(STAFF_ROLES)
    for user in users:
        assert list(user.groups.values_list("name", flat=True)) == [user.username]
        assert f"{user.username}-demo-2025" in out.getvalue()
    assert not users.filter(is_superuser=True).exists()


def test_seed_keeps_what_editors_changed(seeded):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    about.title = "編集者が変えた題名"
    about.save_revision().publish()
    banner = TourismBanner.objects.get(locale__language_code="ja", name="仙台夜時間")
    banner.description = "編集者の説明"
    banner.save()
    call_command("seed_demo", stdout=io.StringIO())
    assert StandardPage.objects.get(pk=about.pk).title == "編集者が変えた題名"
    banner.refresh_from_db()
    assert banner.description == "編集者の説明"


def test_seed_does_not_reset_a_changed_password(seeded):
    user = get_user_model().objects.get(username="editor")
    user.set_password("a-new-long-password")
    user.save()
    call_command("seed_demo", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a-new-long-password")


def test_seed_is_refused_where_demo_data_is_not_allowed(settings, db):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo", stdout=io.StringIO())


def test_taxonomy_matches_domain_md(seeded):
    from facilities.models import Area, FacilityType, Feature, Ward

    assert list(Ward.objects.values_list("slug", flat=True)) == [
        "aoba",
        "miyagino",
        "wakabayashi",
        "taihaku",
        "izumi",
    ]
    assert list(Area.objects.values_list("slug", flat=True)) == [
        "sendai-station",
        "downtown",
        "akiu-onsen",
        "sakunami-onsen",
        "izumi-chuo",
        "other",
    ]
    assert list(FacilityType.objects.values_list("slug", flat=True)) == ["hotel", "ryokan", "simple", "other"]
    assert Feature.objects.count() == 10
    assert Feature.objects.get(slug="near-station").name == "駅から徒歩10分以内"


def test_seed_restores_a_deleted_default_term_but_keeps_renamed_ones(seeded):
    from facilities.models import Feature, Ward

    Feature.objects.filter(slug="pets").delete()
    Ward.objects.filter(slug="izumi").update(name="泉区（北部）")
    call_command("seed_demo", stdout=io.StringIO())
    assert Feature.objects.filter(slug="pets").exists()
    assert Ward.objects.get(slug="izumi").name == "泉区（北部）"


def test_seed_has_applications_in_every_state(seeded):
    from facilities.models import Facility
    from participants.demo import NEXT_SLUG
    from participants.models import Application, ApplicationStatus

    states = set(Application.objects.values_list("status", flat=True))
    assert states == set(ApplicationStatus.values)
    next_round = Campaign.objects.get(slug=NEXT_SLUG)
    assert next_round.accepts_applications()
    assert Campaign.objects.current().slug != NEXT_SLUG  # the running round stays the public one
    assert set(Application.objects.filter(campaign=next_round).values_list("status", flat=True)) == set(
        ApplicationStatus.values
    ) - {ApplicationStatus.APPROVED}
    approved = Application.objects.get(
        campaign=Campaign.objects.current(), business__memberships__user__username="hotel-approved@example.jp"
    )
    assert approved.status == ApplicationStatus.APPROVED
    assert set(Facility.objects.filter(business=approved.business).values_list("code", flat=True)) == {
        "D001",
        "D002",
    }
    # Every submitted application carries both documents, readable from private storage.
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT):
        assert application.documents.count() == 2
        with application.documents.first().file.open("rb") as handle:
            assert handle.read(4) in (b"%PDF", b"\x89PNG")


# --- the running round's story (issue 18): what a city official would believe ---------------------


def _round():
    return Campaign.objects.get(slug=DEMO_SLUG)


def _local(moment):
    return timezone.localtime(moment, TOKYO)


def _in_office_hours(moment) -> bool:
    local = _local(moment)
    return is_business_day(local.date()) and 9 <= local.hour < 17


def test_the_running_round_is_in_the_middle_of_its_run(seeded):
    campaign = _round()
    today = timezone.localdate()
    assert campaign.application_start < campaign.application_end < campaign.stay_start < today
    assert (today - campaign.stay_start).days >= 60, "several months of claims behind it"
    assert (campaign.stay_end - today).days >= 30, "and a good part of the round ahead"


def test_about_120_facilities_take_part_most_through_approved_applications(seeded):
    campaign = _round()
    participations = Participation.objects.filter(campaign=campaign).select_related("facility")
    assert 100 <= participations.count() <= 140
    assert not participations.filter(facility__is_published=False).exists()
    applied = participations.filter(
        facility__application_entries__application__campaign=campaign,
        facility__application_entries__application__status=ApplicationStatus.APPROVED,
    ).distinct()
    imported = participations.exclude(pk__in=applied.values("pk"))
    assert applied.count() > participations.count() * 0.8
    assert imported.exists() and not imported.filter(facility__business__isnull=False).exists()
    # A facility is published with the approval: its 登録決定日 is its application's decision date.
    for participation in applied.select_related("facility__business")[:20]:
        application = participation.facility.application_entries.get(
            application__campaign=campaign
        ).application
        assert participation.approved_on == application.approved_on


def test_allocations_stay_within_the_budget_and_the_ledger_agrees(seeded):
    for campaign in Campaign.objects.all():
        assert budget.verify_ledger(campaign) == []
    campaign = _round()
    account = budget.campaign_account(campaign)
    shares = BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False)
    assert account.limit == campaign.budget
    assert sum(shares.values_list("limit", flat=True)) == account.allocated <= account.limit
    assert not shares.filter(limit=0).exists(), "every facility taking part has its 配分額"


def test_the_budget_is_40_to_70_percent_used_and_the_forecast_is_believable(seeded):
    campaign = _round()
    today = timezone.localdate()
    figures = budget_figures(campaign, today)
    assert 40 <= figures.approved * 100 // figures.limit <= 70
    assert 0 < figures.paid < figures.approved, "paid in batches, the latest approvals not yet"
    assert figures.submitted > 0, "claims waiting for review hold budget"
    assert len(figures.burn_down) > 30, "approvals on many days: the burn-down has a shape"
    assert figures.runs_out_on is not None
    assert today < figures.runs_out_on <= today + datetime.timedelta(days=365), figures.runs_out_on


def test_claims_went_through_every_state_and_were_paid_in_batches(seeded):
    campaign = _round()
    claims = Claim.objects.filter(participation__campaign=campaign)
    assert {ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.RETURNED, ClaimStatus.APPROVED} <= set(
        claims.values_list("status", flat=True)
    )
    assert claims.filter(status=ClaimStatus.PAID).count() > claims.count() // 2
    assert claims.filter(lines__excluded=True).exists(), "a reviewer excluded a line somewhere"
    months = set(claims.values_list("month", flat=True))
    assert len(months) >= 3, "several months of claims"
    batches = PaymentBatch.objects.filter(campaign=campaign)
    assert batches.filter(status=PaymentBatchStatus.CONFIRMED).count() >= 3
    for batch in batches:
        assert batch.count == batch.payments.count() and batch.total == sum(
            batch.payments.values_list("amount", flat=True)
        )
        if batch.status == PaymentBatchStatus.CONFIRMED:
            assert set(batch.payments.values_list("claim__paid_on", flat=True)) == {batch.transfer_date}
    for claim in claims.exclude(status=ClaimStatus.DRAFT):
        assert claim.lines.filter(check_in__lt=campaign.stay_start).count() == 0
        if claim.approved_at:
            assert claim.submitted_at <= claim.approved_at
            assert _in_office_hours(claim.approved_at)
        if claim.paid_on:
            assert _local(claim.approved_at).date() < claim.paid_on


def test_the_demo_hotel_user_has_claims_in_several_states(seeded):
    campaign = _round()

    def states(code):
        return set(
            Claim.objects.filter(
                participation__campaign=campaign, participation__facility__code=code
            ).values_list("status", flat=True)
        )

    assert {ClaimStatus.PAID, ClaimStatus.RETURNED} <= states("D001")
    assert {ClaimStatus.PAID, ClaimStatus.APPROVED, ClaimStatus.IN_REVIEW, ClaimStatus.SUBMITTED} <= states(
        "D002"
    )
    owners = set(Facility.objects.filter(code__in=["D001", "D002"]).values_list("business__name", flat=True))
    assert owners == {"株式会社杜の都ホテルズ"}


def test_a_few_facilities_sold_out_by_the_rule(seeded):
    campaign = _round()
    sold_out = Participation.objects.filter(campaign=campaign, sold_out_at__isnull=False)
    assert 2 <= sold_out.count() <= 8
    threshold = budget.campaign_account(campaign).sold_out_threshold_percent
    for participation in sold_out:
        account = budget.facility_account(participation)
        assert participation.sold_out_by is None, "販売終了 by the automation, not by a person"
        assert (account.approved + account.submitted) * 100 >= account.limit * threshold
    assert not sold_out.filter(facility__code__in=["D001", "D002"]).exists()


def test_a_month_is_closed_with_its_report_pack(seeded):
    campaign = _round()
    closes = MonthlyClose.objects.filter(campaign=campaign)
    assert closes.exists()
    for close in closes:
        assert close.closed_at.date() > close.month and _in_office_hours(close.closed_at)
        assert sum(row["amount"] for row in close.rows) == sum(
            close.claims.values_list("approved_amount", flat=True)
        )
    packs = ReportPack.objects.filter(campaign=campaign, kind=PackKind.MONTHLY, status=PackStatus.DONE)
    assert packs.exists()
    for pack in packs:
        assert pack.month in set(closes.values_list("month", flat=True))
        assert pack.xlsx_sha256 and pack.pdf_sha256
        assert pack.requested_at >= closes.get(month=pack.month).closed_at


def test_the_survey_has_fewer_answers_than_the_stays_reported(seeded):
    figures = survey_figures(_round())
    assert figures
    for survey in figures:
        assert 0 < survey.responses < survey.stays
        assert 3 <= survey.rate <= 30


def test_call_center_records_are_on_business_days_in_hours_and_never_later_than_now(seeded):
    now = timezone.now()
    assert Inquiry.objects.count() > 300
    for received_at, created_at in Inquiry.objects.values_list("received_at", "created_at"):
        assert received_at <= created_at <= now
        assert _in_office_hours(received_at), _local(received_at)
    for at in QuickTally.objects.values_list("at", flat=True):
        assert at <= now and _in_office_hours(at), _local(at)
    campaign = _round()
    assert (
        _local(Inquiry.objects.order_by("received_at").first().received_at).date()
        >= campaign.application_start
    )
    # Every daily tally handed in was handed in before its deadline.
    for submission in ReportSubmission.objects.filter(kind="daily"):
        assert submission.submitted_at <= daily_deadline(submission.period) and submission.submitted_at <= now


def test_every_application_timeline_is_in_order(seeded):
    now = timezone.now()
    staff = {"reviewer", "city"}
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT).prefetch_related(
        "events__actor"
    ):
        events = list(application.events.all())  # ordered by created_at, pk
        assert events and all(event.created_at <= now for event in events)
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        transitions = [e for e in events if e.kind in (EventKind.TRANSITION, EventKind.CITY_DECISION)]
        assert transitions[0].to_status == ApplicationStatus.SUBMITTED
        submitted = transitions[0].created_at
        assert application.created_at <= submitted and application.submitted_at <= now
        for before, after in itertools.pairwise(transitions):
            assert before.to_status == after.from_status, (application, before, after)
        reviewed = [e.created_at for e in transitions if e.to_status == ApplicationStatus.IN_REVIEW]
        if reviewed:
            assert submitted <= min(reviewed)
        if application.decided_at:
            assert submitted <= application.decided_at <= now
            assert not reviewed or min(reviewed) <= application.decided_at
        if application.approved_on:
            assert application.approved_on >= _local(submitted).date(), "登録決定日 after the submission"
        for event in events:
            if event.actor is not None and event.actor.username in staff:
                assert _in_office_hours(event.created_at), (application, event, _local(event.created_at))


def test_nothing_in_the_demo_history_is_later_than_now(seeded):
    now = timezone.now()
    checks = [
        (AuditEntry, "at"),
        (LedgerEntry, "created_at"),
        (MonthlyClose, "closed_at"),
        (PaymentBatch, "created_at"),
        (PaymentBatch, "confirmed_at"),
        (Participation, "sold_out_at"),
        (ReportPack, "finished_at"),
        (Response, "submitted_at"),
        (LotteryEntry, "created_at"),
    ]
    for model, field in checks:
        assert not model.objects.filter(**{f"{field}__gt": now}).exists(), f"{model.__name__}.{field}"
    # The audit trail reads in time order, as the history happened.
    moments = list(AuditEntry.objects.order_by("sequence").values_list("at", flat=True))
    assert moments == sorted(moments)


def test_the_audit_chain_verifies(seeded):
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "OK" in out.getvalue()


def test_the_dashboards_and_the_home_page_show_the_same_figures(client, seeded):
    campaign = _round()
    account = budget.campaign_account(campaign)
    figures = budget_figures(campaign, timezone.localdate())
    assert (figures.limit, figures.approved, figures.paid) == (account.limit, account.approved, account.paid)
    client.force_login(get_user_model().objects.get(username="city"))
    for url in (
        f"/admin/city-dashboard/?campaign={campaign.slug}",
        f"{reverse('claims_dashboard')}?campaign={campaign.slug}",
    ):
        html = client.get(url).content.decode()
        assert format_yen(account.limit - account.approved) in html, url
        assert format_date(figures.runs_out_on) in html, url
    client.logout()
    assert format_yen(campaign.budget) in client.get("/").content.decode()
