"""Hostile customer files: refusals carry no personal data and stay short; spreadsheets
built to exhaust memory (a stray cell at XFD1048576, zip and XML entity bombs) are refused
within a memory cap and in seconds, with file, line and problem.

The memory-bound reads run in a child process under RLIMIT_AS, so a regression shows as a
MemoryError (or a kill) there instead of taking this machine's memory."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from crmfile import CrmFileError, read_crm_file

# Synthetic people: none of them exists.
PEOPLE = [
    ("Aino", "Hämäläinen", "aino.hamalainen@esimerkki.fi", "+358 40 765 4321"),
    ("Veikko", "Kärkkäinen", "veikko.karkkainen@testiyhtio.fi", "050 123 9876"),
    ("Ritva", "Öhman", "ritva.ohman@kuvitteellinen.fi", "044-555 0101"),
]
MESSAGE_CAP = 600  # a problem of at most 400 characters, the file name and the line


def _personal_strings() -> list[str]:
    return [part for person in PEOPLE for part in person] + ["esimerkki", "Kärkkäinen"]


def _refusal(path: Path) -> str:
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(path)
    return str(caught.value)


# -- personal data never in a refusal ---------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
def test_headerless_file_is_refused_without_repeating_its_first_row(
    tmp_path: Path, delimiter: str
) -> None:
    path = tmp_path / "vienti.csv"
    lines = [delimiter.join(person) for person in PEOPLE]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    message = _refusal(path)

    assert message.startswith("vienti.csv: cannot identify the contact columns")
    assert "4 columns" in message
    for value in _personal_strings():
        assert value not in message, value
    assert "@" not in message
    assert len(message) < MESSAGE_CAP and "\n" not in message


def test_a_five_megabyte_cell_gives_a_short_message_without_it(tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    huge = "Hämäläinen " * (5 * 1024 * 1024 // 11)
    path.write_text(f"{huge};aino.hamalainen@esimerkki.fi\r\nx;y\r\n", encoding="utf-8")

    message = _refusal(path)

    assert len(message) < MESSAGE_CAP
    assert "Hämäläinen" not in message and "esimerkki" not in message


def test_a_five_megabyte_header_name_is_cut_short_in_the_mapping_report(tmp_path: Path) -> None:
    path = tmp_path / "leveä.csv"
    huge = "Muistiinpano " * 10_000
    path.write_text(
        f"Etunimi;Sukunimi;Sähköposti;{huge}\r\nAino;Hämäläinen;aino@esimerkki.fi;x\r\n",
        encoding="utf-8",
    )
    crm = read_crm_file(path)
    assert crm.mapping["email"] == "Sähköposti"
    assert max(len(line) for line in crm.mapping_report) < 400
    assert sum(len(line) for line in crm.mapping_report) < 4000


def test_every_refusal_is_one_bounded_line() -> None:
    error = CrmFileError("a\nb.csv", 3, "problem with\r\na line break\x00 and " + "x" * 10**6)
    message = str(error)
    assert "\n" not in message and "\r" not in message and "\x00" not in message
    assert len(message) < MESSAGE_CAP
    assert message.startswith("a b.csv, line 3: problem with")
    # Still picklable across processes, with the bounded text.
    import pickle

    assert str(pickle.loads(pickle.dumps(error))) == message


def test_mapping_to_a_missing_header_does_not_list_the_files_cells(tmp_path: Path) -> None:
    path = tmp_path / "oma.csv"
    path.write_text("\r\n".join(";".join(person) for person in PEOPLE) + "\r\n", encoding="utf-8")
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(path, mapping={"email": "Sähköposti"})
    message = str(caught.value)
    assert '"Sähköposti"' in message  # the operator's own mapping may be named
    for value in _personal_strings():
        assert value not in message, value


# -- resource bombs, read under a memory cap -------------------------------------------------

MEMORY_CAP_BYTES = 1536 * 1024 * 1024
TIME_CAP_SECONDS = 60

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    from crmfile import CrmFileError, read_crm_file
    started = time.perf_counter()
    try:
        crm = read_crm_file(sys.argv[1])
    except CrmFileError as exc:
        result = {{"outcome": "refused", "message": str(exc), "line": exc.line}}
    else:
        result = {{"outcome": "read", "rows": len(crm.rows), "width": len(crm.header)}}
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))
    """
)


def _read_capped(path: Path) -> dict[str, object]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD.format(cap=MEMORY_CAP_BYTES), str(path)],
        capture_output=True,
        text=True,
        timeout=TIME_CAP_SECONDS,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def _small_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Etunimi", "Sukunimi", "Sähköposti"])
    for first, last, email, _phone in PEOPLE:
        sheet.append([first, last, email])
    return workbook


