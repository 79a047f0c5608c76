import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from campaigns.models import DEFAULT_BUDGET_YEN, Campaign, CampaignStatus

from .factories import CampaignFactory, delete_all_campaigns

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _no_demo_rounds(db):
    """These tests reason about exactly the rounds they create (applications protect their round)."""
    delete_all_campaigns()


def make(slug, stay_start, stay_end, application_start=None, application_end=None):
    return CampaignFactory(
        slug=slug,
        stay_start=stay_start,
        stay_end=stay_end,
        application_start=application_start or stay_start - datetime.timedelta(days=30),
        application_end=application_end or stay_start - datetime.timedelta(days=1),
    )


@pytest.mark.django_db
def test_defaults_follow_domain_rule():
    campaign = make("r", datetime.date(2025, 5, 26), datetime.date(2025, 7, 10))
    assert campaign.budget == DEFAULT_BUDGET_YEN == 120_000_000
    assert (campaign.discount_rate, campaign.discount_cap, campaign.minimum_price, campaign.max_nights) == (
        20,
        3000,
        3000,
        7,
    )
    assert campaign.booking_after_approval_only is True


@pytest.mark.django_db
def test_current_prefers_the_running_round():
    make("past", datetime.date(2024, 5, 1), datetime.date(2024, 7, 1))
    running = make("running", datetime.date(2025, 5, 26), datetime.date(2025, 7, 10))
    make("next", datetime.date(2026, 5, 1), datetime.date(2026, 7, 1))
    assert Campaign.objects.current(TODAY) == running


@pytest.mark.django_db
def test_running_stays_come_before_the_next_rounds_applications():
    running = make("running", datetime.date(2025, 5, 1), datetime.date(2025, 7, 10))
    make(
        "next",
        datetime.date(2025, 9, 1),
        datetime.date(2025, 11, 1),
        application_start=datetime.date(2025, 5, 20),
        application_end=datetime.date(2025, 8, 20),
    )
    assert Campaign.objects.current(TODAY) == running


@pytest.mark.django_db
def test_current_includes_the_application_window_before_stays():
    upcoming = make(
        "soon",
        datetime.date(2025, 6, 20),
        datetime.date(2025, 8, 1),
        application_start=datetime.date(2025, 5, 1),
        application_end=datetime.date(2025, 6, 10),
    )
    assert Campaign.objects.current(TODAY) == upcoming
    assert upcoming.status(TODAY) == CampaignStatus.APPLICATIONS_OPEN


@pytest.mark.django_db
def test_current_between_rounds_is_the_next_then_the_latest():
    past = make("past", datetime.date(2025, 1, 1), datetime.date(2025, 2, 1))
    upcoming = make("next", datetime.date(2025, 9, 1), datetime.date(2025, 10, 1))
    assert Campaign.objects.current(TODAY) == upcoming
    upcoming.delete()
    assert Campaign.objects.current(TODAY) == past


@pytest.mark.django_db
def test_current_is_none_without_rounds():
    assert Campaign.objects.current(TODAY) is None


@pytest.mark.django_db
def test_status_through_the_round():
    c = make(
        "r",
        datetime.date(2025, 5, 26),
        datetime.date(2025, 7, 10),
        application_start=datetime.date(2025, 4, 1),
        application_end=datetime.date(2025, 5, 20),
    )
    assert c.status(datetime.date(2025, 3, 31)) == CampaignStatus.UPCOMING
    assert c.status(datetime.date(2025, 4, 1)) == CampaignStatus.APPLICATIONS_OPEN
    assert c.status(datetime.date(2025, 5, 22)) == CampaignStatus.UPCOMING
    assert c.status(datetime.date(2025, 5, 26)) == CampaignStatus.RUNNING
    assert c.status(datetime.date(2025, 7, 10)) == CampaignStatus.RUNNING
    assert c.status(datetime.date(2025, 7, 11)) == CampaignStatus.ENDED


@pytest.mark.django_db
def test_no_new_applications_once_stays_have_started():
    c = make(
        "r",
        datetime.date(2025, 5, 26),
        datetime.date(2025, 7, 10),
        application_start=datetime.date(2025, 4, 1),
        application_end=datetime.date(2025, 6, 30),
    )
    assert c.accepts_applications(datetime.date(2025, 5, 25))
    assert not c.accepts_applications(datetime.date(2025, 5, 26)), "spec: no new applications after the start"
    assert not c.accepts_applications(datetime.date(2025, 3, 31))


@pytest.mark.django_db
def test_database_refuses_a_stay_period_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make("bad", datetime.date(2025, 7, 10), datetime.date(2025, 5, 26))


@pytest.mark.django_db
def test_database_refuses_a_discount_rate_over_100():
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(slug="bad-rate", discount_rate=150)


def test_clean_names_the_wrong_fields():
    campaign = Campaign(
        slug="x",
        name="x",
        stay_start=datetime.date(2025, 7, 1),
        stay_end=datetime.date(2025, 6, 1),
        application_start=datetime.date(2025, 5, 1),
        application_end=datetime.date(2025, 4, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        campaign.clean()
    assert set(excinfo.value.message_dict) == {"stay_end", "application_end"}


def test_discount_summary_is_built_from_the_rule():
    campaign = Campaign(discount_rate=25, discount_cap=5000, minimum_price=2000, max_nights=3)
    with translation.override("ja"):
        text = campaign.discount_summary()
    assert "25%" in text and "5,000円" in text and "2,000円" in text and "3" in text
    with translation.override("en"):
        text = campaign.discount_summary()
    assert "25%" in text and "¥5,000" in text and "¥2,000" in text


def test_display_name_follows_the_language():
    campaign = Campaign(name="仙台市宿泊促進キャンペーン", name_en="Sendai Stay Campaign")
    with translation.override("ja"):
        assert campaign.display_name == "仙台市宿泊促進キャンペーン"
    with translation.override("en"):
        assert campaign.display_name == "Sendai Stay Campaign"
    campaign.name_en = ""
    with translation.override("en"):
        assert campaign.display_name == "仙台市宿泊促進キャンペーン"
