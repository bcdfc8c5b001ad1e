"""read_crm_file: raw cells kept as text, contacts derived, unusable files refused."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from crmfile import CANONICAL_COLUMNS, CrmFileError, FileFormat, read_crm_file


def test_values_stay_text_exactly_as_written(write_file) -> None:
    text = (
        "Asiakasnumero;Etunimi;Sukunimi;Puhelin;Postinumero;Y-tunnus;Lisätieto\r\n"
        "007;NA;None;+358401234567;00100;0123456-7;  TRUE \r\n"
        "0010;Matti;Null;040 123 4567;02100;1.0;1e5\r\n"
    )
    crm = read_crm_file(write_file("tekstit.csv", text))

    assert crm.rows == [
        ["007", "NA", "None", "+358401234567", "00100", "0123456-7", "  TRUE "],
        ["0010", "Matti", "Null", "040 123 4567", "02100", "1.0", "1e5"],
    ]
    contacts = crm.contacts
    assert contacts["row_key"].tolist() == ["007", "0010"]
    assert contacts["first_name"].tolist() == ["NA", "Matti"]
    assert contacts["last_name"].tolist() == ["None", "Null"]
    assert contacts["phone"].tolist() == ["+358401234567", "040 123 4567"]
    assert contacts["postcode"].tolist() == ["00100", "02100"]


def test_contacts_frame_shape(write_file) -> None:
    text = "Sähköposti,Etunimi\n  matti@example.fi ,Matti\nliisa@example.fi,Liisa\n"
    crm = read_crm_file(write_file("muoto.csv", text))
    contacts = crm.contacts

    assert list(contacts.columns) == ["row_key", *CANONICAL_COLUMNS, "problem", "repairs"]
    assert all(dtype is np.dtype(object) for dtype in contacts.dtypes)
    assert contacts.index.equals(pd.RangeIndex(2))
    # Without an id column the key is the 1-based data row number.
    assert contacts["row_key"].tolist() == ["1", "2"]
    # Contacts are stripped; raw rows are not.
    assert contacts["email"].tolist() == ["matti@example.fi", "liisa@example.fi"]
    assert crm.rows[0][0] == "  matti@example.fi "
    assert contacts["title"].tolist() == ["", ""]
    assert contacts["problem"].tolist() == ["", ""]
    assert crm.mapping == {"first_name": "Etunimi", "email": "Sähköposti"}


def test_ragged_row_is_kept_and_described(write_file) -> None:
    text = (
        "Id,Email,First Name,Last Name\r\n"
        "1,a@example.fi,Anna,Aho\r\n"
        "2,b@example.fi,Bertta,Berg,Oy Ab\r\n"
        "3,c@example.fi\r\n"
        "4,d@example.fi,Daniel,Dahl\r\n"
    )
    crm = read_crm_file(write_file("ragged.csv", text))

    assert crm.rows[1] == ["2", "b@example.fi", "Bertta", "Berg", "Oy Ab"]
    assert crm.rows[2] == ["3", "c@example.fi"]
    contacts = crm.contacts
    assert contacts["problem"].tolist() == [
        "",
        "row has 5 fields, header has 4",
        "row has 2 fields, header has 4",
        "",
    ]
    assert contacts["email"].tolist() == ["a@example.fi", "", "", "d@example.fi"]
    assert contacts["row_key"].tolist() == ["1", "2", "3", "4"]


def test_unbalanced_quote_is_refused_with_its_line(write_file) -> None:
    text = (
        "Email,First Name,Last Name\r\n"
        "a@example.fi,Anna,Aho\r\n"
        'b@example.fi,"Bertta,Berg\r\n'
        "c@example.fi,Cecilia,Carlsson\r\n"
    )
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("quote.csv", text))

    error = caught.value
    assert error.line == 3
    assert str(error).startswith("quote.csv, line 3: ")
    assert "quote" in error.problem
    assert "Bertta" not in str(error)


def test_stray_quote_after_a_quoted_field_is_refused(write_file) -> None:
    text = 'Email,Name\r\na@example.fi,Anna\r\nb@example.fi,"Bertta" Berg\r\n'
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("stray.csv", text))
    assert caught.value.line == 3


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b" ;;\n;\n"])
def test_empty_file_is_refused(write_file, content: bytes) -> None:
    with pytest.raises(CrmFileError, match="file is empty"):
        read_crm_file(write_file("tyhja.csv", content))


@pytest.mark.parametrize("content", ["Email;Etunimi\r\n", "Email;Etunimi\r\n;\r\n\r\n", "Email"])
def test_header_only_file_is_refused(write_file, content: str) -> None:
    with pytest.raises(CrmFileError, match="file has a header but no data rows"):
        read_crm_file(write_file("otsikko.csv", content))


def test_unidentifiable_headers_are_refused_with_the_headers_described(write_file) -> None:
    text = "Tunnus;Firma;Kommentti\r\n1;Virtanen Oy;soita\r\n"
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("tuntematon.csv", text))

    message = str(caught.value)
    # Counts and positions, never the cells (a headerless file's "header" is its data).
    assert "headers seen: 3 columns; recognised: column 2 -> org_name" in message
    assert "Kommentti" not in message
    assert "missing: first_name, last_name, full_name, email" in message
    assert "Virtanen" not in message


def test_first_name_alone_does_not_identify_a_contact(write_file) -> None:
    path = write_file("puolikas.csv", "Etunimi;Yritys\r\nMatti;Virtanen Oy\r\n")
    with pytest.raises(CrmFileError, match=r"missing: last_name, full_name, email"):
        read_crm_file(path)


def test_explicit_mapping_overrides_and_completes_the_automatic_one(write_file) -> None:
    text = (
        "Kontakti;Posti;Firma;Puhelin;GSM\r\n"
        "Matti Virtanen;matti@example.fi;Virtanen Oy;09 123 456;040 111 2222\r\n"
    )
    path = write_file("oma.csv", text)
    crm = read_crm_file(
        path, mapping={"full_name": "Kontakti", "email": "Posti", "phone": "GSM", "mobile": ""}
    )

    # "Firma" is a hand-made sheet's company column; the explicit entries win elsewhere.
    assert crm.mapping == {
        "full_name": "Kontakti",
        "org_name": "Firma",
        "email": "Posti",
        "phone": "GSM",
    }
    assert crm.contacts.loc[0, "phone"] == "040 111 2222"
    assert crm.contacts.loc[0, "mobile"] == ""
    assert crm.contacts.loc[0, "first_name"] == "Matti"


def test_explicit_mapping_takes_a_header_away_from_the_automatic_guess(write_file) -> None:
    text = "Name,Email\r\nVirtanen Oy,info@virtanen.fi\r\n"
    crm = read_crm_file(write_file("name.csv", text), mapping={"org_name": "Name"})
    assert crm.mapping == {"org_name": "Name", "email": "Email"}
    assert crm.contacts.loc[0, "full_name"] == ""


def test_explicit_mapping_to_a_missing_header_is_refused(write_file) -> None:
    path = write_file("oma.csv", "Nimi;Sähköposti\r\nMatti Virtanen;m@example.fi\r\n")
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(path, mapping={"email": "E-mail"})
    assert '"E-mail"' in str(caught.value)
    message = str(caught.value)
    assert "column 1 -> full_name or org_name, column 2 -> email" in message
    assert "Sähköposti" not in message


def test_explicit_mapping_to_an_unknown_column_is_refused(write_file) -> None:
    path = write_file("oma.csv", "Nimi;Sähköposti\r\nMatti Virtanen;m@example.fi\r\n")
    with pytest.raises(CrmFileError, match="unknown column"):
        read_crm_file(path, mapping={"shoe_size": "Nimi"})


@pytest.mark.parametrize(
    ("full_name", "first", "last"),
    [
        ("Matti Virtanen", "Matti", "Virtanen"),
        ("Virtanen, Matti", "Matti", "Virtanen"),
        ("  Anna-Liisa   Mäki-Petäjä ", "Anna-Liisa", "Mäki-Petäjä"),
        ("Mäki-Petäjä, Anna Liisa", "Anna Liisa", "Mäki-Petäjä"),
        ("Georg Henrik von Wright", "Georg Henrik", "von Wright"),
        ("Carl af Forselles", "Carl", "af Forselles"),
        ("Virtanen", "", "Virtanen"),
        ("", "", ""),
    ],
)
def test_full_name_is_split(write_file, full_name: str, first: str, last: str) -> None:
    text = f"Yhteyshenkilö;Sähköposti\r\n{full_name};x@example.fi\r\n"
    crm = read_crm_file(write_file("nimet.csv", text))

    assert crm.contacts.loc[0, "first_name"] == first
    assert crm.contacts.loc[0, "last_name"] == last
    assert crm.contacts.loc[0, "full_name"] == full_name.strip()


def test_full_name_is_not_split_over_separate_name_columns(write_file) -> None:
    text = "Full Name;First Name;Last Name\r\nMatti Virtanen;Matias;Virtanen-Koski\r\n"
    crm = read_crm_file(write_file("molemmat.csv", text))
    assert crm.contacts.loc[0, "first_name"] == "Matias"
    assert crm.contacts.loc[0, "last_name"] == "Virtanen-Koski"


def test_blank_rows_between_data_are_kept_and_trailing_ones_dropped(write_file) -> None:
    text = (
        "\r\n"
        "Email;Etunimi;Sukunimi\r\n"
        "a@example.fi;Anna;Aho\r\n"
        "\r\n"
        ";;\r\n"
        "b@example.fi;Bertta;Berg\r\n"
        ";;\r\n"
        "\r\n"
    )
    crm = read_crm_file(write_file("tyhjat.csv", text))

    assert crm.rows == [
        ["a@example.fi", "Anna", "Aho"],
        [],
        ["", "", ""],
        ["b@example.fi", "Bertta", "Berg"],
    ]
    assert crm.line_numbers == [3, 4, 5, 6]
    assert crm.contacts["problem"].tolist() == ["", "row is empty", "row is empty", ""]
    assert crm.contacts["row_key"].tolist() == ["1", "2", "3", "4"]


def test_too_many_rows_are_refused(write_file) -> None:
    text = "Email\n" + "".join(f"user{n}@example.fi\n" for n in range(6))
    path = write_file("iso.csv", text)
    assert len(read_crm_file(path, max_rows=6).rows) == 6
    with pytest.raises(CrmFileError, match="more than 5 data rows") as caught:
        read_crm_file(path, max_rows=5)
    assert caught.value.line == 7


@pytest.mark.parametrize("name", ["asiakkaat.txt", "asiakkaat.tsv", "asiakkaat", "asiakkaat.dat"])
def test_other_suffixes_are_sniffed_as_text(write_file, name: str) -> None:
    crm = read_crm_file(write_file(name, "Email\tName\r\nm@example.fi\tMatti Virtanen\r\n"))
    assert crm.format == FileFormat(kind="csv", delimiter="\t")
    assert crm.contacts.loc[0, "last_name"] == "Virtanen"


def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Ohjeet"
    notes["A1"] = "Tämä välilehti on ohje, yhteystiedot ovat seuraavalla."
    sheet = workbook.create_sheet("Yhteystiedot")
    sheet.append(["Asiakasnumero", "Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Postinumero"])
    sheet.append([1001, "Matti", "Virtanen", "matti@example.fi", 358401234567, 100])
    sheet["F2"].number_format = "00000"
    sheet.append([1002.0, "Åsa", "Öhman", None, "+358 40 765 4321", "02100"])
    sheet.append([])
    sheet.append([1003, "Liisa", dt.date(2024, 4, 3), "=CONCAT(B4,C4)", 0.5, True, "extra"])
    workbook.save(path)
    return path


def test_xlsx_is_read_from_the_sheet_with_contacts(tmp_path: Path) -> None:
    crm = read_crm_file(_workbook(tmp_path / "asiakkaat.xlsx"))

    assert crm.format == FileFormat(kind="xlsx", encoding="utf-8", sheet_name="Yhteystiedot")
    # Data beyond the last named column is kept under an empty header name.
    assert crm.header == [
        "Asiakasnumero",
        "Etunimi",
        "Sukunimi",
        "Sähköposti",
        "Puhelin",
        "Postinumero",
        "",
    ]
    assert crm.rows == [
        ["1001", "Matti", "Virtanen", "matti@example.fi", "358401234567", "00100", ""],
        ["1002", "Åsa", "Öhman", "", "+358 40 765 4321", "02100", ""],
        ["", "", "", "", "", "", ""],
        # openpyxl stores formulas without a computed value, so data_only reads nothing.
        ["1003", "Liisa", "2024-04-03", "", "0.5", "TRUE", "extra"],
    ]
    assert crm.line_numbers == [2, 3, 4, 5]
    assert crm.contacts["row_key"].tolist() == ["1001", "1002", "", "1003"]
    assert crm.contacts["problem"].tolist() == ["", "", "row is empty", ""]


def test_xlsx_without_contact_sheet_is_refused_naming_the_first_sheet_headers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "muistiinpanot.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Muistio", "Päivä"])
    workbook.active.append(["soita", "maanantai"])
    workbook.save(path)
    with pytest.raises(CrmFileError, match="headers seen: 2 columns, none recognised"):
        read_crm_file(path)


def test_xlsx_over_the_unpacked_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crmfile.workbook.MAX_UNCOMPRESSED_BYTES", 1024)
    with pytest.raises(CrmFileError, match="MiB limit"):
        read_crm_file(_workbook(tmp_path / "iso.xlsx"))


def test_xls_is_refused(write_file) -> None:
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(write_file("vanha.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)))
    assert str(caught.value) == (
        "vanha.xls: .xls (Excel 97-2003) is not supported; save it as .xlsx or CSV"
    )


def test_xls_content_under_a_csv_name_is_refused(write_file) -> None:
    path = write_file("vanha.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(CrmFileError, match="Excel 97-2003"):
        read_crm_file(path)


def test_xlsx_name_on_a_non_workbook_is_refused(write_file) -> None:
    with pytest.raises(CrmFileError, match=r"not a valid \.xlsx"):
        read_crm_file(write_file("feikki.xlsx", "Email\r\nm@example.fi\r\n"))


def test_error_message_and_pickling() -> None:
    error = CrmFileError(Path("/data/in/asiakkaat.csv"), 12, "row is broken")
    assert str(error) == "asiakkaat.csv, line 12: row is broken"
    assert str(CrmFileError("x/y.csv", None, "file is empty")) == "y.csv: file is empty"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.line, copy.problem) == (error.path, 12, "row is broken")
