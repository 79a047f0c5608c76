"""StreamField blocks editors build content pages from.

Each block renders accessible markup on its own (real headings, alt text that cannot be left empty,
tables with captions and header cells, Q&A that opens without JavaScript), so editors cannot
accidentally publish an inaccessible page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("見出し"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("見出しレベル"),
        choices=[("h2", _("見出し2")), ("h3", _("見出し3"))],
        default="h2",
        help_text=_("章には見出し2を、章の中の節には見出し3を使ってください。"),
    )

    class Meta:
        icon = "title"
        label = _("見出し")
        template = "cms/blocks/heading.html"


class AccessibleImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("画像"))
    alt = blocks.CharBlock(
        label=_("代替テキスト"),
        max_length=250,
        help_text=_("画像を見ることができない方のために、画像の内容を説明してください。必須です。"),
    )
    caption = blocks.CharBlock(label=_("キャプション"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("画像")
        template = "cms/blocks/image.html"


class LinkBlock(blocks.StructBlock):
    """A link to a page of this site or to another site; exactly one of the two."""

    page = blocks.PageChooserBlock(label=_("このサイトのページ"), required=False)
    url = blocks.URLBlock(label=_("他のウェブサイト"), required=False)

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "page": [_("ページを選ぶか、ウェブアドレスを入力してください（どちらか一方）。")]
                }
            )
        return value

    class Meta:
        icon = "link"
        label = _("リンク")


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("見出し"), max_length=120)
    text = blocks.TextBlock(label=_("テキスト"), required=False)
    button_label = blocks.CharBlock(label=_("ボタンの文言"), max_length=60)
    link = LinkBlock(label=_("リンク"))

    class Meta:
        icon = "pick"
        label = _("誘導ボタン")
        template = "cms/blocks/call_to_action.html"


class AccessibleTableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(
        label=_("表のタイトル"), max_length=200, help_text=_("何についての表かを示します。必須です。")
    )
    table = TableBlock(
        label=_("表"),
        table_options={
            "contextMenu": [
                "row_above",
                "row_below",
                "col_left",
                "col_right",
                "remove_row",
                "remove_col",
                "undo",
                "redo",
            ]
        },
    )

    class Meta:
        icon = "table"
        label = _("表")
        template = "cms/blocks/table.html"


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("質問"), max_length=250)
    answer = blocks.RichTextBlock(label=_("回答"), features=["bold", "link", "ol", "ul", "document-link"])

    class Meta:
        icon = "help"
        label = _("質問と回答")


class AccordionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("見出し"), max_length=120, required=False)
    items = blocks.ListBlock(QuestionAnswerBlock(), label=_("質問一覧"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("よくある質問（アコーディオン）")
        template = "cms/blocks/accordion.html"


class ContactDetailsBlock(blocks.StaticBlock):
    """The call-center numbers and hours, always read from the site settings (typed once)."""

    class Meta:
        icon = "mail"
        label = _("コールセンターの連絡先")
        admin_text = _("「設定 › 問い合わせ先」に登録したコールセンターの電話番号と受付時間を表示します。")
        template = "cms/blocks/contact_details.html"


class CampaignSummaryBlock(blocks.StaticBlock):
    """The current campaign's period, application window, discount and budget, read from `Campaign`."""

    class Meta:
        icon = "date"
        label = _("キャンペーン概要")
        admin_text = _("現在のキャンペーンの期間、割引条件、予算を表示します。")
        template = "cms/blocks/campaign_summary.html"


class SurveyInvitationBlock(blocks.StructBlock):
    """Invites travellers to a survey while it takes answers, in the page's language; shows nothing
    before it opens or after it closes, so editors need not remember to take it down."""

    survey = SnippetChooserBlock("surveys.Survey", label=_("アンケート"))
    heading = blocks.CharBlock(
        label=_("見出し"),
        max_length=120,
        required=False,
        help_text=_("空欄ならアンケートのタイトルを表示します。"),
    )
    text = blocks.TextBlock(label=_("テキスト"), required=False)

    class Meta:
        icon = "form"
        label = _("アンケートへの誘導")
        template = "cms/blocks/survey_invitation.html"

    def get_context(self, value, parent_context=None):
        from django.urls import reverse

        from surveys.answering import OPEN, availability
        from surveys.versions import source_survey

        context = super().get_context(value, parent_context=parent_context)
        survey = value.get("survey")
        if survey is not None and availability(source_survey(survey)) == OPEN:
            context["survey"] = survey.localized
            context["survey_url"] = reverse("surveys:survey", kwargs={"slug": survey.slug})
        return context


RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "hr"]


class BodyStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("テキスト"), features=RICH_TEXT_FEATURES, icon="pilcrow")
    image = AccessibleImageBlock()
    call_to_action = CallToActionBlock()
    table = AccessibleTableBlock()
    accordion = AccordionBlock()
    campaign_summary = CampaignSummaryBlock()
    contact_details = ContactDetailsBlock()
    survey_invitation = SurveyInvitationBlock()
