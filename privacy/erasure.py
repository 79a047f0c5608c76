"""Erasing one campaign's personal data (spec 行政情報の取扱い (6), 個人情報等の取扱い).

`plan` counts what would go and changes nothing; `execute` erases it in one transaction. Each app
erases its own data in its own `privacy.py` (participants, members, claims, inquiries; the lottery
through `surveys.privacy`). Data shared with another round — a business's contacts and its users'
accounts, inquiries in overlapping periods — goes with the last round that needs it: a round counts
as erased once it has an `ErasureRun`.

Files are deleted only after the commit (`transaction.on_commit`): a rolled-back erasure must not
have lost files, and a file that cannot be deleted is listed as a failure in the report rather than
undoing the rest. The report (`privacy.report`) is written from the run alone, then both steps are in
the audit trail. What stays, on purpose: the budget ledger and every balance, claims and their lines,
monthly close figures, payment amounts and batch totals, survey answers (no personal data), inquiry
categories and counts.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record
from campaigns.models import Campaign
from claims import privacy as claims_privacy
from claims.models import Claim, ClaimStatus, PaymentBatch, PaymentBatchStatus
from inquiries import privacy as inquiries_privacy
from members import privacy as members_privacy
from participants import privacy as participants_privacy
from surveys.models import LotteryEntry
from surveys.privacy import erase_lottery_contacts

from .categories import Category
from .models import ErasureRun

logger = logging.getLogger(__name__)

# Days after the last stay before a round may be erased without --force: claims for the last month
# are reported and checked in that time.
GRACE_DAYS = 30
OPEN_CLAIM_STATES = (ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.RETURNED, ClaimStatus.APPROVED)


class ErasureError(Exception):
    """The erasure cannot start (the message says why)."""


@dataclass
class Plan:
    campaign: Campaign
    categories: list[Category] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(category.records for category in self.categories)

    @property
    def files(self) -> int:
        return sum(category.file_count for category in self.categories)


def erased_campaign_ids(campaign: Campaign) -> set[int]:
    """Rounds already erased, and this one (which is being erased)."""
    return set(ErasureRun.objects.values_list("campaign_id", flat=True)) | {campaign.pk}


def _lottery(campaign: Campaign, actor, *, dry_run: bool) -> Category:
    category = Category(
        key="lottery_entries",
        label=_("抽選応募者の氏名・住所・電話番号・メールアドレス"),
        method=_("レコード削除（当選者の応募番号・発送状況と抽選の記録は残す）"),
        records=LotteryEntry.objects.filter(survey__campaign=campaign).count(),
    )
    if not dry_run and category.records:
        category.records = erase_lottery_contacts(campaign, actor)
    return category


def _categories(campaign: Campaign, actor=None, *, dry_run: bool) -> list[Category]:
    erased = erased_campaign_ids(campaign)
    erase_businesses, keep_businesses = participants_privacy.businesses_to_erase(campaign, erased)
    with translation.override(settings.LANGUAGE_CODE):
        return [
            participants_privacy.erase_bank_accounts(campaign, dry_run=dry_run),
            participants_privacy.erase_documents(campaign, dry_run=dry_run),
            participants_privacy.erase_review_notes(campaign, dry_run=dry_run),
            participants_privacy.erase_frozen_data(campaign, dry_run=dry_run),
            participants_privacy.erase_business_contacts(erase_businesses, keep_businesses, dry_run=dry_run),
            *members_privacy.erase_hotel_users(erase_businesses, keep_businesses, dry_run=dry_run),
            members_privacy.claim_upload_files(campaign, dry_run=dry_run),
            claims_privacy.erase_payment_accounts(campaign, dry_run=dry_run),
            claims_privacy.erase_zengin_files(campaign, dry_run=dry_run),
            _lottery(campaign, actor, dry_run=dry_run),
            inquiries_privacy.erase_caller_details(campaign, erased, dry_run=dry_run),
        ]


def plan(campaign: Campaign) -> Plan:
    """What `execute` would erase now, counted; nothing is changed."""
    return Plan(campaign, _categories(campaign, dry_run=True))


def blockers(campaign: Campaign, today: datetime.date | None = None) -> list[str]:
    """Why the round still looks running (empty when it may be erased): stays not ended `GRACE_DAYS`
    ago, claims still in the workflow, or payment batches whose transfer is not confirmed."""
    today = today or timezone.localdate()
    reasons = []
    if today <= campaign.stay_end + datetime.timedelta(days=GRACE_DAYS):
        reasons.append(
            _("宿泊対象期間の最終日（%(end)s）から%(days)s日が経っていません。")
            % {"end": campaign.stay_end.isoformat(), "days": GRACE_DAYS}
        )
    open_claims = Claim.objects.filter(participation__campaign=campaign, status__in=OPEN_CLAIM_STATES).count()
    if open_claims:
        reasons.append(
            _("支払が終わっていない実績報告が %(count)s 件あります（提出済み・確認中・差戻し・承認済み）。")
            % {"count": open_claims}
        )
    open_batches = PaymentBatch.objects.filter(campaign=campaign, status=PaymentBatchStatus.CREATED).count()
    if open_batches:
        reasons.append(
            _("振込確認が済んでいない振込データが %(count)s 件あります。") % {"count": open_batches}
        )
    return reasons


def delete_files(categories: list[Category]) -> tuple[int, list[dict[str, str]]]:
    """Delete every planned file; (deleted, failures). A file already gone counts as deleted."""
    deleted = 0
    failures: list[dict[str, str]] = []
    for category in categories:
        storage = storages[category.storage]
        for name in category.files:
            try:
                storage.delete(name)
                if storage.exists(name):
                    raise OSError("still exists after delete")
            except Exception as exc:  # every failure is reported, none stops the rest
                # The file name stays out of the log (an upload's name may carry a person's name);
                # the report, which goes to the city, lists it.
                logger.warning("erasure: could not delete a %s file: %s", category.key, type(exc).__name__)
                failures.append({"category": category.key, "name": name, "error": type(exc).__name__})
            else:
                deleted += 1
                _remove_empty_folder(storage, name)
    return deleted, failures


def _remove_empty_folder(storage, name: str) -> None:
    """Claim uploads live one folder per claim; leave no empty folder named after a claim behind."""
    folder = name.rpartition("/")[0]
    if not folder.startswith(members_privacy.CLAIM_UPLOAD_FOLDER + "/") or not hasattr(storage, "path"):
        return
    # A folder that still holds files (or a storage without local paths) is simply left in place.
    with contextlib.suppress(OSError, NotImplementedError):
        Path(storage.path(folder)).rmdir()


def execute(
    campaign: Campaign,
    actor,
    *,
    forced: bool = False,
    reason: str = "",
    out: Path | None = None,
    when_done: Callable[[ErasureRun], None] | None = None,
) -> ErasureRun:
    """Erase the campaign's personal data in one transaction; after the commit delete the files, write
    the データ消去報告書 and log both steps. `when_done(run)` is called at the very end (the command
    prints the result there). Raises ErasureError before touching anything when the Japanese font for
    the report is missing or the round is running and not `forced` with a reason."""
    from core.pdf import PdfError, check_fonts

    try:
        check_fonts()
    except PdfError as exc:
        raise ErasureError(str(exc)) from exc
    if forced and not reason.strip():
        raise ErasureError(_("実施中の確認を省略するときは、理由を入力してください。"))
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        reasons = blockers(campaign)
        if reasons and not forced:
            raise ErasureError(" ".join(reasons))
        run = ErasureRun.objects.create(
            campaign=campaign,
            started_at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username(),
            forced=bool(reasons) and forced,
            force_reason=reason.strip() if forced else "",
        )
        categories = _categories(campaign, actor, dry_run=False)
        run.categories = [category.as_dict() for category in categories]
        run.files_planned = sum(category.file_count for category in categories)
        run.save(update_fields=["categories", "files_planned"])
        record(
            "erasure",
            actor=actor,
            obj=campaign,
            summary=gettext_lazy("キャンペーンの個人情報を消去"),
            detail={
                "run": run.pk,
                "forced": run.forced,
                "records": {category.key: category.records for category in categories},
                "files_planned": run.files_planned,
            },
        )

        def after_commit() -> None:
            finish(run, categories, out=out)
            if when_done is not None:
                when_done(run)

        transaction.on_commit(after_commit)
    return run


def finish(run: ErasureRun, categories: list[Category], *, out: Path | None = None) -> None:
    """After the commit: delete the files, write the report, log the outcome."""
    from . import report

    run.files_deleted, run.file_failures = delete_files(categories)
    run.finished_at = timezone.now()
    run.save(update_fields=["files_deleted", "file_failures", "finished_at"])
    path = report.write_report(run, out)
    run.report_path = str(path)
    run.save(update_fields=["report_path"])
    record(
        "erasure",
        actor=run.actor,
        actor_label=run.actor_label,
        obj=run.campaign,
        summary=gettext_lazy("データ消去報告書を作成"),
        detail={
            "run": run.pk,
            "files_deleted": run.files_deleted,
            "file_failures": len(run.file_failures),
            "report": path.name,
        },
    )
