"""write_crm_file: byte-identical round trips, neutralised cells, xlsx as text, atomic writes."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmfile import CrmFileError, FileFormat, neutralise_cell, read_crm_file, write_crm_file
from crmfile.encoding import transliterate

# A typical CRM export: an id with leading zeros, Finnish letters, a phone with "+", a
# quoted cell with the delimiter, doubled quotes and a line break, the "-" placeholder, a
# blank row between data rows, and a trailing empty column with no header name.
TEMPLATE = (
    "Asiakasnumero{d}Etunimi{d}Sukunimi{d}Sähköposti{d}Yritys{d}Puhelin{d}Lisätiedot{d}{nl}"
    '0001{d}Matti{d}Virtanen{d}matti@example.fi{d}"Mäkelä{d} Kone Oy"{d}+358 40 123 4567'
    '{d}"Sanoi ""soita""{nl}ensi viikolla"{d}{nl}'
    "0002{d}Åsa{d}Öhman{d}{d}Öljy Ab{d}-{d}NA{d}{nl}"
    "{nl}"
    "0003{d}Jyrki{d}Kärkkäinen{d}jyrki@example.fi{d}Pörssi € Oy{d}09 123 456{d}{d}{nl}"
)

ENCODINGS = [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("cp1252", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE),
]


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS, ids=["utf8", "utf8bom", "cp1252", "utf16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_round_trip_is_byte_identical(
    write_file, tmp_path: Path, encoding: str, bom: bytes, delimiter: str, newline: str
) -> None:
    original = bom + TEMPLATE.format(d=delimiter, nl=newline).encode(encoding)
    crm = read_crm_file(write_file("in.csv", original))
    assert crm.format.delimiter == delimiter
    assert len(crm.rows) == 4

    out = tmp_path / "out" / "refreshed.csv"
    write_crm_file(out, crm.format, crm.header, crm.rows)

    assert out.read_bytes() == original


def test_round_trip_of_a_quote_everything_export(write_file, tmp_path: Path) -> None:
    original = (
        b'"Id","FirstName","LastName","Email","Description"\r\n'
        b'"0035e00001","Matti","Virtanen","matti@example.fi","Sanoi ""hei"""\r\n'
        b'"0035e00002","","Korhonen","",""\r\n'
    )
    crm = read_crm_file(write_file("sf.csv", original))
    out = tmp_path / "sf_out.csv"
    write_crm_file(out, crm.format, crm.header, crm.rows)
    assert out.read_bytes() == original


def test_round_trip_with_old_mac_line_ends(write_file, tmp_path: Path) -> None:
    original = b'Email;Name\r1@example.fi;Matti Virtanen\r;\r2@example.fi;"A\rB"\r'
    crm = read_crm_file(write_file("mac.csv", original))
    out = tmp_path / "mac_out.csv"
    write_crm_file(out, crm.format, crm.header, crm.rows)
    assert out.read_bytes() == original


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ('=HYPERLINK("http://x.example","klikkaa")', '\'=HYPERLINK("http://x.example","klikkaa")'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("- Myyntipäällikkö", "'- Myyntipäällikkö"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("=", "'="),
        ("+", "'+"),
        # Phones and numbers hold no letters, so nothing can run: byte-identical.
        ("+358 40 123 4567", "+358 40 123 4567"),
        ("+358 (0)9 123 456", "+358 (0)9 123 456"),
        ("+358401234567", "+358401234567"),
        ("-12.5", "-12.5"),
        ("-", "-"),
        # Not starting with a trigger, or already neutralised.
        ("Matti = Virtanen", "Matti = Virtanen"),
        ("'=SUM(A1)", "'=SUM(A1)"),
        ("", ""),
        ("040-123 4567", "040-123 4567"),
    ],
)
def test_neutralise_cell(value: str, expected: str) -> None:
    assert neutralise_cell(value) == expected
    assert neutralise_cell(neutralise_cell(value)) == expected


def test_csv_output_is_neutralised_but_phones_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    fmt = FileFormat(kind="csv", delimiter=";", line_terminator="\n")
    write_crm_file(
        out,
        fmt,
        ["Email", "Puhelin", "=Huom"],
        [["=1+1", "+358 40 123 4567", "@x"], ["-", "-5", "ok"]],
    )
    assert out.read_text() == ("Email;Puhelin;'=Huom\n'=1+1;+358 40 123 4567;'@x\n-;-5;ok\n")


def test_xlsx_output_has_only_text_cells(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    fmt = FileFormat(kind="xlsx", sheet_name="Yhteystiedot")
    header = ["Sähköposti", "Nimi", "Puhelin", "Postinumero", "Huom"]
    rows = [
        ["matti@example.fi", "Matti Virtanen", "+358 40 123 4567", "00100", "=SUM(1,2)"],
        ["liisa@example.fi", '=HYPERLINK("x")', "0401234567", "1e5", "vt\x0bmerkki"],
    ]
    write_crm_file(out, fmt, header, rows)

    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Yhteystiedot"]
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert cells
    assert all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for cell in cells)
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert values[1] == [
        "matti@example.fi",
        "Matti Virtanen",
        "+358 40 123 4567",
        "00100",
        "=SUM(1,2)",
    ]
    # Exactly as given, but text, with Excel's quote-prefix style where it looks like a
    # formula: it stays text even when edited.
    prefixed = [cell.coordinate for cell in cells if cell.quotePrefix]
    assert prefixed == ["E2", "B3"]
    # A control character Excel cannot store is dropped rather than failing the file.
    assert values[2][4] == "vtmerkki"

    crm = read_crm_file(out)
    assert crm.format == fmt
    assert crm.rows[0][3] == "00100"
    assert crm.rows[1][1] == '=HYPERLINK("x")'


