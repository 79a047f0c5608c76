"""Property-based tests (hypothesis) of the file parsers: the claim file check and the facility import.

These files come from outside — hotels' booking systems, staff's Excel — so whatever bytes arrive, the
parsers must answer the way the screens expect: accepted rows plus row errors, or one whole-file problem
in Japanese. An exception instead would turn one odd cell into a server error and hide every other row's
answer. Every crash these tests found is kept as an `@example`, so it stays a regression case.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from campaigns.models import Campaign
from claims import claim_file
from claims.claim_file import ACCEPTED, CHANNELS, COLUMNS, REJECTED, ClaimFileResult, check_claim_file
from claims.entry import one_row_file
from core import tabular
from core.prefectures import OVERSEAS, PREFECTURES
from facilities import importing
from facilities.import_views import MAX_UPLOAD_BYTES, FacilityImportForm
from facilities.models import Area, Facility, FacilityType, Feature, Ward
from members.claim_forms import ClaimUploadForm

D = datetime.date
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# One round, built in memory: judging a claim file reads the campaign's figures and nothing else.
CAMPAIGN = Campaign(
    slug="props",
    name="プロパティテスト",
    stay_start=D(2025, 5, 26),
    stay_end=D(2025, 7, 10),
    application_start=D(2025, 4, 1),
    application_end=D(2025, 5, 9),
)
APPROVED_ON = D(2025, 5, 1)
CLAIM_DATE = D(2025, 7, 31)
ALREADY_CLAIMED = frozenset({"R-1", "済-1"})
MAX_MESSAGE = 1_000  # a row's answer must stay readable whatever its cells hold
PREFECTURE_NAMES = {name for _code, name, _en in [*PREFECTURES, OVERSEAS]}


# --- Hostile cells and files -----------------------------------------------------------------------------

NASTY_CELLS = [
    "",
    " ",
    "\u3000",
    "=1+1",
    '=HYPERLINK("http://evil.example/","x")',
    "+1",
    "@SUM(A1)",
    "#DIV/0!",
    "#N/A",
    '"',
    '""',
    'a"b',
    '"unclosed',
    "2025-02-30",
    "2025-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "令和7年5月1日",
    "R7.5.1",
    "２０２５－０５－１０",
    "2025/5/10",
    "2025-05-10T00:00",
    "-1",
    "0",
    "1,000円",
    "１２３",
    "1e5",
    "1.5",
    "NaN",
    "inf",
    "\u22125",  # MINUS SIGN
    "△100",
    "(100)",
    "0x10",
    "9" * 400,
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\u1369",  # ETHIOPIC DIGIT ONE: a digit to str.isdigit(), not to int()
    "²",
    "①",
    "\ufeff",
    "\x00",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "x" * 300,
    "直販",
    "ota",
    "旅行会社",
    "郵送",
    "宮城",
    "Tokyo",
    "火星",
    "𠮷野家",  # not in Shift_JIS
    "café",
    "😀",
    "髙島屋",
    "～",
    "㈱",
    "ﾎﾃﾙ",
]
nasty_cells = st.sampled_from(NASTY_CELLS)
any_cell = st.one_of(nasty_cells, st.text(max_size=20), st.integers(-(10**20), 10**20).map(str))
iso_dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 12, 31)).map(D.isoformat)


@st.composite
def claim_stays(draw: st.DrawFn) -> dict[str, Any]:
    """A stay that is often payable (inside the period, above the minimum price), as typed values."""
    check_in = draw(st.dates(min_value=D(2025, 5, 20), max_value=D(2025, 7, 15)))
    nights, guests = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    charge = draw(st.integers(2_500, 30_000)) * guests * nights
    return {
        claim_file.RESERVATION: draw(st.one_of(st.integers(0, 30).map("R-{}".format), st.just("済-1"))),
        claim_file.BOOKED_ON: check_in - datetime.timedelta(days=draw(st.integers(0, 25))),
        claim_file.CHECK_IN: check_in,
        claim_file.NIGHTS: nights,
        claim_file.GUESTS: guests,
        claim_file.CHARGE: charge,
        claim_file.DISCOUNT: draw(st.integers(1, min(charge // 5, 3_500 * guests * nights))),
        claim_file.CHANNEL: draw(st.sampled_from(["", *CHANNELS, "ota"])),
        claim_file.PREFECTURE: draw(st.sampled_from(["", "宮城県", "宮城", "Tokyo", "海外", "北海道"])),
    }


# Values the facility file accepts for each column (the demo taxonomy is in the test database).
facility_rows = st.fixed_dictionaries(
    {
        importing.CODE: st.integers(0, 20).map(lambda n: f"PROP{n:03}"),
        importing.NAME: st.sampled_from(["ホテル仙台", "旅館あきう", "𠮷野屋旅館", "ﾎﾃﾙ"]),
        importing.KANA: st.sampled_from(["", "ホテルセンダイ"]),
        importing.TYPE: st.sampled_from(["ホテル", "旅館"]),
        importing.WARD: st.sampled_from(["青葉区", "泉区", "太白区"]),
        importing.AREA: st.sampled_from(["仙台駅周辺", "秋保温泉"]),
        importing.ADDRESS: st.sampled_from(["仙台市青葉区中央1-1-1", "仙台市泉区"]),
        importing.PHONE: st.sampled_from(["", "022-111-2222", "０２２－１１１－２２２２"]),
        importing.WEBSITE: st.sampled_from(["", "https://hotel.example.jp/"]),
        importing.FEATURES: st.sampled_from(["", "温泉、駐車場", "温泉,温泉"]),
        importing.DESCRIPTION: st.sampled_from(["", "駅から近いホテルです。"]),
        importing.ROOMS: st.one_of(st.just(""), st.integers(0, 2000), st.just("1,200室")),
        importing.SALES: st.sampled_from(["", "販売中", "販売終了"]),
        importing.APPROVED_ON: st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 12, 31)),
    }
)
# Cells a hostile or careless file puts in a column, beside the generic hostile cells.
HOSTILE_BY_COLUMN: dict[str, list[str]] = {
    importing.TYPE: ["民泊", "hotel"],
    importing.WARD: ["中央区"],
    importing.AREA: ["月面"],
    importing.WEBSITE: ["javascript:alert(1)", "http://[::1", "https://" + "a" * 300 + ".jp/"],
    importing.FEATURES: ["空飛ぶ", "、、"],
    importing.ROOMS: ["-1", "2147483648", "9" * 5000, "\u0663", "1.5"],
    importing.SALES: ["売り切れ"],
    importing.APPROVED_ON: ["2025-02-30", "9999-12-31", "令和7年"],
}

_WIDE = str.maketrans("0123456789-/", "０１２３４５６７８９－／")


def as_text(draw: st.DrawFn, value: Any, column: str) -> str:
    """A typed value as the many ways people type it: 2025/5/9, full-width digits, 1,200円, 120室."""
    if isinstance(value, datetime.date):
        text = draw(st.sampled_from([value.isoformat(), f"{value.year}/{value.month}/{value.day}"]))
    elif isinstance(value, int):
        unit = UNITS.get(column, "")
        text = draw(st.sampled_from([str(value), f"{value:,}{unit}", f" {value} "]))
    else:
        return str(value)
    return text.translate(_WIDE) if draw(st.integers(0, 4)) == 0 else text


UNITS = {claim_file.CHARGE: "円", claim_file.DISCOUNT: "円", importing.ROOMS: "室"}


@st.composite
def headers(draw: st.DrawFn, columns: Sequence[str]) -> list[str]:
    """The real header most of the time; else shuffled, with columns missing, doubled or unknown."""
    kind = draw(st.sampled_from(["exact", "exact", "exact", "shuffled", "mangled"]))
    if kind == "exact":
        return list(columns)
    header = draw(st.permutations(columns))
    if kind == "mangled":
        header = draw(
            st.lists(st.sampled_from([*columns, "備考", "", " 泊数 ", "予約 番号", "ｶﾅ"]), max_size=20)
        )
    return list(header)


@st.composite
def tables(
    draw: st.DrawFn, plausible: st.SearchStrategy[dict[str, Any]], columns: Sequence[str], *, text: bool
):
    """A header and data rows following it: plausible rows, and rows where some cells are hostile.

    `text` writes every cell as text (for CSV); otherwise cells keep their types (for xlsx).
    """
    header = draw(headers(columns))
    hostile = any_cell if text else xlsx_values
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        values = draw(plausible)
        mixed = draw(st.integers(0, 2)) == 0  # in a third of the rows, a third of the cells are hostile
        row = []
        for name in header:
            cell = values.get(name, "")
            if mixed and draw(st.integers(0, 2)) == 0:
                extra = HOSTILE_BY_COLUMN.get(name)
                cell = draw(st.one_of(hostile, st.sampled_from(extra)) if extra else hostile)
            row.append(as_text(draw, cell, name) if text else cell)
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(hostile, max_size=3))
        rows.append(row)
    return [header, *rows]


LINE_ENDS = ["\r\n", "\n", "\r"]


def encode_line(line: str, encoding: str) -> bytes:
    """Shift_JIS cannot hold every character: Excel writes "?" for them ("cp932"), a careless
    program writes that line in UTF-8 ("mixed": the file then has two encodings)."""
    try:
        return line.encode("cp932" if encoding == "mixed" else encoding)
    except UnicodeEncodeError:
        if encoding == "cp932":
            return line.encode(encoding, "replace")
        return line.encode("utf-8", "surrogatepass")


@st.composite
def csv_files(draw: st.DrawFn, plausible: st.SearchStrategy[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """A table written as CSV the way real programs (and broken ones) write it."""
    table = draw(tables(plausible, columns, text=True))
    quoting = draw(st.sampled_from(["csv", "csv", "raw"]))  # raw: no quoting, so quotes may never close
    delimiter = draw(st.sampled_from([",", ",", ",", ",", ",", "\t", ";"]))
    file_encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932", "cp932", "mixed"]))
    chunks = []
    for number, row in enumerate(table):
        if quoting == "csv":
            line = delimiter.join('"' + cell.replace('"', '""') + '"' if cell else "" for cell in row)
        else:
            line = delimiter.join(row)
        line += draw(st.sampled_from(LINE_ENDS))
        encoding = file_encoding
        if file_encoding == "mixed":
            encoding = draw(st.sampled_from(["utf-8", "mixed"]))
        elif file_encoding == "utf-8-sig" and number:
            encoding = "utf-8"
        chunks.append(encode_line(line, encoding))
    return b"".join(chunks)


@st.composite
def hostile_texts(draw: st.DrawFn) -> bytes:
    """Text that is barely a CSV: random cells, separators, line ends, encodings, BOMs and NULs."""
    lines = draw(st.lists(st.lists(any_cell, max_size=12), max_size=10))
    if draw(st.booleans()):
        lines.insert(0, list(draw(st.permutations(COLUMNS))))
    text = "".join(
        draw(st.sampled_from([",", "\t", '"', ",,"])).join(cells) + draw(st.sampled_from(LINE_ENDS))
        for cells in lines
    )
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.sampled_from(["utf-8", "cp932", "mixed", "utf-16", "utf-8-sig"]))
    data = encode_line(text, encoding)
    if draw(st.integers(0, 4)) == 0:
        position = draw(st.integers(0, len(data)))
        data = (
            data[:position]
            + draw(st.sampled_from([b"\x00", b"\xef\xbb\xbf", b"\x81", b"\xff"]))
            + data[position:]
        )
    return data


random_bytes = st.one_of(
    st.binary(max_size=400),
    st.tuples(
        st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf"]),
        st.binary(max_size=200),
    ).map(b"".join),
)


# --- Workbooks ---------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


xlsx_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(min_value=datetime.datetime(1800, 1, 1)),
    st.times(),
    st.text(max_size=20).map(_clean),
    st.sampled_from(
        ["=1/0", "=SUM(A1:A3)", "=A1", "=NOW()", '=IF(1,"a")', "#DIV/0!", "#N/A", "#VALUE!", "#REF!"]
    ),
    nasty_cells.map(_clean),
)


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def xlsx_files(draw: st.DrawFn, plausible: st.SearchStrategy[dict[str, Any]], columns: Sequence[str]):
    """A workbook with random cell types, merged cells, several sheets or an empty first sheet.

    Returns the bytes and the number of rows of the sheet that is read (the first).
    """
    workbook = Workbook()
    sheet = workbook.active
    for row in draw(tables(plausible, columns, text=False)):
        sheet.append([_clean(cell) if isinstance(cell, str) else cell for cell in row])
    if sheet.max_row >= 2 and sheet.max_column >= 2 and draw(st.booleans()):
        row = draw(st.integers(1, sheet.max_row))
        sheet.merge_cells(start_row=row, start_column=1, end_row=min(row + 1, sheet.max_row), end_column=2)
    for _ in range(draw(st.integers(0, 2))):
        workbook.create_sheet().append(draw(st.lists(xlsx_values, max_size=3)))
    if draw(st.integers(0, 5)) == 0:
        workbook.create_sheet("空", 0)  # the sheet read is the first one, and it is empty
    return workbook_bytes(workbook), workbook.worksheets[0].max_row


def _good_claim_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(["R-9", D(2025, 5, 10), D(2025, 6, 1), 2, 2, 40000, 123456789, "OTA", "宮城"])
    return workbook_bytes(workbook)


GOOD_CLAIM_XLSX = _good_claim_workbook()
PLACEHOLDER = 'G2" t="n"><v>123456789</v>'


def patch_member(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same archive with one member's bytes changed (what a broken writer or an attacker sends)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def hostile_cell_xlsx(cell_type: str, value: str) -> bytes:
    """The good workbook with the 割引額 cell rewritten to any type attribute and raw value."""
    cell = f'G2" t="{cell_type}"><v>{value}</v>'.encode()
    return patch_member(
        GOOD_CLAIM_XLSX, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(PLACEHOLDER.encode(), cell)
    )


def billion_laughs_xlsx() -> bytes:
    """The good workbook whose sheet defines nested XML entities (a memory bomb) and uses one in a cell."""
    entities = b"".join(
        b'<!ENTITY %c "%s">' % (98 + level, b"&%c;" % (97 + level) * 10) for level in range(9)
    )
    bomb = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + entities + b"]>"
    return patch_member(
        GOOD_CLAIM_XLSX,
        "xl/worksheets/sheet1.xml",
        lambda xml: bomb + xml.replace(b"<v>2</v>", b"<v>&j;</v>", 1),
    )


@st.composite
def corrupt_xlsx(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "member", "cell"]))
    data = GOOD_CLAIM_XLSX
    if kind == "truncate":
        return data[: draw(st.integers(2, len(data) - 1))]
    if kind == "flip":
        mutable = bytearray(data)
        for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            mutable[position] = draw(st.integers(0, 255))
        return bytes(mutable)
    if kind == "member":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = draw(st.sampled_from(archive.namelist()))
        garbage = draw(st.one_of(st.binary(max_size=100), st.just(b""), st.just(b"<?xml version='1.0'?><a>")))
        return patch_member(
            data, member, lambda content: garbage if draw(st.booleans()) else content[: len(content) // 2]
        )
    return hostile_cell_xlsx(
        draw(st.sampled_from(["n", "s", "b", "e", "str", "d", "inlineStr", "x"])),
        draw(
            st.sampled_from(
                ["9" * 400, "1e999", "-1e999", "nan", "abc", "2025-02-30", "99999", "", "-0", "2"]
            )
        ),
    )


# --- What every answer must look like --------------------------------------------------------------------


def line_count(data: bytes) -> int:
    """An upper bound of the CSV rows a file can have: a row ends at a line break or at the end."""
    return data.count(b"\n") + data.count(b"\r") + 1


def check(data: bytes, filename: str = "claim.csv") -> ClaimFileResult:
    return check_claim_file(
        data,
        filename,
        campaign=CAMPAIGN,
        approved_on=APPROVED_ON,
        claim_date=CLAIM_DATE,
        already_claimed=ALREADY_CLAIMED,
    )


def assert_claim_answer(result: ClaimFileResult, max_row: int) -> None:
    """Row answers or a whole-file problem, in Japanese; accepted rows keep every rule of DOMAIN.md."""
    assert isinstance(result, ClaimFileResult)
    assert all(isinstance(problem, str) and JAPANESE.search(problem) for problem in result.problems)
    if result.problems:  # a whole-file problem judges no row, unless the file is over the row limit
        assert not result.rows or len(result.rows) == claim_file.MAX_DATA_ROWS
    else:
        assert result.rows
    numbers = [row.row for row in result.rows]
    assert numbers == sorted(set(numbers)) and all(2 <= number <= max_row for number in numbers)
    event("whole-file problem" if result.problems else f"accepted rows: {bool(result.accepted_rows)}")
    reservations: set[str] = set()
    for row in result.rows:
        assert row.status in (ACCEPTED, REJECTED)
        if not row.accepted:
            assert JAPANESE.search(row.message) and row.reimbursement == 0
            assert len(row.message) <= MAX_MESSAGE  # cells are quoted shortened, never whole
            continue
        stay, decision = row.stay, row.decision
        assert stay is not None and decision is not None and decision.accepted and not row.message
        assert 1 <= len(stay.reservation_number) <= claim_file.MAX_RESERVATION_LENGTH
        assert stay.reservation_number not in ALREADY_CLAIMED | reservations
        reservations.add(stay.reservation_number)
        for number in (stay.nights, stay.guests, stay.total_charge, stay.discount, row.reimbursement):
            assert type(number) is int
        assert 1 <= stay.nights <= claim_file.MAX_NIGHTS_IN_FILE and 1 <= stay.guests <= claim_file.MAX_GUESTS
        assert (
            1
            <= stay.discount
            == row.reimbursement
            <= row.max_discount
            <= stay.total_charge
            <= tabular.MAX_INT
        )
        assert 1 <= row.counted_nights <= min(stay.nights, CAMPAIGN.max_nights)
        assert APPROVED_ON <= stay.booked_on <= stay.check_in <= CAMPAIGN.stay_end
        assert CAMPAIGN.stay_start < stay.check_out <= CLAIM_DATE
        assert row.channel in ("", *CHANNELS) and row.prefecture in ("", *PREFECTURE_NAMES)


# --- Cells -------------------------------------------------------------------------------------------------

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    any_cell,
    st.dates(),
    st.datetimes(),
    st.times(),
    st.decimals(allow_nan=False),
)


@FAST
@given(value=cell_values)
@example(value="9" * 5000)  # int() refuses more than 4,300 digits
@example(value="\u1369")  # str.isdigit() says yes, int() says no
@example(value=10**5000)  # too big even to be shown in a message
@example(value=datetime.datetime(9999, 12, 31))
@example(value=-1e181)  # a negative number was quoted whole in its message
def test_a_cell_becomes_a_number_or_a_date_or_a_short_japanese_cell_error(value):
    """Both readers build on these two; a message quotes the cell, so a huge cell must not flood it."""
    for parse, valid in (
        (tabular.parse_int, lambda number: type(number) is int and 0 <= number <= tabular.MAX_INT),
        (tabular.parse_date, lambda date: tabular.MIN_DATE <= date <= tabular.MAX_DATE),
    ):
        try:
            parsed = parse(value)
        except tabular.CellError as problem:
            assert JAPANESE.search(str(problem)) and len(str(problem)) < 200
        else:
            assert parsed is None or valid(parsed)


# --- The claim file -----------------------------------------------------------------------------------------


@FAST
@given(data=random_bytes, filename=st.sampled_from(["claim.csv", "claim.xlsx", "", "実績.CSV"]))
@example(data=b"PK\x03\x04", filename="claim.csv")
def test_claim_file_answers_random_bytes(data, filename):
    assert_claim_answer(check(data, filename), line_count(data))


@FAST
@given(data=hostile_texts())
@example(
    data=("\ufeff" + ",".join(COLUMNS) + "\r\n" + "x" * 200_000 + "\r\n").encode()
)  # over csv's field limit
@example(data=(",".join(COLUMNS) + "\r\n" + "," * 20_000 + "\r\n").encode())  # a huge number of columns
@example(data=(",".join(COLUMNS) + '\r"R-2,2025-05-10\r').encode("cp932"))  # CR only, a quote never closed
def test_claim_file_answers_hostile_text(data):
    assert_claim_answer(check(data), line_count(data))


def claim_csv(*rows: str) -> bytes:
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n" + "\r\n".join(rows) + "\r\n").encode()


@FAST
@given(data=csv_files(claim_stays(), COLUMNS))
@example(data=claim_csv("R-2,9999-12-01,9999-12-31,2,2,40000,8000,,"))  # check-out beyond date.max
@example(
    data=claim_csv("R-2,2025-05-10,2025-06-01,2,2," + "9" * 5000 + ",8000,,")
)  # over int()'s digit limit
@example(data=claim_csv("R-2,2025-05-10,2025-06-01,\u1369,2,40000,8000,,"))  # isdigit() but not int()
@example(data=claim_csv("R-2,2025-05-10,2025-06-01,2,40000,99999999999,8000,,"))  # more guests than storable
@example(
    data=claim_csv("R-2,2025-05-10,2025-06-01,2,2,40000,8000," + "経" * 100_000 + ",火" * 3)
)  # quoted whole
def test_claim_file_answers_every_row_of_a_csv(data):
    assert_claim_answer(check(data), line_count(data))


def test_the_regression_rows_are_rejected_with_their_reason():
    """The crashes found above are now row errors that say what is wrong with the cell."""
    result = check(
        claim_csv(
            "R-2,9999-12-01,9999-12-31,2,2,40000,8000,,",
            "R-3,2025-05-10,2025-06-01,2,2," + "9" * 5000 + ",8000,,",
            "R-4,2025-05-10,2025-06-01,\u1369,2,40000,8000,,",
            "R-5,2025-05-10,2025-06-01,2,40000,99999999999,8000,,",
            "R-6,2025-05-10,2025-06-01,2,2,40000,8000,,",
        )
    )
    messages = {row.row: row.message for row in result.rows}
    assert "範囲外" in messages[2]
    assert "宿泊料金" in messages[3] and "大きすぎ" in messages[3]
    assert "泊数" in messages[4] and "数値を入力" in messages[4]
    assert "人数" in messages[5] and "大きすぎ" in messages[5]
    assert [row.row for row in result.accepted_rows] == [6]


@SLOW
@given(file=xlsx_files(claim_stays(), COLUMNS))
def test_claim_file_answers_random_workbooks(file):
    data, rows = file
    assert_claim_answer(check(data, "claim.xlsx"), max(rows, 2))


@SLOW
@given(data=corrupt_xlsx())
@example(data=hostile_cell_xlsx("n", "9" * 400))  # a number no float can hold
@example(data=hostile_cell_xlsx("n", "1e999"))
@example(data=billion_laughs_xlsx())
def test_claim_file_answers_corrupt_workbooks(data):
    assert_claim_answer(check(data, "claim.xlsx"), 2)


@FAST
@given(
    values=st.one_of(
        st.fixed_dictionaries({column: any_cell for column in COLUMNS}),
        claim_stays().map(lambda stay: {column: str(value) for column, value in stay.items()}),
    )
)
def test_a_typed_stay_is_judged_like_a_file_row(values):
    """Form entry writes the stay as a one-row file; any typed text gets a verdict for row 2."""
    result = check(one_row_file(values), "form-entry.csv")
    assert_claim_answer(result, 2)
    assert result.problems or [row.row for row in result.rows] == [2]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 6), extra=st.integers(0, 4))
def test_a_file_over_the_row_limit_is_refused_with_its_rows_kept(monkeypatch, limit, extra):
    monkeypatch.setattr(claim_file, "MAX_DATA_ROWS", limit)
    rows = [f"R-{n + 10},2025-05-10,2025-06-01,2,2,40000,8000,," for n in range(limit + extra)]
    result = check(claim_csv(*rows))
    assert_claim_answer(result, limit + extra + 1)
    assert len(result.rows) == limit
    assert bool(result.problems) == (extra > 0)


@settings(max_examples=10, deadline=None)
@given(limit=st.integers(100, 20_000))
def test_a_workbook_that_expands_beyond_the_limit_is_one_file_problem(limit):
    expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(GOOD_CLAIM_XLSX)).infolist())
    try:
        rows = list(tabular.read_rows(GOOD_CLAIM_XLSX, "claim.xlsx", max_uncompressed=limit))
    except tabular.FileProblem as problem:
        assert limit < expanded and "大きすぎ" in problem.message
    else:
        assert limit >= expanded and len(rows) == 2


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 3000), limit=st.integers(1, 3000))
def test_uploads_over_the_size_limit_are_refused_before_parsing(settings, size, limit):
    settings.CLAIM_FILE_MAX_BYTES = limit
    form = ClaimUploadForm(files={"file": SimpleUploadedFile("claim.csv", b"x" * size)})
    assert form.is_valid() == (size <= limit)
    if size > limit:
        assert "大きすぎ" in form.errors["file"][0]


def test_a_facility_file_over_five_megabytes_is_refused_before_parsing():
    form = FacilityImportForm(files={"file": SimpleUploadedFile("施設.csv", b"x" * (MAX_UPLOAD_BYTES + 1))})
    assert not form.is_valid() and "大きすぎ" in form.errors["file"][0]


# --- The facility file --------------------------------------------------------------------------------------

FACILITY_LIMITS = importing._RowValidator._MAX_LENGTHS
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")


def assert_import_answer(
    result: importing.ImportResult, rows: list[importing.FacilityRow], max_row: int
) -> None:
    """Every problem names an existing row (0 = the file, 1 = the header) in Japanese; valid rows are sane."""
    assert result.error_count >= len(result.errors)
    for problem in result.errors:
        assert 0 <= problem.row <= max_row
        assert problem.column in ("", *importing.COLUMNS)
        assert JAPANESE.search(problem.message) and str(problem) and len(problem.message) <= MAX_MESSAGE
    if result.ok:
        assert rows
    event(f"valid rows: {bool(rows)}")
    numbers = [row.row for row in rows]
    assert numbers == sorted(set(numbers)) and all(2 <= number <= max_row for number in numbers)
    for row in rows:
        assert CODE_PATTERN.match(row.code) and len(row.code) <= FACILITY_LIMITS[importing.CODE]
        assert row.name and len(row.name) <= FACILITY_LIMITS[importing.NAME] and row.address
        assert isinstance(row.facility_type, FacilityType) and isinstance(row.ward, Ward)
        assert isinstance(row.area, Area) and all(isinstance(feature, Feature) for feature in row.features)
        assert row.room_count is None or 0 <= row.room_count <= 2_147_483_647
        assert tabular.MIN_DATE <= row.approved_on <= tabular.MAX_DATE


def validate(data: bytes, filename: str = "施設一覧.csv"):
    result = importing.ImportResult()
    rows, _columns = importing.validate_file(data, filename, result)
    return result, rows


@pytest.mark.django_db
@SLOW
@given(data=st.one_of(random_bytes, hostile_texts()))
def test_facility_file_answers_random_and_hostile_input(db, data):
    result, rows = validate(data)
    assert_import_answer(result, rows, line_count(data))


@pytest.mark.django_db
@SLOW
@given(data=csv_files(facility_rows, importing.COLUMNS))
@example(
    data=(
        "施設コード,施設名,施設種別,区,エリア,住所,登録決定日,客室数\r\nA1,宿,ホテル,青葉区,仙台駅周辺,住所,2025-05-09,"
        + "9" * 5000
    ).encode()
)
@example(
    data="施設コード,施設名,施設種別,区,エリア,住所,登録決定日\r\nA1,宿,ホテル,青葉区,仙台駅周辺,住所,9999-12-31".encode()
)
def test_facility_file_answers_every_row_of_a_csv(db, data):
    result, rows = validate(data)
    assert_import_answer(result, rows, line_count(data))


@pytest.mark.django_db
@SLOW
@given(
    file=st.one_of(xlsx_files(facility_rows, importing.COLUMNS), corrupt_xlsx().map(lambda data: (data, 2)))
)
def test_facility_file_answers_random_and_corrupt_workbooks(db, file):
    data, rows = file
    result, valid = validate(data, "施設一覧.xlsx")
    assert_import_answer(result, valid, max(rows, 2))


def _huge_room_count_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(list(importing.COLUMNS))
    workbook.active.append(
        [
            "A1",
            "宿",
            "",
            "ホテル",
            "青葉区",
            "仙台駅周辺",
            "住所",
            "",
            "",
            "",
            "",
            123456789,
            "",
            "2025-05-09",
        ]
    )
    return patch_member(
        workbook_bytes(workbook),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<v>123456789</v>", b"<v>1" + b"0" * 400 + b"</v>"),
    )


@pytest.mark.django_db
def test_a_room_count_no_float_can_hold_is_a_row_error():
    result, rows = validate(_huge_room_count_workbook(), "施設一覧.xlsx")
    assert not rows and [(error.row, error.column) for error in result.errors] == [(2, importing.ROOMS)]


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_files(facility_rows, importing.COLUMNS))
def test_a_facility_import_writes_all_valid_rows_or_nothing(db, campaign, data):
    """The whole service, writes included: an accepted file stores every row, a refused one none."""
    before = Facility.objects.count()
    result = importing.import_facilities(data, filename="施設一覧.csv", campaign=campaign)
    _errors, rows = validate(data)
    assert_import_answer(result, rows, line_count(data))
    if result.ok:
        assert result.created + result.updated == len(rows)
        assert Facility.objects.filter(code__in=[row.code for row in rows]).count() == len(rows)
    else:
        assert Facility.objects.count() == before and result.created == result.updated == 0
