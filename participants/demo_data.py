"""Who applied to the running demo round: the businesses, their facilities and how each review went.

Every facility of the earlier round (D001–D040, facilities/demo_data.py) applied again with its
business; about seventy new facilities applied for the first time (names generated from invented
place words, reproducibly). A few applicants were sent back for corrections, one question went to
the city, three were refused and two never finished their draft.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.zengin import to_zengin_kana

# Earlier-round facilities that belong to one business (the rest are one business each).
RETURNING_GROUPS: list[tuple[str, str, str, list[str]]] = [
    ("approved", "株式会社杜の都ホテルズ", "モリノミヤコホテルズ", ["D001", "D002"]),
    ("cross", "株式会社仙台クロスホテルズ", "センダイクロスホテルズ", ["D009", "D017"]),
    ("ichibancho", "一番町ホテル企画株式会社", "イチバンチョウホテルキカク", ["D012", "D016"]),
    ("akiu-resort", "秋保リゾート開発株式会社", "アキウリゾートカイハツ", ["D020", "D023"]),
    ("sakunami", "作並温泉観光株式会社", "サクナミオンセンカンコウ", ["D026", "D029"]),
    ("izumi-park", "株式会社泉パークリゾート", "イズミパークリゾート", ["D031", "D033", "D034"]),
]

# Invented place words (kanji, katakana) the new facilities' names are built from.
WORDS = [
    ("杜", "モリ"), ("欅", "ケヤキ"), ("青葉", "アオバ"), ("広瀬", "ヒロセ"), ("七夕", "タナバタ"),
    ("伊達", "ダテ"), ("萩", "ハギ"), ("松風", "マツカゼ"), ("月見", "ツキミ"), ("北斗", "ホクト"),
    ("若葉", "ワカバ"), ("瑞鳳", "ズイホウ"), ("錦", "ニシキ"), ("花京院", "カキョウイン"), ("宮町", "ミヤマチ"),
    ("八幡", "ハチマン"), ("北山", "キタヤマ"), ("五橋", "イツツバシ"), ("上杉", "カミスギ"), ("木町", "キマチ"),
    ("春日", "カスガ"), ("立町", "タチマチ"), ("柳町", "ヤナギマチ"), ("桜ヶ丘", "サクラガオカ"), ("白萩", "シラハギ"),
    ("霧島", "キリシマ"), ("若林", "ワカバヤシ"), ("鶴ヶ谷", "ツルガヤ"), ("天神", "テンジン"), ("清水", "シミズ"),
    ("蔵王", "ザオウ"), ("星空", "ホシゾラ"), ("朝日", "アサヒ"), ("緑水", "リョクスイ"), ("青嵐", "セイラン"),
    ("紅葉", "モミジ"), ("雪見", "ユキミ"), ("風の森", "カゼノモリ"), ("千代", "チヨ"), ("大和", "ヤマト"),
    ("葵", "アオイ"), ("光", "ヒカリ"), ("東雲", "シノノメ"), ("水鏡", "ミズカガミ"), ("泉水", "センスイ"),
]  # fmt: skip

# area -> (how many new facilities, wards, name templates (name, kana, type))
NEW_FACILITY_PLAN: dict[str, tuple[int, list[str], list[tuple[str, str, str]]]] = {
    "sendai-station": (
        22,
        ["aoba", "miyagino"],
        [
            ("ホテル{w}仙台駅前", "ホテル{k}センダイエキマエ", "hotel"),
            ("{w}イン仙台駅東口", "{k}インセンダイエキヒガシグチ", "hotel"),
            ("仙台{w}ホテル", "センダイ{k}ホテル", "hotel"),
            ("ホテル{w}仙台", "ホテル{k}センダイ", "hotel"),
            ("{w}ステイ仙台駅北", "{k}ステイセンダイエキキタ", "simple"),
        ],
    ),
    "downtown": (
        18,
        ["aoba"],
        [
            ("ホテル{w}国分町", "ホテル{k}コクブンチョウ", "hotel"),
            ("{w}イン一番町", "{k}インイチバンチョウ", "hotel"),
            ("ホテル{w}勾当台公園", "ホテル{k}コウトウダイコウエン", "hotel"),
            ("ゲストハウス{w}", "ゲストハウス{k}", "simple"),
        ],
    ),
    "akiu-onsen": (
        8,
        ["taihaku"],
        [
            ("秋保温泉 {w}の湯", "アキウオンセン {k}ノユ", "ryokan"),
            ("秋保 {w}荘", "アキウ {k}ソウ", "ryokan"),
        ],
    ),
    "sakunami-onsen": (5, ["aoba"], [("作並温泉 {w}館", "サクナミオンセン {k}カン", "ryokan")]),
    "izumi-chuo": (
        7,
        ["izumi"],
        [
            ("ホテル{w}泉中央", "ホテル{k}イズミチュウオウ", "hotel"),
            ("泉ヶ岳 {w}山荘", "イズミガダケ {k}サンソウ", "other"),
        ],
    ),
    "other": (
        12,
        ["wakabayashi", "taihaku", "miyagino"],
        [
            ("ホテル{w}長町", "ホテル{k}ナガマチ", "hotel"),
            ("{w}イン卸町", "{k}インオロシマチ", "hotel"),
            ("民宿 {w}", "ミンシュク {k}", "simple"),
        ],
    ),
}
TOWNS = {
    "aoba": ["中央", "本町", "一番町", "国分町", "立町", "花京院", "作並字元木"],
    "miyagino": ["榴岡", "名掛丁", "宮城野", "原町", "港"],
    "wakabayashi": ["荒町", "卸町", "荒井", "沖野"],
    "taihaku": ["長町", "秋保町湯元", "秋保町馬場", "八木山"],
    "izumi": ["泉中央", "七北田", "福岡", "紫山"],
}
POSTAL = {"aoba": "980", "miyagino": "983", "wakabayashi": "984", "taihaku": "982", "izumi": "981"}
FEATURES = {
    "hotel": ["wifi", "non-smoking", "breakfast", "parking", "near-station", "barrier-free", "large-bath"],
    "ryokan": ["onsen", "parking", "breakfast", "large-bath", "family", "barrier-free"],
    "simple": ["wifi", "non-smoking", "pets", "parking"],
    "other": ["parking", "family", "pets", "wifi"],
}
DESCRIPTIONS = {
    "sendai-station": ["仙台駅から徒歩{n}分。出張にも観光にも便利です。", "駅直結の地下道から雨に濡れずにお越しいただけます。"],
    "downtown": ["国分町の飲食店街まで徒歩{n}分。夜の仙台を楽しむ拠点に。", "定禅寺通のけやき並木に面した静かな客室です。"],
    "akiu-onsen": ["源泉かけ流しの露天風呂が自慢の宿です。", "秋保大滝や磊々峡の散策に便利な温泉宿です。"],
    "sakunami-onsen": ["広瀬川の渓流を望む湯宿。仙台駅から送迎バスがあります。", "木造の湯小屋で作並の湯をお楽しみください。"],
    "izumi-chuo": ["泉中央駅から徒歩{n}分。スタジアム観戦にも便利です。", "泉ヶ岳のふもとで、四季の自然を楽しめます。"],
    "other": ["仙台東部道路のインターから車で{n}分。駐車場完備です。", "地元の朝ごはんが評判の、家族で営む宿です。"],
}  # fmt: skip
SURNAMES = ["佐藤", "高橋", "鈴木", "阿部", "菅原", "千葉", "伊藤", "遠藤", "渡辺", "佐々木", "斎藤", "三浦"]
GIVEN = ["誠", "修", "浩二", "恵子", "裕子", "健一", "真理", "直樹", "美穂", "隆", "智子", "博"]
BANKS = [("0125", "七十七銀行", "101", "本店営業部"), ("0512", "仙台銀行", "201", "本店営業部"),
         ("0125", "七十七銀行", "122", "泉支店"), ("1250", "仙台信用金庫", "005", "長町支店"),
         ("0009", "三井住友銀行", "871", "仙台支店")]  # fmt: skip

# Escalated to the city during review, answered, then approved (one of the new facilities).
ESCALATION = (
    "簡易宿所の許可ですが客室数が多く、旅館業法上の種別の確認をお願いします。",
    "簡易宿所営業の許可で参加要件を満たします。参加を認めて差し支えありません。",
)
RETURN_REASONS = [
    "通帳の写しの口座名義が読み取れません。鮮明な画像を再度アップロードしてください。",
    "営業許可証の写しの許可番号と申請内容の営業許可番号が一致しません。確認して修正してください。",
    "口座名義（カナ）が通帳の記載と異なります。通帳のとおりに入力してください。",
]
REJECTIONS = [
    ("株式会社名取ベイサイド", "名取ベイサイドホテル", "ナトリベイサイドホテル", "申請施設が仙台市外（名取市）に所在するため、参加の対象外です。"),
    ("合同会社宮町ハウス", "宮町ハウス", "ミヤマチハウス", "旅館業法の営業許可が確認できないため、参加を認められません（許可証の有効期限切れ）。"),
    ("有限会社愛子観光", "愛子温泉 ゆうらく", "アヤシオンセン ユウラク", "同じ施設について運営事業者から別途申請があり、申請者が施設を運営していることを確認できないため。"),
]  # fmt: skip
DRAFTS = [
    ("株式会社北四番丁ステイ", "北四番丁ステイ", "キタヨバンチョウステイ"),
    ("大倉ダム山荘", "大倉山荘", "オオクラサンソウ"),
]


@dataclass
class FacilityEntry:
    """What an applicant enters for one facility; `code` is set for an earlier-round facility."""

    name: str
    kana: str
    type_slug: str
    ward: str
    area: str
    address: str
    postal_code: str
    rooms: int
    features: list[str]
    description: str
    code: str = ""


@dataclass
class Applicant:
    """One business and how its application went: "approved", "returned" (then approved),
    "escalated" (then approved), "rejected" or "draft"."""

    key: str
    name: str
    kana: str
    representative: str
    facilities: list[FacilityEntry] = field(default_factory=list)
    outcome: str = "approved"
    note: str = ""
    bank: tuple[str, str, str, str] = BANKS[0]
    account_number: str = "1234567"

    @property
    def email(self) -> str:
        return f"hotel-{self.key}@example.jp"

    @property
    def account_holder(self) -> str:
        """口座名義 in Zengin half-width kana, with the legal-form abbreviation banks use."""
        prefix = ""
        if self.name.startswith("株式会社") or self.name.endswith("株式会社"):
            prefix = "ｶ)"
        elif self.name.startswith("有限会社"):
            prefix = "ﾕ)"
        elif self.name.startswith("合同会社"):
            prefix = "ﾄﾞ)"
        return (prefix + to_zengin_kana(self.kana).replace(" ", ""))[:30]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"


def _address(rng: random.Random, ward: str, area: str) -> tuple[str, str]:
    towns = TOWNS[ward]
    if area == "akiu-onsen":
        towns = ["秋保町湯元", "秋保町馬場"]
    elif area == "sakunami-onsen":
        towns = ["作並字元木", "作並字棒目木"]
    elif ward == "aoba":
        towns = [town for town in towns if not town.startswith("作並")]
    ward_name = {
        "aoba": "青葉区",
        "miyagino": "宮城野区",
        "wakabayashi": "若林区",
        "taihaku": "太白区",
        "izumi": "泉区",
    }
    address = f"仙台市{ward_name[ward]}{rng.choice(towns)}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    return address, f"{POSTAL[ward]}-{rng.randint(0, 9999):04d}"


def _rooms(rng: random.Random, type_slug: str) -> int:
    choices = {
        "hotel": [42, 56, 64, 78, 90, 104, 120, 136, 158, 180, 212, 246],
        "ryokan": [8, 12, 18, 24, 32, 45, 60],
        "simple": [4, 6, 9, 14, 22, 34],
        "other": [10, 14, 20, 28],
    }
    return rng.choice(choices[type_slug])


def new_facilities(rng: random.Random) -> list[FacilityEntry]:
    words = list(WORDS)
    rng.shuffle(words)
    names: set[str] = set()
    entries: list[FacilityEntry] = []
    index = 0
    for area, (count, wards, templates) in NEW_FACILITY_PLAN.items():
        for number in range(count):
            word, word_kana = words[index % len(words)]
            name_template, kana_template, type_slug = templates[number % len(templates)]
            index += 1
            name = name_template.format(w=word)
            if name in names:
                continue
            names.add(name)
            ward = wards[number % len(wards)]
            address, postal = _address(rng, ward, area)
            features = rng.sample(FEATURES[type_slug], rng.randint(2, 4))
            if area == "sendai-station" and "near-station" not in features and type_slug == "hotel":
                features.append("near-station")
            description = rng.choice(DESCRIPTIONS[area]).format(n=rng.randint(2, 12))
            entries.append(
                FacilityEntry(
                    name=name,
                    kana=kana_template.format(k=word_kana),
                    type_slug=type_slug,
                    ward=ward,
                    area=area,
                    address=address,
                    postal_code=postal,
                    rooms=_rooms(rng, type_slug),
                    features=features,
                    description=description,
                )
            )
    return entries


def applicants(earlier_round: list[tuple]) -> list[Applicant]:
    """Every applicant of the running round, in a fixed order (the same on every machine)."""
    rng = random.Random(18)
    by_code = {row[0]: row for row in earlier_round}

    def entry(code: str) -> FacilityEntry:
        _code, name, kana, type_slug, ward, area, address, features, rooms, description = by_code[code]
        return FacilityEntry(
            name, kana, type_slug, ward, area, address, f"{POSTAL[ward]}-00{int(code[1:]):02d}", rooms,
            list(features), description, code=code,
        )  # fmt: skip

    result: list[Applicant] = []
    grouped = {code for _key, _name, _kana, codes in RETURNING_GROUPS for code in codes}
    for key, name, kana, codes in RETURNING_GROUPS:
        result.append(Applicant(key, name, kana, _person(rng), [entry(code) for code in codes]))
    for code, name, kana, type_slug, *_rest in earlier_round:
        if code in grouped:
            continue
        legal = {"hotel": "株式会社", "ryokan": "有限会社"}.get(type_slug, "")
        result.append(Applicant(code.lower(), f"{legal}{name}", kana, _person(rng), [entry(code)]))

    fresh = new_facilities(rng)
    chains = [
        ("hokuto", "株式会社北斗ホテルズ", "ホクトホテルズ", 3),
        ("zuiho", "瑞鳳観光株式会社", "ズイホウカンコウ", 2),
    ]
    position = 0
    for key, name, kana, size in chains:
        result.append(Applicant(key, name, kana, _person(rng), fresh[position : position + size]))
        position += size
    for number, facility in enumerate(fresh[position:], start=1):
        legal = {"hotel": "株式会社", "ryokan": "有限会社", "other": "合同会社"}.get(facility.type_slug, "")
        result.append(
            Applicant(f"n{number:03d}", f"{legal}{facility.name}", facility.kana, _person(rng), [facility])
        )

    for number, applicant in enumerate(result):
        applicant.bank = BANKS[number % len(BANKS)]
        applicant.account_number = f"{rng.randint(1000000, 9999999)}"
    # How the reviews went: a few corrections, one question for the city (a large 簡易宿所).
    newcomers = [a for a in result if not a.facilities[0].code]
    for number, applicant in enumerate(rng.sample(result[1:], 9)):
        applicant.outcome, applicant.note = "returned", RETURN_REASONS[number % len(RETURN_REASONS)]
    simple = next(a for a in newcomers if a.facilities[0].type_slug == "simple" and a.outcome == "approved")
    simple.facilities[0].rooms = 48
    simple.outcome = "escalated"
    for number, (name, facility_name, kana, reason) in enumerate(REJECTIONS, start=1):
        area, ward = ("other", "taihaku") if number != 2 else ("downtown", "aoba")
        address, postal = _address(rng, ward, area)
        if number == 1:
            address, postal = "名取市閖上東3-5-1", "981-1213"
        facility = FacilityEntry(facility_name, kana, "hotel", ward, area, address, postal, 40, ["wifi"], "")
        result.append(Applicant(f"x{number}", name, kana, _person(rng), [facility], "rejected", reason))
    for number, (name, facility_name, kana) in enumerate(DRAFTS, start=1):
        address, postal = _address(rng, "aoba", "downtown")
        facility = FacilityEntry(
            facility_name, kana, "simple", "aoba", "downtown", address, postal, 8, [], ""
        )
        result.append(Applicant(f"d{number}", name, kana, _person(rng), [facility], "draft"))
    return result
