"""Erasing the personal data of a campaign's participant businesses (spec 個人情報等の取扱い).

Field by field (`participants.models`):

* `Application` bank account (金融機関・支店のコードと名称, 預金種目, 口座番号, 口座名義) — blanked. It
  identifies an account holder, often a person (sole proprietors), and nothing is paid any more.
* `ApplicationDocument` (営業許可証・通帳の写し) — the file is deleted from private storage and the row
  with it (its `original_name` is the uploader's file name, which may hold a name).
* `ApplicationEvent.note` (審査メモ, 差戻しの理由, 発注者の判断) — free text that may quote names or
  accounts, so it is blanked; who moved the application from which state to which, and when, stays.
* `Business.representative`, `contact_person`, `phone`, `email` — a natural person's name and contact
  details: blanked, but only for a business that takes part in no campaign that is still to be erased
  (its current round needs them). `name`, `postal_code` and `address` stay: they identify the business
  in the figures and the ledger and, for lodging businesses, are public (旅館業法 register, the guide).
* `ApplicationFacility` (facility name, address, phone, licence) — facility data, public in the guide:
  kept. Pledges, checklist, dates and states: kept (no personal data, needed to explain the figures).
* `ParticipantSnapshot` (参加事業者データ（確定版）) — the frozen workbook and the values kept for the
  差分 hold the businesses' representatives, contacts and (masked) accounts: the file is deleted and
  the values emptied; who froze it, when, how many rows and the SHA-256 stay as the record of the
  delivery.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities.models import Participation
from privacy.categories import Category

from .models import Application, ApplicationDocument, ApplicationEvent, Business, ParticipantSnapshot

BUSINESS_PERSONAL_FIELDS = ["representative", "contact_person", "phone", "email"]


def business_ids_of(campaign_ids: Iterable[int]) -> set[int]:
    """Businesses taking part in these campaigns: by application, or by a participating facility (an
    imported facility may have no application)."""
    campaign_ids = list(campaign_ids)
    by_application = Application.objects.filter(campaign_id__in=campaign_ids).values_list(
        "business_id", flat=True
    )
    by_facility = Participation.objects.filter(
        campaign_id__in=campaign_ids, facility__business__isnull=False
    ).values_list("facility__business_id", flat=True)
    return set(by_application) | set(by_facility)


def businesses_to_erase(campaign, erased_campaign_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(erase, keep): the campaign's businesses split by whether a campaign not yet erased still needs
    them. `erased_campaign_ids` are the campaigns already erased, this one included."""
    from campaigns.models import Campaign

    own = business_ids_of([campaign.pk])
    others = Campaign.objects.exclude(pk__in=list(erased_campaign_ids)).values_list("pk", flat=True)
    still_needed = own & business_ids_of(others)
    return own - still_needed, still_needed


def erase_bank_accounts(campaign, *, dry_run: bool) -> Category:
    has_data = Q()
    for name in Application.BANK_FIELDS:
        has_data |= ~Q(**{name: ""})
    applications = Application.objects.filter(campaign=campaign).filter(has_data)
    category = Category(
        key="bank_accounts",
        label=_("振込先口座（参加申請）"),
        method=_("空欄化（金融機関・支店・預金種目・口座番号・口座名義）"),
        records=applications.count(),
    )
    if not dry_run and category.records:
        applications.update(**{name: "" for name in Application.BANK_FIELDS}, updated_at=timezone.now())
    return category


def erase_documents(campaign, *, dry_run: bool) -> Category:
    documents = ApplicationDocument.objects.filter(application__campaign=campaign)
    names = [name for name in documents.values_list("file", flat=True) if name]
    category = Category(
        key="documents",
        label=_("提出書類（営業許可証・通帳の写し）"),
        method=_("ファイル削除（OS のファイル削除）とレコード削除"),
        records=documents.count(),
        files=names,
    )
    if not dry_run and category.records:
        documents.delete()
    return category


def erase_review_notes(campaign, *, dry_run: bool) -> Category:
    events = ApplicationEvent.objects.filter(application__campaign=campaign).exclude(note="")
    category = Category(
        key="review_notes",
        label=_("審査の記録の記述（審査メモ・差戻しの理由など）"),
        method=_("空欄化（日時・実施者・状態の変更は残す）"),
        records=events.count(),
    )
    if not dry_run and category.records:
        events.update(note="")
    return category


def erase_business_contacts(erase_ids: set[int], kept_ids: set[int], *, dry_run: bool) -> Category:
    has_data = Q()
    for name in BUSINESS_PERSONAL_FIELDS:
        has_data |= ~Q(**{name: ""})
    businesses = Business.objects.filter(pk__in=erase_ids).filter(has_data)
    category = Category(
        key="business_contacts",
        label=_("事業者の代表者・担当者の氏名と連絡先"),
        method=_("空欄化（事業者名・所在地は残す）"),
        records=businesses.count(),
        kept=len(kept_ids),
        note=_("消去していないキャンペーンにも参加している事業者は、そのキャンペーンの消去まで残します。")
        if kept_ids
        else "",
    )
    if not dry_run and category.records:
        businesses.update(**{name: "" for name in BUSINESS_PERSONAL_FIELDS}, updated_at=timezone.now())
    return category


def erase_frozen_data(campaign, *, dry_run: bool) -> Category:
    snapshots = ParticipantSnapshot.objects.filter(campaign=campaign, erased_at__isnull=True)
    names = [name for name in snapshots.values_list("file", flat=True) if name]
    category = Category(
        key="participant_snapshot",
        label=_("参加事業者データ（確定版）のファイルと内容"),
        method=_("ファイル削除（OS のファイル削除）と内容の空欄化（確定日時・確定者・行数・SHA-256 は残す）"),
        records=snapshots.count(),
        files=names,
    )
    if not dry_run and category.records:
        snapshots.update(rows={}, file="", erased_at=timezone.now())
    return category
