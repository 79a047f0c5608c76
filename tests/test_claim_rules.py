"""The discount rule of DOMAIN.md at every edge (claims.rules.evaluate_stay)."""

from __future__ import annotations

import datetime

import pytest

from campaigns.models import Campaign
from claims.rules import Stay, counted_nights, evaluate_stay

D = datetime.date
APPROVED = D(2025, 5, 1)
CLAIMED = D(2025, 7, 31)


@pytest.fixture
def campaign():
    # The spec's round with DOMAIN.md defaults: 20 %, cap 3,000, minimum 3,000, 7 nights. Not saved.
    return Campaign(
        slug="sendai-2025",
        name="仙台市宿泊促進キャンペーン",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


def stay(**overrides) -> Stay:
    values = {
        "reservation_number": "R1",
        "booked_on": D(2025, 5, 10),
        "check_in": D(2025, 6, 1),
        "nights": 2,
        "guests": 2,
        "total_charge": 40_000,  # 10,000 per person-night -> 2,000 allowed
        "discount": 8_000,
    }
    values.update(overrides)
    return Stay(**values)


def judge(campaign, claim_date=CLAIMED, approved_on=APPROVED, **overrides):
    return evaluate_stay(campaign, stay(**overrides), approved_on=approved_on, claim_date=claim_date)


def test_a_plain_stay_is_paid_what_the_guest_was_given(campaign):
    decision = judge(campaign)
    assert decision.accepted
    assert (decision.counted_nights, decision.price_per_person_night) == (2, 10_000)
    assert (decision.allowed_per_person_night, decision.max_discount, decision.reimbursement) == (
        2_000,
        8_000,
        8_000,
    )


def test_a_smaller_discount_is_reimbursed_as_given(campaign):
    assert judge(campaign, discount=5_000).reimbursement == 5_000


def test_one_yen_over_the_maximum_is_rejected_naming_the_maximum(campaign):
    decision = judge(campaign, discount=8_001)
    assert not decision.accepted and decision.code == "over_maximum"
    assert "8,000円" in decision.message and decision.max_discount == 8_000


def test_exactly_the_cap(campaign):
    # 15,000 per person-night x 20 % = 3,000 = the cap.
    decision = judge(campaign, total_charge=60_000, discount=12_000)
    assert decision.accepted and decision.allowed_per_person_night == 3_000
    # Above it the cap holds: 20,000 x 20 % = 4,000 -> 3,000.
    decision = judge(campaign, total_charge=80_000, discount=12_001)
    assert decision.code == "over_maximum" and decision.max_discount == 12_000


def test_exactly_the_minimum_price_and_one_yen_below(campaign):
    decision = judge(campaign, total_charge=12_000, discount=2_400)  # 3,000 per person-night
    assert decision.accepted and decision.max_discount == 2_400
    decision = judge(campaign, total_charge=11_999, discount=1)  # floor(11,999 / 4) = 2,999
    assert decision.code == "below_minimum" and decision.price_per_person_night == 2_999


def test_rounding_is_always_down(campaign):
    # 10,001 / (1 x 3) = 3,333.67 -> 3,333; x 20 % = 666.6 -> 666; x 1 x 3 = 1,998.
    decision = judge(campaign, total_charge=10_001, guests=1, nights=3, discount=1_998)
    assert decision.accepted
    assert (decision.price_per_person_night, decision.allowed_per_person_night, decision.max_discount) == (
        3_333,
        666,
        1_998,
    )
    assert judge(campaign, total_charge=10_001, guests=1, nights=3, discount=1_999).code == "over_maximum"


def test_an_eight_night_stay_counts_seven(campaign):
    decision = judge(campaign, nights=8, guests=1, total_charge=80_000, discount=14_000)
    assert decision.counted_nights == 7 and decision.max_discount == 14_000 and decision.accepted


def test_nights_crossing_the_start_count_only_inside(campaign):
    # Check-in 5/24 for 4 nights: 5/24, 5/25 outside; 5/26, 5/27 inside.
    decision = judge(
        campaign, check_in=D(2025, 5, 24), nights=4, guests=1, total_charge=40_000, discount=4_000
    )
    assert decision.counted_nights == 2 and decision.max_discount == 4_000 and decision.accepted


def test_nights_crossing_the_end_count_only_inside(campaign):
    # 7/9, 7/10 inside; 7/11 outside.
    decision = judge(
        campaign, check_in=D(2025, 7, 9), nights=3, guests=1, total_charge=30_000, discount=4_000
    )
    assert decision.counted_nights == 2 and decision.accepted


def test_a_stay_entirely_outside_is_rejected(campaign):
    decision = judge(campaign, check_in=D(2025, 5, 24), nights=2)  # 5/24, 5/25
    assert decision.code == "outside_period" and "期間外" in decision.message
    assert counted_nights(campaign, stay(check_in=D(2025, 7, 11), nights=1)) == 0


def test_booking_on_the_approval_day_counts_the_day_before_does_not(campaign):
    assert judge(campaign, booked_on=APPROVED).accepted
    decision = judge(campaign, booked_on=APPROVED - datetime.timedelta(days=1))
    assert decision.code == "booked_before_approval" and "2025-05-01" in decision.message


def test_booking_before_approval_is_allowed_when_the_round_says_so(campaign):
    campaign.booking_after_approval_only = False
    assert judge(campaign, booked_on=D(2025, 4, 1)).accepted


def test_booking_after_check_in_is_rejected(campaign):
    assert judge(campaign, booked_on=D(2025, 6, 2)).code == "booked_after_check_in"


def test_check_out_after_the_claim_date_is_rejected_on_the_day_it_is_allowed(campaign):
    # Check-out 6/3: a claim dated 6/3 may include it, one dated 6/2 may not.
    assert judge(campaign, claim_date=D(2025, 6, 3)).accepted
    decision = judge(campaign, claim_date=D(2025, 6, 2))
    assert decision.code == "not_checked_out" and "2025-06-03" in decision.message


def test_a_facility_without_approval_is_rejected(campaign):
    assert judge(campaign, approved_on=None).code == "not_approved"
