"""集計・分析報告書 (PDF), `manage.py survey_report`, and the staff screens of アンケート集計: who may see
them, the dashboard with its charts, cross-tab and empty state, and the downloads."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from core.formatting import format_wareki
from surveys import admin_results, report
from surveys.models import Response
from surveys.versions import current_version

from .factories import SurveyFactory, UserFactory
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def survey():
    survey = SurveyFactory(title="仙台旅行アンケート")
    version = current_version(survey)
    q = {x["type"]: x for x in version.schema["questions"]}
    purpose = [c["key"] for c in q["single_choice"]["choices"]]
    rows = [
        ("04", "30s", purpose[0], 5, "牛たんがおいしかった<script>"),
        ("04", "40s", purpose[1], 4, ""),
        ("13", "30s", purpose[0], 3, "駅から近くて便利でした"),
    ]
    for prefecture, age, goal, rating, comment in rows:
        Response.objects.create(
            survey=survey,
            version=version,
            answers={
                q["prefecture"]["key"]: prefecture,
                q["age_group"]["key"]: age,
                q["single_choice"]["key"]: goal,
                q["rating"]["key"]: rating,
                q["free_text"]["key"]: comment,
            },
        )
    return survey


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(content: bytes) -> list[tuple[str, bool]]:
    """(base font, embedded) of every font the pages use, in SVG forms (XObjects) too."""
    found = []

    def visit(resources) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts") or []]
            descriptors.append(font.get("/FontDescriptor"))
            embedded = any(
                d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descriptors
            )
            found.append((str(font.get("/BaseFont")), embedded))
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in PdfReader(io.BytesIO(content)).pages:
        visit(page.get("/Resources"))
    return found


def test_report_has_the_figures_in_japanese_with_embedded_fonts(survey):
    content = report.build_report(survey)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    compact = re.sub(r"\s+", "", text)
    for expected in (
        "仙台旅行アンケート",
        "集計・分析報告書",
        "調査の方法",
        "回答数",
        "旅行の目的",
        "宮城県",
        "年代",
    ):
        assert expected in compact, expected
    assert "駅から近くて便利でした" in compact
    assert "牛たんがおいしかった<script>" in compact  # escaped in HTML, printed as typed
    assert "クロス集計" in compact and "「お住まいの都道府県」別" in compact
    # The cover is dated in 和暦 for the city; the English report keeps English dates.
    today = timezone.localdate()
    assert format_wareki(today) in compact and f"{today.year}年{today.month}月{today.day}日" not in compact
    fonts = fonts_of(content)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert any("Noto-Sans-CJK-JP" in name for name, _embedded in fonts)


def test_empty_survey_report_still_builds():
    survey = SurveyFactory(title="回答のないアンケート")
    text = re.sub(r"\s+", "", pdf_text(report.build_report(survey)))
    assert "回答のないアンケート" in text and "回答はまだありません。" in text


def test_english_report_uses_the_same_figures(survey):
    text = pdf_text(report.build_report(survey, "en"))
    assert "Miyagi" in text or "宮城県" in text  # prefecture names follow the report language
    assert "令和" not in text


def test_missing_fonts_name_the_debian_package(survey, monkeypatch):
    monkeypatch.setattr(report, "fonts_installed", lambda: False)
    with pytest.raises(report.ReportError, match="fonts-noto-cjk"):
        report.build_report(survey)
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("survey_report", survey.slug, "--out", "/tmp/never.pdf", stdout=io.StringIO())


def test_command_writes_the_pdf(survey, tmp_path):
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()
    call_command("survey_report", survey.slug, "--out", str(out), stdout=stdout)
    assert out.read_bytes().startswith(b"%PDF")
    assert str(out) in stdout.getvalue()
    assert "仙台旅行アンケート" in pdf_text(out.read_bytes())


def test_command_refuses_an_unknown_slug(survey, tmp_path):
    with pytest.raises(CommandError, match="no-such-survey"):
        call_command("survey_report", "no-such-survey", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


# --- staff screens -------------------------------------------------------------------------------


def urls(survey) -> list[str]:
    return [
        reverse("surveys_admin:results_list"),
        reverse("surveys_admin:results_dashboard", args=[survey.pk]),
        reverse("surveys_admin:results_excel", args=[survey.pk]),
        reverse("surveys_admin:results_pdf", args=[survey.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login(client, survey):
    for url in urls(survey):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


@pytest.mark.parametrize("role", ["operator", "accountant", "editor"])
def test_roles_without_the_permission_are_refused(client, survey, role):
    client.force_login(UserFactory(role=role))
    for url in urls(survey):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert not response.get("Content-Disposition")


def test_city_sees_the_list_the_dashboard_and_downloads(client, survey):
    client.force_login(UserFactory(role="city"))
    listing = client.get(reverse("surveys_admin:results_list")).content.decode()
    assert "仙台旅行アンケート" in listing and 'data-figure="responses">3<' in listing

    page = client.get(reverse("surveys_admin:results_dashboard", args=[survey.pk])).content.decode()
    assert 'data-figure="total">3件' in page
    assert "<svg" in page and "宮城県" in page and "66.7%" in page
    assert "駅から近くて便利でした" in page and "牛たんがおいしかった&lt;script&gt;" in page
    assert "data-empty-state" not in page

    excel = download_via_job(client, reverse("surveys_admin:results_excel", args=[survey.pk]))
    assert excel.status_code == 200
    assert f"survey_{survey.slug}_answers_" in excel["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(body(excel)))
    assert workbook["回答"].max_row == 4

    pdf = download_via_job(client, reverse("surveys_admin:results_pdf", args=[survey.pk]))
    assert pdf.status_code == 200 and body(pdf).startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"


def test_dashboard_cross_tab_from_two_selects(client, survey):
    client.force_login(UserFactory(role="reviewer"))
    q = {x["type"]: x for x in current_version(survey).schema["questions"]}
    url = reverse("surveys_admin:results_dashboard", args=[survey.pk])
    page = client.get(
        url, {"row": q["age_group"]["key"], "column": q["single_choice"]["key"]}
    ).content.decode()
    assert 'name="row"' in page and 'name="column"' in page
    assert "年代 × 旅行の目的" in page
    assert 'class="num shade-4">2<br><small>100.0%' in page  # 30代 × 観光: number written in the cell


def test_empty_survey_dashboard_shows_the_empty_state(client):
    survey = SurveyFactory()
    client.force_login(UserFactory(role="city"))
    page = client.get(reverse("surveys_admin:results_dashboard", args=[survey.pk])).content.decode()
    assert "data-empty-state" in page and "まだ回答がありません" in page


@pytest.mark.parametrize(
    "role, shown", [("city", True), ("reviewer", True), ("operator", False), ("editor", False)]
)
def test_menu_item_only_for_results_readers(role, shown):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(role=role)
    (item,) = admin_results.menu_items()
    assert str(item.label) == "アンケート集計"
    assert item.url == reverse("surveys_admin:results_list")
    assert item.is_shown(request) is shown
