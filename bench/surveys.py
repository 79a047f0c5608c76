"""Benchmark of アンケート集計: aggregation, cross-tab, Excel of answers and the PDF report.

    .venv/bin/python bench/surveys.py [--responses 50000] [--keep] [--pdf-out FILE]

Creates its own PostgreSQL database (`sendai_stay_bench_surveys` on the server of `DATABASE_URL`),
migrates and seeds it, adds a survey with one question of every type to the demo round and inserts
`--responses` generated responses (fixed seed: prefectures weighted towards Tohoku and Kanto, a
third with a comment, over 60 days, link/web and ja/en mixes). Then, each in a fresh child process
so that its peak memory (ru_maxrss: Python, Django and the data) is its own:

1. results  — `surveys.results.survey_results` (the dashboard's figures: every question, the day
   series, channels, languages, 20 newest comments per free-text question);
2. crosstab — `surveys.results.cross_tabulate` of 居住都道府県 × 満足度 (the dashboard's cross-tab);
3. excel    — `surveys.export.write_answers` with the 0/1 columns into a temporary file;
4. report   — `surveys.report.build_report`: the one pass with the report's cross-tabs (by
   prefecture and by age group), the HTML and WeasyPrint's PDF, each timed.

Exit status 0 either way: the benchmark is a report; it exits non-zero only when it cannot run.

First runs (2-core VM, other test runs busy: load average 3.7–4.1), 50,000 responses:

    results    1.45 s; peak 159 MB (before 159 MB)
    crosstab   0.66 s; peak 159 MB
    excel     18.57 s; peak 159 MB; 4.8 MB file (0/1 columns included)
    report    14.18 s; peak 305 MB; pass with 14 cross-tabs 4.44 s, HTML 0.16 s, WeasyPrint 9.6 s, 20 pages

Memory stays flat in the pass and the Excel (server-side cursor, write-only workbook); the report's
peak is WeasyPrint's layout, which depends on the number of pages (bounded: 20 comments per
question, top-10 prefectures), not on the number of responses. The Excel's time is openpyxl's
pure-Python XML writer (et_xmlfile: ~80 % of the profile); openpyxl uses lxml when it is installed,
which is much faster. Labels are looked up once per distinct answer value.
"""

from __future__ import annotations

import argparse
import datetime
import io
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import configure_django, database_urls, recreate_database

