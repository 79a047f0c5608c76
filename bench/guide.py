"""Benchmark of the public facility guide's search: server time of `/facilities/` and `/api/facilities/`.

    make bench                                    # = .venv/bin/python bench/guide.py
    .venv/bin/python bench/guide.py --sizes 5000,50000 --repeat 30 --cold-repeat 10 [--keep]

Creates its own PostgreSQL database (`sendai_stay_bench` on the server of `DATABASE_URL`, or
`--database`), migrates it, loads the demo content with `seed_demo`, then grows the current campaign
to each size in turn with generated facilities (fixed random seed) and times a fixed set of queries
against both endpoints with Django's test client in this process: server time only (URL resolution,
middleware, SQL, template or JSON rendering), no network and no HTTP server.

The page cache is off for every timed request (a hit would time a cache read, not the search), and
each query is timed in four modes that say what else is cold: "warm" (the listing, the result cards,
chrome and taxonomy kept, what a search costs in steady state), "cards cold" (the page's result
cards rendered afresh), "changed" (right after a facility change: listing and cards rebuilt) and
"cold" (every cache emptied before each request). Targets (issue): p95
≤ 50 ms at 5,000 facilities and ≤ 150 ms at 50,000. The exit status is 0 whether or not the targets
are met: this is a report, read the PASS/OVER lines. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import configure_django, database_urls, recreate_database

DEFAULT_BENCH_DB = "sendai_stay_bench"
DEFAULT_SIZES = (5_000, 50_000)
SEED = 20250526
CODE_PREFIX = "BENCH"
SOLD_OUT_SHARE = 0.03
# Issue targets: p95 of server time in ms, by number of facilities in the guide.
TARGETS_MS = {5_000: 50.0, 50_000: 150.0}
GUIDE_PATH = "/facilities/"
API_PATH = "/api/facilities/"
CSV_PATH = "/api/facilities.csv"
EXPLAIN_KEYWORD = "定禅寺"  # three characters: long enough for pg_trgm to answer LIKE from the index

# The fixed query set, run against both endpoints: (label, GET parameters).
QUERIES: list[tuple[str, list[tuple[str, str]]]] = [
    ("(no filters)", []),
    ("q=秋保", [("q", "秋保")]),
    ("q=ホテル 仙台", [("q", "ホテル 仙台")]),
    (f"q={EXPLAIN_KEYWORD}", [("q", EXPLAIN_KEYWORD)]),
    ("ward=aoba", [("ward", "aoba")]),
    ("area=akiu-onsen&feature=onsen", [("area", "akiu-onsen"), ("feature", "onsen")]),
    (
        "feature=parking&feature=wifi&available=1",
        [("feature", "parking"), ("feature", "wifi"), ("available", "1")],
    ),
    ("q=温泉&ward=taihaku", [("q", "温泉"), ("ward", "taihaku")]),
    ("q=存在しない施設名", [("q", "存在しない施設名")]),
    ("page=10", [("page", "10")]),
]

# --- Generated facilities ------------------------------------------------------------------------
# Place names of Sendai by area: (name, kana, ward slug, town used in the address).
PLACES: dict[str, list[tuple[str, str, str, str]]] = {
    "sendai-station": [
        ("仙台駅前", "センダイエキマエ", "aoba", "中央"),
        ("駅東口", "エキヒガシグチ", "miyagino", "榴岡"),
        ("榴岡", "ツツジガオカ", "miyagino", "榴岡"),
        ("花京院", "カキョウイン", "aoba", "花京院"),
        ("五橋", "イツツバシ", "aoba", "五橋"),
        ("宮城野", "ミヤギノ", "miyagino", "宮城野"),
        ("青葉通", "アオバドオリ", "aoba", "中央"),
        ("名掛丁", "ナカケチョウ", "aoba", "中央"),
    ],
    "downtown": [
        ("一番町", "イチバンチョウ", "aoba", "一番町"),
        ("国分町", "コクブンチョウ", "aoba", "国分町"),
        ("定禅寺", "ジョウゼンジ", "aoba", "国分町"),
        ("勾当台", "コウトウダイ", "aoba", "本町"),
        ("広瀬通", "ヒロセドオリ", "aoba", "一番町"),
        ("錦町", "ニシキチョウ", "aoba", "錦町"),
        ("本町", "ホンチョウ", "aoba", "本町"),
        ("晩翠", "バンスイ", "aoba", "一番町"),
    ],
    "akiu-onsen": [
        ("秋保", "アキウ", "taihaku", "秋保町湯元"),
        ("磊々峡", "ライライキョウ", "taihaku", "秋保町湯元"),
        ("湯元", "ユモト", "taihaku", "秋保町湯元"),
        ("名取川", "ナトリガワ", "taihaku", "秋保町境野"),
        ("秋保大滝", "アキウオオタキ", "taihaku", "秋保町馬場"),
    ],
    "sakunami-onsen": [
        ("作並", "サクナミ", "aoba", "作並"),
        ("広瀬川", "ヒロセガワ", "aoba", "作並"),
        ("新川", "ニッカワ", "aoba", "新川"),
        ("鳳鳴", "ホウメイ", "aoba", "作並"),
    ],
    "izumi-chuo": [
        ("泉中央", "イズミチュウオウ", "izumi", "泉中央"),
        ("泉ヶ岳", "イズミガダケ", "izumi", "福岡"),
        ("七北田", "ナナキタ", "izumi", "七北田"),
        ("八乙女", "ヤオトメ", "izumi", "八乙女中央"),
        ("将監", "ショウゲン", "izumi", "将監"),
    ],
    "other": [
        ("長町", "ナガマチ", "taihaku", "長町"),
        ("荒井", "アライ", "wakabayashi", "荒井"),
        ("卸町", "オロシマチ", "wakabayashi", "卸町"),
        ("八木山", "ヤギヤマ", "taihaku", "八木山本町"),
        ("鶴ヶ谷", "ツルガヤ", "miyagino", "鶴ケ谷"),
        ("北山", "キタヤマ", "aoba", "北山"),
        ("台原", "ダイノハラ", "aoba", "台原"),
        ("若林", "ワカバヤシ", "wakabayashi", "若林"),
        ("中田", "ナカダ", "taihaku", "中田"),
        ("岩切", "イワキリ", "miyagino", "岩切"),
        ("連坊", "レンボウ", "wakabayashi", "連坊"),
    ],
}
AREA_WEIGHTS = {
    "sendai-station": 30,
    "downtown": 25,
    "akiu-onsen": 8,
    "sakunami-onsen": 5,
    "izumi-chuo": 7,
    "other": 25,
}
ONSEN_AREAS = {"akiu-onsen", "sakunami-onsen"}
CENTRAL_AREAS = {"sendai-station", "downtown"}
# Words that make a name sound like Sendai: (text, kana).
FLOURISHES = [
    ("杜の都", "モリノミヤコ"),
    ("青葉", "アオバ"),
    ("みやぎ", "ミヤギ"),
    ("伊達", "ダテ"),
    ("政宗", "マサムネ"),
    ("けやき", "ケヤキ"),
    ("七夕", "タナバタ"),
    ("瑞鳳", "ズイホウ"),
    ("せせらぎ", "セセラギ"),
    ("月見", "ツキミ"),
]
# Name patterns by facility type: (before, before kana, after, after kana) around the place name.
NAME_PATTERNS: dict[str, list[tuple[str, str, str, str]]] = {
    "hotel": [
        ("ホテル", "ホテル", "", ""),
        ("", "", "グランドホテル", "グランドホテル"),
        ("", "", "パークホテル", "パークホテル"),
        ("", "", "シティホテル", "シティホテル"),
        ("", "", "ステーションホテル", "ステーションホテル"),
        ("", "", "イン", "イン"),
        ("", "", "プラザホテル", "プラザホテル"),
        ("ビジネスホテル", "ビジネスホテル", "", ""),
        ("", "", "ホテル&スパ", "ホテルアンドスパ"),
        ("リッチモンド", "リッチモンド", "", ""),
    ],
    "ryokan": [
        ("", "", "旅館", "リョカン"),
        ("", "", "荘", "ソウ"),
        ("", "", "の宿", "ノヤド"),
        ("", "", "亭", "テイ"),
        ("", "", "温泉旅館", "オンセンリョカン"),
        ("湯宿 ", "ユヤド", "", ""),
        ("", "", "別邸", "ベッテイ"),
    ],
    "simple": [
        ("ゲストハウス", "ゲストハウス", "", ""),
        ("", "", "ホステル", "ホステル"),
        ("カプセルホテル", "カプセルホテル", "", ""),
        ("民宿", "ミンシュク", "", ""),
        ("", "", "ステイ", "ステイ"),
    ],
    "other": [
        ("", "", "ヴィラ", "ヴィラ"),
        ("コンドミニアム", "コンドミニアム", "", ""),
        ("", "", "ロッジ", "ロッジ"),
        ("貸別荘 ", "カシベッソウ", "", ""),
    ],
}
BRANCHES = [("東館", "ヒガシカン"), ("西館", "ニシカン"), ("アネックス", "アネックス"), ("新館", "シンカン")]
AREA_SENTENCES = {
    "sendai-station": [
        "仙台駅から徒歩{n}分。",
        "出張にも観光にも便利な立地です。",
        "新幹線の発着に合わせて早朝から朝食をご用意します。",
        "仙台駅東口のペデストリアンデッキ直結です。",
        "牛たん通りまで徒歩{n}分。",
        "全室に仕事用のデスクがあります。",
    ],
    "downtown": [
        "定禅寺通のケヤキ並木まですぐ。",
        "国分町の飲食店街に近く、夜の仙台を楽しめます。",
        "アーケード街まで徒歩{n}分。",
        "勾当台公園駅から徒歩{n}分。",
        "光のページェントの時期は窓から並木を眺められます。",
        "せんだいメディアテークまで歩いて行けます。",
    ],
    "akiu-onsen": [
        "秋保の自然に囲まれた温泉宿です。",
        "名取川の渓谷を望む露天風呂があります。",
        "秋保大滝まで車で{n}分。",
        "ワイナリー巡りの拠点に便利です。",
        "四季折々の会席料理をご用意します。",
    ],
    "sakunami-onsen": [
        "広瀬川の清流沿いの静かな宿です。",
        "作並温泉の源泉を引いています。",
        "仙台駅から無料送迎バスで{n}分。",
        "ニッカウヰスキー宮城峡蒸溜所まで車で{n}分。",
    ],
    "izumi-chuo": [
        "泉ヶ岳の登山やスキーの拠点に。",
        "泉中央駅から近く、買い物にも便利です。",
        "ユアテックスタジアム仙台まで徒歩{n}分。",
        "ゴルフ場へのアクセスに便利です。",
    ],
    "other": [
        "地下鉄駅から近く、落ち着いた住宅街にあります。",
        "長期滞在にも向いています。",
        "仙台駅までバスで{n}分。",
        "仙台空港へのアクセスに便利です。",
        "コインランドリーを備えています。",
        "八木山動物公園まで車で{n}分。",
    ],
}
FEATURE_SENTENCES = {
    "onsen": "源泉かけ流しの温泉をお楽しみください。",
    "breakfast": "朝食は宮城の食材を使ったバイキングです。",
    "family": "お子様連れのご家族に人気です。",
    "pets": "小型犬と一緒に泊まれる客室があります。",
    "parking": "駐車場を完備しています。",
    "large-bath": "大浴場で旅の疲れを癒やせます。",
}
BOOKING_NOTES = "公式サイト・電話・主要な予約サイトでキャンペーン対象プランを販売しています。"


def feature_probabilities(area: str, type_slug: str) -> dict[str, float]:
    onsen_area = area in ONSEN_AREAS
    central = area in CENTRAL_AREAS
    return {
        "onsen": 0.92 if onsen_area else 0.03,
        "large-bath": 0.6 if onsen_area or type_slug == "ryokan" else 0.2,
        "parking": 0.35 if central else 0.85,
        "breakfast": 0.7 if type_slug in ("hotel", "ryokan") else 0.2,
        "barrier-free": 0.3 if type_slug == "hotel" else 0.1,
        "non-smoking": 0.75 if type_slug == "hotel" else 0.4,
        "pets": 0.05 if central else 0.12,
        "wifi": 0.92,
        "near-station": 0.8 if central else 0.15,
        "family": 0.4 if onsen_area else 0.2,
    }


class Generator:
    """Deterministic facilities: facility number i is the same whatever the sizes asked for."""

    def __init__(self) -> None:
        from facilities.models import Area, FacilityType, Feature, Ward

        self.wards = {t.slug: t for t in Ward.objects.all()}
        self.areas = {t.slug: t for t in Area.objects.all()}
        self.types = {t.slug: t for t in FacilityType.objects.all()}
        self.features = {t.slug: t for t in Feature.objects.all()}
        self.area_slugs = list(AREA_WEIGHTS)
        self.area_weights = list(AREA_WEIGHTS.values())

    def facility(self, number: int):
        """An unsaved Facility with its search text, its features, and hours since it sold out (or None)."""
        from facilities.models import Facility

        rng = random.Random(f"{SEED}:{number}")
        area = rng.choices(self.area_slugs, self.area_weights)[0]
        if area in ONSEN_AREAS:
            type_slug = rng.choices(["ryokan", "hotel", "simple", "other"], [60, 30, 5, 5])[0]
        else:
            type_slug = rng.choices(["hotel", "ryokan", "simple", "other"], [65, 5, 25, 5])[0]
        place, place_kana, ward, town = rng.choice(PLACES[area])
        before, before_kana, after, after_kana = rng.choice(NAME_PATTERNS[type_slug])
        name, kana = place, place_kana
        if rng.random() < 0.35:
            flourish, flourish_kana = rng.choice(FLOURISHES)
            name, kana = flourish + name, flourish_kana + kana
        name, kana = before + name + after, before_kana + kana + after_kana
        if rng.random() < 0.15:
            branch, branch_kana = rng.choice(BRANCHES)
            name, kana = f"{name} {branch}", kana + branch_kana
        address = (
            f"仙台市{self.wards[ward].name}{town}"
            f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        )
        probabilities = feature_probabilities(area, type_slug)
        features = [self.features[slug] for slug, p in probabilities.items() if rng.random() < p]
        sentences = [s.format(n=rng.randint(2, 25)) for s in rng.sample(AREA_SENTENCES[area], k=2)]
        sentences += [FEATURE_SENTENCES[f.slug] for f in features if f.slug in FEATURE_SENTENCES][:2]
        rooms = {"hotel": (30, 400), "ryokan": (8, 120), "simple": (3, 30), "other": (1, 20)}[type_slug]
        facility = Facility(
            code=f"{CODE_PREFIX}{number:06d}",
            name=name,
            kana=kana,
            facility_type=self.types[type_slug],
            ward=self.wards[ward],
            area=self.areas[area],
            address=address,
            phone=f"022-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
            description="".join(sentences),
            room_count=rng.randint(*rooms),
            booking_notes=BOOKING_NOTES,
        )
        # The model's own rule: modelcluster keeps the features of an unsaved instance in memory, so
        # build_search_text() sees them without touching the database.
        facility.features.set(features)
        facility.search_text = facility.build_search_text()
        sold_out_hours = rng.randint(1, 24 * 30) if rng.random() < SOLD_OUT_SHARE else None
        return facility, features, sold_out_hours


def grow_to(size: int, campaign, generator: Generator, chunk: int = 5_000) -> int:
    """Add generated facilities taking part in `campaign` until the guide lists `size`. Returns added."""
    from django.db import transaction
    from django.utils import timezone

    from facilities.models import Facility, Participation

    listed = Participation.objects.listed(campaign).count()
    next_number = Facility.objects.filter(code__startswith=CODE_PREFIX).count() + 1
    missing = size - listed
    through = Facility.features.through
    now = timezone.now()
    added = 0
    while added < missing:
        batch = [generator.facility(next_number + added + i) for i in range(min(chunk, missing - added))]
        with transaction.atomic():
            facilities = Facility.objects.bulk_create([row[0] for row in batch], batch_size=1_000)
            through.objects.bulk_create(
                [
                    through(facility_id=facility.pk, feature_id=feature.pk)
                    for facility, (_, features, _) in zip(facilities, batch, strict=True)
                    for feature in features
                ],
                batch_size=5_000,
            )
            Participation.objects.bulk_create(
                [
                    Participation(
                        facility_id=facility.pk,
                        campaign=campaign,
                        approved_on=campaign.application_start,
                        sold_out_at=None if hours is None else now - datetime.timedelta(hours=hours),
                    )
                    for facility, (_, _, hours) in zip(facilities, batch, strict=True)
                ],
                batch_size=5_000,
            )
        added += len(batch)
    return max(added, 0)


# --- What is cold and what is warm ----------------------------------------------------------------
# Every timed request runs with the page cache off (`PAGE_CACHE_ENABLED=False`, core/pagecache.py):
# with it on, each repeat of a query is a page-cache hit (no SQL, under a millisecond) and says
# nothing about the search. Behind it the search keeps the round's listing (`listed_rows`, in the
# process and in Django's cache), the rendered result cards (`guide_views.result_cards`) and the
# chrome, taxonomy and current campaign (`core.cache`); each mode says which of those it empties.


@dataclass(frozen=True)
class Mode:
    name: str
    cold: str  # emptied before every timed request
    warm: str  # kept from the warm-up requests
    endpoints: tuple[str, ...]
    prepare: Callable[[], None] | None = None


def _drop_keys(containing: str) -> None:
    """Delete the cache entries whose key contains `containing`. The benchmark runs on Django's
    per-process LocMemCache (no REDIS_URL), whose keys can be listed."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    backend = caches["default"]
    if not isinstance(backend, LocMemCache):
        raise SystemExit("the benchmark needs the per-process LocMemCache (unset REDIS_URL)")
    with backend._lock:
        for key in [key for key in backend._cache if containing in key]:
            del backend._cache[key]
            backend._expire_info.pop(key, None)


