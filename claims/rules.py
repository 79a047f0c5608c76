"""The discount rule (割引) of DOMAIN.md: the one function that decides what a reported stay may be paid.

Every path that judges a stay — the hotel's upload, the form, the reviewer's screen and
`manage.py check_claim_file` — calls `evaluate_stay`, so a yen computed in one place is the yen
computed everywhere. Money is integer yen and every division rounds down (切り捨て).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from core.formatting import format_yen

if TYPE_CHECKING:
    from campaigns.models import Campaign


@dataclass(frozen=True)
class Stay:
    """One reported stay (a row of the claim file), already parsed into typed values."""

    reservation_number: str
    booked_on: datetime.date
    check_in: datetime.date
    nights: int
    guests: int
    total_charge: int  # 宿泊料金: before the discount, tax included
    discount: int  # 割引額 given to the guest

    @property
    def check_out(self) -> datetime.date:
        return self.check_in + datetime.timedelta(days=self.nights)


@dataclass(frozen=True)
class Decision:
    """What the rule says about a stay. `code` names the rule that rejected it (None when accepted)."""

    accepted: bool
    counted_nights: int = 0
    price_per_person_night: int = 0
    allowed_per_person_night: int = 0
    max_discount: int = 0
    reimbursement: int = 0
    code: str | None = None
    message: str = ""


def _rejected(code: str, message: str, **figures: int) -> Decision:
    return Decision(accepted=False, code=code, message=message, **figures)


def counted_nights(campaign: Campaign, stay: Stay) -> int:
    """Nights whose date (check-in + k) lies inside the stay period, at most `max_nights`."""
    first = max(stay.check_in, campaign.stay_start)
    last = min(stay.check_out - datetime.timedelta(days=1), campaign.stay_end)
    inside = (last - first).days + 1 if last >= first else 0
    return min(inside, campaign.max_nights)


def evaluate_stay(
    campaign: Campaign, stay: Stay, *, approved_on: datetime.date | None, claim_date: datetime.date
) -> Decision:
    """Apply the rule to one stay of a facility whose 登録決定日 is `approved_on`, claimed on `claim_date`."""
    if stay.nights < 1 or stay.guests < 1:
        return _rejected("invalid", _("泊数と人数は1以上で入力してください。"))
    if stay.booked_on > stay.check_in:
        return _rejected("booked_after_check_in", _("予約日がチェックイン日より後になっています。"))
    if campaign.booking_after_approval_only and (approved_on is None or stay.booked_on < approved_on):
        if approved_on is None:
            return _rejected("not_approved", _("この施設はこのキャンペーンの登録決定を受けていません。"))
        return _rejected(
            "booked_before_approval",
            _("登録決定日（%(date)s）より前の予約は対象外です。") % {"date": approved_on.isoformat()},
        )
    if stay.check_out > claim_date:
        return _rejected(
            "not_checked_out",
            _("チェックアウト日（%(date)s）が報告日より後のため、まだ報告できません。")
            % {"date": stay.check_out.isoformat()},
        )
    nights = counted_nights(campaign, stay)
    if nights == 0:
        return _rejected("outside_period", _("宿泊日がキャンペーンの対象期間外です（期間外）。"))
    price = stay.total_charge // (stay.guests * stay.nights)
    if price < campaign.minimum_price:
        return _rejected(
            "below_minimum",
            _("1人1泊あたりの宿泊料金（%(price)s）が下限額（%(minimum)s）未満です（下限額未満）。")
            % {"price": format_yen(price), "minimum": format_yen(campaign.minimum_price)},
            counted_nights=nights,
            price_per_person_night=price,
        )
    allowed = min(price * campaign.discount_rate // 100, campaign.discount_cap)
    maximum = allowed * stay.guests * nights
    figures = {
        "counted_nights": nights,
        "price_per_person_night": price,
        "allowed_per_person_night": allowed,
        "max_discount": maximum,
    }
    if stay.discount > maximum:
        return _rejected(
            "over_maximum",
            _("割引額（%(discount)s）が割引の上限額（%(maximum)s）を超えています。")
            % {"discount": format_yen(stay.discount), "maximum": format_yen(maximum)},
            **figures,
        )
    return Decision(accepted=True, reimbursement=stay.discount, **figures)
