"""よくある質問: the snippet's draft/publish rights, the public FAQ page (language, category, audience,
normalised keyword search) and "FAQ にする" on an inquiry."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Locale

from inquiries.faq import create_faq_draft
from inquiries.models import FAQEntry, FAQPage, Inquiry, InquiryCategory

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ja():
    return Locale.objects.get(language_code="ja")


def publish(entry):
    entry.save()
    entry.save_revision().publish()
    return entry


def test_the_demo_faq_page_lists_live_entries_of_its_language(client, seeded, ja):
    page = FAQPage.objects.get(locale=ja)
    html = client.get(page.url).content.decode()
    assert "どのくらい割引されますか。" in html
    assert "How large is the discount?" not in html
    html_en = client.get(page.get_translation(Locale.objects.get(language_code="en")).url).content.decode()
    assert "How large is the discount?" in html_en
    assert "どのくらい割引されますか。" not in html_en


def test_drafts_are_not_public(client, seeded, ja):
    page = FAQPage.objects.get(locale=ja)
    draft = FAQEntry(
        locale=ja,
        question="下書きの質問",
        answer="<p>未公開</p>",
        category=InquiryCategory.objects.first(),
        live=False,
    )
    draft.save()
    draft.save_revision()
    assert "下書きの質問" not in client.get(page.url).content.decode()


def test_keyword_search_is_normalised_like_the_guide(client, seeded, ja):
    page = FAQPage.objects.get(locale=ja)
    publish(
        FAQEntry(
            locale=ja,
            question="キャンセルした場合はどうなりますか。",
            answer="<p>割引も取り消されます。</p>",
            category=InquiryCategory.objects.get(slug="traveller-info"),
        )
    )
    for query in ("ｷｬﾝｾﾙ", "きゃんせる", "キャンセル 取り消"):
        entries = client.get(page.url, {"q": query}).context["entries"]
        assert [e.question for e in entries] == ["キャンセルした場合はどうなりますか。"], query
    assert list(client.get(page.url, {"q": "キャンセル 存在しない語"}).context["entries"]) == []


def test_category_and_audience_filters(client, seeded, ja):
    page = FAQPage.objects.get(locale=ja)
    entries = client.get(page.url, {"category": "business-info"}).context["entries"]
    assert entries and all(e.category.slug == "business-info" for e in entries)
    entries = client.get(page.url, {"audience": "business"}).context["entries"]
    assert entries and all(e.audience == "business" for e in entries)
    everything = client.get(page.url).context["entries"]
    # An unknown value from an old bookmark is ignored, not an error.
    response = client.get(page.url, {"category": "no-such-category"})
    assert response.status_code == 200
    assert len(response.context["entries"]) == len(everything)


def test_faq_from_an_inquiry_is_a_draft_without_personal_data(client, seeded):
    category = InquiryCategory.objects.get(slug="business-info")
    inquiry = Inquiry.objects.create(
        category=category,
        caller_type="business",
        question="振込先を変更したい",
        answer="マイページの口座情報から変更できます。\n\n審査後に反映されます。",
        caller_name="宮城 花子",
        caller_phone="022-000-0000",
    )
    operator = UserFactory(role="operator")
    client.force_login(operator)
    response = client.post(reverse("inquiries_to_faq", args=[inquiry.pk]))
    assert response.status_code == 302
    entry = FAQEntry.objects.get(source_inquiry=inquiry)
    assert not entry.live and entry.latest_revision is not None
    assert (entry.question, entry.audience, entry.category) == ("振込先を変更したい", "business", category)
    assert entry.answer == "<p>マイページの口座情報から変更できます。</p><p>審査後に反映されます。</p>"
    assert "宮城" not in entry.answer and entry.locale == Locale.get_default()
    # An operator may create the draft but not publish it.
    assert not operator.has_perm("inquiries.publish_faqentry")


def test_only_staff_who_may_add_entries_make_faqs(client, seeded):
    inquiry = Inquiry.objects.create(category=InquiryCategory.objects.first(), question="質問", answer="回答")
    client.force_login(UserFactory(role="city"))
    response = client.post(reverse("inquiries_to_faq", args=[inquiry.pk]))
    assert response.status_code in (302, 403)
    assert not FAQEntry.objects.filter(source_inquiry=inquiry).exists()


@pytest.mark.parametrize(
    ("role", "can_change", "can_publish"),
    [("editor", True, False), ("moderator", True, True), ("operator", False, False), ("city", False, False)],
)
def test_editors_draft_and_moderators_publish(role, can_change, can_publish):
    user = UserFactory(role=role)
    assert user.has_perm("inquiries.change_faqentry") is can_change
    assert user.has_perm("inquiries.publish_faqentry") is can_publish


def test_an_editor_opens_the_faq_snippet_list(client, seeded):
    client.force_login(UserFactory(role="editor"))
    response = client.get(reverse("wagtailsnippets_inquiries_faqentry:list"))
    assert response.status_code == 200
    assert "どのくらい割引されますか。" in response.content.decode()


def test_create_faq_draft_keeps_an_empty_answer_valid(seeded):
    inquiry = Inquiry.objects.create(category=InquiryCategory.objects.first(), question="  質問\nです  ")
    entry = create_faq_draft(inquiry, None)
    assert entry.question == "質問 です" and entry.answer == "<p></p>"


def test_an_editors_faq_goes_through_the_moderation_workflow(client, seeded, ja):
    from accounts.roles import WORKFLOW_NAME

    editor, moderator = UserFactory(role="editor"), UserFactory(role="moderator")
    page = FAQPage.objects.get(locale=ja)
    entry = FAQEntry(
        locale=ja,
        question="承認待ちの質問",
        answer="<p>回答</p>",
        category=InquiryCategory.objects.first(),
        live=False,
    )
    entry.save()
    entry.save_revision(user=editor)
    workflow = FAQEntry.get_default_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME
    state = workflow.start(entry, editor)
    assert "承認待ちの質問" not in client.get(page.url).content.decode()
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(entry, moderator)
    task_state.task.specific.on_action(task_state, moderator, "approve")
    entry.refresh_from_db()
    assert entry.live
    assert "承認待ちの質問" in client.get(page.url).content.decode()