def drop_cards() -> None:
    """Forget every cached result card (a card's key contains `:card:`) and nothing else."""
    _drop_keys(":card:")


def drop_everything() -> None:
    """Empty Django's cache and the copies `core.cache.get_or_build(local=True)` keeps in the process
    (listing, taxonomy, campaign, view restrictions): what a request meets after a restart."""
    from django.core.cache import cache

    from core import cache as versioned

    cache.clear()
    versioned._local_values.clear()


def facility_changed() -> None:
    """What saving a facility or marking it 販売終了 does to every process: bump the `pages` version
    (core.cache), so the listing, the result cards and the current campaign are read again; the
    chrome and the taxonomy stay. The listing's 60-second expiry costs the same rebuild."""
    from core import cache as versioned

    old = versioned.version(versioned.PAGES)
    versioned.bump(versioned.PAGES)
    # With Redis the old version's entries (a listing is about 25 MB pickled at 50,000) wait in Redis
    # for their expiry; in the LocMemCache they would pile up in this process's memory.
    _drop_keys(f"{versioned.PREFIX}:{versioned.PAGES}:{old}:")


MODES = (
    Mode(
        "warm",
        cold="page cache (off)",
        warm="listing, result cards, chrome, taxonomy, campaign",
        endpoints=("page", "api"),
    ),
    Mode(
        "cards cold",
        cold="page cache (off), the result cards (dropped before each request)",
        warm="listing, chrome, taxonomy, campaign",
        endpoints=("page",),  # the API renders no cards
        prepare=drop_cards,
    ),
    Mode(
        "changed",
        cold="page cache (off), listing, result cards, campaign: a facility change (the `pages` "
        "version bumped) before each request",
        warm="chrome, taxonomy",
        endpoints=("page", "api"),
        prepare=facility_changed,
    ),
    Mode(
        "cold",
        cold="page cache (off) and every cache entry: listing, cards, chrome, taxonomy, campaign, "
        "Wagtail's site paths (cache.clear() and the process's copies before each request)",
        warm="only the process: imports, compiled templates, the database connection",
        endpoints=("page", "api"),
        prepare=drop_everything,
    ),
)


