"""The role × screen matrix (issue 8): who may open which screen, as data.

Each `Screen` names a URL and the permission checks its view makes — the same permission constants the
views' decorators use — and `allowed_roles` turns them into roles through the role table of
`accounts.roles`. `manage.py role_matrix` prints the table in `docs/role-matrix.md` from here, and
`tests/test_role_matrix.py` requests every screen as every role and fails when a response disagrees,
when the document is stale, or when a URL of the project has no entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from claims import permissions as claims_perms
from inquiries import permissions as inquiry_perms
from participants import permissions as participant_perms
from promotion import permissions as flyer_perms
from surveys import permissions as survey_perms

from .roles import COLLECTION_PERMISSIONS, PAGE_PERMISSIONS, ROLE_PERMISSIONS, STAFF_ROLES

HOTEL = "hotel"  # a member of a participant business (members area), no staff role
ANONYMOUS = "anonymous"
ROLES = [*STAFF_ROLES, HOTEL, ANONYMOUS]
ROLE_LABELS = {HOTEL: _("事業者"), ANONYMOUS: _("匿名")}

# Where a screen lives decides who is let in at all and how a refusal looks.
PUBLIC = "public"  # everyone, signed in or not
MEMBERS_OPEN = "members_open"  # members-area pages before signing in (login, sign-up, reset)
MEMBERS = "members"  # hotel users of a business: anonymous → members login, others refused
ADMIN = "admin"  # Wagtail admin: staff roles with `wagtailadmin.access_admin` and the screen's permission
AREAS = [PUBLIC, MEMBERS_OPEN, MEMBERS, ADMIN]
AREA_LABELS = {
    PUBLIC: _("公開サイト"),
    MEMBERS_OPEN: _("参加事業者向けページ（ログイン前）"),
    MEMBERS: _("参加事業者向けページ"),
    ADMIN: _("管理画面"),
}

ACCESS_ADMIN = "wagtailadmin.access_admin"


@dataclass(frozen=True)
class Screen:
    """One screen. `key` is the URL name, or "URL name + what" for one of several screens that share a
    URL name (a setting's model; the action of an action URL, each action checking its own permission).
    `any_of`: the view lets in a user with any of these permissions; `all_of`: only with all of them.
    An admin screen with neither is open to every staff role. `method` is "POST" for endpoints that
    only take POST."""

    key: str
    area: str
    section: str
    label: str
    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    method: str = "GET"
    url_name: str = field(default="")

    @property
    def name(self) -> str:
        return self.url_name or self.key.split(" ", 1)[0]


def role_permissions(role: str) -> set[str]:
    """Every permission a role has: model permissions plus page and collection permissions on the root."""
    if role not in STAFF_ROLES:
        return set()
    perms = set(ROLE_PERMISSIONS.get(role, []))
    perms |= {f"wagtailcore.{codename}" for codename in PAGE_PERMISSIONS.get(role, [])}
    perms |= set(COLLECTION_PERMISSIONS.get(role, []))
    return perms


def allowed_roles(screen: Screen) -> list[str]:
    """The roles that may open the screen, in the order of `ROLES`."""
    if screen.area in (PUBLIC, MEMBERS_OPEN):
        return list(ROLES)
    if screen.area == MEMBERS:
        return [HOTEL]
    allowed = []
    for role in STAFF_ROLES:
        perms = role_permissions(role)
        if ACCESS_ADMIN not in perms:
            continue
        if screen.any_of and not perms & set(screen.any_of):
            continue
        if screen.all_of and not set(screen.all_of) <= perms:
            continue
        allowed.append(role)
    return allowed


def _admin(
    key: str, section, label, *any_of: str, all_of: tuple[str, ...] = (), method: str = "GET"
) -> Screen:
    return Screen(key, ADMIN, section, label, any_of=any_of, all_of=all_of, method=method)


def _public(key: str, section, label, method: str = "GET") -> Screen:
    return Screen(key, PUBLIC, section, label, method=method)


def _members(key: str, section, label, method: str = "GET") -> Screen:
    return Screen(f"members:{key}", MEMBERS, section, label, method=method)


def _members_open(key: str, section, label, method: str = "GET") -> Screen:
    return Screen(f"members:{key}", MEMBERS_OPEN, section, label, method=method)


def _snippet(app_model: str, section, label, *, publish: bool = False) -> list[Screen]:
    """A snippet's list (any of its permissions), add (add) and edit (change) screens."""
    app_label, model = app_model.split(".")
    name = f"wagtailsnippets_{app_label}_{model}"
    perm = f"{app_label}.{{}}_{model}"
    every = tuple(perm.format(action) for action in ("add", "change", "delete", "view"))
    if publish:
        every += (perm.format("publish"),)
    return [
        Screen(f"{name}:list", ADMIN, section, _("%(label)s（一覧）") % {"label": label}, any_of=every),
        Screen(
            f"{name}:add",
            ADMIN,
            section,
            _("%(label)s（追加）") % {"label": label},
            any_of=(perm.format("add"),),
        ),
        Screen(
            f"{name}:edit",
            ADMIN,
            section,
            _("%(label)s（編集）") % {"label": label},
            any_of=(perm.format("change"),),
        ),
    ]


def _setting(app_model: str, label) -> Screen:
    app_label, model = app_model.split(".")
    return Screen(
        f"wagtailsettings:edit {app_model}", ADMIN, _("設定"), label, any_of=(f"{app_label}.change_{model}",)
    )


S_PUBLIC = _("公開サイト")
S_SURVEY = _("アンケート（回答）")
S_ACCOUNT = _("アカウント")
S_BUSINESS = _("事業者・お知らせ")
S_APPLY = _("参加申請")
S_CLAIMS = _("実績報告")
S_ADMIN = _("管理画面の共通")
S_CMS = _("ページ・画像・文書")
S_FACILITIES = _("宿泊施設")
S_PARTICIPANTS = _("参加事業者の審査")
S_SETTLEMENT = _("実績報告・精算")
S_INQUIRIES = _("コールセンター")
S_SURVEYS = _("アンケート・景品")
S_PROMOTION = _("プロモーション")
S_SYSTEM = _("システム管理")

P = participant_perms
C = claims_perms
Q = inquiry_perms
V = survey_perms
FLYER = flyer_perms
LOCALE = (
    "wagtailcore.add_locale",
    "wagtailcore.change_locale",
    "wagtailcore.delete_locale",
    "wagtailcore.view_locale",
)
WORKFLOW = ("wagtailcore.add_workflow", "wagtailcore.change_workflow", "wagtailcore.delete_workflow")
PAGES = ("wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page")
IMAGES = ("wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.delete_image")
DOCUMENTS = ("wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.delete_document")
USERS = ("auth.add_user", "auth.change_user", "auth.delete_user", "auth.view_user")
GROUPS = ("auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group")

SCREENS: list[Screen] = [
    # 公開サイト
    _public("wagtail_serve home", S_PUBLIC, _("トップページ・記事（ja / en）")),
    _public("wagtail_serve guide", S_PUBLIC, _("参加施設のご案内・施設詳細・販売終了施設")),
    _public("wagtail_serve faq", S_PUBLIC, _("よくある質問")),
    _public("wagtaildocs_serve", S_PUBLIC, _("公開文書のダウンロード")),
    _public("wagtaildocs_authenticate_with_password", S_PUBLIC, _("パスワード付き文書")),
    _public("wagtailcore_authenticate_with_password", S_PUBLIC, _("パスワード付きページ"), method="POST"),
    _public("healthz", S_PUBLIC, _("死活監視")),
    _public("healthz_live", S_PUBLIC, _("死活監視（プロセスの応答のみ）")),
    _public("api_facilities", S_PUBLIC, _("オープンデータ API（JSON）")),
    _public("api_facilities_csv", S_PUBLIC, _("オープンデータ API（CSV）")),
    _public("surveys:list", S_SURVEY, _("回答受付中のアンケート")),
    _public("surveys:survey", S_SURVEY, _("アンケートの回答")),
    _public("surveys:facility_link", S_SURVEY, _("施設別リンクからの回答")),
    _public("surveys:thanks", S_SURVEY, _("お礼・抽選への応募")),
    # 参加事業者向けページ
    _members_open("login", S_ACCOUNT, _("ログイン")),
    _members_open("logout", S_ACCOUNT, _("ログアウト"), method="POST"),
    _members_open("signup", S_ACCOUNT, _("利用者登録")),
    _members_open("signup_sent", S_ACCOUNT, _("確認メール送信済み")),
    _members_open("resend_verification", S_ACCOUNT, _("確認メールの再送")),
    _members_open("verify", S_ACCOUNT, _("メールアドレスの確認")),
    _members_open("password_reset", S_ACCOUNT, _("パスワードの再設定")),
    _members_open("password_reset_done", S_ACCOUNT, _("再設定メール送信済み")),
    _members_open("password_reset_confirm", S_ACCOUNT, _("新しいパスワードの設定")),
    _members_open("password_reset_complete", S_ACCOUNT, _("再設定の完了")),
    _members_open("invitation", S_ACCOUNT, _("招待の受諾")),
    _members("dashboard", S_BUSINESS, _("ダッシュボード")),
    _members("business_create", S_BUSINESS, _("事業者情報の登録")),
    _members("users", S_BUSINESS, _("利用者の管理")),
    _members("notice_list", S_BUSINESS, _("お知らせ")),
    _members("notice_detail", S_BUSINESS, _("お知らせの詳細")),
    _members("manual", S_BUSINESS, _("参加事業者マニュアル")),
    _members("facility_detail", S_BUSINESS, _("施設のページ")),
    _members("facility_survey_qr", S_BUSINESS, _("アンケート用 QR コード")),
    _members("application_start", S_APPLY, _("参加申請の開始")),
    _members("application", S_APPLY, _("参加申請（概要）")),
    _members("application_business", S_APPLY, _("参加申請：事業者情報")),
    _members("application_facilities", S_APPLY, _("参加申請：施設")),
    _members("entry_add", S_APPLY, _("参加申請：施設の追加")),
    _members("entry_edit", S_APPLY, _("参加申請：施設の編集")),
    _members("entry_delete", S_APPLY, _("参加申請：施設の削除")),
    _members("application_bank", S_APPLY, _("参加申請：振込先口座")),
    _members("application_documents", S_APPLY, _("参加申請：提出書類")),
    _members("document_download", S_APPLY, _("提出書類の表示")),
    _members("document_delete", S_APPLY, _("提出書類の削除")),
    _members("application_pledges", S_APPLY, _("参加申請：誓約事項")),
    _members("application_submit", S_APPLY, _("参加申請の提出")),
    _members("claims", S_CLAIMS, _("実績報告（一覧）")),
    _members("claim_template", S_CLAIMS, _("報告ファイルのひな形")),
    _members("participation_claims", S_CLAIMS, _("施設ごとの実績報告")),
    _members("claim_new", S_CLAIMS, _("新しい実績報告")),
    _members("claim_entry_new", S_CLAIMS, _("新しい実績報告（1件ずつ入力）")),
    _members("sold_out", S_CLAIMS, _("販売終了")),
    _members("claim_detail", S_CLAIMS, _("実績報告の詳細")),
    _members("claim_upload", S_CLAIMS, _("報告ファイルの再アップロード")),
    _members("claim_entry", S_CLAIMS, _("1件ずつ入力")),
    _members("claim_result", S_CLAIMS, _("チェック結果")),
    _members("claim_result_csv", S_CLAIMS, _("チェック結果（CSV）")),
    _members("claim_submit", S_CLAIMS, _("実績報告の提出")),
    # 管理画面の共通
    _admin("wagtailadmin_home", S_ADMIN, _("ダッシュボード")),
    _admin("accounts_otp_verify", S_ADMIN, _("2要素認証（コードの入力）")),
    _admin("accounts_otp_enrol", S_ADMIN, _("2要素認証（登録）")),
    _admin("wagtailadmin_account", S_ADMIN, _("アカウント設定")),
    # ページ・画像・文書
    _admin("wagtailadmin_explore_root", S_CMS, _("ページ一覧"), *PAGES),
    _admin("wagtailadmin_pages:edit", S_CMS, _("ページの編集"), "wagtailcore.change_page"),
    _admin("wagtailadmin_pages:add_subpage", S_CMS, _("ページの追加"), "wagtailcore.add_page"),
    _admin("wagtailimages:index", S_CMS, _("画像"), *IMAGES, "wagtailimages.choose_image"),
    _admin("wagtailimages:add", S_CMS, _("画像の追加"), "wagtailimages.add_image"),
    _admin("wagtaildocs:index", S_CMS, _("文書"), *DOCUMENTS, "wagtaildocs.choose_document"),
    _admin("wagtaildocs:add", S_CMS, _("文書の追加"), "wagtaildocs.add_document"),
    *_snippet("cms.tourismbanner", S_CMS, _("観光バナー")),
    _setting("cms.contactsettings", _("コールセンター連絡先")),
    _setting("cms.sitealertsettings", _("サイト全体のお知らせ")),
    _setting("cms.navigationsettings", _("ナビゲーション")),
    _setting("claims.transfersettings", _("振込元口座")),
    # 宿泊施設
    *_snippet("facilities.facility", S_FACILITIES, _("宿泊施設")),
    *_snippet("facilities.ward", S_FACILITIES, _("区")),
    *_snippet("facilities.area", S_FACILITIES, _("エリア")),
    *_snippet("facilities.facilitytype", S_FACILITIES, _("施設種別")),
    *_snippet("facilities.feature", S_FACILITIES, _("特徴")),
    _admin("facilities_sales", S_FACILITIES, _("販売状況"), "facilities.change_participation"),
    _admin("facilities_sales_change", S_FACILITIES, _("販売状況の変更"), "facilities.change_participation"),
    _admin(
        "facilities_import",
        S_FACILITIES,
        _("施設の一括取込"),
        all_of=("facilities.add_facility", "facilities.change_facility"),
    ),
    _admin(
        "facilities_import_template",
        S_FACILITIES,
        _("一括取込のひな形"),
        all_of=("facilities.add_facility", "facilities.change_facility"),
    ),
    # 参加事業者の審査
    _admin("participants_queue", S_PARTICIPANTS, _("審査キュー"), P.VIEW),
    _admin("participants_application", S_PARTICIPANTS, _("審査画面"), P.VIEW),
    *[
        _admin(f"participants_application_action {action}", S_PARTICIPANTS, label, *needs, method="POST")
        for action, label, needs in [
            ("start_review", _("審査開始"), (P.REVIEW,)),
            ("checklist", _("チェックリストの保存"), (P.REVIEW,)),
            ("comment", _("審査メモ"), (P.REVIEW, P.DECIDE)),
            ("return", _("差戻し"), (P.REVIEW,)),
            ("escalate", _("発注者確認へ"), (P.REVIEW,)),
            ("approve", _("登録決定"), (P.REVIEW,)),
            ("reject", _("不承認"), (P.REVIEW,)),
            ("decide", _("発注者の判断"), (P.DECIDE,)),
        ]
    ],
    _admin("participants_document", S_PARTICIPANTS, _("提出書類の表示"), P.VIEW),
    _admin("participants_escalations", S_PARTICIPANTS, _("発注者確認の案件"), P.DECIDE),
    _admin("participants_export", S_PARTICIPANTS, _("参加事業者データの出力"), P.EXPORT),
    _admin("participants_export_log", S_PARTICIPANTS, _("出力記録"), P.EXPORT_LOG),
    _admin("participants_freeze", S_PARTICIPANTS, _("参加事業者データを確定版にする"), P.FREEZE),
    _admin(
        "participants_frozen_download",
        S_PARTICIPANTS,
        _("参加事業者データ（確定版）のダウンロード"),
        P.FROZEN,
    ),
    *_snippet("participants.participantnotice", S_PARTICIPANTS, _("参加事業者向けお知らせ"), publish=True),
    # 実績報告・精算
    _admin("claims_list", S_SETTLEMENT, _("実績報告"), C.VIEW),
    _admin("claims_claim", S_SETTLEMENT, _("実績報告の詳細"), C.VIEW),
    _admin("claims_claim_action start_review", S_SETTLEMENT, _("確認開始"), C.REVIEW, method="POST"),
    _admin("claims_claim_action return", S_SETTLEMENT, _("差戻し"), C.REVIEW, method="POST"),
    _admin("claims_claim_action approve", S_SETTLEMENT, _("承認"), C.APPROVE, method="POST"),
    _admin("claims_line_action exclude", S_SETTLEMENT, _("明細の除外"), C.REVIEW, method="POST"),
    _admin("claims_line_action include", S_SETTLEMENT, _("明細を戻す"), C.REVIEW, method="POST"),
    _admin("claims_upload", S_SETTLEMENT, _("郵送分の登録"), C.UPLOAD),
    _admin("claims_allocations", S_SETTLEMENT, _("配分額"), C.VIEW_BUDGET),
    _admin("claims_allocation_edit", S_SETTLEMENT, _("配分額の変更"), C.ALLOCATE),
    _admin("claims_sold_out_threshold", S_SETTLEMENT, _("販売終了の目安"), C.ALLOCATE, method="POST"),
    _admin("claims_dashboard", S_SETTLEMENT, _("予算ダッシュボード"), C.VIEW_BUDGET),
    _admin("reports_city_dashboard", S_SETTLEMENT, _("市ダッシュボード（閲覧のみ）"), C.VIEW_BUDGET),
    _admin("claims_months", S_SETTLEMENT, _("月末締め・報告"), C.VIEW_REPORTS),
    _admin("claims_month_close", S_SETTLEMENT, _("月末締め"), C.CLOSE_MONTH, method="POST"),
    _admin("claims_month_report", S_SETTLEMENT, _("支払実績（Excel）"), C.VIEW_REPORTS, method="POST"),
    _admin("claims_completion_report", S_SETTLEMENT, _("完成データ（Excel）"), C.VIEW_REPORTS, method="POST"),
    _admin("claims_lines_export", S_SETTLEMENT, _("報告明細（Excel）"), C.VIEW_REPORTS, method="POST"),
    _admin("reports_packs", S_SETTLEMENT, _("報告書パック"), "reports.view_reportpack"),
    _admin("reports_pack_generate", S_SETTLEMENT, _("パックの作成"), "reports.add_reportpack", method="POST"),
    _admin("reports_pack_download", S_SETTLEMENT, _("報告書パック（Excel・PDF）"), "reports.view_reportpack"),
    _admin("claims_payments", S_SETTLEMENT, _("振込データ"), C.VIEW_PAYMENTS),
    _admin("claims_payment_create", S_SETTLEMENT, _("振込データの作成"), C.MANAGE_PAYMENTS, method="POST"),
    _admin("claims_payment_batch", S_SETTLEMENT, _("振込データの詳細・振込確認"), C.VIEW_PAYMENTS),
    _admin("claims_payment_zengin", S_SETTLEMENT, _("全銀ファイル"), C.MANAGE_PAYMENTS),
    # コールセンター
    _admin("inquiries_new", S_INQUIRIES, _("応対記録の入力"), Q.ADD),
    _admin("inquiries_list", S_INQUIRIES, _("応対記録"), Q.VIEW),
    _admin("inquiries_queue", S_INQUIRIES, _("折り返し・エスカレーション"), Q.VIEW),
    _admin("inquiries_detail", S_INQUIRIES, _("応対記録の詳細"), Q.VIEW),
    _admin("inquiries_edit", S_INQUIRIES, _("応対記録の編集"), Q.CHANGE),
    _admin("inquiries_to_faq", S_INQUIRIES, _("FAQ にする"), Q.MAKE_FAQ, method="POST"),
    _admin("inquiries_quick_tally", S_INQUIRIES, _("簡易集計"), Q.QUICK_TALLY, method="POST"),
    _admin("inquiries_quick_tally_undo", S_INQUIRIES, _("簡易集計の取消し"), Q.QUICK_TALLY, method="POST"),
    _admin("inquiries_reports", S_INQUIRIES, _("集計報告"), Q.VIEW_REPORTS),
    _admin("inquiries_report_download", S_INQUIRIES, _("集計報告（Excel）"), Q.VIEW_REPORTS, method="POST"),
    _admin("inquiries_report_submitted", S_INQUIRIES, _("提出済みにする"), Q.SUBMIT_REPORTS, method="POST"),
    *_snippet("inquiries.inquirycategory", S_INQUIRIES, _("問い合わせ分類")),
    *_snippet("inquiries.faqentry", S_INQUIRIES, _("よくある質問"), publish=True),
    # アンケート・景品
    *_snippet("surveys.survey", S_SURVEYS, _("アンケート作成")),
    _admin("surveys_admin:links_index", S_SURVEYS, _("回答リンク・QR コード"), V.EDIT, V.VIEW_RESULTS),
    _admin("surveys_admin:links_survey", S_SURVEYS, _("施設別の回答リンク"), V.EDIT, V.VIEW_RESULTS),
    _admin("surveys_admin:links_qr_png", S_SURVEYS, _("QR コード（PNG）"), V.EDIT, V.VIEW_RESULTS),
    _admin("surveys_admin:links_qr_svg", S_SURVEYS, _("QR コード（SVG）"), V.EDIT, V.VIEW_RESULTS),
    _admin("surveys_admin:links_card", S_SURVEYS, _("案内カード"), V.EDIT, V.VIEW_RESULTS),
    _admin("surveys_admin:results_list", S_SURVEYS, _("アンケート集計"), V.VIEW_RESULTS),
    _admin("surveys_admin:results_dashboard", S_SURVEYS, _("集計ダッシュボード"), V.VIEW_RESULTS),
    _admin("surveys_admin:results_excel", S_SURVEYS, _("回答データ（Excel）"), V.VIEW_RESULTS, method="POST"),
    _admin(
        "surveys_admin:results_pdf", S_SURVEYS, _("集計・分析報告書（PDF）"), V.VIEW_RESULTS, method="POST"
    ),
    _admin("surveys_admin:lottery_index", S_SURVEYS, _("景品の抽選"), V.RUN_LOTTERY, V.VIEW_DRAWS),
    _admin(
        "surveys_admin:lottery_survey", S_SURVEYS, _("抽選（アンケートごと）"), V.RUN_LOTTERY, V.VIEW_DRAWS
    ),
    _admin("surveys_admin:lottery_draw", S_SURVEYS, _("抽選の記録"), V.RUN_LOTTERY, V.VIEW_DRAWS),
    _admin("surveys_admin:lottery_list", S_SURVEYS, _("確定名簿（テキスト）"), V.RUN_LOTTERY, V.VIEW_DRAWS),
    _admin("surveys_admin:lottery_events", S_SURVEYS, _("操作の記録"), V.RUN_LOTTERY, V.VIEW_DRAWS),
    _admin("surveys_admin:lottery_entries", S_SURVEYS, _("応募者の一覧（個人情報）"), V.RUN_LOTTERY),
    _admin(
        "surveys_admin:lottery_entries_download",
        S_SURVEYS,
        _("応募者（Excel）"),
        V.RUN_LOTTERY,
        method="POST",
    ),
    _admin(
        "surveys_admin:lottery_mailing", S_SURVEYS, _("宛名リスト（Excel）"), V.RUN_LOTTERY, method="POST"
    ),
    _admin("surveys_admin:lottery_freeze", S_SURVEYS, _("名簿を確定"), V.RUN_LOTTERY),
    _admin("surveys_admin:lottery_run", S_SURVEYS, _("抽選を実行"), V.RUN_LOTTERY),
    _admin("surveys_admin:lottery_cancel", S_SURVEYS, _("確定名簿の取消し"), V.RUN_LOTTERY),
    _admin("surveys_admin:lottery_status", S_SURVEYS, _("発送状況の変更"), V.RUN_LOTTERY, method="POST"),
    _admin("surveys_admin:lottery_redraw", S_SURVEYS, _("再抽選"), V.RUN_LOTTERY, method="POST"),
    # プロモーション
    *_snippet("promotion.flyer", S_PROMOTION, _("チラシ"), publish=True),
    _admin("promotion_flyer_pdf", S_PROMOTION, _("チラシ（印刷用 PDF）"), FLYER.VIEW, FLYER.CHANGE),
    _admin("promotion_flyer_proof_pdf", S_PROMOTION, _("チラシ（校正刷り PDF）"), FLYER.VIEW, FLYER.CHANGE),
    # システム管理
    *_snippet("campaigns.campaign", S_SYSTEM, _("キャンペーン")),
    _admin("wagtailusers_users:index", S_SYSTEM, _("ユーザー"), *USERS),
    _admin("wagtailusers_users:add", S_SYSTEM, _("ユーザーの追加"), "auth.add_user"),
    _admin("wagtailusers_groups:index", S_SYSTEM, _("グループ（ロール）"), *GROUPS),
    _admin("wagtailadmin_workflows:index", S_SYSTEM, _("ワークフロー"), *WORKFLOW),
    _admin("wagtaillocales:index", S_SYSTEM, _("言語"), *LOCALE),
    _admin("wagtailadmin_reports:site_history", S_SYSTEM, _("サイトの履歴")),
    _admin("audit_list", S_SYSTEM, _("監査ログ"), "audit.view_auditentry"),
    _admin("audit_export", S_SYSTEM, _("監査ログの出力"), "audit.view_auditentry", method="POST"),
    # ダウンロード (jobs): every staff member, each sees only the jobs they asked for (others' are 404)
    _admin("jobs_list", S_SYSTEM, _("ダウンロード")),
    _admin("jobs_detail", S_SYSTEM, _("ダウンロード（作成状況）")),
    _admin("jobs_status", S_SYSTEM, _("ダウンロード（作成状況・JSON）")),
    _admin("jobs_download", S_SYSTEM, _("ダウンロード（ファイル）")),
]

BY_KEY: dict[str, Screen] = {screen.key: screen for screen in SCREENS}


def project_apps() -> set[str]:
    """This project's apps (their code is in the repository, not in an installed package): every URL
    whose view lives in one of them must have a screen above. Read from INSTALLED_APPS, so a new app
    cannot escape the matrix check by being forgotten in a list here."""
    from django.apps import apps
    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in Path(config.path).parts
    }


def markdown_table() -> str:
    """The matrix as the Markdown of docs/role-matrix.md: one table per area, ✓ allowed, — refused."""
    headers = [str(ROLE_LABELS.get(role, role)) for role in ROLES]
    lines = [
        "# ロール × 画面の対応表 (role × screen matrix)",
        "",
        "`python manage.py role_matrix --out docs/role-matrix.md` で `accounts/matrix.py` から生成します。"
        "`tests/test_role_matrix.py` がすべての画面を各ロールで開き、"
        "この表のとおりであることを確かめます。",
        "",
    ]
    for area in AREAS:
        screens = [screen for screen in SCREENS if screen.area == area]
        lines += [f"## {AREA_LABELS[area]}", ""]
        lines.append("| 区分 | 画面 | URL 名 | " + " | ".join(headers) + " |")
        lines.append("|---|---|---|" + "---|" * len(headers))
        for screen in screens:
            allowed = set(allowed_roles(screen))
            marks = ["✓" if role in allowed else "—" for role in ROLES]
            method = " (POST)" if screen.method == "POST" else ""
            lines.append(
                f"| {screen.section} | {screen.label} | `{screen.key}`{method} | " + " | ".join(marks) + " |"
            )
        lines.append("")
    return "\n".join(lines)
