"""Public survey pages (/survey/…, /en/survey/…): travellers answer without an account.

Thin views: the rules are in `surveys.answering`, the fields in `surveys.forms`. Every page is
`never_cache` (answers in progress are personal and the forms carry a CSRF token), and each step
redirects after a POST, so that the browser's back button and reloads never send answers twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from wagtail.models import Locale

from . import answering
from .forms import AnswerForm, LotteryForm, field_name
from .models import Survey
from .questions import FACILITY
from .versions import current_version, schema_for


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _survey_or_404(slug: str) -> Survey:
    """The Japanese source survey: answers belong to it whatever the language of the page."""
    return get_object_or_404(
        Survey.objects.select_related("campaign", "locale"), slug=slug, locale=Locale.get_default()
    )


def _worded(survey: Survey, language: str) -> Survey:
    """The survey whose title and texts to show: the translation for `language` if there is one."""
    if survey.locale.language_code == language:
        return survey
    translated = Survey.objects.filter(
        translation_key=survey.translation_key, locale__language_code=language
    ).first()
    return translated or survey


def _page_url(survey: Survey, index: int = 0) -> str:
    url = reverse("surveys:survey", args=[survey.slug])
    return f"{url}?page={index + 1}" if index > 0 else url


def _page_index(value: Any, total: int) -> int:
    try:
        return min(max(int(value) - 1, 0), total - 1)
    except (TypeError, ValueError):
        return 0


def _throttled(request: HttpRequest, group: str, rate: str) -> bool:
    """django-ratelimit by client IP; the IP is only hashed into a cache key, never stored."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, method="POST", increment=True)


@never_cache
def survey_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    language = _language()
    surveys = Survey.objects.filter(
        locale=Locale.get_default(), opens_at__lte=now, closes_at__gt=now
    ).select_related("locale")
    items = [{"survey": survey, "worded": _worded(survey, language)} for survey in surveys]
    return render(request, "surveys/survey_list.html", {"items": items})


@never_cache
def facility_link(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """A facility's link or QR code: remember the facility, then start the survey as usual."""
    survey = _survey_or_404(slug)
    facility = answering.link_facility(survey, code)
    if facility is not None:
        answering.Progress(request.session, survey).set_facility(facility)
    return redirect(_page_url(survey))


@never_cache
@require_http_methods(["GET", "POST"])
def survey_form(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey_or_404(slug)
    language = _language()
    worded = _worded(survey, language)
    state = answering.availability(survey)
    version = current_version(survey)
    if state != answering.OPEN or version is None:
        status = 410 if state == answering.CLOSED else 200
        context = {"survey": survey, "worded": worded, "state": state}
        return render(request, "surveys/survey_closed.html", context, status=status)

    schema = schema_for(survey, version, language)
    progress = answering.Progress(request.session, survey)
    if progress.reconcile(version, survey.campaign):
        messages.warning(
            request,
            _(
                "回答の途中でアンケートの内容が更新されました。引き続き使える回答はそのまま残しています。"
                "まだ回答していない質問にお答えください。"
            ),
        )
        return redirect(_page_url(survey, answering.first_incomplete_page(schema, progress.answers) or 0))

    total = len(schema["pages"])
    facility = progress.facility(survey)
    if request.method == "POST":
        index = _page_index(request.POST.get("page"), total)
        form = AnswerForm(answering.questions_on(schema, index), survey.campaign, language, request.POST)
        if form.is_bot():
            progress.forget_answers()
            return redirect("surveys:thanks", survey.slug)
        if request.POST.get("action") == "back":
            progress.keep(form.kept_answers(), form.questions)
            return redirect(_page_url(survey, index - 1))
        if not form.is_valid():
            return _render_form(request, survey, worded, schema, form, index, facility)
        progress.keep(form.answers(), form.questions)
        if index < total - 1:
            return redirect(_page_url(survey, index + 1))
        if _throttled(request, f"surveys.submit.{survey.pk}", settings.SURVEYS_SUBMIT_RATE):
            return _render_form(request, survey, worded, schema, form, index, facility, throttled=True)
        try:
            answering.record_response(survey, version, progress.answers, language=language, facility=facility)
        except answering.AnswerErrors as error:
            pages = [q["page"] for q in schema["questions"] if q["key"] in error.errors]
            messages.error(request, _("回答が済んでいない質問があります。お手数ですがご確認ください。"))
            return redirect(_page_url(survey, min(pages, default=0)))
        except answering.SurveyClosed:
            return redirect(_page_url(survey))
        progress.finish()
        return redirect("surveys:thanks", survey.slug)

    index = _page_index(request.GET.get("page"), total)
    missing = answering.first_incomplete_page(schema, progress.answers)
    if missing is not None and missing < index:
        return redirect(_page_url(survey, missing))
    questions = answering.questions_on(schema, index)
    initial = {field_name(q): progress.answers[q["key"]] for q in questions if q["key"] in progress.answers}
    if facility is not None:
        for question in questions:
            if question["type"] == FACILITY:
                initial.setdefault(field_name(question), facility.code)
    form = AnswerForm(questions, survey.campaign, language, initial=initial)
    return _render_form(request, survey, worded, schema, form, index, facility)


def _render_form(
    request: HttpRequest,
    survey: Survey,
    worded: Survey,
    schema: dict[str, Any],
    form: AnswerForm,
    index: int,
    facility: Any,
    *,
    throttled: bool = False,
) -> HttpResponse:
    total = len(schema["pages"])
    context = {
        "survey": survey,
        "worded": worded,
        "form": form,
        "index": index,
        "page_number": index + 1,
        "total": total,
        "page_title": schema["pages"][index]["title"],
        "is_last": index == total - 1,
        "facility": facility,
        "throttled": throttled,
    }
    return render(request, "surveys/survey_form.html", context, status=429 if throttled else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """お礼 and, for surveys with a lottery, the optional entry (only right after answering)."""
    survey = _survey_or_404(slug)
    language = _language()
    progress = answering.Progress(request.session, survey)
    token = progress.entry_token()
    context: dict[str, Any] = {
        "survey": survey,
        "worded": _worded(survey, language),
        "entered": progress.entered,
        "has_entered": progress.has_entered(),
    }
    if not survey.lottery_enabled or (request.method == "GET" and not token):
        return render(request, "surveys/survey_thanks.html", context)
    if request.method == "GET":
        context["form"] = LotteryForm(initial={"token": token})
        return render(request, "surveys/survey_thanks.html", context)

    form = LotteryForm(request.POST)
    if form.is_bot():
        progress.use_entry(None)
        return redirect("surveys:thanks", survey.slug)
    if not token or request.POST.get("token") != token:
        context["refused"] = True
        return render(request, "surveys/survey_thanks.html", context, status=403)
    context["form"] = form
    if not form.is_valid():
        return render(request, "surveys/survey_thanks.html", context)
    if _throttled(request, f"surveys.entry.{survey.pk}", settings.SURVEYS_ENTRY_RATE):
        context["throttled"] = True
        return render(request, "surveys/survey_thanks.html", context, status=429)
    data = form.cleaned_data
    try:
        entry = answering.enter_lottery(
            survey,
            name=data["name"],
            postal_code=data["postal_code"],
            address=data["address"],
            phone=data["phone"],
            email=data["email"],
            language=language,
        )
    except answering.DuplicateEntry:
        context["duplicate"] = True
        return render(request, "surveys/survey_thanks.html", context)
    except answering.SurveyClosed:
        context["closed"] = True
        context.pop("form")
        return render(request, "surveys/survey_thanks.html", context)
    progress.use_entry(entry.number)
    return redirect("surveys:thanks", survey.slug)