def test_one_cell_at_xfd1048576_is_refused_within_the_memory_cap(tmp_path: Path) -> None:
    path = tmp_path / "harva.xlsx"
    workbook = _small_workbook()
    workbook.active["XFD1048576"] = "x"
    workbook.save(path)
    assert path.stat().st_size < 10_000

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    assert result["line"] == 1048576
    assert "column XFD (16,384)" in str(result["message"])
    assert str(result["message"]).startswith("harva.xlsx, line 1048576:")
    assert float(str(result["seconds"])) < 10


def test_a_stray_cell_far_below_the_data_is_refused_as_an_empty_sheet(tmp_path: Path) -> None:
    path = tmp_path / "karannut.xlsx"
    workbook = _small_workbook()
    workbook.active["BXW1048576"] = "x"  # column 2,000: inside the column limit
    workbook.save(path)

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    assert "almost all empty" in str(result["message"])
    assert float(str(result["seconds"])) < 10


def test_many_rows_each_with_a_far_cell_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "leveat.xlsx"
    workbook = _small_workbook()
    sheet = workbook.active
    for row in range(5, 20_000):
        sheet.cell(row=row, column=1, value="a")
        sheet.cell(row=row, column=1999, value="b")
    workbook.save(path)

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    assert "almost all empty" in str(result["message"])


def test_a_sparse_but_honest_sheet_is_still_read(tmp_path: Path) -> None:
    """Blank rows between data rows and a value in a column past the header stay as they
    were: the limits only refuse tables that are nearly all padding."""
    path = tmp_path / "rehellinen.xlsx"
    workbook = _small_workbook()
    workbook.active["A40"] = "Liisa"
    workbook.active["C40"] = "liisa@example.fi"
    workbook.active["F40"] = "huom"
    workbook.save(path)

    crm = read_crm_file(path)

    assert len(crm.rows) == 39 and crm.line_numbers[-1] == 40
    assert crm.rows[-1] == ["Liisa", "", "liisa@example.fi", "", "", "huom"]
    assert crm.header == ["Etunimi", "Sukunimi", "Sähköposti", "", "", ""]


def test_a_csv_header_of_a_million_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sarakkeet.csv"
    header = ";".join(["Sähköposti", *(f"c{i}" for i in range(1_000_000))])
    path.write_text(header + "\r\naino@esimerkki.fi" + ";" * 1_000_000 + "\r\n", encoding="utf-8")

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    assert "1000001 columns, over the 2000-column limit" in str(result["message"])
    assert len(str(result["message"])) < MESSAGE_CAP