DEFAULT_BENCH_DB = "sendai_stay_bench_surveys"
SLUG = "bench-survey"
COMMENTS = [
    "牛たんがおいしかったです。",
    "駅から近くて便利でした。",
    "スタッフの対応が丁寧で、また泊まりたいと思いました。",
    "割引のおかげで家族旅行ができました。ありがとうございます。",
    "定禅寺通のイルミネーションがきれいでした。",
    "手続きが少し分かりにくかったです。",
    "The hotel staff were very kind.",
    "秋保温泉でゆっくりできました。",
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_responses(bench_url: str, count: int, queue) -> None:
    configure_django(bench_url)
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Locale

    from campaigns.models import Campaign
    from core.prefectures import PREFECTURES
    from facilities.models import Facility
    from surveys.blocks import page_break_data, question_data
    from surveys.models import Response, Survey
    from surveys.questions import AGE_GROUPS, stay_months
    from surveys.versions import current_version

    campaign = Campaign.objects.current()
    survey = Survey.objects.create(
        campaign=campaign,
        title="仙台市宿泊促進キャンペーン 利用者アンケート（ベンチマーク）",
        slug=SLUG,
        opens_at=timezone.now() - datetime.timedelta(days=60),
        closes_at=timezone.now() + datetime.timedelta(days=30),
        locale=Locale.get_default(),
        questions=[
            question_data("facility", "宿泊した施設"),
            question_data("stay_month", "宿泊した月"),
            question_data("prefecture", "お住まいの都道府県"),
            question_data("age_group", "年代"),
            page_break_data("ご感想"),
            question_data("single_choice", "旅行の目的", choices=["観光", "仕事", "帰省", "その他"]),
            question_data(
                "multiple_choice",
                "訪れた場所（複数選択可）",
                choices=["青葉城址", "定禅寺通", "秋保温泉", "作並温泉", "松島"],
                required=False,
            ),
            question_data("single_choice", "同行者", choices=["ひとり", "家族", "友人", "職場"]),
            question_data("rating", "満足度", low_label="不満", high_label="満足"),
            question_data("free_text", "ご意見・ご感想", required=False, multiline=True),
        ],
    )
    version = current_version(survey)
    q = version.schema["questions"]
    facilities = list(Facility.objects.filter(participations__campaign=campaign).values_list("pk", "code"))
    months = stay_months(campaign.stay_start, campaign.stay_end)
    prefectures = [code for code, _ja, _en in PREFECTURES] + ["99"]
    weights = [
        30 if code == "04" else 10 if code in ("13", "11", "14", "07", "02") else 1 for code in prefectures
    ]
    rng = random.Random(7)
    start = timezone.now() - datetime.timedelta(days=60)
    rows = []
    for n in range(count):
        facility_pk, facility_code = rng.choice(facilities) if facilities else (None, "X")
        link = rng.random() < 0.7
        answers = {
            q[0]["key"]: facility_code,
            q[1]["key"]: rng.choice(months),
            q[2]["key"]: rng.choices(prefectures, weights)[0],
            q[3]["key"]: rng.choice(AGE_GROUPS)[0],
            q[4]["key"]: rng.choice(q[4]["choices"])["key"],
            q[5]["key"]: [c["key"] for c in q[5]["choices"] if rng.random() < 0.35],
            q[6]["key"]: rng.choice(q[6]["choices"])["key"],
            q[7]["key"]: rng.choices([1, 2, 3, 4, 5], [1, 2, 6, 12, 9])[0],
        }
        if rng.random() < 0.33:
            answers[q[8]["key"]] = f"{rng.choice(COMMENTS)}（{n}）"
        rows.append(
            Response(
                survey=survey,
                version=version,
                facility_id=facility_pk if link else None,
                source="link" if link else "web",
                language="en" if rng.random() < 0.08 else "ja",
                submitted_at=start + datetime.timedelta(seconds=rng.randrange(60 * 86_400)),
                answers=answers,
            )
        )
    with transaction.atomic():
        Response.objects.bulk_create(rows, batch_size=2_000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")
    queue.put({"responses": count, "facilities": len(facilities)})


def measure(bench_url: str, what: str, pdf_out: str, queue) -> None:
    configure_django(bench_url)
    from surveys import export, report
    from surveys.models import Survey
    from surveys.results import cross_tabulate, survey_results

    survey = Survey.objects.select_related("campaign").get(slug=SLUG, locale__language_code="ja")
    prefecture, rating = (
        next(x["key"] for x in survey.versions.get().schema["questions"] if x["type"] == kind)
        for kind in ("prefecture", "rating")
    )
    before = peak_mb()
    started = time.perf_counter()
    detail = ""
    if what == "results":
        results = survey_results(survey)
        detail = (
            f"{results.total:,} responses, {len(results.questions)} questions, {len(results.by_day)} days"
        )
    elif what == "crosstab":
        table = cross_tabulate(survey, prefecture, rating)
        detail = f"{len(table.rows)} rows × {len(table.columns)} columns, {table.total:,} answered both"
    elif what == "excel":
        with tempfile.TemporaryFile() as sink:
            written = export.write_answers(survey, sink, choice_flags=True)
            detail = f"{written:,} rows, {sink.tell() / 1024 / 1024:.1f} MB"
    elif what == "report":
        results = report.collect(survey)
        collected = time.perf_counter()
        html = report.render_html(survey, results=results)
        rendered = time.perf_counter()
        content = report.build_report(survey, results=results)
        built = time.perf_counter()
        detail = (
            f"pass with {len(results.crosstabs)} cross-tabs {collected - started:.2f} s, HTML "
            f"{rendered - collected:.2f} s ({len(html) / 1024:.0f} kB), WeasyPrint {built - rendered:.2f} s "
            f"(incl. another HTML render), {len(content) / 1024:.0f} kB PDF"
        )
        if pdf_out:
            Path(pdf_out).write_bytes(content)
            detail += f", written to {pdf_out}"
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "peak": peak_mb(), "before": before, "detail": detail})


def child(target, *args):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=50_000, help="generated responses")
    parser.add_argument("--database", default=DEFAULT_BENCH_DB)
    parser.add_argument("--pdf-out", default="", help="also write the generated report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    server_url, bench_url = database_urls(args.database)
    print(f"Creating database {args.database} …", flush=True)
    recreate_database(server_url, args.database)
    try:
        configure_django(bench_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        connections.close_all()
        print(f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
        started = time.perf_counter()
        seeded = child(seed_responses, bench_url, args.responses)
        print(
            f"seeded   {seeded['responses']:,} responses ({seeded['facilities']} facilities) "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        for what in ("results", "crosstab", "excel", "report"):
            result = child(measure, bench_url, what, args.pdf_out)
            print(
                f"{what:<8} {result['seconds']:6.2f} s; peak {result['peak']:.0f} MB "
                f"(before {result['before']:.0f} MB); {result['detail']}",
                flush=True,
            )
    finally:
        connections.close_all()
        if args.keep:
            print(f"Kept database {args.database} (--keep).")
        else:
            recreate_database(server_url, args.database, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
