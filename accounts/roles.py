"""The staff roles of DOMAIN.md and what each may do.

This table is the single source of truth for group permissions. A data migration applies it with
`sync_roles`; when a later feature adds models, extend the table and add a migration that calls
`sync_roles` again (it is idempotent and also removes permissions taken out of the table).
"""

from __future__ import annotations

from typing import Any

EDITOR = "editor"
MODERATOR = "moderator"
REVIEWER = "reviewer"
ACCOUNTANT = "accountant"
OPERATOR = "operator"
CITY = "city"
ADMIN = "admin"

STAFF_ROLES = [EDITOR, MODERATOR, REVIEWER, ACCOUNTANT, OPERATOR, CITY, ADMIN]

WORKFLOW_NAME = "公開前の確認"
WORKFLOW_TASK_NAME = "モデレーターの承認"

_SITE_CONTENT = [
    "cms.add_tourismbanner",
    "cms.change_tourismbanner",
    "cms.delete_tourismbanner",
    "cms.view_tourismbanner",
    "cms.change_contactsettings",
    "cms.change_sitealertsettings",
    "cms.change_navigationsettings",
    "wagtail_localize.submit_translation",
]

_TAXONOMY_MODELS = ["ward", "area", "facilitytype", "feature"]
_TAXONOMY_EDIT = [
    f"facilities.{action}_{model}" for model in _TAXONOMY_MODELS for action in ("add", "change", "view")
]
_TAXONOMY_DELETE = [f"facilities.delete_{model}" for model in _TAXONOMY_MODELS]

_FACILITY_EDIT = [
    "facilities.add_facility",
    "facilities.change_facility",
    "facilities.view_facility",
    "facilities.view_participation",
]
_FACILITY_SALES = ["facilities.change_participation", "facilities.view_participation"]
_FACILITY_VIEW = ["facilities.view_facility"]

_NOTICES = [
    f"participants.{action}_participantnotice" for action in ("add", "change", "delete", "view", "publish")
]
_APPLICATION_VIEW = ["participants.view_application", "participants.view_business"]
_APPLICATION_REVIEW = [
    *_APPLICATION_VIEW,
    "participants.change_application",
    "participants.review_application",
    "participants.export_participants",
]
# 参加事業者データ（確定版, spec 6.1 (4)): the back office that exports it freezes it once; the city,
# which receives it, downloads the frozen file again (it changes nothing).
_PARTICIPANTS_FROZEN = ["participants.view_participantsnapshot"]
_PARTICIPANTS_FREEZE = [*_PARTICIPANTS_FROZEN, "participants.add_participantsnapshot"]

# 実績報告・精算 (claims and settlement): reviewers check claims, accountants approve them and move
# the money, the city reads the budget and the reports.
_CLAIM_VIEW = ["claims.view_claim"]
_CLAIM_REVIEW = [*_CLAIM_VIEW, "claims.review_claim", "claims.add_claim"]
_BUDGET_VIEW = ["claims.view_budgetaccount"]
_REPORTS_VIEW = ["claims.view_monthlyclose"]
_SETTLEMENT = [
    *_CLAIM_REVIEW,
    *_BUDGET_VIEW,
    *_REPORTS_VIEW,
    "claims.approve_claim",
    "claims.change_budgetaccount",
    "claims.add_monthlyclose",
    "claims.manage_payments",
    "claims.view_paymentbatch",
    "claims.change_transfersettings",
]

# コールセンター (call center): operators log inquiries and quick tallies and hand in the tallies; the
# city and the system administrator read the records, including the caller's name and phone.
_INQUIRY_READ = [
    "inquiries.view_inquiry",
    "inquiries.view_caller_details",
    "inquiries.view_quicktally",
    "inquiries.view_inquirycategory",
    "inquiries.view_reportsubmission",
]
_INQUIRY_WORK = [
    *_INQUIRY_READ,
    "inquiries.add_inquiry",
    "inquiries.change_inquiry",
    "inquiries.add_quicktally",
    "inquiries.delete_quicktally",
    "inquiries.add_reportsubmission",
]

# よくある質問: editors write and translate, moderators publish; operators turn an inquiry into a draft.
_FAQ_EDIT = [f"inquiries.{action}_faqentry" for action in ("add", "change", "view")]
_FAQ_PUBLISH = [*_FAQ_EDIT, "inquiries.delete_faqentry", "inquiries.publish_faqentry"]
_FAQ_DRAFT = ["inquiries.add_faqentry", "inquiries.view_faqentry"]

