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


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Heading 2")), ("h3", _("Heading 3"))],
        default="h2",
        help_text=_("Use heading 2 for sections and heading 3 inside a section."),
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading.html"


class AccessibleImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("Describe what the image shows for people who cannot see it. Required."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class LinkBlock(blocks.StructBlock):
    """A link to a page of this site or to another site; exactly one of the two."""

    page = blocks.PageChooserBlock(label=_("Page on this site"), required=False)
    url = blocks.URLBlock(label=_("Other website"), required=False)

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={"page": [_("Choose a page or enter a web address (one of the two).")]}
            )
        return value

    class Meta:
        icon = "link"
        label = _("Link")


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False)
    button_label = blocks.CharBlock(label=_("Button text"), max_length=60)
    link = LinkBlock(label=_("Link"))

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "cms/blocks/call_to_action.html"


class AccessibleTableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(
        label=_("Table caption"), max_length=200, help_text=_("Says what the table is about. Required.")
    )
    table = TableBlock(
        label=_("Table"),
        table_options={"contextMenu": ["row_above", "row_below", "col_left", "col_right", "remove_row",
                                       "remove_col", "undo", "redo"]},
    )

    class Meta:
        icon = "table"
        label = _("Table")
        template = "cms/blocks/table.html"


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("Answer"), features=["bold", "link", "ol", "ul", "document-link"])

    class Meta:
        icon = "help"
        label = _("Question and answer")


class AccordionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120, required=False)
    items = blocks.ListBlock(QuestionAnswerBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Q&A (accordion)")
        template = "cms/blocks/accordion.html"


class ContactDetailsBlock(blocks.StaticBlock):
    """The call-center numbers and hours, always read from the site settings (typed once)."""

    class Meta:
        icon = "mail"
        label = _("Call-center contact details")
        admin_text = _("Shows the call-center numbers and hours from Settings › Contact details.")
        template = "cms/blocks/contact_details.html"


class CampaignSummaryBlock(blocks.StaticBlock):
    """The current campaign's period, application window, discount and budget, read from `Campaign`."""

    class Meta:
        icon = "date"
        label = _("Campaign facts")
        admin_text = _("Shows the dates, discount rule and budget of the current campaign.")
        template = "cms/blocks/campaign_summary.html"


RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "hr"]


class BodyStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES, icon="pilcrow")
    image = AccessibleImageBlock()
    call_to_action = CallToActionBlock()
    table = AccessibleTableBlock()
    accordion = AccordionBlock()
    campaign_summary = CampaignSummaryBlock()
    contact_details = ContactDetailsBlock()
