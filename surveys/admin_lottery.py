"""Staff screens of the prize lottery (景品の抽選): entries, draws, winners, shipping and the audit.

Two kinds of readers: the back office (`surveys.run_lottery`) runs the lottery and sees entrants'
names and addresses; the city and the system administrator (`surveys.view_lotterydraw`) audit the
draws by entry number and hashes only, so their pages never carry personal data. Views collect
input and show results; every change goes through `surveys.lottery`, and final steps (draw, cancel,
status changes, redraw) ask for confirmation on a page of their own, so they work without JavaScript.
Looking at or downloading personal data is recorded as a `LotteryEvent` too.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.admin.auth import any_permission_required, permission_required
from wagtail.models import Locale

from core.admin_menu import PermissionMenuItem
from core.paging import query_without
from jobs.admin_views import start_download

from . import lottery
from . import permissions as perms
from .mailing import winners_to_ship
from .models import DrawState, LotteryDraw, LotteryEntry, LotteryEvent, LotteryWinner, ShippingStatus, Survey

PER_PAGE = 50
RECENT_EVENTS = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = ShippingStatus
STATUS_TARGETS = [S.SHIPPED, S.UNDELIVERED, S.RESENT, S.DECLINED, S.INELIGIBLE]
NOTE_HELP = gettext_lazy("記録に残ります。氏名・住所などの個人情報は書かないでください。")


def _survey(survey_id: int) -> Survey:
    return get_object_or_404(Survey, pk=survey_id)


def _draw(draw_id: int) -> LotteryDraw:
    return get_object_or_404(
        LotteryDraw.objects.select_related("survey", "frozen_by", "drawn_by"), pk=draw_id
    )


def _survey_url(survey: Survey) -> str:
    return reverse("surveys_admin:lottery_survey", args=[survey.pk])


def _draw_url(draw: LotteryDraw) -> str:
    return reverse("surveys_admin:lottery_draw", args=[draw.pk])


def _winners(survey: Survey) -> QuerySet[LotteryWinner]:
    """Every winner of the survey's draws, with who last changed it and when (from the event log)."""
    last = LotteryEvent.objects.filter(winner=OuterRef("pk")).order_by("-at", "-pk")
    return (
        LotteryWinner.objects.filter(draw__survey=survey, draw__state=DrawState.DRAWN)
        .select_related("draw", "entry", "replaced_by")
        .annotate(
            changed_at=Subquery(last.values("at")[:1]),
            changed_by=Subquery(last.values("actor__username")[:1]),
        )
        .order_by("draw__number", "rank")
    )


def _events(queryset: QuerySet[LotteryEvent]) -> QuerySet[LotteryEvent]:
    return queryset.select_related("actor", "draw").order_by("-at", "-pk")


def _label_events(events) -> list[LotteryEvent]:
    events = list(events)
    for event in events:
        event.label = lottery.event_label(event.action)
    return events


# --- forms -------------------------------------------------------------------------------------------


class FreezeForm(forms.Form):
    winners_wanted = forms.IntegerField(label=gettext_lazy("当選者数"), min_value=1)
    note = forms.CharField(
        label=gettext_lazy("備考"), required=False, widget=forms.Textarea, help_text=NOTE_HELP
    )


class DrawForm(forms.Form):
    witness = forms.CharField(
        label=gettext_lazy("立会人の入力"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "立会人（市の職員など）がその場で決めた任意の文字列（例: 当日の新聞の見出しやサイコロの目）。"
            "抽選の結果に影響するため、名簿を確定した時点では誰にも結果が分かりません。"
        ),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("取消しの理由"), widget=forms.Textarea, help_text=NOTE_HELP)


class WinnersForm(forms.Form):
    """The winners ticked in the winners table (ids are checked again by the services)."""

    winners = forms.TypedMultipleChoiceField(label=gettext_lazy("当選者"), coerce=int, choices=())
    note = forms.CharField(
        label=gettext_lazy("備考"), required=False, widget=forms.Textarea, help_text=NOTE_HELP
    )

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        ids = LotteryWinner.objects.filter(draw__survey=survey).values_list("pk", flat=True)
        self.fields["winners"].choices = [(pk, pk) for pk in ids]
        self.fields["winners"].error_messages["required"] = _("当選者を選んでください。")