# アンケート・景品: editors build surveys, moderators may also delete them; the back office and the city
# read the results; only the back office runs the lottery and sees entrants' names and addresses,
# while the city and the system administrator can audit the draws (entry numbers and hashes only).
_SURVEY_EDIT = [f"surveys.{action}_survey" for action in ("add", "change", "view")]
_SURVEY_RESULTS = ["surveys.view_survey", "surveys.view_results"]
_LOTTERY_AUDIT = ["surveys.view_lotterydraw"]
_LOTTERY_RUN = [*_LOTTERY_AUDIT, "surveys.run_lottery"]

# チラシ (A4 flyer): editors write it and download proofs, moderators approve it; the system
# administrator may read it and download its PDFs.
_FLYER_EDIT = [f"promotion.{action}_flyer" for action in ("add", "change", "view")]
_FLYER_PUBLISH = [*_FLYER_EDIT, "promotion.delete_flyer", "promotion.publish_flyer"]

# 報告書パック (monthly and final report packs): the city and the back office read and download them;
# only the back office generates them (the city changes nothing).
_REPORT_PACKS_VIEW = ["reports.view_reportpack"]
_REPORT_PACKS_MAKE = [*_REPORT_PACKS_VIEW, "reports.add_reportpack"]

# Model permissions ("app_label.codename") per role.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: [
        "wagtailadmin.access_admin",
        *_SITE_CONTENT,
        *_TAXONOMY_EDIT,
        *_FACILITY_EDIT,
        *_NOTICES,
        *_FAQ_EDIT,
        *_SURVEY_EDIT,
        *_FLYER_EDIT,
    ],
    MODERATOR: [
        "wagtailadmin.access_admin",
        *_SITE_CONTENT,
        *_TAXONOMY_EDIT,
        *_FACILITY_EDIT,
        *_NOTICES,
        *_FAQ_PUBLISH,
        *_SURVEY_EDIT,
        "surveys.delete_survey",
        *_SURVEY_RESULTS,
        *_FLYER_PUBLISH,
    ],
    REVIEWER: [
        "wagtailadmin.access_admin",
        "campaigns.view_campaign",
        *_FACILITY_EDIT,
        *_FACILITY_SALES,
        *_APPLICATION_REVIEW,
        *_PARTICIPANTS_FREEZE,
        *_CLAIM_REVIEW,
        *_SURVEY_RESULTS,
        *_LOTTERY_RUN,
    ],
    ACCOUNTANT: [
        "wagtailadmin.access_admin",
        "campaigns.view_campaign",
        *_FACILITY_VIEW,
        *_FACILITY_SALES,
        *_APPLICATION_VIEW,
        "participants.export_participants",
        "participants.view_full_bank_account",
        *_PARTICIPANTS_FREEZE,
        *_SETTLEMENT,
        *_REPORT_PACKS_MAKE,
    ],
    OPERATOR: ["wagtailadmin.access_admin", *_FACILITY_VIEW, *_INQUIRY_WORK, *_FAQ_DRAFT],
    CITY: [
        "wagtailadmin.access_admin",
        "campaigns.view_campaign",
        *_FACILITY_VIEW,
        *_APPLICATION_VIEW,
        "participants.decide_escalation",
        "participants.export_participants",
        "participants.view_participantexport",
        *_PARTICIPANTS_FROZEN,
        *_CLAIM_VIEW,
        *_BUDGET_VIEW,
        *_REPORTS_VIEW,
        *_INQUIRY_READ,
        *_SURVEY_RESULTS,
        *_LOTTERY_AUDIT,
        "audit.view_auditentry",
        *_REPORT_PACKS_VIEW,
    ],
    ADMIN: [
        "wagtailadmin.access_admin",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_user",
        "auth.add_group",
        "auth.change_group",
        "auth.view_group",
        *_TAXONOMY_EDIT,
        *_TAXONOMY_DELETE,
        *_FACILITY_EDIT,
        *_FACILITY_SALES,
        "facilities.delete_facility",
        *_APPLICATION_VIEW,
        "participants.view_participantexport",
        *_CLAIM_VIEW,
        *_BUDGET_VIEW,
        "claims.change_transfersettings",
        *_INQUIRY_READ,
        "inquiries.add_inquirycategory",
        "inquiries.change_inquirycategory",
        *_SURVEY_RESULTS,
        *_LOTTERY_AUDIT,
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.view_campaign",
        "wagtailcore.add_locale",
        "wagtailcore.change_locale",
        "wagtailcore.view_locale",
        "wagtailcore.add_workflow",
        "wagtailcore.change_workflow",
        "wagtailcore.add_task",
        "wagtailcore.change_task",
        "promotion.view_flyer",
        "audit.view_auditentry",
        *_REPORT_PACKS_MAKE,
    ],
}

