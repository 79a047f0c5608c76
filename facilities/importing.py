"""Bulk import of the facility file (施設一覧, DOMAIN.md) — the one service the command and the admin call.

The file comes from staff who keep the list in Excel, so the reader accepts what Excel produces (.xlsx,
CSV in UTF-8 with or without BOM, or Shift_JIS/CP932) and tells the user, in Japanese and with the row
number they see in Excel, every problem of every row at once, so that one round of corrections is enough.

The import is all-or-nothing: if a single row is wrong nothing is written, because a half-imported list
would leave the public guide in a state nobody chose. A second import of the same file updates the
facilities it created (matched by 施設コード) instead of duplicating them.

An optional column that is absent from the file leaves that value of existing facilities unchanged;
a column that is present but empty for a row clears the value (販売状況: empty means 販売中). This way
a file with only some columns cannot silently wipe data or resume sales nobody meant to resume.

Facilities are written in bulk (see `_write`), so Wagtail's reference index (the "usage" counts in the
admin) is not updated row by row; after a large import, `manage.py rebuild_references_index` refreshes it.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign
from core import pagecache, tabular
from core.security import SafeCSVWriter
from core.tabular import FileProblem, cell_text, is_blank
from core.text import normalize_search_text

from .models import Area, Facility, FacilityType, Feature, Participation, TaxonomyTerm, Ward
from .services import mark_sold_out, resume_sales

logger = logging.getLogger(__name__)

# --- The file layout (DOMAIN.md "Facility file") ------------------------------------------------------
CODE, NAME, KANA, TYPE = "施設コード", "施設名", "施設名カナ", "施設種別"
WARD, AREA, ADDRESS = "区", "エリア", "住所"
PHONE, WEBSITE, FEATURES, DESCRIPTION = "電話番号", "ウェブサイト", "特徴", "紹介文"
ROOMS, SALES, APPROVED_ON = "客室数", "販売状況", "登録決定日"

COLUMNS: tuple[str, ...] = (
    CODE,
    NAME,
    KANA,
    TYPE,
    WARD,
    AREA,
    ADDRESS,
    PHONE,
    WEBSITE,
    FEATURES,
    DESCRIPTION,
    ROOMS,
    SALES,
    APPROVED_ON,
)
REQUIRED_COLUMNS: tuple[str, ...] = (CODE, NAME, TYPE, WARD, AREA, ADDRESS, APPROVED_ON)

SELLING, SOLD_OUT = "販売中", "販売終了"

# Problems kept for the report; the total is always counted, so a file that is wrong everywhere
# (e.g. the wrong sheet) still answers quickly and tells how many problems there are.
MAX_ERRORS_KEPT = 1_000
# Bounds that keep one request's memory and time predictable (the real list is a few hundred rows).
MAX_DATA_ROWS = 20_000
MAX_XLSX_UNCOMPRESSED_BYTES = tabular.MAX_XLSX_UNCOMPRESSED_BYTES
# SQLite allows few parameters per query; PostgreSQL does not mind the batches.
BATCH_SIZE = 500

_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
_ROOMS_PATTERN = re.compile(r"^[0-9]+$")
_FEATURE_SEPARATORS = re.compile(r"[、,，]")
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_MAX_ROOMS = 2_147_483_647  # PositiveIntegerField's range in every database


@dataclass(frozen=True)
class ImportProblem:
    """One problem, located as the user sees it in Excel: row 1 is the header, 0 is the whole file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("行 %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("行 %(row)s / %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did, or why it did nothing. `errors` keeps the first problems, `error_count` all."""

    campaign: Campaign | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    sold_out: int = 0
    resumed: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def omitted_errors(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(ImportProblem(row, column, message))

    def summary(self) -> str:
        """The sentence shown after a successful import (admin message and command output)."""
        return _(
            "「%(campaign)s」に施設を取り込みました（新規 %(created)s件、更新 %(updated)s件、"
            "うち販売終了 %(sold_out)s件、販売を再開 %(resumed)s件）。"
        ) % {
            "campaign": self.campaign.display_name if self.campaign else "",
            "created": self.created,
            "updated": self.updated,
            "sold_out": self.sold_out,
            "resumed": self.resumed,
        }

    def failure_summary(self) -> str:
        return ngettext(
            "%(count)s件のエラーがあるため、何も取り込みませんでした。",
            "%(count)s件のエラーがあるため、何も取り込みませんでした。",
            self.error_count,
        ) % {"count": self.error_count}


@dataclass
class FacilityRow:
    """One valid row of the file, with the taxonomy already resolved to the stored terms."""

    row: int
    code: str
    name: str
    kana: str
    facility_type: FacilityType
    ward: Ward
    area: Area
    address: str
    phone: str
    website: str
    features: list[Feature]
    description: str
    room_count: int | None
    sold_out: bool
    approved_on: datetime.date


# --- Reading (core.tabular, shared with the claim file) --------------------------------------------------


def read_rows(data: bytes, filename: str = "") -> Iterator[tuple[int, Sequence[Any]]]:
    return tabular.read_rows(
        data,
        filename,
        empty_message=_("ファイルが空です。見出し行と施設の行を入力してください。"),
        max_uncompressed=MAX_XLSX_UNCOMPRESSED_BYTES,
    )


# --- Validation ------------------------------------------------------------------------------------------


_Term = TypeVar("_Term", bound=TaxonomyTerm)


class _Vocabulary(Generic[_Term]):
    """One taxonomy, loaded once: a term is found by Japanese name, slug or English name."""

    def __init__(self, model: type[_Term], column: str) -> None:
        terms = list(model.objects.all())
        self.column = column
        self.choices = "、".join(term.name for term in terms)
        self.lookup: dict[str, _Term] = {}
        # Japanese names win over slugs, slugs over English names, should two ever coincide.
        for key_of in (lambda t: t.name, lambda t: t.slug, lambda t: t.name_en):
            for term in terms:
                key = normalize_search_text(key_of(term))
                if key:
                    self.lookup.setdefault(key, term)

    def find(self, value: str) -> _Term | None:
        return self.lookup.get(normalize_search_text(value))

    def unknown(self, value: str) -> str:
        return _("%(column)s「%(value)s」は登録されていません（%(choices)s）") % {
            "column": self.column,
            "value": tabular.quote_cell(value),
            "choices": self.choices,
        }


_Report = Callable[[str, str], None]  # (column, reason) for the row being checked


class _RowValidator:
    """Checks one row at a time, reporting every problem; returns a `FacilityRow` only when all is well."""

    _MAX_LENGTHS = {
        CODE: Facility._meta.get_field("code").max_length,
        NAME: Facility._meta.get_field("name").max_length,
        KANA: Facility._meta.get_field("kana").max_length,
        ADDRESS: Facility._meta.get_field("address").max_length,
        PHONE: Facility._meta.get_field("phone").max_length,
        WEBSITE: Facility._meta.get_field("website").max_length,
    }

    def __init__(self, positions: dict[str, int], result: ImportResult) -> None:
        self.positions = positions
        self.result = result
        self.types = _Vocabulary(FacilityType, TYPE)
        self.wards = _Vocabulary(Ward, WARD)
        self.areas = _Vocabulary(Area, AREA)
        self.features = _Vocabulary(Feature, FEATURES)
        self.first_row_of_code: dict[str, int] = {}

    def _raw(self, values: Sequence[Any], column: str) -> Any:
        position = self.positions.get(column)
        if position is None or position >= len(values):
            return None
        return values[position]

    def validate(self, number: int, values: Sequence[Any]) -> FacilityRow | None:
        errors_before = self.result.error_count

        def error(column: str, message: str) -> None:
            self.result.add_error(number, column, message)

        def text(column: str, *, normalize: bool = False) -> str:
            value = cell_text(self._raw(values, column))
            if normalize:
                value = unicodedata.normalize("NFKC", value).strip()
            if not value and column in REQUIRED_COLUMNS:
                error(column, _("%(column)sを入力してください") % {"column": column})
            limit = self._MAX_LENGTHS.get(column)
            if limit and len(value) > limit:
                error(
                    column,
                    _("%(column)sは%(max)s文字以内で入力してください（現在%(length)s文字）")
                    % {"column": column, "max": limit, "length": len(value)},
                )
            return value

        code = text(CODE, normalize=True)
        if code and not _CODE_PATTERN.match(code):
            error(CODE, _("施設コードは半角英数字・ハイフン・下線で入力してください。"))
        elif code:
            first = self.first_row_of_code.setdefault(code, number)
            if first != number:
                error(
                    CODE,
                    _("施設コード「%(code)s」がファイル内で重複しています（%(first)s行目と%(row)s行目）")
                    % {"code": tabular.quote_cell(code), "first": first, "row": number},
                )

        name = text(NAME)
        kana = text(KANA)
        address = text(ADDRESS)

        def term(vocabulary: _Vocabulary[_Term]) -> _Term | None:
            value = text(vocabulary.column)
            found = vocabulary.find(value) if value else None
            if value and found is None:
                error(vocabulary.column, vocabulary.unknown(value))
            return found

        facility_type, ward, area = term(self.types), term(self.wards), term(self.areas)

        phone_cell = self._raw(values, PHONE)
        if isinstance(phone_cell, int | float) and not isinstance(phone_cell, bool):
            error(PHONE, _("電話番号は文字列として入力してください（数値のセルでは先頭の0が失われます）"))
        phone = text(PHONE, normalize=True)

        website = text(WEBSITE)
        if website:
            try:
                _URL_VALIDATOR(website)
            except ValidationError:
                error(WEBSITE, _("ウェブサイトは http:// または https:// で始まるURLを入力してください"))

        features: list[Feature] = []
        for label in _FEATURE_SEPARATORS.split(text(FEATURES)):
            label = label.strip()
            if not label:
                continue
            feature = self.features.find(label)
            if feature is None:
                error(FEATURES, self.features.unknown(label))
            elif feature not in features:
                features.append(feature)

        description = text(DESCRIPTION)
        room_count = self._room_count(self._raw(values, ROOMS), error)

        sales = text(SALES, normalize=True)
        if sales not in ("", SELLING, SOLD_OUT):
            error(SALES, _("販売状況は「販売中」または「販売終了」で入力してください"))

        approved_on = self._date(self._raw(values, APPROVED_ON), error)

        if self.result.error_count != errors_before:
            return None
        if facility_type is None or ward is None or area is None or approved_on is None:
            return None  # not reachable: a missing required value was reported above
        return FacilityRow(
            row=number,
            code=code,
            name=name,
            kana=kana,
            facility_type=facility_type,
            ward=ward,
            area=area,
            address=address,
            phone=phone,
            website=website,
            features=features,
            description=description,
            room_count=room_count,
            sold_out=sales == SOLD_OUT,
            approved_on=approved_on,
        )

    @staticmethod
    def _room_count(value: Any, error: _Report) -> int | None:
        invalid = _("客室数は0以上の整数で入力してください")
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            error(ROOMS, invalid)
            return None
        if isinstance(value, int | float):
            # Compared before any float(): a crafted cell can hold an integer no float can represent.
            if 0 <= value <= _MAX_ROOMS and (isinstance(value, int) or value.is_integer()):
                return int(value)
            error(ROOMS, invalid)
            return None
        cleaned = unicodedata.normalize("NFKC", str(value)).replace(",", "").strip()
        cleaned = cleaned.removesuffix("室").strip()
        # Length first: int() refuses strings of more than 4,300 digits.
        if not _ROOMS_PATTERN.match(cleaned) or len(cleaned.lstrip("0")) > 10 or int(cleaned) > _MAX_ROOMS:
            error(ROOMS, invalid)
            return None
        return int(cleaned)

    @staticmethod
    def _date(value: Any, error: _Report) -> datetime.date | None:
        try:
            date = tabular.parse_date(value)
        except tabular.CellError as problem:
            error(APPROVED_ON, str(problem))
            return None
        if date is None:
            error(APPROVED_ON, _("%(column)sを入力してください") % {"column": APPROVED_ON})
        return date


def _header_positions(header: Sequence[Any], result: ImportResult) -> dict[str, int]:
    """Where each known column is; extra columns are ignored, order does not matter."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = unicodedata.normalize("NFKC", cell_text(cell)).strip()
        if name not in COLUMNS:
            continue
        if name in positions:
            result.add_error(1, name, _("列「%(column)s」が複数あります") % {"column": name})
        else:
            positions[name] = index
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            result.add_error(1, column, _("必須の列「%(column)s」がありません") % {"column": column})
    return positions


def validate_file(
    data: bytes, filename: str, result: ImportResult
) -> tuple[list[FacilityRow], frozenset[str]]:
    """Read and check the whole file, collecting every problem into `result`.

    Returns the valid rows and the columns the file has (absent optional columns are left alone).
    """
    rows: list[FacilityRow] = []
    positions: dict[str, int] = {}
    try:
        with closing(read_rows(data, filename)) as numbered:
            first = next(numbered, None)
            if first is None or is_blank(first[1]):
                raise FileProblem(_("1行目に見出し（列名）がありません。1行目を見出し行にしてください。"), 1)
            positions = _header_positions(first[1], result)
            if not result.ok:
                return rows, frozenset(positions)
            validator = _RowValidator(positions, result)
            for number, values in numbered:
                if is_blank(values):
                    continue
                result.rows += 1
                if result.rows > MAX_DATA_ROWS:
                    result.add_error(
                        number,
                        "",
                        _("一度に取り込めるのは%(max)s行までです。ファイルを分けてください。")
                        % {"max": f"{MAX_DATA_ROWS:,}"},
                    )
                    break
                row = validator.validate(number, values)
                if row is not None:
                    rows.append(row)
    except FileProblem as problem:
        result.add_error(problem.row, "", problem.message)
        return [], frozenset()
    if result.ok and not rows:
        result.add_error(0, "", _("取り込む施設の行がありません。2行目以降に施設を入力してください。"))
    return rows, frozenset(positions)


# --- Writing ---------------------------------------------------------------------------------------------

_T = TypeVar("_T")


def _batches(items: Sequence[_T], size: int = BATCH_SIZE) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# column -> the Facility field it sets (also the FacilityRow attribute); required columns are always there
_FIELD_OF_COLUMN: dict[str, str] = {
    NAME: "name",
    KANA: "kana",
    TYPE: "facility_type",
    WARD: "ward",
    AREA: "area",
    ADDRESS: "address",
    PHONE: "phone",
    WEBSITE: "website",
    DESCRIPTION: "description",
    ROOMS: "room_count",
}


def _write(
    rows: list[FacilityRow],
    columns: frozenset[str],
    campaign: Campaign,
    user: AbstractBaseUser | None,
    result: ImportResult,
) -> None:
    """Upsert facilities, their features and participations in bulk; sales state through the services.

    The search text is built with `Facility.build_search_text()` from the final features before the
    write, which is what `refresh_search_text()` would store; calling that per facility costs several
    queries each (about 35 s more for 10,000 rows). An existing facility is written only when something
    changed, with one UPDATE of just the changed fields: Django's `bulk_update` builds a CASE per field
    and row, which is far slower for thousands of rows.
    """
    fields = [name for column, name in _FIELD_OF_COLUMN.items() if column in columns]
    attnames = {
        name: Facility._meta.get_field(name).attname for name in [*fields, "is_published", "search_text"]
    }
    existing: dict[str, Facility] = Facility.objects.select_for_update().in_bulk(
        [row.code for row in rows], field_name="code"
    )

    # Stored features of the facilities being updated: facility id -> feature id -> through row id.
    through = Facility.features.through
    stored: dict[int, dict[int, int]] = defaultdict(dict)
    for batch in _batches([facility.pk for facility in existing.values()]):
        for pk, facility_id, feature_id in through.objects.filter(facility_id__in=batch).values_list(
            "pk", "facility_id", "feature_id"
        ):
            stored[facility_id][feature_id] = pk
    features_by_id = {feature.pk: feature for feature in Feature.objects.all()}

    now = timezone.now()
    facilities: list[tuple[FacilityRow, Facility]] = []
    created: list[Facility] = []
    changes: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        facility = existing.get(row.code)
        before = None
        if facility is None:
            facility = Facility(code=row.code)
            created.append(facility)
        else:
            before = {name: getattr(facility, attname) for name, attname in attnames.items()}
        for name in fields:
            setattr(facility, name, getattr(row, name))
        facility.is_published = True
        # Held in memory by modelcluster, so that build_search_text() sees the final features.
        if FEATURES in columns or before is None:
            facility.features.set(row.features)
        else:
            facility.features.set([features_by_id[pk] for pk in stored.get(facility.pk, {})])
        facility.search_text = facility.build_search_text()
        if before is not None:
            values = {
                name: getattr(facility, name)
                for name, attname in attnames.items()
                if getattr(facility, attname) != before[name]
            }
            wanted = {feature.pk for feature in row.features}
            if values or (FEATURES in columns and wanted != set(stored.get(facility.pk, {}))):
                changes.append((facility.pk, {**values, "updated_at": now}))
        facilities.append((row, facility))

    Facility.objects.bulk_create(created, batch_size=BATCH_SIZE)
    for pk, values in changes:
        Facility.objects.filter(pk=pk).update(**values)

    if FEATURES in columns:
        stale: list[int] = []
        new_links: list[Model] = []
        for row, facility in facilities:
            links = stored.get(facility.pk, {})
            wanted = {feature.pk for feature in row.features}
            stale += [link_pk for feature_id, link_pk in links.items() if feature_id not in wanted]
            new_links += [
                through(facility_id=facility.pk, feature_id=feature_id)
                for feature_id in wanted
                if feature_id not in links
            ]
        for batch in _batches(stale):
            through.objects.filter(pk__in=batch).delete()
        through.objects.bulk_create(new_links, batch_size=BATCH_SIZE)

    _write_participations(facilities, columns, campaign, user, result)
    result.created, result.updated = len(created), len(facilities) - len(created)


def _write_participations(
    facilities: list[tuple[FacilityRow, Facility]],
    columns: frozenset[str],
    campaign: Campaign,
    user: AbstractBaseUser | None,
    result: ImportResult,
) -> None:
    participations: dict[int, Participation] = {}
    for batch in _batches([facility.pk for _row, facility in facilities]):
        for participation in Participation.objects.select_for_update().filter(
            campaign=campaign, facility_id__in=batch
        ):
            participations[participation.facility_id] = participation

    missing: list[Participation] = []
    changed: list[Participation] = []
    for row, facility in facilities:
        participation = participations.get(facility.pk)
        if participation is None:
            participation = Participation(facility=facility, campaign=campaign, approved_on=row.approved_on)
            participations[facility.pk] = participation
            missing.append(participation)
        elif participation.approved_on != row.approved_on:
            participation.approved_on = row.approved_on
            changed.append(participation)
    Participation.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    Participation.objects.bulk_update(changed, ["approved_on"], batch_size=BATCH_SIZE)

    if SALES not in columns:
        return
    # Only the rows whose state changes go through the services (which record who and when).
    for row, facility in facilities:
        participation = participations[facility.pk]
        if row.sold_out:
            result.sold_out += 1
            if not participation.sold_out:
                mark_sold_out(participation, user)
        elif participation.sold_out and resume_sales(participation):
            result.resumed += 1


# --- The service -----------------------------------------------------------------------------------------


def import_facilities(
    data: bytes,
    *,
    filename: str = "",
    campaign: Campaign | None = None,
    user: AbstractBaseUser | None = None,
) -> ImportResult:
    """Validate the whole facility file and, only if it has no problem at all, write it in one transaction.

    `campaign` defaults to the current round; `user` is recorded as who ended sales (販売終了).
    """
    campaign = campaign or Campaign.objects.current()
    result = ImportResult(campaign=campaign)
    if campaign is None:
        result.add_error(
            0, "", _("取り込み先のキャンペーンがありません。先にキャンペーンを登録してください。")
        )
        return result
    rows, columns = validate_file(data, filename, result)
    if not result.ok:
        return result
    try:
        with transaction.atomic():
            _write(rows, columns, campaign, user, result)
            pagecache.facilities_changed()  # bulk writes send no signals: drop the cached guide pages
    except IntegrityError:
        # Someone else created the same 施設コード between our check and our write.
        logger.warning("facility import: conflicting concurrent change", exc_info=True)
        result.created = result.updated = result.sold_out = result.resumed = 0
        result.add_error(
            0, "", _("ほかの操作と同時に更新されたため、取り込めませんでした。もう一度取り込んでください。")
        )
        return result
    logger.info(
        "facility import into %s by %s: %s rows, %s created, %s updated, %s sold out, %s resumed",
        campaign.slug,
        getattr(user, "pk", None),
        result.rows,
        result.created,
        result.updated,
        result.sold_out,
        result.resumed,
    )
    return result


# --- The template file -----------------------------------------------------------------------------------


def _first_name(model: type[TaxonomyTerm], fallback: str) -> str:
    term = model.objects.order_by("sort_order", "pk").first()
    return term.name if term else fallback


def template_csv() -> bytes:
    """A CSV that Excel opens correctly (UTF-8 with BOM): the header row and one example that imports."""
    buffer = io.StringIO(newline="")
    writer = SafeCSVWriter(buffer, lineterminator="\r\n")  # taxonomy names are editors' text
    writer.writerow(COLUMNS)
    features: Iterable[str] = Feature.objects.order_by("sort_order", "pk").values_list("name", flat=True)[:2]
    writer.writerow(
        [
            "H0001",
            "ホテル仙台駅前",
            "ホテルセンダイエキマエ",
            _first_name(FacilityType, "ホテル"),
            _first_name(Ward, "青葉区"),
            _first_name(Area, "仙台駅周辺"),
            "仙台市青葉区中央1-1-1",
            "022-000-0000",
            "https://www.example.jp/",
            "、".join(features),
            "仙台駅から徒歩3分のホテルです。",
            "120",
            SELLING,
            "2025-05-09",
        ]
    )
    return buffer.getvalue().encode("utf-8-sig")
