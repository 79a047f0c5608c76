"""The guide search form's selects and checkboxes, written in Python.

Every uncached search renders the form: four selects and the feature checkboxes, some thirty options.
As template loops they were a fifth of the page's rendering (bench/load.py); `format_html_join`
writes the same markup in a fraction of the time. Same rules as Django's widgets: no value selects the
empty choice, an unknown value selects nothing, values and labels are escaped; an invalid field is
marked `aria-invalid` and points to its error message (`<id>-error`, written by the page).
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")
CHECKED = mark_safe(" checked")
NOTHING = mark_safe("")


@register.simple_tag
def choice_select(field: BoundField) -> SafeString:
    value = field.value()
    selected = "" if value is None else str(value)
    invalid = NOTHING
    if field.errors:
        invalid = format_html(' aria-invalid="true" aria-describedby="{}-error"', field.auto_id)
    options = format_html_join(
        "",
        '\n    <option value="{}"{}>{}</option>',
        (
            (choice, SELECTED if str(choice) == selected else NOTHING, label)
            for choice, label in field.field.choices
        ),
    )
    html = '<select name="{}" id="{}"{}>{}\n</select>'
    return format_html(html, field.html_name, field.auto_id, invalid, options)


@register.simple_tag
def choice_checkboxes(field: BoundField) -> SafeString:
    """The `<li>` of each choice of a multiple-choice field (the page writes the list around them)."""
    selected = {str(value) for value in field.value() or ()}
    invalid = mark_safe(' aria-invalid="true"') if field.errors else NOTHING
    return format_html_join(
        "\n",
        '<li><input type="checkbox" name="{}" value="{}" id="{}_{}"{}{}> <label for="{}_{}">{}</label></li>',
        (
            (
                field.html_name,
                choice,
                field.auto_id,
                index,
                CHECKED if str(choice) in selected else NOTHING,
                invalid,
                field.auto_id,
                index,
                label,
            )
            for index, (choice, label) in enumerate(field.field.choices)
        ),
    )
