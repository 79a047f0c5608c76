"""Survey versions: what a survey's questions meant when each answer was given.

`sync_version` runs after every save of a Japanese survey (`surveys.signals`). Wording fixes update
the current version in place; a change of meaning (a question or choice added or removed, a type or
the required flag changed) updates it in place only while it has no answers, and otherwise starts a
new version, so that answers already given keep the questions they answered.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db import transaction

from .models import Survey, SurveyVersion
from .questions import localize, schema_from_stream, structure_hash


class Outcome(enum.Enum):
    CREATED = "created"  # the first version
    UPDATED = "updated"  # same version, new wording or (no answers yet) new structure
    UNCHANGED = "unchanged"
    NEW_VERSION = "new_version"  # answers existed and the meaning changed


def source_survey(survey: Survey) -> Survey:
    """The Japanese survey that answers and versions belong to."""
    return survey if survey.is_source else survey.get_translation(_default_locale())


def _default_locale() -> Any:
    from wagtail.models import Locale

    return Locale.get_default()


def current_version(survey: Survey) -> SurveyVersion | None:
    return source_survey(survey).versions.order_by("-number").first()


@transaction.atomic
def sync_version(survey: Survey, user: Any = None) -> tuple[Outcome, SurveyVersion]:
    """Bring the survey's current version in line with its questions (see the module docstring)."""
    survey = Survey.objects.select_for_update().get(pk=source_survey(survey).pk)
    schema = schema_from_stream(survey.questions)
    digest = structure_hash(schema)
    version = survey.versions.order_by("-number").first()
    if version is None:
        created = SurveyVersion.objects.create(
            survey=survey, number=1, schema=schema, structure_hash=digest, created_by=user
        )
        return Outcome.CREATED, created
    if version.schema == schema:
        return Outcome.UNCHANGED, version
    if version.structure_hash == digest or not version.responses.exists():
        version.schema = schema
        version.structure_hash = digest
        version.save(update_fields=["schema", "structure_hash"])
        return Outcome.UPDATED, version
    created = SurveyVersion.objects.create(
        survey=survey, number=version.number + 1, schema=schema, structure_hash=digest, created_by=user
    )
    return Outcome.NEW_VERSION, created


def schema_for(survey: Survey, version: SurveyVersion, language: str) -> dict[str, Any]:
    """The version's questions worded in `language` (the translation's wording where it exists)."""
    source = source_survey(survey)
    if language == source.locale.language_code:
        return version.schema
    translated = Survey.objects.filter(
        translation_key=source.translation_key, locale__language_code=language
    ).first()
    return localize(version.schema, translated.questions) if translated else version.schema
