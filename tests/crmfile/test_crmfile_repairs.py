"""Excel damage repaired in the contacts where unambiguous, flagged where not; row and
file limits."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from crmfile import CrmFileError, read_crm_file, write_crm_file
from crmfile.contacts import NO_IDENTITY, row_problem
from crmfile.repair import repair_business_id, repair_dates, repair_phone, repair_postcode
from crmfile.workbook import MAX_COMPRESSION_RATIO, RATIO_FLOOR_BYTES, _check_archive


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("1234562", "0123456-2", "business_id: leading zero restored"),
        ("1234562.0", "0123456-2", "business_id: leading zero restored"),
        ("01234562", "0123456-2", "business_id: dash restored"),
        ("20774740", "2077474-0", "business_id: dash restored"),
        ("0123456-2", "0123456-2", ""),  # already right
        ("1234567", "1234567", ""),  # 0123456-7 fails the check digit: left for the matcher
        ("FI01234562", "FI01234562", ""),  # VAT notation: the matcher's business
        ("123", "123", ""),
        ("", "", ""),
    ],
)
def test_repair_business_id(raw: str, value: str, note: str) -> None:
    assert repair_business_id(raw) == (value, note)


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        ("358401234567", "+358401234567", "mobile: + restored before the country code"),
        ("358401234567.0", "+358401234567", "mobile: + restored before the country code"),
        ("401234567", "0401234567", "mobile: leading 0 restored"),
        ("91234567", "091234567", "mobile: leading 0 restored"),
        ("46701234567", "+46701234567", "mobile: + restored before the country code"),
        ("3.58401E+11", "3.58401E+11", "mobile: scientific notation, digits lost"),
        ("3,58401E+11", "3,58401E+11", "mobile: scientific notation, digits lost"),
        (
            "3.58401234567E+11",
            "+358401234567",
            "mobile: scientific notation expanded, + restored before the country code",
        ),
        ("+358 40 123 4567", "+358 40 123 4567", ""),
        ("040 123 4567", "040 123 4567", ""),
        ("0401234567", "0401234567", ""),
        ("12", "12", ""),
        ("-", "-", ""),
    ],
)
def test_repair_phone(raw: str, value: str, note: str) -> None:
    assert repair_phone("mobile", raw) == (value, note)


@pytest.mark.parametrize(
    ("raw", "country", "value", "note"),
    [
        ("100", "", "00100", "postcode: leading zeros restored"),
        ("2100", "FI", "02100", "postcode: leading zeros restored"),
        ("530", "Suomi", "00530", "postcode: leading zeros restored"),
        ("33100.0", "Finland", "33100", "postcode: decimal tail removed"),
        ("00100", "", "00100", ""),
        ("530", "Sverige", "530", ""),
        ("FI-00100", "", "FI-00100", ""),
        ("123456", "", "123456", ""),
    ],
)
def test_repair_postcode(raw: str, country: str, value: str, note: str) -> None:
    assert repair_postcode(raw, country) == (value, note)


def test_repair_dates_with_explicit_formats() -> None:
    values = [
        "3.4.2024",
        "03.04.2024 14.30",
        "3.4.24",
        "2024-04-03",
        "2024-04-03T10:15:00.000Z",
        "20240403",
        "45385",
        "3 Apr 2024",
        "April 3, 2024",
        "31.2.2024",
        "",
    ]
    dates, notes = repair_dates("Pvm", values)
    assert dates == [
        "2024-04-03",
        "2024-04-03 14:30:00",
        "2024-04-03",
        "2024-04-03",
        "2024-04-03 10:15:00+00:00",
        "2024-04-03",
        "2024-04-03",
        "2024-04-03",
        "2024-04-03",
        "",
        "",
    ]
    assert notes[6] == 'date "Pvm": Excel serial day number converted'
    assert notes[9] == 'date "Pvm": not a recognisable date'
    assert [n for i, n in enumerate(notes) if i not in (6, 9)] == [""] * 9


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        # A day over 12 in the column settles day-first ...
        (["3/4/2024", "13/4/2024"], ["2024-04-03", "2024-04-13"]),
        # ... a second part over 12 settles month-first (a US export) ...
        (["3/4/2024", "4/13/2024"], ["2024-03-04", "2024-04-13"]),
        # ... and nothing settles it: ambiguous, left out and flagged.
        (["3/4/2024", "5/5/2024"], ["", "2024-05-05"]),
    ],
)
def test_slash_dates_follow_their_column(column: list[str], expected: list[str]) -> None:
    dates, notes = repair_dates("Date", column)
    assert dates == expected
    if not expected[0]:
        assert notes[0] == 'date "Date": ambiguous day/month order, left as sent'


def test_row_problems() -> None:
    header = ["Email", "Notes"]
    assert row_problem(["a@x.fi", "x" * 10], header, max_cell_chars=10) == ""
    assert row_problem(["a@x.fi", "x" * 11], header, max_cell_chars=10) == (
        'cell in column 2 ("Notes") has 11 characters, over the 10-character limit'
    )
    assert row_problem(["a@example.fi", "a\x00b"], header) == (
        'cell in column 2 ("Notes") holds a NUL byte'
    )
    assert row_problem(["a@example.fi", "M\udce4kel\udce4"], header) == (
        'cell in column 2 ("Notes") holds bytes that are not valid in the file\'s encoding'
    )
    assert row_problem(["", " "], header) == "row is empty"
    assert row_problem(["a"], 2) == "row has 1 fields, header has 2"


def test_row_without_identity_is_quarantined_with_the_pipelines_reason(tmp_path: Path) -> None:
    path = tmp_path / "anon.csv"
    path.write_text("Etunimi;Sukunimi;Yritys\r\nMatti;Virtanen;A Oy\r\n;;B Oy\r\n")
    crm = read_crm_file(path)
    assert crm.contacts["problem"].tolist() == ["", NO_IDENTITY]
    assert NO_IDENTITY == "no name or e-mail to identify the contact"
    # The contact columns are still there for the operator's report.
    assert crm.contacts.loc[1, "org_name"] == "B Oy"


def test_cell_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "pitka.csv"
    path.write_text("Email;Notes\r\na@example.fi;" + "x" * 50 + "\r\nb@example.fi;ok\r\n")
    assert read_crm_file(path).contacts["problem"].tolist() == ["", ""]
    problems = read_crm_file(path, max_cell_chars=20).contacts["problem"].tolist()
    assert problems[0].endswith("over the 20-character limit")
    assert problems[1] == ""


def test_undecodable_row_comes_back_byte_for_byte(tmp_path: Path) -> None:
    lines = [f"user{n}@example.fi;Mäkelä {n}".encode() for n in range(12)]
    lines[5] = "user5@example.fi;Mäkelä 5".encode("cp1252")
    original = b"Email;Nimi\r\n" + b"\r\n".join(lines) + b"\r\n"
    path = tmp_path / "rikki.csv"
    path.write_bytes(original)
    crm = read_crm_file(path)

    problems = crm.contacts["problem"].tolist()
    assert problems[5] == (
        'cell in column 2 ("Nimi") holds bytes that are not valid in the file\'s encoding'
    )
    assert problems.count("") == 11
    # The key and the contacts never carry the undecodable bytes.
    assert crm.contacts.loc[5, "last_name"] == ""
    out = tmp_path / "takaisin.csv"
    write_crm_file(out, crm.format, crm.header, crm.rows)
    assert out.read_bytes() == original


def test_file_over_max_bytes_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text("Email\r\n" + "a@example.fi\r\n" * 100)
    with pytest.raises(CrmFileError, match=r"file is 1407 bytes, over the 1000 bytes limit"):
        read_crm_file(path, max_bytes=1000)
    assert len(read_crm_file(path, max_bytes=1407).rows) == 100
    with pytest.raises(ValueError, match="at least 1"):
        read_crm_file(path, max_bytes=0)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CrmFileError, match="cannot read the file"):
        read_crm_file(tmp_path / "ei_ole.csv")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"Email\r\n" + b"\x00\x01\x02\x03" * 50, "binary data"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "gzip archive"),
        (b"Email;Nimi\r\n\x01\x02\x03\x04\x05\xe4\xf6\r\n", "binary data"),
    ],
)
def test_binary_content_is_refused(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "roskaa.csv"
    path.write_bytes(data)
    with pytest.raises(CrmFileError, match=problem):
        read_crm_file(path)


def _zip_with_member(path: Path, data: bytes) -> float:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", data)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    return info.file_size / info.compress_size


def test_honest_compression_ratio_passes_and_a_bomb_does_not(tmp_path: Path) -> None:
    # Blocks of a few random bytes among repeated XML compress like a big honest sheet.
    rows = b"".join(
        b'<row><c t="inlineStr"><is><t>' + os.urandom(6).hex().encode() + b"</t></is></c>"
        + b'<c s="1"/>' * 60 + b"</row>"
        for _ in range(3000)
    )  # fmt: skip
    honest = tmp_path / "honest.xlsx"
    ratio = _zip_with_member(honest, rows)
    assert len(rows) > RATIO_FLOOR_BYTES
    assert 50 <= ratio <= MAX_COMPRESSION_RATIO
    _check_archive(honest)

    bomb = tmp_path / "bomb.xlsx"
    assert _zip_with_member(bomb, b" " * (4 * RATIO_FLOOR_BYTES)) > MAX_COMPRESSION_RATIO
    with pytest.raises(CrmFileError, match="zip bomb"):
        _check_archive(bomb)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paketti.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("asiakkaat.csv", "Email\r\na@example.fi\r\n")
    with pytest.raises(CrmFileError, match=r"not an \.xlsx workbook"):
        read_crm_file(path)


def test_xlsx_preamble_is_written_back_above_the_header(tmp_path: Path) -> None:
    import openpyxl

    source = tmp_path / "otsikko.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Lista"
    sheet.append(["Asiakaslista 2024"])
    sheet.append([])
    sheet.append(["Nimi", "Sähköposti"])
    sheet.append(["Matti Virtanen", "matti@example.fi"])
    workbook.save(source)
    crm = read_crm_file(source)
    assert crm.line_numbers == [4]

    out = tmp_path / "out.xlsx"
    write_crm_file(out, crm.format, [*crm.header, "refresh_status"], [[*crm.rows[0], "ok"]])
    written = openpyxl.load_workbook(out)
    assert written.sheetnames == ["Lista"]
    values = [[cell.value for cell in row] for row in written["Lista"].iter_rows()]
    assert values[0][0] == "Asiakaslista 2024"
    assert values[2] == ["Nimi", "Sähköposti", "refresh_status"]
    assert read_crm_file(out).header == ["Nimi", "Sähköposti", "refresh_status"]
