"""Travellers answering a survey: the rules, apart from the views that show them.

`record_response` is the only place that creates `Response` rows and `enter_lottery` the only place
that creates `LotteryEntry` rows. Both check the input again here, whatever a form already checked,
so that no path (a stale page, a changed survey, a hand-made POST) can store an answer that does
not fit the version it is filed under. `Progress` keeps a traveller's unfinished answers in the
server-side session, so that the multi-page form works without JavaScript.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility

from . import questions as q
from .models import LotteryEntry, Response, ResponseSource, Survey, SurveyVersion
from .versions import source_survey

# Error messages shared by the form (`surveys.forms`) and the checks here, so both say the same.
MESSAGES = {
    "required": _("この質問は回答必須です。"),
    "invalid_choice": _("選択肢の中から選んでください。"),
    "rating": _("1から5の中から選んでください。"),
    "too_long": _("%(max)d文字以内で入力してください。"),
}


def message(name: str) -> str:
    """One of MESSAGES in the active language."""
    return (
        str(MESSAGES[name]) % {"max": q.FREE_TEXT_MAX_LENGTH} if name == "too_long" else str(MESSAGES[name])
    )


ONE_KEY_TYPES = {q.SINGLE_CHOICE, q.PREFECTURE, q.AGE_GROUP, q.FACILITY, q.STAY_MONTH}
# An entry may follow an answer sent just before the survey closed.
ENTRY_GRACE = datetime.timedelta(minutes=30)

OPEN = "open"
NOT_YET = "not_yet"
CLOSED = "closed"


class AnswerErrors(ValueError):
    """Answers that do not fit the version: `errors` maps question key to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


class SurveyClosed(Exception):
    """Answers and entries are taken only while the survey is open."""


class DuplicateEntry(Exception):
    """One lottery entry per e-mail address per survey."""


# Availability --------------------------------------------------------------------------------------


def availability(survey: Survey, now: datetime.datetime | None = None) -> str:
    """OPEN, NOT_YET or CLOSED: closed and future surveys get an explanation, never a 404."""
    now = now or timezone.now()
    if now < survey.opens_at:
        return NOT_YET
    if now >= survey.closes_at:
        return CLOSED
    return OPEN


def link_facility(survey: Survey, code: str) -> Facility | None:
    """The facility of a per-facility link, if it takes part in the survey's campaign."""
    return Facility.objects.filter(code=code, participations__campaign_id=survey.campaign_id).first()


# Checking answers ----------------------------------------------------------------------------------


def questions_on(schema: dict[str, Any], page: int) -> list[dict[str, Any]]:
    return [question for question in schema["questions"] if question["page"] == page]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def clean_value(question: dict[str, Any], value: Any, choice_keys: set[str]) -> Any:
    """One answer in the stored format (`surveys.questions`); raises ValueError with a message."""
    kind = question["type"]
    if kind in ONE_KEY_TYPES:
        if not isinstance(value, str) or value not in choice_keys:
            raise ValueError(message("invalid_choice"))
        return value
    if kind == q.RATING:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(message("rating")) from None
        if number not in q.RATING_SCALE or isinstance(value, bool | float):
            raise ValueError(message("rating"))
        return number
    if kind == q.MULTIPLE_CHOICE:
        values = value if isinstance(value, list | tuple) else [value]
        if any(not isinstance(item, str) or item not in choice_keys for item in values):
            raise ValueError(message("invalid_choice"))
        return list(dict.fromkeys(values))
    if kind == q.FREE_TEXT:
        if not isinstance(value, str):
            raise ValueError(message("too_long"))
        text = value.strip()
        if len(text) > q.FREE_TEXT_MAX_LENGTH:
            raise ValueError(message("too_long"))
        return text
    raise ValueError(message("invalid_choice"))