# Page permissions on the tree root, so they cover every locale's site. Editors cannot publish:
# their changes go through the moderation workflow (公開前の確認) that moderators approve.
PAGE_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: ["add_page", "change_page", "view_page"],
    MODERATOR: ["add_page", "change_page", "view_page", "publish_page", "lock_page", "unlock_page"],
}

# Image and document library permissions on the root collection.
COLLECTION_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    MODERATOR: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.delete_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.delete_document",
        "wagtaildocs.choose_document",
    ],
}

# Snippet models (app_label, model) that go through the moderation workflow like pages.
MODERATED_SNIPPETS = [("inquiries", "faqentry"), ("promotion", "flyer")]

# Wagtail's own sample groups are replaced by the roles above.
LEGACY_GROUPS = ["Editors", "Moderators"]


def _permission(apps: Any, dotted: str) -> Any:
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = dotted.split(".", 1)
    if codename.startswith("publish_"):
        # Wagtail creates publish permissions of draftable snippets only after all migrations ran
        # (wagtail.snippets.models.create_extra_permissions); create it here the same way.
        ContentType = apps.get_model("contenttypes", "ContentType")
        model = codename.removeprefix("publish_")
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": f"Can publish {model}"}
        )
        return permission
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _migrated(apps: Any, dotted: str) -> bool:
    """Whether the permission's app has models yet in this migration state.

    On a new database an app that no accounts migration depends on (e.g. `promotion`) is migrated
    after the accounts migrations that sync this (current) table: its permissions are left out
    then and granted by the app's own migration, which calls `sync_roles` again. A misspelt
    permission of a migrated app still fails loudly in `_permission`.
    """
    try:
        return any(True for _model in apps.get_app_config(dotted.split(".", 1)[0]).get_models())
    except LookupError:
        return False


def ensure_permissions_exist(apps: Any) -> None:
    """Django creates model permissions after migrations; roles need them during one."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in global_apps.get_app_configs():
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, apps=apps)
        create_permissions(app_config, verbosity=0, apps=apps)


def sync_roles(apps: Any) -> None:
    """Create the role groups and give each exactly the permissions in the tables above."""
    ensure_permissions_exist(apps)
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    page_content_type_perms = {
        codename: _permission(apps, f"wagtailcore.{codename}")
        for codename in {c for codes in PAGE_PERMISSIONS.values() for c in codes}
    }

    for role in STAFF_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        granted = [dotted for dotted in ROLE_PERMISSIONS.get(role, []) if _migrated(apps, dotted)]
        group.permissions.set([_permission(apps, dotted) for dotted in granted])

        GroupPagePermission.objects.filter(group=group).delete()
        if root_page is not None:
            for codename in PAGE_PERMISSIONS.get(role, []):
                GroupPagePermission.objects.create(
                    group=group, page=root_page, permission=page_content_type_perms[codename]
                )

        GroupCollectionPermission.objects.filter(group=group).delete()
        if root_collection is not None:
            for dotted in COLLECTION_PERMISSIONS.get(role, []):
                GroupCollectionPermission.objects.create(
                    group=group, collection=root_collection, permission=_permission(apps, dotted)
                )


def sync_moderation_workflow(apps: Any) -> None:
    """One workflow on the whole tree: an editor submits, a moderator approves and it goes live."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=WORKFLOW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=WORKFLOW_TASK_NAME, content_type=task_type, active=True)
    task.groups.set([Group.objects.get(name=MODERATOR)])

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})

    # Retire Wagtail's sample workflow, tasks and groups so only the DOMAIN.md roles remain.
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    GroupApprovalTask.objects.exclude(pk=task.pk).update(active=False)
    Group.objects.filter(name__in=LEGACY_GROUPS).delete()

    root_page = Page.objects.filter(depth=1).first()
    if root_page is not None:
        WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})

    # Snippets that editors publish to the public site go through the same approval.
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    for app_label, model in MODERATED_SNIPPETS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        WorkflowContentType.objects.update_or_create(
            content_type=content_type, defaults={"workflow": workflow}
        )