# --- Measuring -------------------------------------------------------------------------------------
@dataclass
class Row:
    mode: str
    endpoint: str
    label: str
    samples: list[float]
    sql_queries: int
    sql_ms: float
    results: int | None
    p50: float = field(init=False)
    p95: float = field(init=False)
    max: float = field(init=False)

    def __post_init__(self) -> None:
        self.p50 = percentile(self.samples, 50)
        self.p95 = percentile(self.samples, 95)
        self.max = max(self.samples)


def percentile(samples: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


GUIDE_COUNT = re.compile(r"(\d[\d,]*)件の施設が見つかりました")


def result_count(endpoint: str, response) -> int | None:
    if endpoint == "api":
        return response.json()["count"]
    match = GUIDE_COUNT.search(response.content.decode())
    return int(match.group(1).replace(",", "")) if match else None


def get(client, url: str):
    from core.pagecache import HIT_HEADER

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}; the benchmark needs 200 responses.")
    if response.has_header(HIT_HEADER):  # the page cache must be out of the way (PAGE_CACHE_ENABLED)
        raise SystemExit(f"GET {url} went through the page cache ({response[HIT_HEADER]}).")
    return response


def measure(client, mode: Mode, endpoint: str, label: str, url: str, repeat: int, warmup: int) -> Row:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):  # fills what the mode keeps warm for this query (its cards)
        get(client, url)
    samples = []
    for _ in range(repeat):
        if mode.prepare:
            mode.prepare()
        start = time.perf_counter()
        get(client, url)
        samples.append((time.perf_counter() - start) * 1000)
    if mode.prepare:
        mode.prepare()
    with CaptureQueriesContext(connection) as queries:  # a separate run: capturing costs time too
        response = get(client, url)
    sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return Row(mode.name, endpoint, label, samples, len(queries), sql_ms, result_count(endpoint, response))


