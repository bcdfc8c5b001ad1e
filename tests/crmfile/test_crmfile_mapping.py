"""The customer's mapping file, the mapping report, and header dialects beyond plain names."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmfile import CrmFileError, load_mapping_file, map_headers, read_crm_file

TEXT = (
    "Kontakti;Posti;Firma;Puhelin;GSM;Lisätieto\r\n"
    "Matti Virtanen;matti@example.fi;Virtanen Oy;09 123 456;040 111 2222;soita\r\n"
)


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


# -- load_mapping_file ----------------------------------------------------------------------


def test_toml_mapping_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "acme.toml",
        '# Acme\'s export\n[columns]\nfull_name = "Kontakti"\nemail = "Posti"\nmobile = ""\n',
    )
    assert load_mapping_file(path) == {"full_name": "Kontakti", "email": "Posti", "mobile": ""}


@pytest.mark.parametrize("name", ["acme.yaml", "acme.yml"])
def test_yaml_mapping_file(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, "columns:\n  email: Sähköposti\n  mobile:\n  phone: ''\n")
    assert load_mapping_file(path) == {"email": "Sähköposti", "mobile": "", "phone": ""}


def test_yaml_flow_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "acme.yaml", "columns: {email: Sähköposti, full_name: Nimi}\n")
    assert load_mapping_file(path) == {"email": "Sähköposti", "full_name": "Nimi"}


@pytest.mark.parametrize(
    ("name", "content", "problem", "line"),
    [
        ("a.toml", '[columns]\nemail = "Posti\n', "not valid TOML", 2),
        ("a.toml", "[columns\nemail = 'x'\n", "not valid TOML", 1),
        ("a.yaml", "columns:\n  email: [Posti\n", "not valid YAML", 3),
        ("a.yaml", "columns:\n\temail: Posti\n", "not valid YAML", 2),
        ("a.toml", 'email = "Posti"\n', 'needs a "columns" table', None),
        ("a.yaml", "- email\n", 'needs a "columns" table', None),
        ("a.yaml", "", 'needs a "columns" table', None),
        ("a.toml", '[columns]\nshoe_size = "Koko"\n', 'unknown column(s) "shoe_size"', None),
        ("a.toml", "[columns]\nemail = 3\n", "must be text", None),
        ("a.yaml", "columns:\n  email: yes\n", "must be text", None),
        ("a.toml", '[columns]\nphone = "Puh"\nmobile = "Puh"\n', "given to both", None),
        ("a.toml", '[column]\nemail = "Posti"\n', 'needs a "columns" table', None),
        ("a.toml", '[columns]\nemail = "P"\n[other]\nx = 1\n', "unknown top-level", None),
        ("a.toml", "[columns]\n", '"columns" must map', None),
        ("a.json", '{"columns": {}}', "must be TOML", None),
    ],
)
def test_malformed_mapping_file_is_refused(
    tmp_path: Path, name: str, content: str, problem: str, line: int | None
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(CrmFileError) as caught:
        load_mapping_file(path)
    error = caught.value
    assert problem in error.problem
    assert error.path == path
    assert error.line == line
    assert str(error).startswith(name)
    assert "\n" not in str(error)


def test_mapping_file_that_is_not_utf8_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes('[columns]\nemail = "Sähköposti"\n'.encode("cp1252"))
    with pytest.raises(CrmFileError, match="not UTF-8"):
        load_mapping_file(path)
    with pytest.raises(CrmFileError, match="cannot read the mapping file"):
        load_mapping_file(tmp_path / "missing.toml")


def test_mapping_file_overrides_the_automatic_mapping(tmp_path: Path) -> None:
    data = _write(tmp_path, "oma.csv", TEXT)
    mapping = _write(
        tmp_path,
        "oma.toml",
        '[columns]\nfull_name = "kontakti"\nemail = "Posti"\nphone = "GSM"\nmobile = ""\n',
    )
    crm = read_crm_file(data, mapping_file=mapping)

    # "kontakti" differs from the header only in case, which a hand-written file may.
    assert crm.mapping == {
        "full_name": "Kontakti",
        "org_name": "Firma",
        "email": "Posti",
        "phone": "GSM",
    }
    report = crm.mapping_report
    assert '"Kontakti" -> full_name (mapping file oma.toml)' in report
    assert '"GSM" -> phone (mapping file oma.toml)' in report
    assert '"Puhelin" -> (not used: phone is already "GSM")' in report
    assert '"Lisätieto" -> (not used)' in report
    # An explicit mapping wins over the file for the columns it names.
    crm = read_crm_file(data, mapping_file=mapping, mapping={"phone": "Puhelin"})
    assert crm.mapping["phone"] == "Puhelin"


def test_mapping_file_naming_a_missing_header_is_refused(tmp_path: Path) -> None:
    data = _write(tmp_path, "oma.csv", TEXT)
    mapping = _write(tmp_path, "oma.yaml", "columns:\n  email: E-mail\n")
    with pytest.raises(CrmFileError) as caught:
        read_crm_file(data, mapping_file=mapping)
    assert '"E-mail"' in str(caught.value)
    # The file's own header cells are never repeated (they may be a data row).
    assert "headers seen: 6 columns; recognised: column 3 -> org_name" in str(caught.value)
    assert "Kontakti" not in str(caught.value)


# -- the mapping report ---------------------------------------------------------------------


def test_mapping_report_explains_every_choice(tmp_path: Path) -> None:
    text = (
        "Asiakaslista 2024\r\n"
        "Nimi;Sähköposti;Puhelin;Phone;Lisätieto;;Muokattu\r\n"
        "Matti Virtanen;matti@example.fi;401234567;;soita;x;3.4.2024\r\n"
        ";;;;;;\r\n"
        "Liisa Korhonen;liisa@example.fi;3.58401E+11;;;;13.4.2024\r\n"
    )
    path = tmp_path / "raportti.csv"
    path.write_bytes(text.encode("cp1252"))
    crm = read_crm_file(path)

    assert crm.mapping_report == [
        "format: delimited text",
        "encoding: cp1252 (not UTF-8; the one of cp1252, ISO-8859-15 and Mac Roman that "
        "charset detection and the count of Finnish/Swedish letters favour)",
        'delimiter: ";" (splits the header into 7 columns; 100% of the sampled rows have '
        "as many; 1 title line(s) above the header)",
        "line endings: CRLF (the first line break outside quotes)",
        "quoting: only where needed",
        "header: line 2 (1 line(s) above it are not data; they are written back as they are)",
        '"Nimi" -> full_name (generic name column, no first/last name columns)',
        '"Sähköposti" -> email (synonym)',
        '"Puhelin" -> phone (synonym)',
        '"Phone" -> (not used: phone is already "Puhelin")',
        '"Lisätieto" -> (not used)',
        "column 6 -> (not used: no header)",
        '"Muokattu" -> date column (synonym; read into dates as ISO dates)',
        'first_name, last_name: split from full_name ("Last, First" or "First [particles] Last")',
        "row_key: the 1-based data row number (no customer id column)",
        "rows: 3 data rows, 2 usable, 1 quarantined, 2 with repairs or warnings",
    ]
    assert crm.format.preamble == (("Asiakaslista 2024",),)
    assert crm.contacts["repairs"].tolist() == [
        "phone: leading 0 restored",
        "",
        "phone: scientific notation, digits lost",
    ]
    assert crm.dates["Muokattu"].tolist() == ["2024-04-03", "", "2024-04-13"]


def test_mapping_report_for_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "kirja.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Ohje"
    sheet = workbook.create_sheet("Kontaktit")
    sheet.append(["Förnamn", "Efternamn", "E-post"])
    sheet.append(["Åsa", "Öhman", "asa@example.fi"])
    workbook.save(path)
    report = read_crm_file(path).mapping_report
    assert report[:3] == [
        "format: xlsx workbook (formulas read as their computed values)",
        'sheet: "Kontaktit" (the first sheet whose headers identify contacts; '
        'other sheets: "Ohje")',
        "header: row 1",
    ]


# -- header dialects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Pipedrive: "<record> - <field> - <qualifier>".
        (
            ["Person - Name", "Person - Email - Work", "Person - Phone - Mobile"],
            {"full_name": "Person - Name", "email": "Person - Email - Work",
             "mobile": "Person - Phone - Mobile"},
        ),
        # An organisation prefix: its name is the company; its phone is not the person's.
        (
            ["Email", "Organization - Name", "Organization - Phone", "Organization - Address"],
            {"org_name": "Organization - Name", "email": "Email"},
        ),
        # Qualifiers in parentheses.
        (
            ["Sähköposti (työ)", "Puhelin (GSM)", "Puhelin (vaihde)"],
            {"email": "Sähköposti (työ)", "phone": "Puhelin (vaihde)",
             "mobile": "Puhelin (GSM)"},
        ),
        # Dynamics 365 (Finnish UI) and its hidden record id.
        (
            ["(Älä muokkaa) Yhteyshenkilö", "Koko nimi", "Osoite 1: Postinumero"],
            {"customer_row_id": "(Älä muokkaa) Yhteyshenkilö", "full_name": "Koko nimi",
             "postcode": "Osoite 1: Postinumero"},
        ),
        # Lime CRM (Swedish).
        (
            ["Förnamn", "Efternamn", "Mobiltelefon", "Telefon direkt", "Postadress"],
            {"first_name": "Förnamn", "last_name": "Efternamn", "phone": "Telefon direkt",
             "mobile": "Mobiltelefon", "street": "Postadress"},
        ),
        # Hand-made sheets.
        (
            ["Nimi", "Firma", "Puh.", "S-posti", "Postinro"],
            {"full_name": "Nimi", "org_name": "Firma", "phone": "Puh.", "email": "S-posti",
             "postcode": "Postinro"},
        ),
        # A qualifier after an unknown name means nothing.
        (["Email", "Lisätieto (sähköposti)", "Huom - puhelin"], {"email": "Email"}),
        # Second columns of a kind and date columns are not contact columns.
        (["Email", "Email 2", "Created Date", "Muokattu"], {"email": "Email"}),
    ],
)  # fmt: skip
def test_dialect_headers(header: list[str], expected: dict[str, str]) -> None:
    assert map_headers(header) == expected