def _entities(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    for level in range(1, levels):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return "".join(entities)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _bombed(path: Path, part: str) -> None:
    """A small workbook whose ``part`` carries a billion-laughs DTD (10^10 "lol"s)."""
    honest = path.with_name("pohja.xlsx")
    _small_workbook().save(honest)
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{_entities()}]>'
        f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>Sähköposti</t></is></c></row><row r="2">'
        '<c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{_entities()}]>'
        f'<sst xmlns="{_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if part == "sheet" and item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            if part == "strings" and item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            if part == "strings" and item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdBomb" Target="sharedStrings.xml" Type="http://'
                    b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    b'sharedStrings"/></Relationships>',
                )
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        if part == "strings":
            target.writestr("xl/sharedStrings.xml", strings, zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize("part", ["sheet", "strings"])
def test_billion_laughs_is_refused(tmp_path: Path, part: str) -> None:
    assert openpyxl.DEFUSEDXML, "openpyxl reads XML through defusedxml only when it is installed"
    path = tmp_path / "naurua.xlsx"
    _bombed(path, part)
    assert path.stat().st_size < 20_000

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    assert "declares entities or a DTD (EntitiesForbidden)" in str(result["message"])
    assert float(str(result["seconds"])) < 10


def _with_a_bomb(honest: Path, path: Path, *, lie: bool) -> None:
    """``honest`` with its sheet replaced by 256 MiB of XML whitespace (a few hundred KB
    deflated); with ``lie``, the zip headers claim the part unpacks to 1 KB."""
    bomb_size = 256 * 1024 * 1024
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename), zipfile.ZIP_DEFLATED)
                continue
            info = zipfile.ZipInfo(item.filename, item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as member:
                member.write(b'<?xml version="1.0"?>')
                chunk = b" " * (1024 * 1024)
                for _ in range(bomb_size // len(chunk)):
                    member.write(chunk)
    if lie:
        _claim_unpacked_size(path, "xl/worksheets/sheet1.xml", 1024)


def _claim_unpacked_size(path: Path, name: str, size: int) -> None:
    data = bytearray(path.read_bytes())
    # The central directory entry: its uncompressed size (or the zip64 extra's) says `size`.
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name.encode():
            break
        at = data.find(b"PK\x01\x02", at + 4)
    assert at != -1
    if struct.unpack_from("<I", data, at + 24)[0] == 0xFFFFFFFF:
        extra_at = at + 46 + name_length
        extra_length = struct.unpack_from("<H", data, at + 30)[0]
        extra = extra_at
        while extra < extra_at + extra_length:
            tag, length = struct.unpack_from("<HH", data, extra)
            if tag == 1:
                struct.pack_into("<Q", data, extra + 4, size)
                break
            extra += 4 + length
    else:
        struct.pack_into("<I", data, at + 24, size)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(name).file_size == size


@pytest.mark.parametrize("lie", [False, True], ids=["honest-sizes", "lying-sizes"])
def test_zip_bomb_is_refused_within_the_memory_cap(tmp_path: Path, lie: bool) -> None:
    honest = tmp_path / "pohja.xlsx"
    _small_workbook().save(honest)
    path = tmp_path / "pommi.xlsx"
    _with_a_bomb(honest, path, lie=lie)
    assert path.stat().st_size < 2 * 1024 * 1024

    result = _read_capped(path)

    assert result["outcome"] == "refused", result
    message = str(result["message"])
    if lie:
        # The archive's own sizes bound what is inflated: a lie ends the part early.
        assert "cannot read the workbook" in message
    else:
        assert "over the 200 MiB limit" in message
    assert float(str(result["seconds"])) < 20


# -- formula-like cells: safe to open, and opted_out rows as sent ---------------------------

FORMULAS = ['=HYPERLINK("http://x.example","klikkaa")', "@SUM(A1)", "+cmd|' /C calc'!A0"]
HEADER = ["Asiakasnumero", "Nimi", "Huom", "Sähköposti"]
OURS = ["refresh_status", "refresh_flags", "refresh_changes", "refresh_confidence"]
OURS += ["register_org_id", "register_person_id"]


def _opted_out_rows() -> tuple[list[list[str]], list[list[str]]]:
    sent = [
        [str(n), "Aino Hämäläinen", formula, "aino@esimerkki.fi"]
        for n, formula in enumerate(FORMULAS, 1)
    ]
    back = [[*row, "opted_out", "", "", "", "", ""] for row in sent]
    return sent, back


def test_xlsx_cells_come_back_exactly_as_sent_as_text(tmp_path: Path) -> None:
    from crmfile import FileFormat, write_crm_file

    sent, back = _opted_out_rows()
    out = tmp_path / "palautus.xlsx"
    write_crm_file(out, FileFormat(kind="xlsx"), [*HEADER, *OURS], back)

    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [[cell.value or "" for cell in row][: len(HEADER)] for row in rows] == sent
    for row in rows:
        assert all(cell.data_type == "s" for cell in row if cell.value is not None)
        assert row[2].quotePrefix is True  # Excel keeps it text even when edited
        assert row[1].quotePrefix is not True


def test_csv_opted_out_rows_pass_the_processor_check_on_the_file_as_written(
    tmp_path: Path,
) -> None:
    """In CSV the formula-like cells are neutralised on every row (rule 5); the check that
    opted_out rows come back as sent (rule 3) runs on the file as written and compares
    through the same rule, so it passes for the customer's own cells and still fails for
    a changed one."""
    import csv

    from crmfile import FileFormat, neutralise_cell, write_crm_file
    from quality.processor import processor_frame

    sent, back = _opted_out_rows()
    out = tmp_path / "palautus.csv"
    write_crm_file(out, FileFormat(kind="csv", delimiter=";"), [*HEADER, *OURS], back)
    with out.open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle, delimiter=";"))[1:]
    assert [row[2] for row in written] == ["'" + formula for formula in FORMULAS]
    assert [row[:4] for row in written] == [[neutralise_cell(c) for c in row] for row in sent]

    def nothing(_number: int) -> frozenset[str]:
        return frozenset()

    facts = processor_frame(sent, written, len(HEADER), 0, nothing, nothing)
    assert facts["opted_out_as_sent"].all()
    assert facts["values_from_customer_or_register"].all()

    changed = [list(row) for row in written]
    changed[1][2] = '\'=HYPERLINK("http://evil.example")'
    facts = processor_frame(sent, changed, len(HEADER), 0, nothing, nothing)
    assert facts["opted_out_as_sent"].tolist() == [True, False, True]
    assert facts["values_from_customer_or_register"].tolist() == [True, False, True]