def time_listing_build(campaign, times: int = 5) -> float:
    """Median ms of building the round's listing alone (`listed_rows` with nothing cached): the part
    of a cold request that grows with the number of facilities."""
    from facilities.search import listed_rows

    samples = []
    for _ in range(times):
        drop_everything()
        start = time.perf_counter()
        listed_rows(campaign)
        samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 50)


def load_average() -> str:
    """Other work on the machine inflates every figure: printed so a reader can judge the run."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"
    except OSError:
        return "unknown"


def target_for(size: int) -> float | None:
    """The issue's target for `size`: that of the smallest target size at or above it."""
    for target_size in sorted(TARGETS_MS):
        if size <= target_size:
            return TARGETS_MS[target_size]
    return None


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return "(no target)"
    return "PASS" if value <= target else "OVER"


def print_table(
    size: int, mode: Mode, rows: list[Row], target: float | None, sold_out: int
) -> dict[str, float]:
    """One line per query, then the p95 of all requests (and of each endpoint) against the target."""
    target_text = f"p95 ≤ {target:.0f} ms" if target else "no target for this size"
    print()
    print(f"=== {size:,} facilities ({sold_out:,} sold out), {mode.name}: target {target_text} ===")
    print(f"    cold: {mode.cold}")
    print(f"    warm: {mode.warm}")
    print(
        f"{'endpoint':<9}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'SQL':>5}{'SQL ms':>8}{'results':>9}"
        f"  {'':<4}  query"
    )
    for row in rows:
        flag = "OVER" if target is not None and row.p95 > target else ""
        results = "?" if row.results is None else f"{row.results:,}"
        print(
            f"{row.endpoint:<9}{row.p50:>8.1f}{row.p95:>8.1f}{row.max:>8.1f}{row.sql_queries:>5}"
            f"{row.sql_ms:>8.1f}{results:>9}  {flag:<4}  {row.label}"
        )
    overall = {"all": percentile([sample for row in rows for sample in row.samples], 95)}
    for endpoint in dict.fromkeys(row.endpoint for row in rows):
        overall[endpoint] = percentile(
            [s for row in rows if row.endpoint == endpoint for s in row.samples], 95
        )
    parts = ", ".join(
        f"{endpoint} {value:.1f} ms" for endpoint, value in overall.items() if endpoint != "all"
    )
    target_text = f"≤ {target:.0f} ms" if target else "none"
    print(
        f"--> {size:,} facilities, {mode.name}: overall p95 {overall['all']:.1f} ms ({parts}); "
        f"target {target_text}: {verdict(overall['all'], target)}"
    )
    return overall


DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ')


def explain(url: str, title: str, *, trigram: bool) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the SQL that reads `search_text` in a cold request of `url`."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    drop_everything()
    with CaptureQueriesContext(connection) as queries:
        response = get(Client(), url)
        if response.streaming:
            b"".join(response.streaming_content)  # the CSV runs its query while it streams
    # The CSV reads through a server-side cursor: explain the SELECT it declares.
    search_sql = [DECLARE.sub("", q["sql"]) for q in queries.captured_queries if "search_text" in q["sql"]]
    print()
    print(f"=== EXPLAIN ANALYZE: {title} ({len(search_sql)} of {len(queries)} queries read search_text) ===")
    with connection.cursor() as cursor:
        for sql in search_sql:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(line for (line,) in cursor.fetchall())
            print(f"--- {sql[:300]}{' …' if len(sql) > 300 else ''}")
            print(plan)
            if trigram:
                used = "facility_search_trgm" in plan
                print(f"--> trigram index facility_search_trgm used: {'YES' if used else 'NO'}")


# --- Database: bench/common.py -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark of the public facility guide and its API.")
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="comma-separated numbers of facilities, grown in increasing order (default 5000,50000)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per query (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per query first (default 3)")
    parser.add_argument(
        "--cold-repeat",
        type=int,
        default=10,
        help="timed requests per query in the changed and cold modes, where each rebuilds the listing "
        "(default 10)",
    )
    parser.add_argument(
        "--database", default=DEFAULT_BENCH_DB, help=f"database name (default {DEFAULT_BENCH_DB})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated integers, e.g. 5000,50000")
    if not args.sizes or args.sizes[0] < 1 or min(args.repeat, args.cold_repeat) < 1 or args.warmup < 0:
        parser.error("sizes, --repeat and --cold-repeat must be positive, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server_url, bench_url = database_urls(args.database)
    print(f"Creating database {args.database} on {urlsplit(server_url).hostname} …", flush=True)
    recreate_database(server_url, args.database)
    try:
        run(args, bench_url)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nKept database {args.database} (--keep).")
        else:
            recreate_database(server_url, args.database, drop_only=True)
            print(f"\nDropped database {args.database}.")
    return 0


def run(args: argparse.Namespace, bench_url: str) -> None:
    configure_django(bench_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from campaigns.models import Campaign
    from facilities.models import Participation

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    print(f"Migrated and seeded in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('lc_ctype')")
        version, ctype = cursor.fetchone()
    print(f"{version.split(' on ')[0]}, lc_ctype {ctype}; CPUs: {os.cpu_count()}")
    if "utf" not in ctype.lower():
        print("WARNING: the database ctype is not UTF-8, so pg_trgm extracts no Japanese trigrams.")
    campaign = Campaign.objects.current()
    if campaign is None:
        raise SystemExit("seed_demo created no current campaign")
    print(
        f"Campaign {campaign.slug}; {len(QUERIES)} queries; page cache OFF for every timed request; "
        f"{args.warmup} warm-up + {args.repeat} timed requests each ({args.cold_repeat} when changed or cold)"
    )
    generator = Generator()
    client = Client()
    summary = []
    with override_settings(PAGE_CACHE_ENABLED=False):
        for size in args.sizes:
            started = time.perf_counter()
            added = grow_to(size, campaign, generator)
            with connection.cursor() as cursor:
                # A steady-state database: statistics current, visibility map set, GIN pending list merged.
                cursor.execute("VACUUM ANALYZE")
            print(
                f"\nLoaded {added:,} facilities (+VACUUM ANALYZE) in {time.perf_counter() - started:.1f} s; "
                f"load average before timing: {load_average()}",
                flush=True,
            )
            listed = Participation.objects.listed(campaign)
            sold_out = listed.filter(sold_out_at__isnull=False).count()
            build_ms = time_listing_build(campaign)
            print(
                f"Building the listing alone (listed_rows, nothing cached): {build_ms:.1f} ms (median of 5)"
            )
            target = target_for(size)
            for mode in MODES:
                drop_everything()  # each mode starts from nothing and warms up what it keeps
                repeat = (
                    args.cold_repeat if mode.prepare in (facility_changed, drop_everything) else args.repeat
                )
                rows = []
                for endpoint, path in (("page", GUIDE_PATH), ("api", API_PATH)):
                    if endpoint not in mode.endpoints:
                        continue
                    for label, params in QUERIES:
                        url = f"{path}?{urlencode(params)}" if params else path
                        rows.append(measure(client, mode, endpoint, label, url, repeat, args.warmup))
                overall = print_table(size, mode, rows, target, sold_out)
                summary.append((size, mode, overall, target, max(rows, key=lambda row: row.p95)))
                print(f"(load average {load_average()})", flush=True)
        explain_size = args.sizes[-1]
        print(f"\n(at {explain_size:,} facilities)", end="")
        keyword = urlencode({"q": EXPLAIN_KEYWORD})
        explain(f"{GUIDE_PATH}?{keyword}", f"a cold guide search q={EXPLAIN_KEYWORD}", trigram=False)
        explain(
            f"{CSV_PATH}?{keyword}",
            f"the CSV download q={EXPLAIN_KEYWORD} (the one search still filtered in SQL)",
            trigram=True,
        )
    print()
    print("=== Summary: p95 of server time, all queries, page cache off ===")
    for size, mode, overall, target, worst in summary:
        target_text = f"≤ {target:.0f} ms" if target else "none"
        parts = ", ".join(f"{name} {value:.1f}" for name, value in overall.items() if name != "all")
        print(
            f"{size:>7,} facilities, {mode.name:<10}: p95 {overall['all']:6.1f} ms ({parts}), "
            f"target {target_text}: {verdict(overall['all'], target)}; "
            f"slowest: {worst.endpoint} {worst.label} p95 {worst.p95:.1f} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
