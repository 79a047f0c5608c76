"""The question blocks of the survey builder.

Each block is one question. Its StreamField block id is the question's key in every answer, and the
ids of the items of a choice list are the choices' keys, so wording can be fixed (and translated)
without touching answers already given. `surveys.questions` turns the stream into the frozen schema
that a `SurveyVersion` keeps.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class QuestionBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("質問文"), max_length=300)
    help_text = blocks.CharBlock(label=_("補足説明"), required=False, max_length=500)
    required = blocks.BooleanBlock(label=_("回答必須"), required=False, default=True)

    class Meta:
        icon = "help"


class ChoiceQuestionBlock(QuestionBlock):
    choices = blocks.ListBlock(
        blocks.CharBlock(label=_("選択肢"), max_length=200),
        label=_("選択肢"),
        min_num=2,
        help_text=_("回答が集まった後に選択肢を追加・削除すると、アンケートは新しい版になります。"),
    )


class SingleChoiceBlock(ChoiceQuestionBlock):
    class Meta:
        icon = "radio-full"
        label = _("単一選択")


class MultipleChoiceBlock(ChoiceQuestionBlock):
    class Meta:
        icon = "tasks"
        label = _("複数選択")


class RatingBlock(QuestionBlock):
    low_label = blocks.CharBlock(label=_("1 の意味"), max_length=50, default="不満")
    high_label = blocks.CharBlock(label=_("5 の意味"), max_length=50, default="満足")

    class Meta:
        icon = "pick"
        label = _("5段階評価")


class FreeTextBlock(QuestionBlock):
    multiline = blocks.BooleanBlock(label=_("複数行"), required=False, default=True)

    class Meta:
        icon = "edit"
        label = _("自由記述")


class PrefectureBlock(QuestionBlock):
    class Meta:
        icon = "site"
        label = _("居住都道府県")


class AgeGroupBlock(QuestionBlock):
    class Meta:
        icon = "user"
        label = _("年代")


class FacilityBlock(QuestionBlock):
    class Meta:
        icon = "home"
        label = _("宿泊した施設")


class StayMonthBlock(QuestionBlock):
    class Meta:
        icon = "date"
        label = _("宿泊した月")


class PageBreakBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("次のページの見出し"), required=False, max_length=100)

    class Meta:
        icon = "doc-empty"
        label = _("改ページ")


class SurveyQuestionsBlock(blocks.StreamBlock):
    single_choice = SingleChoiceBlock()
    multiple_choice = MultipleChoiceBlock()
    rating = RatingBlock()
    free_text = FreeTextBlock()
    prefecture = PrefectureBlock()
    age_group = AgeGroupBlock()
    facility = FacilityBlock()
    stay_month = StayMonthBlock()
    page_break = PageBreakBlock()


def question_data(
    block_type: str,
    label: str,
    *,
    choices: list[str] | None = None,
    required: bool = True,
    help_text: str = "",
    **extra: object,
) -> dict:
    """One question as raw StreamField data, for code that builds surveys (demo data, tests)."""
    import uuid

    value: dict[str, object] = {"label": label, "help_text": help_text, "required": required, **extra}
    if choices is not None:
        value["choices"] = [{"type": "item", "value": choice, "id": str(uuid.uuid4())} for choice in choices]
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def page_break_data(title: str = "") -> dict:
    import uuid

    return {"type": "page_break", "value": {"title": title}, "id": str(uuid.uuid4())}