def clean_answers(
    schema: dict[str, Any],
    answers: dict[str, Any],
    campaign: Any,
    *,
    pages: set[int] | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """The answers that fit `schema`, normalised; raises AnswerErrors unless `partial`.

    Only the questions on `pages` are looked at (all by default); keys the schema does not know are
    dropped. With `partial`, answers that do not fit are dropped instead (a survey that changed
    under a traveller keeps what still fits).
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in schema["questions"]:
        if pages is not None and question["page"] not in pages:
            continue
        key = question["key"]
        value = answers.get(key)
        if is_empty(value):
            if question["required"]:
                errors[key] = message("required")
            continue
        keys = {choice.key for choice in q.choices_for(question, campaign)}
        try:
            cleaned[key] = clean_value(question, value, keys)
        except ValueError as error:
            errors[key] = str(error)
    if errors and not partial:
        raise AnswerErrors(errors)
    return cleaned


def first_incomplete_page(schema: dict[str, Any], answers: dict[str, Any]) -> int | None:
    """The first page with a required question not answered yet, or None."""
    for question in schema["questions"]:
        if question["required"] and is_empty(answers.get(question["key"])):
            return question["page"]
    return None


# Recording -----------------------------------------------------------------------------------------


def record_response(
    survey: Survey,
    version: SurveyVersion,
    answers: dict[str, Any],
    *,
    language: str,
    facility: Facility | None = None,
    now: datetime.datetime | None = None,
) -> Response:
    """Store one traveller's answers (the only place `Response` rows are made).

    `facility` is the facility of a per-facility link (source `link`); without one, a facility the
    traveller chose in a facility question is recorded instead. Nothing personal is stored.
    """
    survey = source_survey(survey)
    if version.survey_id != survey.pk:
        raise ValueError("version of another survey")
    if availability(survey, now) != OPEN:
        raise SurveyClosed
    cleaned = clean_answers(version.schema, answers, survey.campaign)
    source = ResponseSource.LINK if facility is not None else ResponseSource.WEB
    if facility is None:
        chosen = [
            cleaned[question["key"]]
            for question in version.schema["questions"]
            if question["type"] == q.FACILITY and question["key"] in cleaned
        ]
        if chosen:
            facility = link_facility(survey, chosen[0])
    return Response.objects.create(
        survey=survey,
        version=version,
        facility=facility,
        source=source,
        language=language,
        submitted_at=now or timezone.now(),
        answers=cleaned,
    )


# Lottery entries -----------------------------------------------------------------------------------

_POSTAL_NOISE = re.compile(r"[〒\s\-‐‑‒–—―−ーｰ]")


def normalize_postal_code(value: str) -> str:
    """`〒９８０－０８１１` or `9800811` → `980-0811`; raises ValueError if not 7 digits."""
    digits = _POSTAL_NOISE.sub("", unicodedata.normalize("NFKC", value or ""))
    if not re.fullmatch(r"[0-9]{7}", digits):
        raise ValueError(value)
    return f"{digits[:3]}-{digits[3:]}"


def normalize_phone(value: str) -> str:
    """Digits only (full-width, hyphens and brackets removed); raises ValueError unless 10–15 digits."""
    text = unicodedata.normalize("NFKC", value or "")
    if re.search(r"[^0-9+\-‐‑‒–—―−ーｰ()\s]", text):
        raise ValueError(value)
    digits = re.sub(r"[^0-9]", "", text)
    if not 10 <= len(digits) <= 15:
        raise ValueError(value)
    return digits


def email_key(email: str) -> str:
    """The address as compared for one entry per person: NFKC, trimmed, lower-case."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def enter_lottery(
    survey: Survey,
    *,
    name: str,
    postal_code: str,
    address: str,
    phone: str,
    email: str,
    language: str,
    now: datetime.datetime | None = None,
) -> LotteryEntry:
    """Make an entry with the survey's next number (the only place `LotteryEntry` rows are made).

    The survey row is locked while numbering, so concurrent entries never share a number; the entry
    has no link to the answers it followed (privacy by design).
    """
    survey = source_survey(survey)
    now = now or timezone.now()
    if not survey.lottery_enabled or not (survey.opens_at <= now < survey.closes_at + ENTRY_GRACE):
        raise SurveyClosed
    key = email_key(email)
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        if LotteryEntry.objects.filter(survey=survey, email_key=key).exists():
            raise DuplicateEntry
        number = (LotteryEntry.objects.filter(survey=survey).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                return LotteryEntry.objects.create(
                    survey=survey,
                    number=number,
                    name=name.strip(),
                    postal_code=normalize_postal_code(postal_code),
                    address=address.strip(),
                    phone=normalize_phone(phone),
                    email=key,
                    email_key=key,
                    language=language,
                    created_at=now,
                )
        except IntegrityError:
            raise DuplicateEntry from None


# Progress in the session ---------------------------------------------------------------------------


class Progress:
    """A traveller's place in one survey, kept in the server-side session (no JavaScript needed).

    Holds the answers given so far (question key → value), the version they were given to, the
    facility of a per-facility link, and after sending, a one-time right to enter the lottery.
    """

    def __init__(self, session: Any, survey: Survey) -> None:
        self.session = session
        self.key = f"surveys.progress.{survey.pk}"
        self.data: dict[str, Any] = dict(session.get(self.key) or {})

    def _save(self) -> None:
        self.session[self.key] = self.data
        self.session.modified = True

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.data.get("answers") or {})

    @property
    def facility_id(self) -> int | None:
        return self.data.get("facility")

    def set_facility(self, facility: Facility) -> None:
        self.data["facility"] = facility.pk
        self._save()

    def facility(self, survey: Survey) -> Facility | None:
        if self.facility_id is None:
            return None
        return Facility.objects.filter(
            pk=self.facility_id, participations__campaign_id=survey.campaign_id
        ).first()

    def keep(self, answers: dict[str, Any], questions: list[dict[str, Any]]) -> None:
        """Replace the answers to `questions` (one page) with `answers`."""
        stored = self.answers
        for question in questions:
            stored.pop(question["key"], None)
        stored.update(answers)
        self.data["answers"] = stored
        self._save()

    def reconcile(self, version: SurveyVersion, campaign: Any) -> bool:
        """Move the answers to `version`; True if they were given to an earlier one.

        Answers whose questions still exist (and still fit) are kept; the rest are dropped.
        """
        previous = self.data.get("version")
        if previous == version.number:
            return False
        changed = previous is not None and bool(self.answers)
        self.data["answers"] = clean_answers(version.schema, self.answers, campaign, partial=True)
        self.data["version"] = version.number
        self._save()
        return changed

    def finish(self) -> str:
        """After a response is stored: forget the answers, grant one lottery entry."""
        token = secrets.token_urlsafe(24)
        self.data = {"facility": self.facility_id, "entry_token": token}
        self._save()
        return token

    def entry_token(self) -> str | None:
        return self.data.get("entry_token")

    def use_entry(self, number: int | None) -> None:
        """The right to enter is spent; `number` (None for a bot) is shown on the thank-you page."""
        self.data.pop("entry_token", None)
        self.data["entered"] = number
        self._save()

    @property
    def entered(self) -> int | None:
        return self.data.get("entered")

    def has_entered(self) -> bool:
        return "entered" in self.data

    def forget_answers(self) -> None:
        """A bot's answers (the honeypot was filled): dropped, and no right to enter."""
        self.data = {"facility": self.facility_id}
        self._save()
