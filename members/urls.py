"""URLs of the members area (/members/, /en/members/)."""

from django.urls import path

from . import application_views as app
from . import claim_views as claims
from . import survey_views, views

app_name = "members"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Accounts
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    # The business and its users
    path("business/new/", views.business_create, name="business_create"),
    path("users/", views.users, name="users"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    # Notices, manual, approved facilities
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("manual/", views.manual, name="manual"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path(
        "facilities/<int:pk>/surveys/<int:survey_id>/<str:kind>/",
        survey_views.facility_survey_qr,
        name="facility_survey_qr",
    ),
    # Applications
    path("campaigns/<int:campaign_id>/apply/", views.application_start, name="application_start"),
    path("applications/<uuid:pk>/", app.overview, name="application"),
    path("applications/<uuid:pk>/business/", app.business, name="application_business"),
    path("applications/<uuid:pk>/facilities/", app.facilities, name="application_facilities"),
    path("applications/<uuid:pk>/facilities/add/", app.entry_form, name="entry_add"),
    path("applications/<uuid:pk>/facilities/<int:entry_pk>/", app.entry_form, name="entry_edit"),
    path("applications/<uuid:pk>/facilities/<int:entry_pk>/delete/", app.entry_delete, name="entry_delete"),
    path("applications/<uuid:pk>/bank/", app.bank, name="application_bank"),
    path("applications/<uuid:pk>/documents/", app.documents, name="application_documents"),
    path(
        "applications/<uuid:pk>/documents/<uuid:document_pk>/",
        app.document_download,
        name="document_download",
    ),
    path(
        "applications/<uuid:pk>/documents/<uuid:document_pk>/delete/",
        app.document_delete,
        name="document_delete",
    ),
    path("applications/<uuid:pk>/pledges/", app.pledges, name="application_pledges"),
    path("applications/<uuid:pk>/submit/", app.submit, name="application_submit"),
    # Claims (実績報告) and 販売終了
    path("claims/", claims.overview, name="claims"),
    path("claims/template.csv", claims.claim_template, name="claim_template"),
    path("participations/<int:pk>/claims/", claims.participation_claims, name="participation_claims"),
    path("participations/<int:pk>/claims/new/", claims.claim_new, name="claim_new"),
    path("participations/<int:pk>/claims/new/entry/", claims.claim_entry_new, name="claim_entry_new"),
    path("participations/<int:pk>/sold-out/", claims.sold_out, name="sold_out"),
    path("claims/<uuid:pk>/", claims.claim_detail, name="claim_detail"),
    path("claims/<uuid:pk>/upload/", claims.claim_upload, name="claim_upload"),
    path("claims/<uuid:pk>/entry/", claims.claim_entry, name="claim_entry"),
    path("claims/<uuid:pk>/result/", claims.claim_result, name="claim_result"),
    path("claims/<uuid:pk>/result.csv", claims.claim_result_csv, name="claim_result_csv"),
    path("claims/<uuid:pk>/submit/", claims.claim_submit, name="claim_submit"),
]
