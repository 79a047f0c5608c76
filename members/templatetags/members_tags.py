"""Helpers for the accessible form markup of the members area."""

from __future__ import annotations

from django import template
from django.forms import BoundField, Form

register = template.Library()


@register.simple_tag
def form_fieldsets(form: Form) -> list[tuple[str | None, list[BoundField]]]:
    """The form's fields grouped by its `fieldsets` ([(legend, [names])]); one unnamed group otherwise."""
    groups = getattr(form, "fieldsets", None)
    if not groups:
        return [(None, [field for field in form if not field.is_hidden])]
    return [(legend, [form[name] for name in names]) for legend, names in groups]


@register.filter
def field_anchor(field: BoundField) -> str:
    """The id an error-summary link should move focus to: the input, or a group's first option."""
    if field.use_fieldset:
        return f"{field.auto_id}_0"
    return field.id_for_label


@register.filter
def month(value) -> str:
    """A claim's month as 2025年6月 (June 2025 in English)."""
    from members.claim_forms import month_label

    return month_label(value) if value else ""
