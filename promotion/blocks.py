"""The flyer's "how to use" steps: a short title and one or two sentences each.

The lengths are what fits one step's box on the printed A4 layout; a longer text would overflow the
box or shrink below a readable size, so the editor is told while writing, not at the printer.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

STEP_TITLE_MAX = 20
STEP_TEXT_MAX = 90
MIN_STEPS = 3
MAX_STEPS = 5


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(
        label=_("手順の見出し"),
        max_length=STEP_TITLE_MAX,
        help_text=_("20文字以内（例：参加施設を探す）"),
    )
    text = blocks.TextBlock(
        label=_("説明"),
        max_length=STEP_TEXT_MAX,
        rows=2,
        help_text=_("90文字以内"),
    )

    class Meta:
        icon = "list-ol"
        label = _("手順")


class StepsBlock(blocks.StreamBlock):
    step = StepBlock()

    class Meta:
        min_num = MIN_STEPS
        max_num = MAX_STEPS