def test_xlsx_default_sheet_name(tmp_path: Path) -> None:
    out = tmp_path / "oletus.xlsx"
    write_crm_file(out, FileFormat(kind="xlsx"), ["Email"], [["a@example.fi"]])
    assert openpyxl.load_workbook(out).sheetnames == ["Sheet1"]


def test_transliterate() -> None:
    assert transliterate("Čapek Şahin Łódź 漢 ⅓", "cp1252") == "Capek Sahin ?ódz ? 1?3"
    assert transliterate("Mäkelä € œ", "cp1252") == "Mäkelä € œ"


def test_characters_outside_the_code_page_are_transliterated(tmp_path: Path) -> None:
    out = tmp_path / "cp.csv"
    fmt = FileFormat(kind="csv", encoding="cp1252", delimiter=";")
    # The full-width semicolon folds to ";", so it must be quoted after folding.
    write_crm_file(out, fmt, ["Sukunimi", "Huom"], [["Čapek", "a；b"], ["Mäkelä", "漢字"]])
    assert out.read_bytes() == 'Sukunimi;Huom\r\nCapek;"a;b"\r\nMäkelä;??\r\n'.encode("cp1252")


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "er" / "out.csv"
    fmt = FileFormat(kind="csv")
    write_crm_file(out, fmt, ["Email"], [["old@example.fi"]])

    def failing_rows():
        yield ["new@example.fi"]
        raise RuntimeError("register connection lost")

    with pytest.raises(RuntimeError):
        write_crm_file(out, fmt, ["Email"], failing_rows())

    assert out.read_bytes() == b"Email\r\nold@example.fi\r\n"
    assert [path.name for path in out.parent.iterdir()] == ["out.csv"]


def test_format_rejects_inconsistent_settings() -> None:
    with pytest.raises(ValueError, match="kind"):
        FileFormat(kind="xls")
    with pytest.raises(ValueError, match="line_terminator"):
        FileFormat(kind="csv", line_terminator="\n\r")
    with pytest.raises(ValueError, match="byte-order mark"):
        write_crm_file(
            Path("unused.csv"), FileFormat(kind="csv", encoding="cp1252", bom=True), ["a"], []
        )


def test_refused_file_error_is_not_raised_for_writes() -> None:
    # Writing never raises CrmFileError: it has no customer file to blame.
    assert not issubclass(ValueError, CrmFileError)


# --- property: whatever text the cells hold, writing then reading gives it back ---

HEADER = ["Sähköposti", "Etunimi", "Sukunimi"]

ANY_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
NORDIC_TEXT = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .,;:-_'\"@+=\t\r\n|äöåÄÖÅéü"
)
FORMATS = [
    (FileFormat(kind="csv"), ANY_TEXT),
    (FileFormat(kind="csv", bom=True, delimiter=";", line_terminator="\n"), ANY_TEXT),
    (FileFormat(kind="csv", encoding="utf-16", bom=True, delimiter="\t"), ANY_TEXT),
    (FileFormat(kind="csv", delimiter="|", line_terminator="\r", quote_all=True), ANY_TEXT),
    (FileFormat(kind="csv", encoding="cp1252", delimiter=";"), NORDIC_TEXT),
]


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


@st.composite
def tables(draw: st.DrawFn) -> tuple[FileFormat, list[list[str]]]:
    fmt, alphabet = draw(st.sampled_from(FORMATS))
    cell = st.text(alphabet=alphabet, max_size=12).filter(lambda v: neutralise_cell(v) == v)
    rows = draw(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=5))
    return fmt, rows


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(table=tables())
def test_write_then_read_returns_the_cells(tmp_path: Path, table) -> None:
    fmt, rows = table
    expected = list(rows)
    while expected and _is_blank(expected[-1]):
        # Trailing blank rows are not data; the reader drops them.
        expected.pop()
    path = tmp_path / "property.csv"
    write_crm_file(path, fmt, HEADER, rows)
    if not expected:
        with pytest.raises(CrmFileError, match="no data rows"):
            read_crm_file(path)
        return

    crm = read_crm_file(path)

    assert crm.header == HEADER
    assert crm.rows == expected
    assert crm.format.delimiter == fmt.delimiter
    assert crm.format.line_terminator == fmt.line_terminator


@settings(max_examples=300, deadline=None, database=None)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=8),
                st.sampled_from(["=1+1", "+358 40 1", "-", "-x", "@SUM", "\tx", "\r", ""]),
            ),
            max_size=6,
        ),
        max_size=6,
    )
)
def test_the_writer_neutralises_exactly_the_cells_neutralise_cell_does(
    rows: list[list[str]],
) -> None:
    # The writer tests a cell's first character before calling the rule: the same cells.
    from crmfile.write import _neutralised

    assert list(_neutralised(rows)) == [[neutralise_cell(c) for c in row] for row in rows]
