"""よくある質問: the public page's search and the operator's "FAQ にする".

The FAQ page lists the live entries of its own language. Its keyword search uses the facility guide's
normalisation (`core.text`): every word must be found in the stored, normalised question and answer.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from core.text import search_terms

from .models import Audience, CallerType, FAQEntry, Inquiry, InquiryCategory


def _category_choices():
    return [("", _("すべての分類"))] + [
        (c.slug, c.display_name) for c in InquiryCategory.objects.filter(faq_entries__live=True).distinct()
    ]


class FAQSearchForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("分類"), required=False)
    audience = forms.ChoiceField(
        label=_("対象"), required=False, choices=[("", _("すべて")), *Audience.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()


def search_faq(locale: Locale, form: FAQSearchForm) -> QuerySet[FAQEntry]:
    """Live entries of `locale`; a filter with an unknown value (a stale bookmark) is ignored."""
    entries = FAQEntry.objects.filter(live=True, locale=locale).select_related("category")
    if not form.is_bound:
        return entries.order_by("category__sort_order", "sort_order", "pk")
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("category"):
        entries = entries.filter(category__slug=data["category"])
    if data.get("audience"):
        entries = entries.filter(audience=data["audience"])
    query = data.get("q") if data else form.data.get("q", "")[:100]
    for term in search_terms(query):
        entries = entries.filter(search_text__contains=term)
    return entries.order_by("category__sort_order", "sort_order", "pk")


def answer_as_rich_text(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs)


@transaction.atomic
def create_faq_draft(inquiry: Inquiry, user) -> FAQEntry:
    """ "FAQ にする": a draft entry in the default language from the inquiry's question and answer (never
    the caller's details); editors finish it and a moderator publishes it."""
    entry = FAQEntry(
        locale=Locale.get_default(),
        question=" ".join(inquiry.question.split())[:255],
        answer=answer_as_rich_text(inquiry.answer) or "<p></p>",
        category=inquiry.category,
        audience=Audience.BUSINESS if inquiry.caller_type == CallerType.BUSINESS else Audience.TRAVELLER,
        source_inquiry=inquiry,
        live=False,
    )
    entry.save()
    entry.save_revision(user=user)
    return entry