class StatusForm(WinnersForm):
    status = forms.ChoiceField(
        label=gettext_lazy("変更後の発送状況"), choices=[(s.value, s.label) for s in STATUS_TARGETS]
    )
    shipped_on = forms.DateField(
        label=gettext_lazy("発送日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, confirming: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.confirming = confirming

    def clean(self):
        data = super().clean()
        if self.confirming and data.get("status") == S.SHIPPED and not data.get("shipped_on"):
            self.add_error("shipped_on", _("発送日を入力してください。"))
        return data


# --- reading ------------------------------------------------------------------------------------------


@any_permission_required(perms.RUN_LOTTERY, perms.VIEW_DRAWS)
def index(request: HttpRequest) -> HttpResponse:
    surveys = (
        Survey.objects.filter(
            Q(lottery_enabled=True) | Q(lottery_draws__isnull=False), locale=Locale.get_default()
        )
        .distinct()
        .select_related("campaign")
        .annotate(
            entry_count=Count("lottery_entries", distinct=True),
            draw_count=Count("lottery_draws", distinct=True),
        )
        .order_by("-opens_at", "pk")
    )
    return TemplateResponse(
        request,
        "surveys/admin/lottery_index.html",
        {"surveys": surveys, "can_run": perms.can_run_lottery(request.user)},
    )


def _audit(request: HttpRequest, survey: Survey, action: str, summary: Any, **detail: Any) -> None:
    """Record a look at or an export of entrants' personal data in the audit trail (issue: 個人情報)."""
    from audit.log import record

    record(action, request=request, obj=survey, summary=summary, detail=detail)


@any_permission_required(perms.RUN_LOTTERY, perms.VIEW_DRAWS)
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    can_run = perms.can_run_lottery(request.user)
    draws = list(survey.lottery_draws.select_related("frozen_by", "drawn_by").order_by("number"))
    if can_run and any(draw.state == DrawState.DRAWN for draw in draws):
        _audit(request, survey, "pii_view", gettext_lazy("当選者の氏名・住所を表示"))
    return TemplateResponse(
        request,
        "surveys/admin/lottery_survey.html",
        {
            "survey": survey,
            "can_run": can_run,
            "entry_count": survey.lottery_entries.count(),
            "draws": draws,
            "frozen": next((d for d in draws if d.state == DrawState.FROZEN), None),
            "winners": _winners(survey),
            "to_ship": winners_to_ship(survey).count() if can_run else 0,
            "status_choices": [(s.value, s.label) for s in STATUS_TARGETS],
            "events": _label_events(_events(survey.lottery_events.all())[:RECENT_EVENTS]),
        },
    )


@any_permission_required(perms.RUN_LOTTERY, perms.VIEW_DRAWS)
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(draw_id)
    revealed = draw.state != DrawState.FROZEN
    if draw.state == DrawState.DRAWN and perms.can_run_lottery(request.user):
        _audit(request, draw.survey, "pii_view", gettext_lazy("当選者の氏名・住所を表示"), draw=draw.number)
    command = ""
    if draw.state == DrawState.DRAWN:
        from .management.commands.lottery_list import list_filename

        command = shlex.join(
            [
                "python",
                "manage.py",
                "lottery_verify",
                "--list",
                list_filename(draw),
                "--seed",
                draw.seed,
                "--witness",
                draw.witness,
                "--winners",
                str(draw.winners_wanted),
                "--list-sha256",
                draw.list_sha256,
                "--commitment",
                draw.seed_commitment,
            ]
        )
    return TemplateResponse(
        request,
        "surveys/admin/lottery_draw.html",
        {
            "survey": draw.survey,
            "draw": draw,
            "seed": draw.seed if revealed else "",  # never on a page before the draw
            "winners": _winners(draw.survey).filter(draw=draw),
            "replaces": draw.replaces.select_related("draw").order_by("draw__number", "rank"),
            "can_run": perms.can_run_lottery(request.user),
            "verify_command": command,
            "db_command": f"python manage.py lottery_verify --survey {draw.survey.slug} --draw {draw.number}",
            "events": _label_events(_events(draw.events.all())),
        },
    )


@any_permission_required(perms.RUN_LOTTERY, perms.VIEW_DRAWS)
def list_download(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The frozen list exactly as hashed (entry ids only), for anyone auditing the draw."""
    from .management.commands.lottery_list import list_filename

    draw = _draw(draw_id)
    lottery.record(
        draw.survey,
        "list_download",
        request.user,
        _("第%(number)d回の確定名簿（SHA-256 %(hash)s）") % {"number": draw.number, "hash": draw.list_sha256},
        draw=draw,
    )
    response = HttpResponse(draw.entry_list.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{list_filename(draw)}"'
    return response


@any_permission_required(perms.RUN_LOTTERY, perms.VIEW_DRAWS)
def events(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    page = Paginator(_events(survey.lottery_events.all()), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _label_events(page.object_list)
    return TemplateResponse(
        request, "surveys/admin/lottery_events.html", {"survey": survey, "page_obj": page}
    )


# --- personal data (run_lottery only) ----------------------------------------------------------------


def _search(entries: QuerySet[LotteryEntry], query: str) -> QuerySet[LotteryEntry]:
    """By entry number (E000123, 123) or part of the name."""
    text = unicodedata.normalize("NFKC", query).strip()
    number = re.fullmatch(r"[Ee]?0*(\d+)", text)
    condition = Q(name__icontains=text) | Q(name__icontains=text.replace(" ", "　"))
    if number:
        condition |= Q(number=int(number.group(1)))
    return entries.filter(condition)


@permission_required(perms.RUN_LOTTERY)
def entries(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    query = request.GET.get("q", "").strip()
    listing = survey.lottery_entries.order_by("number")
    if query:
        listing = _search(listing, query)
    page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
    lottery.record(
        survey,
        "entries_view",
        request.user,
        _("%(page)dページ目（%(count)d件）") % {"page": page.number, "count": len(page.object_list)}
        + (_("、検索あり") if query else ""),
    )
    _audit(
        request,
        survey,
        "pii_view",
        gettext_lazy("抽選応募者の一覧を表示"),
        page=page.number,
        searched=bool(query),
    )
    return TemplateResponse(
        request,
        "surveys/admin/lottery_entries.html",
        {
            "survey": survey,
            "page_obj": page,
            "query": query,
            "query_string": query_without(request),
            "total": survey.lottery_entries.count(),
        },
    )


@permission_required(perms.RUN_LOTTERY)
@require_POST
def entries_download(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Recorded (lottery log and audit trail) when asked for; the workbook is made by a download job
    (`jobs.builders`, `surveys.mailing.entries_workbook`) and its download is audited again."""
    survey = _survey(survey_id)
    count = survey.lottery_entries.count()
    lottery.record(survey, "entries_download", request.user, _("%(count)d件") % {"count": count})
    _audit(request, survey, "pii_export", gettext_lazy("抽選応募者の一覧を Excel で出力"), rows=count)
    label = _("%(title)s 抽選への応募者一覧（Excel）") % {"title": survey.title}
    return start_download(request, "surveys.lottery_entries", {"survey": survey.pk}, label)


@permission_required(perms.RUN_LOTTERY)
@require_POST
def mailing(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Recorded (lottery log and audit trail) when asked for; the workbook is made by a download job
    (`jobs.builders`) and its download is audited again, as it holds names and addresses."""
    survey = _survey(survey_id)
    count = winners_to_ship(survey).count()
    lottery.record(survey, "mailing_download", request.user, _("%(count)d件") % {"count": count})
    _audit(request, survey, "pii_export", gettext_lazy("当選者の宛名リストを Excel で出力"), rows=count)
    label = _("%(title)s 当選者宛名リスト（Excel）") % {"title": survey.title}
    return start_download(request, "surveys.lottery_mailing", {"survey": survey.pk}, label)


# --- changes (run_lottery only) -----------------------------------------------------------------------


@permission_required(perms.RUN_LOTTERY)
@require_http_methods(["GET", "POST"])
def freeze(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    form = FreezeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draw = lottery.freeze(
                survey, request.user, form.cleaned_data["winners_wanted"], form.cleaned_data["note"]
            )
        except lottery.LotteryError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "名簿を確定しました。"
                    "名簿の SHA-256 とシードの SHA-256 を、抽選の前に立会人へ渡してください。"
                ),
            )
            return redirect(_draw_url(draw))
    eligible = lottery.eligible_list(survey)
    return TemplateResponse(
        request,
        "surveys/admin/lottery_freeze.html",
        {
            "survey": survey,
            "form": form,
            "eligible": eligible,
            "still_open": survey.is_open(),
            "frozen": survey.lottery_draws.filter(state=DrawState.FROZEN).first(),
        },
    )


def _confirm(request: HttpRequest, context: dict) -> HttpResponse:
    return TemplateResponse(request, "surveys/admin/lottery_confirm.html", context)


@permission_required(perms.RUN_LOTTERY)
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest, draw_id: int) -> HttpResponse:
    """抽選を実行: a confirmation page with the witness's field, then the draw."""
    draw = _draw(draw_id)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lottery.draw(draw, request.user, form.cleaned_data["witness"])
        except lottery.LotteryError as exc:
            messages.error(request, str(exc))
            return redirect(_draw_url(draw))
        messages.success(request, _("抽選しました。シードを公開しました。"))
        return redirect(_draw_url(draw))
    if draw.state != DrawState.FROZEN:
        messages.error(request, _("この抽選は実行済みか、取り消されています。"))
        return redirect(_draw_url(draw))
    return _confirm(
        request,
        {
            "title": _("抽選を実行"),
            "question": _(
                "第%(number)d回の抽選を実行しますか。実行した結果は変更できません。"
                "立会人に名簿の SHA-256 とシードの SHA-256 を渡したことを確認してください。"
            )
            % {"number": draw.number},
            "survey": draw.survey,
            "draw": draw,
            "form": form,
            "visible_fields": list(form.fields),
            "url": reverse("surveys_admin:lottery_run", args=[draw.pk]),
            "back": _draw_url(draw),
            "button": _("抽選を実行"),
        },
    )


@permission_required(perms.RUN_LOTTERY)
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(draw_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lottery.cancel(draw, request.user, form.cleaned_data["reason"])
        except lottery.LotteryError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("確定名簿を取り消しました。"))
        return redirect(_survey_url(draw.survey))
    if draw.state != DrawState.FROZEN:
        messages.error(request, _("抽選を実行した後は取り消せません。"))
        return redirect(_draw_url(draw))
    return _confirm(
        request,
        {
            "title": _("確定名簿を取り消す"),
            "question": _(
                "第%(number)d回の確定名簿を、抽選せずに取り消しますか。取り消したことは記録に残ります。"
            )
            % {"number": draw.number},
            "survey": draw.survey,
            "draw": draw,
            "form": form,
            "visible_fields": list(form.fields),
            "url": reverse("surveys_admin:lottery_cancel", args=[draw.pk]),
            "back": _draw_url(draw),
            "button": _("取り消す"),
            "danger": True,
        },
    )


def _selected(survey: Survey, ids) -> list[LotteryWinner]:
    return list(_winners(survey).filter(pk__in=ids))


@permission_required(perms.RUN_LOTTERY)
@require_POST
def change_status(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Bulk 発送状況: the table's selection and status → a confirmation page with date and note → done."""
    survey = _survey(survey_id)
    confirming = request.POST.get("confirmed") == "1"
    form = StatusForm(request.POST, survey=survey, confirming=confirming)
    valid = form.is_valid()
    data = form.cleaned_data
    if "winners" not in data or "status" not in data:
        for name in ("winners", "status"):
            messages.error(request, " ".join(form.errors.get(name, [])))
        return redirect(_survey_url(survey))
    selected = _selected(survey, data["winners"])
    problem = lottery.status_problem(selected, data["status"])
    if problem:
        messages.error(request, problem)
        return redirect(_survey_url(survey))
    label = ShippingStatus(data["status"]).label
    if confirming and valid:
        try:
            lottery.change_status(
                survey, data["winners"], data["status"], request.user, data["note"], data.get("shipped_on")
            )
        except lottery.LotteryError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(count)d名の発送状況を「%(status)s」にしました。")
                % {"count": len(selected), "status": label},
            )
        return redirect(_survey_url(survey))
    if not confirming:
        initial = {"winners": data["winners"], "status": data["status"], "shipped_on": timezone.localdate()}
        form = StatusForm(initial=initial, survey=survey)
    return _confirm(
        request,
        {
            "title": _("発送状況を変更"),
            "question": _("次の当選者の発送状況を「%(status)s」に変更しますか。") % {"status": label},
            "survey": survey,
            "form": form,
            "visible_fields": ["shipped_on", "note"] if data["status"] == S.SHIPPED else ["note"],
            "selected": selected,
            "url": reverse("surveys_admin:lottery_status", args=[survey.pk]),
            "back": _survey_url(survey),
            "button": _("変更する"),
        },
    )


@permission_required(perms.RUN_LOTTERY)
@require_POST
def redraw(request: HttpRequest, survey_id: int) -> HttpResponse:
    """再抽選 for the selected winners: confirmation, then a frozen redraw that is drawn like any draw."""
    survey = _survey(survey_id)
    form = WinnersForm(request.POST, survey=survey)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_survey_url(survey))
    data = form.cleaned_data
    selected = _selected(survey, data["winners"])
    problem = lottery.redraw_problem(selected)
    if problem:
        messages.error(request, problem)
        return redirect(_survey_url(survey))
    if request.POST.get("confirmed") == "1":
        try:
            draw = lottery.request_redraw(survey, data["winners"], request.user, data["note"])
        except lottery.LotteryError as exc:
            messages.error(request, str(exc))
            return redirect(_survey_url(survey))
        messages.success(
            request,
            _(
                "再抽選の名簿を確定しました。"
                "名簿の SHA-256 とシードの SHA-256 を立会人へ渡してから抽選してください。"
            ),
        )
        return redirect(_draw_url(draw))
    return _confirm(
        request,
        {
            "title": _("再抽選"),
            "question": _(
                "次の%(count)d名の代わりに再抽選しますか。再抽選の名簿は、これまでに当選したすべての方を除いて確定します。"
            )
            % {"count": len(selected)},
            "survey": survey,
            "form": form,
            "visible_fields": ["note"],
            "selected": selected,
            "url": reverse("surveys_admin:lottery_redraw", args=[survey.pk]),
            "back": _survey_url(survey),
            "button": _("再抽選の名簿を確定"),
        },
    )


urlpatterns = [
    path("lottery/", index, name="lottery_index"),
    path("lottery/<int:survey_id>/", survey_detail, name="lottery_survey"),
    path("lottery/<int:survey_id>/entries/", entries, name="lottery_entries"),
    path("lottery/<int:survey_id>/entries.xlsx", entries_download, name="lottery_entries_download"),
    path("lottery/<int:survey_id>/freeze/", freeze, name="lottery_freeze"),
    path("lottery/<int:survey_id>/status/", change_status, name="lottery_status"),
    path("lottery/<int:survey_id>/redraw/", redraw, name="lottery_redraw"),
    path("lottery/<int:survey_id>/mailing.xlsx", mailing, name="lottery_mailing"),
    path("lottery/<int:survey_id>/events/", events, name="lottery_events"),
    path("lottery/draws/<int:draw_id>/", draw_detail, name="lottery_draw"),
    path("lottery/draws/<int:draw_id>/list.txt", list_download, name="lottery_list"),
    path("lottery/draws/<int:draw_id>/run/", run, name="lottery_run"),
    path("lottery/draws/<int:draw_id>/cancel/", cancel, name="lottery_cancel"),
]


def menu_items() -> list:
    return [
        PermissionMenuItem(
            _("景品の抽選"),
            reverse_lazy("surveys_admin:lottery_index"),
            icon_name="pick",
            order=130,
            allowed=perms.can_view_draws,
        )
    ]
