"""Erasing hotel users' accounts and the claim files they uploaded (spec 個人情報等の取扱い).

Accounts are anonymised, not deleted: the ledger, claims, documents and the audit trail point at the
user (`LedgerEntry.actor` is SET_NULL, which the ledger's append-only trigger would refuse), and the
who-did-what history must keep meaning "a user of this business". The account gets `erased-<id>@invalid`
as username and e-mail (the `.invalid` top-level domain can never receive mail), no name, an unusable
password and `is_active` off, so it can neither log in nor reset its password, and any open session
ends (the session hash depends on the password). Staff accounts are never touched here.

A user belongs to one business (`Membership`); a business that still takes part in a campaign that is
not erased keeps its users (the caller passes only the businesses to erase).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db.models import Q
from django.utils.translation import gettext as _

from claims.models import Claim
from privacy.categories import Category

from . import claim_uploads

ERASED_PREFIX = "erased-"
ERASED_DOMAIN = "invalid"
CLAIM_UPLOAD_FOLDER = "claim-uploads"  # members.claim_uploads keeps each claim's file under it


def placeholder(user_id: int) -> str:
    return f"{ERASED_PREFIX}{user_id}@{ERASED_DOMAIN}"


def erase_hotel_users(
    erase_business_ids: set[int], kept_business_ids: set[int], *, dry_run: bool
) -> list[Category]:
    """The accounts, and their sign-in records when django-axes keeps them."""
    User = get_user_model()
    members = User.objects.filter(membership__business_id__in=erase_business_ids)
    staff = members.filter(Q(is_staff=True) | Q(is_superuser=True))
    pending = members.exclude(pk__in=staff).exclude(
        username__startswith=ERASED_PREFIX, email__endswith=f"@{ERASED_DOMAIN}", is_active=False
    )
    kept = User.objects.filter(membership__business_id__in=kept_business_ids).count() + staff.count()
    category = Category(
        key="hotel_users",
        label=_("参加事業者の利用者アカウント"),
        method=_("匿名化・無効化（メールアドレス・氏名の置換え、パスワード無効化、ログイン停止）"),
        records=pending.count(),
        kept=kept,
        note=_("消去していないキャンペーンにも参加している事業者の利用者と、職員のアカウントは残します。")
        if kept
        else "",
    )
    usernames = set()
    for username, email in pending.values_list("username", "email"):
        usernames |= {username.strip().lower(), email.strip().lower()} - {""}
    categories = [category]
    if apps.is_installed("axes"):
        categories.append(erase_login_records(usernames, dry_run=dry_run))
    if dry_run:
        return categories
    for user in pending.select_for_update(of=("self",)):
        anonymous = placeholder(user.pk)
        user.username = anonymous
        user.email = anonymous
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["username", "email", "first_name", "last_name", "is_active", "password"])
    return categories


def erase_login_records(usernames: set[str], *, dry_run: bool) -> Category:
    """django-axes keeps every sign-in and failed attempt by username (the e-mail address, lower case,
    `accounts.security.axes_username`) with the IP address and browser: deleted with the account."""
    models = [apps.get_model("axes", name) for name in ("AccessAttempt", "AccessLog", "AccessFailureLog")]
    querysets = [model.objects.filter(username__in=sorted(usernames)) for model in models]
    category = Category(
        key="login_records",
        label=_("利用者のログイン記録（ユーザー名・IP アドレス）"),
        method=_("レコード削除"),
        records=sum(queryset.count() for queryset in querysets) if usernames else 0,
    )
    if not dry_run and category.records:
        for queryset in querysets:
            queryset.delete()
    return category


def claim_upload_files(campaign, *, dry_run: bool) -> Category:
    """The kept claim files of the campaign's claims (reservation numbers and stays of travellers).
    Only files are removed, after the commit; the claims and their lines stay for the figures."""
    storage = storages[claim_uploads.STORAGE]
    claim_ids = {
        str(pk) for pk in Claim.objects.filter(participation__campaign=campaign).values_list("pk", flat=True)
    }
    names: list[str] = []
    if claim_ids and storage.exists(CLAIM_UPLOAD_FOLDER):
        for folder in storage.listdir(CLAIM_UPLOAD_FOLDER)[0]:
            if folder in claim_ids:
                path = f"{CLAIM_UPLOAD_FOLDER}/{folder}"
                names += [f"{path}/{name}" for name in storage.listdir(path)[1]]
    return Category(
        key="claim_uploads",
        label=_("実績報告の提出ファイル"),
        method=_("ファイル削除（OS のファイル削除）。実績報告と明細は集計のため残す"),
        storage=claim_uploads.STORAGE,
        files=sorted(names),
    )
