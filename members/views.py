"""Accounts, the dashboard, notices, the manual and approved facilities of the members area.

Thin views: input rules are in `members.forms`, account links in `members.accounts`, application state
in `participants.services`. Everything a business owns is looked up through the user's membership.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, current_of
from facilities.models import Facility
from participants import services
from participants.models import Application, ApplicationStatus, ParticipantNotice
from surveys import qr as survey_qr

from . import accounts
from .access import login_required_hotel_user, member_required, membership_of
from .forms import (
    BusinessForm,
    InvitationSignUpForm,
    InviteForm,
    LoginForm,
    MemberPasswordResetForm,
    ResendVerificationForm,
    SignUpForm,
)

BACKEND = "accounts.backends.AccountBackend"
NOTICES_PER_PAGE = 20
REVIEWER_MESSAGE_STATUSES = (
    ApplicationStatus.RETURNED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.APPROVED,
)


# Sign-up, verification, login ----------------------------------------------------------------------


def signup(request):
    if request.user.is_authenticated:
        return redirect("members:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = accounts.register(data["email"], data["password1"], data["name"])
        if user is not None:
            accounts.send_verification(request, user)
        else:
            accounts.send_already_registered(request, data["email"])
        request.session["members_signup_email"] = data["email"]
        return redirect("members:signup_sent")
    return render(request, "members/signup.html", {"form": form})


def signup_sent(request):
    return render(request, "members/signup_sent.html", {"email": request.session.get("members_signup_email")})


def resend_verification(request):
    form = ResendVerificationForm(
        request.POST or None, initial={"email": request.session.get("members_signup_email")}
    )
    if request.method == "POST" and form.is_valid():
        accounts.resend_verification(request, form.cleaned_data["email"])
        request.session["members_signup_email"] = accounts.normalize_email(form.cleaned_data["email"])
        messages.success(
            request, _("確認メールを再送しました。届かない場合は迷惑メールフォルダもご確認ください。")
        )
        return redirect("members:signup_sent")
    return render(request, "members/resend_verification.html", {"form": form})


def verify(request, token: str):
    try:
        user = accounts.verify(token)
    except accounts.LinkError as error:
        return render(request, "members/link_error.html", {"message": str(error), "resend": True}, status=400)
    login(request, user, backend=BACKEND)
    messages.success(request, _("メールアドレスを確認しました。続けて事業者情報を登録してください。"))
    return redirect("members:business_create")


class LoginView(auth_views.LoginView):
    template_name = "members/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        if self.request.user.is_staff:
            return reverse("wagtailadmin_home")
        return self.get_redirect_url() or reverse("members:dashboard")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("members:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "members/password_reset_form.html"
    form_class = MemberPasswordResetForm
    email_template_name = "members/emails/password_reset.txt"
    subject_template_name = "members/emails/password_reset_subject.txt"
    success_url = reverse_lazy("members:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "members/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "members/password_reset_confirm.html"
    success_url = reverse_lazy("members:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "members/password_reset_complete.html"


# The business and its users -----------------------------------------------------------------------


@login_required_hotel_user
def business_create(request):
    if membership_of(request.user) is not None:
        return redirect("members:dashboard")
    initial = {"email": request.user.email, "contact_person": request.user.first_name}
    form = BusinessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        accounts.create_business(form, request.user)
        messages.success(request, _("事業者情報を登録しました。"))
        return redirect("members:dashboard")
    return render(request, "members/business_create.html", {"form": form})


@member_required
def users(request):
    membership = request.membership
    if not membership.is_owner:
        return render(request, "members/users.html", {"members": _members(membership), "form": None})
    form = InviteForm(request.POST or None, business=membership.business)
    if request.method == "POST" and form.is_valid():
        accounts.send_invitation(request, membership.business, form.cleaned_data["email"], request.user)
        messages.success(
            request, _("%(email)s に招待メールを送りました。") % {"email": form.cleaned_data["email"]}
        )
        return redirect("members:users")
    return render(request, "members/users.html", {"members": _members(membership), "form": form})


def _members(membership):
    return membership.business.memberships.select_related("user").order_by("-is_owner", "created_at")


def invitation(request, token: str):
    try:
        invite = accounts.read_invitation(token)
    except accounts.LinkError as error:
        return render(request, "members/link_error.html", {"message": str(error)}, status=400)
    context = {"invitation": invite}
    user = request.user
    if user.is_authenticated:
        membership = membership_of(user)
        if membership is not None and membership.business_id == invite.business.pk:
            return redirect("members:dashboard")
        if membership is not None or user.is_staff:
            context["problem"] = _("ログイン中のアカウントは、すでに別の事業者の利用者です。")
        elif user.username != invite.email:
            context["problem"] = _(
                "ログイン中のアカウントと招待先のメールアドレスが異なります。ログアウトしてから、もう一度リンクを開いてください。"
            )
        elif request.method == "POST":
            accounts.join_by_invitation(invite, user=user)
            messages.success(
                request, _("%(business)s の利用者になりました。") % {"business": invite.business.name}
            )
            return redirect("members:dashboard")
        return render(request, "members/invitation.html", context)
    if accounts.User.objects.filter(username=invite.email).exists():
        context["login_first"] = True
        return render(request, "members/invitation.html", context)
    form = InvitationSignUpForm(request.POST or None, email=invite.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = accounts.join_by_invitation(invite, password=data["password1"], name=data["name"])
        login(request, user, backend=BACKEND)
        messages.success(
            request, _("%(business)s の利用者になりました。") % {"business": invite.business.name}
        )
        return redirect("members:dashboard")
    context["form"] = form
    return render(request, "members/invitation.html", context)


# Dashboard -----------------------------------------------------------------------------------------


# What the dashboard lists of each facility: not its description and search text, most of a row.
DASHBOARD_FACILITY_FIELDS = [
    "name",
    "facility_type__name",
    "facility_type__name_en",
    "area__name",
    "area__name_en",
]


@member_required
def dashboard(request):
    business = request.membership.business
    applications = list(Application.objects.for_user(request.user).select_related("campaign"))
    applied = {application.campaign_id for application in applications}
    for application in applications:
        application.timeline = list(services.applicant_timeline(application))
        application.reviewer_messages = [
            event
            for event in application.timeline
            if event.to_status in REVIEWER_MESSAGE_STATUSES and event.note
        ]
    campaigns = list(Campaign.objects.order_by("application_end", "pk"))
    open_campaigns = [
        campaign for campaign in campaigns if campaign.accepts_applications() and campaign.pk not in applied
    ]
    current = current_of(campaigns)
    closed = None
    if current is not None and current.pk not in applied and not current.accepts_applications():
        closed = {"campaign": current, "message": services.deadline_message(current)}
    notices = _visible_notices(business)
    context = {
        "business": business,
        "applications": applications,
        "open_campaigns": open_campaigns,
        "closed": closed,
        "facilities": Facility.objects.filter(business=business)
        .select_related("facility_type", "area")
        .only(*DASHBOARD_FACILITY_FIELDS),
        "notices": notices.filter(is_manual=False)[:5],
        "has_manual": notices.filter(is_manual=True).exists(),
    }
    return render(request, "members/dashboard.html", context)


@member_required
@require_POST
def application_start(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    business = request.membership.business
    existing = Application.objects.for_user(request.user).filter(campaign=campaign).first()
    if existing is not None:
        return redirect("members:application", existing.pk)
    if not services.can_start_application(campaign):
        messages.error(request, services.deadline_message(campaign))
        return redirect("members:dashboard")
    application, _created = Application.objects.get_or_create(
        campaign=campaign, business=business, defaults={"created_by": request.user}
    )
    return redirect("members:application", application.pk)


# Notices, manual, facilities -----------------------------------------------------------------------


def _visible_notices(business):
    """Live notices for every round, or for a round the business applied to."""
    campaigns = Application.objects.filter(business=business).values("campaign_id")
    return ParticipantNotice.objects.filter(live=True).filter(
        Q(campaign__isnull=True) | Q(campaign_id__in=campaigns)
    )


@member_required
def notice_list(request):
    notices = _visible_notices(request.membership.business).filter(is_manual=False)
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "members/notice_list.html", {"page_obj": page})


@member_required
def notice_detail(request, pk: int):
    notices = _visible_notices(request.membership.business).filter(is_manual=False)
    return render(request, "members/notice_detail.html", {"notice": get_object_or_404(notices, pk=pk)})


@member_required
def manual(request):
    sections = (
        _visible_notices(request.membership.business).filter(is_manual=True).order_by("posted_on", "pk")
    )
    return render(request, "members/manual.html", {"sections": sections})


@member_required
def facility_detail(request, pk: int):
    facility = get_object_or_404(
        Facility.objects.filter(business=request.membership.business).select_related(
            "facility_type", "ward", "area"
        ),
        pk=pk,
    )
    participations = facility.participations.select_related("campaign").order_by("-campaign__stay_start")
    context = {
        "facility": facility,
        "participations": participations,
        "surveys": survey_qr.facility_surveys(facility),  # アンケート用 QR コード (members.survey_views)
    }
    return render(request, "members/facility_detail.html", context)
