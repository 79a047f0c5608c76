"""The guide search form's selects and checkboxes, written in Python.

Every uncached search renders the form: four selects and the feature checkboxes, some thirty options.
As template loops (one node per attribute of every option) they were a fifth of the page's rendering
(bench/load.py); here each option is one f-string with its value and label escaped. Same rules as
Django's widgets: no value selects the empty choice, an unknown value selects nothing; an invalid
field is marked `aria-invalid` and points to its error message (`<id>-error`, written by the page).
"""

from __future__ import annotations

from html import escape

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _text(value) -> str:
    """Escaped like Django's `escape` (which is `html.escape`): &, <, >, " and '."""
    return escape(str(value), quote=True)


@register.simple_tag
def choice_select(field: BoundField) -> SafeString:
    value = field.value()
    selected = "" if value is None else str(value)
    name, auto_id = _text(field.html_name), _text(field.auto_id)
    invalid = f' aria-invalid="true" aria-describedby="{auto_id}-error"' if field.errors else ""
    options = "".join(
        f'\n    <option value="{_text(choice)}"{" selected" if str(choice) == selected else ""}>'
        f"{_text(label)}</option>"
        for choice, label in field.field.choices
    )
    return mark_safe(f'<select name="{name}" id="{auto_id}"{invalid}>{options}\n</select>')  # noqa: S308 (escaped above)


@register.simple_tag
def choice_checkboxes(field: BoundField) -> SafeString:
    """The `<li>` of each choice of a multiple-choice field (the page writes the list around them)."""
    selected = {str(value) for value in field.value() or ()}
    name, auto_id = _text(field.html_name), _text(field.auto_id)
    invalid = ' aria-invalid="true"' if field.errors else ""
    return mark_safe(  # noqa: S308 (every value and label is escaped)
        "\n".join(
            f'<li><input type="checkbox" name="{name}" value="{_text(choice)}" id="{auto_id}_{index}"'
            f"{' checked' if str(choice) in selected else ''}{invalid}> "
            f'<label for="{auto_id}_{index}">{_text(label)}</label></li>'
            for index, (choice, label) in enumerate(field.field.choices)
        )
    )
