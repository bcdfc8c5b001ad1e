"""A corpus of customer files as they really arrive, generated on demand (never committed).

Every case names its file, its header dialect, the encoding and delimiter it was written
with, how to build it, and the expected outcome as data: ``read(N, M)`` (N data rows, M of
them quarantined) or ``refused("substring of the message")``. ``build_corpus(folder)``
writes every file; ``run_case`` reads one; ``outcome_table`` renders the results as
Markdown. Run it directly to print the table:

    .venv/bin/python tests/crmfile/crm_corpus.py
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from stdnum.fi import ytunnus

# -- the people in every file ------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    title: str
    org: str
    bid7: str  # the business ID's first seven digits; the check digit is computed
    street: str
    postcode: str
    city: str

    @property
    def business_id(self) -> str:
        valid = [f"{self.bid7}-{d}" for d in "0123456789" if ytunnus.is_valid(self.bid7 + d)]
        assert len(valid) == 1, f"{self.bid7} has no check digit; pick another"
        return valid[0]

    @property
    def email(self) -> str:
        local = f"{self.first}.{self.last}".casefold()
        for letter, plain in (("ä", "a"), ("ö", "o"), ("å", "a"), (" ", ""), ("-", "")):
            local = local.replace(letter, plain)
        return f"{local}@example.fi"


PEOPLE: tuple[Person, ...] = (
    Person("Matti", "Virtanen", "Toimitusjohtaja", "Virtasen Kone Oy", "0123456",
           "Mannerheimintie 12 B", "00100", "Helsinki"),
    Person("Åsa", "Öhman", "Verkställande direktör", "Öhmans Öljy Ab", "0765432",
           "Storgatan 3", "10600", "Ekenäs"),
    Person("Jyrki", "Mäkelä", "Myyntipäällikkö", "Mäkelä & Co Oy", "2345678",
           "Hämeenkatu 1", "33100", "Tampere"),
    Person("Päivi", "Kärkkäinen", "Talousjohtaja", "Kärkkäinen, Lahtinen & Co", "1987654",
           "Yliopistonkatu 7", "20100", "Turku"),
    Person("Sören", "Ålander", "Inköpschef", "Ålands Sjöfart Ab", "0456789",
           "Torggatan 5", "22100", "Mariehamn"),
    Person("Liisa", "Korhonen", "Henkilöstöpäällikkö", "Korhonen Ky", "3456788",
           "Kauppakatu 20", "40100", "Jyväskylä"),
    Person("Anna-Liisa", "Mäki-Petäjä", "Hallituksen pj.", "Petäjä Group Oyj", "1112223",
           "Rautatienkatu 4", "15100", "Lahti"),
    Person("Björn", "Söderström", "Försäljningschef", "Söderström Trä Ab", "0987650",
           "Mannerheiminkatu 9", "06100", "Borgå"),
    Person("Eeva", "Hämäläinen", "Tuotantojohtaja", "Hämeen Metalli Oy", "2223335",
           "Isokatu 30", "90100", "Oulu"),
    Person("Carl", "af Forselles", "Styrelseordförande", "Forselles Invest Ab", "0334455",
           "Esplanaden 2", "00130", "Helsingfors"),
    Person("Ulla", "Ylönen", "Markkinointipäällikkö", "Ylösen Leipomo Oy", "2468025",
           "Hovioikeudenpuistikko 8", "65100", "Vaasa"),
    Person("Kaarina", "Pöyhönen", "Hankintapäällikkö", "Pöyhösen Kuljetus Oy", "0192838",
           "Kirkkokatu 6", "00530", "Helsinki"),
)  # fmt: skip

LAST_NAMES = frozenset(person.last for person in PEOPLE)
EMAILS = tuple(person.email for person in PEOPLE)
NOTE_WITH_QUOTES = 'Sanoi "soita syksyllä", tarjous 1,5 k€'
NOTE_WITH_NEWLINE = 'Rivi 1\r\nRivi 2 ""lainaus""'


def _date(number: int) -> dt.datetime:
    # Day numbers over 12 on some rows settle a slash-date column's order.
    return dt.datetime(2024, 1 + number % 12, 3 + 2 * (number % 12), 9 + number % 8, 15)


def value(person: Person, number: int, key: str) -> Any:
    """The cell for ``key`` in a dialect's column list; Python values for xlsx cells."""
    when = _date(number)
    values: dict[str, Any] = {
        "id": str(1001 + number),
        "sf_id": f"0035e00000{number:03d}AbC",
        "guid": f"5d1c{number:04x}-1b2c-4d5e-8f90-a1b2c3d4e5f6",
        "first": person.first,
        "last": person.last,
        "full": f"{person.first} {person.last}",
        "full_rev": f"{person.last}, {person.first}",
        "title": person.title,
        "org": person.org,
        "bid": person.business_id,
        "email": person.email,
        "phone": f"+358 9 {123 + number} {4500 + number}",
        "mobile": f"040 {765 + number} {4300 + number}",
        "street": person.street,
        "postcode": person.postcode,
        "city": person.city,
        "country_fi": "Suomi",
        "country": "Finland",
        "notes": "Soita syksyllä" if number % 3 == 0 else "",
        "date_fi": f"{when.day}.{when.month}.{when.year}",
        "date_iso": when.date().isoformat(),
        "datetime_iso": when.strftime("%Y-%m-%d %H:%M"),
        "datetime_sf": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "date_us": f"{when.month}/{when.day}/{when.year}",
        "date_xlsx": when,
        "lifecycle": "lead" if number % 2 else "customer",
        "owner": "Myyjä Maija",
        "salutation": "Mr." if number % 2 else "Ms.",
        "checksum": f"{number * 7919:08x}",
        "label": "Hot" if number % 4 == 0 else "",
        "blank": "",
    }
    return values[key]


# -- header dialects: (header, value key) per column --------------------------------------

Columns = tuple[tuple[str, str], ...]

DIALECTS: dict[str, Columns] = {
    "Finnish": (
        ("Asiakasnumero", "id"), ("Etunimi", "first"), ("Sukunimi", "last"),
        ("Tehtävänimike", "title"), ("Yritys", "org"), ("Y-tunnus", "bid"),
        ("Sähköposti", "email"), ("Puhelin", "phone"), ("Matkapuhelin", "mobile"),
        ("Katuosoite", "street"), ("Postinumero", "postcode"),
        ("Postitoimipaikka", "city"), ("Maa", "country_fi"), ("Lisätieto", "notes"),
        ("Muokattu", "date_fi"),
    ),
    "Swedish": (
        ("Kundnummer", "id"), ("Förnamn", "first"), ("Efternamn", "last"),
        ("Befattning", "title"), ("Företag", "org"), ("FO-nummer", "bid"),
        ("E-post", "email"), ("Telefon", "phone"), ("Mobil", "mobile"),
        ("Gatuadress", "street"), ("Postnummer", "postcode"), ("Postort", "city"),
        ("Land", "country"), ("Anteckning", "notes"), ("Senast ändrad", "date_iso"),
    ),
    "English": (
        ("Customer ID", "id"), ("First name", "first"), ("Last name", "last"),
        ("Job title", "title"), ("Company", "org"), ("Business ID", "bid"),
        ("Email", "email"), ("Phone", "phone"), ("Mobile", "mobile"),
        ("Street address", "street"), ("Postcode", "postcode"), ("City", "city"),
        ("Country", "country"), ("Notes", "notes"),
    ),
    "HubSpot": (
        ("Record ID", "id"), ("First Name", "first"), ("Last Name", "last"),
        ("Email", "email"), ("Phone Number", "phone"), ("Mobile Phone Number", "mobile"),
        ("Company Name", "org"), ("Job Title", "title"), ("Street Address", "street"),
        ("Postal Code", "postcode"), ("City", "city"), ("Country/Region", "country"),
        ("Lifecycle Stage", "lifecycle"), ("Create Date", "datetime_iso"),
        ("Contact owner", "owner"),
    ),
    "Salesforce": (
        ("Contact ID", "sf_id"), ("Salutation", "salutation"), ("First Name", "first"),
        ("Last Name", "last"), ("Title", "title"), ("Account Name", "org"),
        ("Email", "email"), ("Phone", "phone"), ("Mobile", "mobile"),
        ("Mailing Street", "street"), ("Mailing City", "city"),
        ("Mailing Zip/Postal Code", "postcode"), ("Mailing Country", "country"),
        ("Created Date", "date_us"),
    ),
    "Salesforce API": (
        ("Id", "sf_id"), ("FirstName", "first"), ("LastName", "last"), ("Title", "title"),
        ("Account.Name", "org"), ("Email", "email"), ("Phone", "phone"),
        ("MobilePhone", "mobile"), ("MailingStreet", "street"),
        ("MailingPostalCode", "postcode"), ("MailingCity", "city"),
        ("MailingCountry", "country"), ("CreatedDate", "datetime_sf"),
    ),
    "Dynamics 365": (
        ("(Do Not Modify) Contact", "guid"), ("(Do Not Modify) Row Checksum", "checksum"),
        ("(Do Not Modify) Modified On", "date_xlsx"), ("Full Name", "full"),
        ("Company Name", "org"), ("Job Title", "title"), ("Business Phone", "phone"),
        ("Mobile Phone", "mobile"), ("Email", "email"), ("Address 1: Street 1", "street"),
        ("Address 1: ZIP/Postal Code", "postcode"), ("Address 1: City", "city"),
        ("Address 1: Country/Region", "country"),
    ),
    "Dynamics 365 (fi)": (
        ("(Älä muokkaa) Yhteyshenkilö", "guid"), ("Koko nimi", "full"),
        ("Yrityksen nimi", "org"), ("Tehtävänimike", "title"), ("Työpuhelin", "phone"),
        ("Matkapuhelin", "mobile"), ("Sähköposti", "email"),
        ("Osoite 1: Katu 1", "street"), ("Osoite 1: Postinumero", "postcode"),
        ("Osoite 1: Kaupunki", "city"), ("Osoite 1: Maa/alue", "country_fi"),
    ),
    "Pipedrive": (
        ("Person - ID", "id"), ("Person - Name", "full"), ("Person - Organization", "org"),
        ("Person - Email - Work", "email"), ("Person - Email - Home", "blank"),
        ("Person - Phone - Work", "phone"), ("Person - Phone - Mobile", "mobile"),
        ("Person - Job title", "title"), ("Organization - Address", "street"),
        ("Organization - Address - ZIP/Postal code", "postcode"),
        ("Organization - Address - City/town/village/locality", "city"),
        ("Person - Label", "label"), ("Person - Update time", "datetime_iso"),
    ),
    "Lime CRM (sv)": (
        ("Id", "id"), ("Förnamn", "first"), ("Efternamn", "last"),
        ("Befattning", "title"), ("Företag", "org"), ("E-post", "email"),
        ("Mobiltelefon", "mobile"), ("Telefon direkt", "phone"), ("Postadress", "street"),
        ("Postnummer", "postcode"), ("Postort", "city"), ("Land", "country"),
        ("Skapad", "date_iso"),
    ),
    "Lime CRM (fi)": (
        ("Etunimi", "first"), ("Sukunimi", "last"), ("Asema", "title"), ("Yritys", "org"),
        ("Sähköposti", "email"), ("Matkapuhelin", "mobile"), ("Puhelin", "phone"),
        ("Postiosoite", "street"), ("Postinumero", "postcode"),
        ("Postitoimipaikka", "city"), ("Luotu", "date_xlsx"),
    ),
    "Excel hand-made": (
        ("Nimi", "full_rev"), ("Firma", "org"), ("Puh.", "mobile"), ("S-posti", "email"),
        ("Osoite", "street"), ("Postinro", "postcode"), ("Kaupunki", "city"),
        ("Huom", "notes"),
    ),
}  # fmt: skip

# What each dialect must map (a subset is enough to prove the dialect is understood).
DIALECT_MAPPING: dict[str, dict[str, str]] = {
    "Finnish": {
        "customer_row_id": "Asiakasnumero",
        "email": "Sähköposti",
        "mobile": "Matkapuhelin",
    },
    "Swedish": {"customer_row_id": "Kundnummer", "business_id": "FO-nummer", "email": "E-post"},
    "English": {"first_name": "First name", "business_id": "Business ID", "postcode": "Postcode"},
    "HubSpot": {"customer_row_id": "Record ID", "mobile": "Mobile Phone Number"},
    "Salesforce": {"org_name": "Account Name", "postcode": "Mailing Zip/Postal Code"},
    "Salesforce API": {"org_name": "Account.Name", "mobile": "MobilePhone"},
    "Dynamics 365": {
        "customer_row_id": "(Do Not Modify) Contact",
        "full_name": "Full Name",
        "postcode": "Address 1: ZIP/Postal Code",
    },
    "Dynamics 365 (fi)": {
        "customer_row_id": "(Älä muokkaa) Yhteyshenkilö",
        "street": "Osoite 1: Katu 1",
        "country": "Osoite 1: Maa/alue",
    },
    "Pipedrive": {
        "customer_row_id": "Person - ID",
        "full_name": "Person - Name",
        "email": "Person - Email - Work",
        "mobile": "Person - Phone - Mobile",
        "postcode": "Organization - Address - ZIP/Postal code",
    },
    "Lime CRM (sv)": {"mobile": "Mobiltelefon", "phone": "Telefon direkt", "street": "Postadress"},
    "Lime CRM (fi)": {"title": "Asema", "street": "Postiosoite"},
    "Excel hand-made": {"full_name": "Nimi", "org_name": "Firma", "email": "S-posti"},
}
DIALECT_DATES: dict[str, list[str]] = {
    "Finnish": ["Muokattu"],
    "Swedish": ["Senast ändrad"],
    "HubSpot": ["Create Date"],
    "Salesforce": ["Created Date"],
    "Salesforce API": ["CreatedDate"],
    "Dynamics 365": ["(Do Not Modify) Modified On"],
    "Pipedrive": ["Person - Update time"],
    "Lime CRM (sv)": ["Skapad"],
    "Lime CRM (fi)": ["Luotu"],
}


def table(dialect: str, count: int = len(PEOPLE)) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``count`` people in a dialect (cycling through PEOPLE)."""
    columns = DIALECTS[dialect]
    header = [name for name, _ in columns]
    rows = [
        [value(PEOPLE[number % len(PEOPLE)], number, key) for _, key in columns]
        for number in range(count)
    ]
    return header, rows


# -- expected outcomes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    outcome: str  # "read" or "refused"
    rows: int = 0  # data rows in the file (blank rows between data rows included)
    quarantined: int = 0
    message: str = ""  # for a refusal: a substring of the message
    line: int | None = None  # for a refusal: the line the message must name, if any

    def describe(self) -> str:
        if self.outcome == "read":
            return f"read, {self.rows} rows, {self.quarantined} quarantined"
        return f'refused: "{self.message}"'


def read(rows: int, quarantined: int = 0) -> Expected:
    return Expected("read", rows=rows, quarantined=quarantined)


def refused(message: str, line: int | None = None) -> Expected:
    return Expected("refused", message=message, line=line)


@dataclass(frozen=True)
class Case:
    name: str
    dialect: str
    encoding: str
    delimiter: str
    build: Callable[[Path], None] = field(repr=False)
    expected: Expected
    read_kwargs: dict[str, Any] = field(default_factory=dict)
    # The file written back from its own rows is byte-identical to the file sent.
    byte_identical: bool = False
    # Extra checks on the CrmFile (repairs, decoded values, ...).
    check: Callable[[Any], None] | None = field(default=None, repr=False)


# -- writers -------------------------------------------------------------------------------

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", "": "-"}


def delimited(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    delimiter: str,
    newline: str,
    quote_all: bool = False,
) -> str:
    """Text written the way CRM exports write it (Python's csv module, not crmfile's)."""
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    return out.getvalue()


def encoded(text: str, encoding: str) -> bytes:
    """``encoding`` may be "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom" or a plain codec."""
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


def text_file(
    dialect: str,
    encoding: str,
    delimiter: str,
    newline: str = "\r\n",
    *,
    count: int = len(PEOPLE),
    quote_all: bool = False,
    edit: Callable[[list[str], list[list[Any]]], None] | None = None,
    after: Callable[[bytes], bytes] | None = None,
) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        header, rows = table(dialect, count)
        rows = [[_as_text(cell) for cell in row] for row in rows]
        if edit is not None:
            edit(header, rows)
        data = encoded(delimited(header, rows, delimiter, newline, quote_all), encoding)
        path.write_bytes(after(data) if after is not None else data)

    return build


def _as_text(cell: Any) -> str:
    if isinstance(cell, dt.datetime):
        return cell.strftime("%d.%m.%Y %H:%M")
    return "" if cell is None else str(cell)


def raw_file(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


def workbook_file(
    sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]],
    *,
    merged: dict[str, Sequence[str]] | None = None,
    number_formats: dict[str, dict[str, str]] | None = None,
    cached: dict[str, dict[str, str]] | None = None,
    after: Callable[[Path], None] | None = None,
) -> Callable[[Path], None]:
    """An xlsx of the given sheets (rows of Python values). ``cached`` gives formula cells
    the value Excel would have computed and stored (openpyxl stores none)."""

    def build(path: Path) -> None:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            for cells in (merged or {}).get(title, ()):
                sheet.merge_cells(cells)
            for ref, number_format in (number_formats or {}).get(title, {}).items():
                sheet[ref].number_format = number_format
        workbook.save(path)
        if cached:
            _store_cached_values(path, [t for t, _ in sheets], cached)
        if after is not None:
            after(path)

    return build


def _store_cached_values(
    path: Path, titles: Sequence[str], cached: dict[str, dict[str, str]]
) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for title, values in cached.items():
        part = f"xl/worksheets/sheet{titles.index(title) + 1}.xml"
        xml = parts[part].decode()
        for ref, computed in values.items():
            xml, found = re.subn(
                rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                lambda match, v=computed, r=ref: (
                    f'<c r="{r}" t="str"><f>{match.group(1)}</f><v>{v}</v>'
                ),
                xml,
            )
            assert found == 1, f"no formula cell {ref} in {part}"
        parts[part] = xml.encode()
    _rezip(path, parts)


def _rezip(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


# -- the cases -----------------------------------------------------------------------------


def _note_with_quotes(header: list[str], rows: list[list[Any]]) -> None:
    notes = header.index(next(h for h in header if h in {"Notes", "Lisätieto", "Anteckning"}))
    rows[1][notes] = NOTE_WITH_QUOTES
    rows[4][notes] = NOTE_WITH_NEWLINE
    rows[7][notes] = "yksi\nrivinvaihto LF"


def _euro(header: list[str], rows: list[list[Any]]) -> None:
    rows[0][header.index("Lisätieto")] = "Alennus 15 € / kk"


def _trailing_empty_columns(header: list[str], rows: list[list[Any]]) -> None:
    header.extend(["", ""])
    for row in rows:
        row.extend(["", ""])
    rows.extend([[""] * len(header) for _ in range(3)])


def _blank_rows_between(header: list[str], rows: list[list[Any]]) -> None:
    rows.insert(4, [""] * len(header))
    rows.insert(9, [])


def _ragged(header: list[str], rows: list[list[Any]]) -> None:
    rows[2].append("ylimääräinen")
    del rows[6][5:]


def _oversized(header: list[str], rows: list[list[Any]]) -> None:
    notes = header.index("Lisätieto")
    rows[3][notes] = "x" * 12_000
    rows[8][notes] = "y" * 200_000  # over csv's default field size limit too


def _nul(header: list[str], rows: list[list[Any]]) -> None:
    rows[5][header.index("Notes")] = "katkennut\x00solu"


def _no_identity(header: list[str], rows: list[list[Any]]) -> None:
    for number in (2, 5, 9):
        for name in ("Etunimi", "Sukunimi", "Sähköposti"):
            rows[number][header.index(name)] = ""


# Business IDs as Excel leaves them: the number that lost its leading zero, the digits
# that lost their dash, and a lost-zero number whose check digit does not validate.
LOST_ZERO = PEOPLE[0].business_id.replace("-", "").lstrip("0")
LOST_DASH = PEOPLE[1].business_id.replace("-", "")
NOT_VALID = LOST_ZERO[:-1] + str((int(LOST_ZERO[-1]) + 1) % 10)


def _damage(header: list[str], rows: list[list[Any]]) -> None:
    # What a CSV saved from a Finnish Excel holds after the values became numbers.
    def put(row: int, column: str, text: str) -> None:
        rows[row][header.index(column)] = text

    put(0, "Y-tunnus", LOST_ZERO)
    put(1, "Y-tunnus", LOST_DASH)
    put(2, "Y-tunnus", NOT_VALID)  # left alone for the matcher to flag
    put(0, "Matkapuhelin", "358401234567")
    put(1, "Matkapuhelin", "3,58401E+11")  # digits lost: flagged
    put(2, "Matkapuhelin", "401234567")
    put(3, "Puhelin", "91234567")
    put(0, "Postinumero", "100")
    put(1, "Postinumero", "2100")
    put(4, "Postinumero", "530")
    put(4, "Maa", "Ruotsi")  # not Finland: left alone
    put(0, "Muokattu", "3.4.2024")
    put(1, "Muokattu", "45385")  # an Excel serial day number
    put(2, "Muokattu", "3/4/2024")  # no other slash date settles the order: ambiguous
    put(3, "Muokattu", "ensi viikolla")


def _check_damage(crm: Any) -> None:
    contacts = crm.contacts
    assert contacts.loc[0, "business_id"] == PEOPLE[0].business_id
    assert contacts.loc[1, "business_id"] == PEOPLE[1].business_id
    assert contacts.loc[2, "business_id"] == NOT_VALID
    assert contacts.loc[0, "mobile"] == "+358401234567"
    assert contacts.loc[1, "mobile"] == "3,58401E+11"
    assert contacts.loc[2, "mobile"] == "0401234567"
    assert contacts.loc[3, "phone"] == "091234567"
    assert contacts.loc[0, "postcode"] == "00100"
    assert contacts.loc[1, "postcode"] == "02100"
    assert contacts.loc[4, "postcode"] == "530"
    repairs = contacts["repairs"].tolist()
    assert "business_id: leading zero restored" in repairs[0]
    assert "mobile: + restored before the country code" in repairs[0]
    assert "postcode: leading zeros restored" in repairs[0]
    assert "business_id: dash restored" in repairs[1]
    assert "mobile: scientific notation, digits lost" in repairs[1]
    assert "mobile: leading 0 restored" in repairs[2]
    assert 'date "Muokattu": ambiguous day/month order' in repairs[2]
    assert 'date "Muokattu": not a recognisable date' in repairs[3]
    assert "business_id" not in repairs[2]
    # Doubtful values flag the row; they never quarantine it.
    assert contacts["problem"].tolist() == [""] * len(contacts)
    assert crm.dates["Muokattu"].tolist()[:4] == ["2024-04-03", "2024-04-03", "", ""]
    # The raw rows stay exactly as sent.
    assert crm.rows[0][crm.header.index("Y-tunnus")] == LOST_ZERO


def _check_euro(crm: Any) -> None:
    assert crm.format.encoding == "iso8859-15"
    assert crm.rows[0][crm.header.index("Lisätieto")] == "Alennus 15 € / kk"


def _check_quotes(crm: Any) -> None:
    notes = crm.header.index("Notes")
    assert crm.rows[1][notes] == NOTE_WITH_QUOTES
    assert crm.rows[4][notes] == NOTE_WITH_NEWLINE
    assert crm.rows[7][notes] == "yksi\nrivinvaihto LF"


def _check_title_rows(crm: Any) -> None:
    assert crm.header[0] == "Nimi"
    assert crm.format.preamble
    assert crm.contacts.loc[0, "last_name"] == PEOPLE[0].last


def _check_salesforce_dates(crm: Any) -> None:
    # "2/5/2024" alone is ambiguous; "6/13/2024" ... "12/25/2024" in the column settle it.
    assert crm.format.quote_all is True
    assert crm.dates["Created Date"].tolist()[:2] == ["2024-01-03", "2024-02-05"]


def _formula_sheet_check(crm: Any) -> None:
    assert crm.format.sheet_name == "Yhteystiedot"
    assert crm.contacts["email"].tolist() == [person.email for person in PEOPLE]


def _xlsx_damage_check(crm: Any) -> None:
    contacts = crm.contacts
    assert contacts.loc[0, "business_id"] == PEOPLE[0].business_id
    assert contacts.loc[1, "business_id"] == PEOPLE[1].business_id
    assert contacts.loc[0, "mobile"] == "+358401234567"
    assert contacts.loc[1, "mobile"] == "0401234567"
    assert contacts.loc[0, "postcode"] == "00100"
    assert crm.rows[0][:3] == [LOST_ZERO, "358401234567", "100"]
    assert crm.dates["Päivitetty"].tolist()[0] == "2024-04-03"


def _undecodable_check(crm: Any) -> None:
    assert crm.contacts["problem"].tolist()[7].endswith("not valid in the file's encoding")


def _handmade_workbook() -> Callable[[Path], None]:
    header, rows = table("Excel hand-made")
    notes = [["Täytä asiakkaat välilehdelle Asiakkaat."], ["Päivitetty", "3.4.2024"]]
    return workbook_file(
        [
            ("Ohjeet", notes),
            ("Asiakkaat", [["Asiakaslista kevät 2024"], [], header, *rows]),
        ],
        merged={"Asiakkaat": ["A1:H1"]},
    )


def _formula_workbook() -> Callable[[Path], None]:
    header = ["Etunimi", "Sukunimi", "Sähköposti", "Yritys", "Liikevaihto"]
    rows = [
        [p.first, p.last, f'=LOWER(A{n + 2}&"."&B{n + 2}&"@example.fi")', p.org, n * 1000.5]
        for n, p in enumerate(PEOPLE)
    ]
    cached = {"Yhteystiedot": {f"C{n + 2}": p.email for n, p in enumerate(PEOPLE)}}
    return workbook_file(
        [
            ("Ohje", [["Lue minut"]]),
            ("Pivot", [["Yritys", "Summa"], ["Virtasen Kone Oy", "=SUM(1,2)"]]),
            ("Yhteystiedot", [header, *rows]),
        ],
        cached=cached,
    )


def _merged_header_workbook() -> Callable[[Path], None]:
    header = ["Etunimi", "Sukunimi", "Sähköposti", "Yritys", "Y-tunnus"]
    rows = [[p.first, p.last, p.email, p.org, p.business_id] for p in PEOPLE]
    return workbook_file(
        [("Taul1", [["Henkilö", None, None, "Yritys", None], header, *rows])],
        merged={"Taul1": ["A1:C1", "D1:E1"]},
    )


def _damaged_workbook() -> Callable[[Path], None]:
    header = ["Y-tunnus", "GSM", "Postinumero", "Etunimi", "Sukunimi", "Päivitetty"]
    rows = [
        [int(LOST_ZERO), 358401234567, 100, "Matti", "Virtanen", dt.datetime(2024, 4, 3)],
        [int(LOST_DASH), 401234567, 2100, "Åsa", "Öhman", dt.datetime(2024, 4, 5, 12, 30)],
        [3456789, "+358 50 111 2222", 33100, "Jyrki", "Mäkelä", None],
    ]
    return workbook_file([("Sheet1", [header, *rows])])


def _dynamics_workbook() -> Callable[[Path], None]:
    header, rows = table("Dynamics 365")
    build = workbook_file([("Contacts", [header, *rows])])

    def hide(path: Path) -> None:
        workbook = openpyxl.load_workbook(path)
        for column in "ABC":
            workbook["Contacts"].column_dimensions[column].hidden = True
        workbook.save(path)

    def both(path: Path) -> None:
        build(path)
        hide(path)

    return both


def _lime_workbook() -> Callable[[Path], None]:
    header, rows = table("Lime CRM (fi)")
    return workbook_file([("Henkilöt", [header, *rows])])


def _mixed_problems_workbook() -> Callable[[Path], None]:
    header, rows = table("English", 10)
    rows[3] = [None] * len(header)  # a blank row between data rows
    rows[6][1] = rows[6][2] = rows[6][6] = None  # no name, no e-mail
    return workbook_file([("Contacts", [header, *rows])])


def _header_only_workbook() -> Callable[[Path], None]:
    header, _ = table("Finnish", 0)
    return workbook_file([("Sheet1", [header])])


def _no_contacts_workbook() -> Callable[[Path], None]:
    return workbook_file([("Budjetti", [["Kuukausi", "Summa"], ["tammikuu", 1200]])])


def _zip_bomb() -> Callable[[Path], None]:
    header, rows = table("English", 3)

    def inflate(path: Path) -> None:
        with zipfile.ZipFile(path) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        # Whitespace after the root element is legal XML and compresses about 1000x.
        parts["xl/worksheets/sheet1.xml"] += b" " * (24 * 1024 * 1024)
        _rezip(path, parts)

    return workbook_file([("Sheet1", [header, *rows])], after=inflate)


def _undecodable_line(data: bytes) -> bytes:
    # A line appended by another tool in cp1252, inside an otherwise UTF-8 file.
    lines = data.split(b"\r\n")
    lines[8] = lines[8].decode("utf-8").encode("cp1252")
    return b"\r\n".join(lines)


def _mixed_halves(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    for number in range(2, len(lines), 2):
        lines[number] = lines[number].decode("utf-8").encode("cp1252")
    return b"\r\n".join(lines)


def _unbalanced_quote(data: bytes) -> bytes:
    # An opening quote that never closes, in the 11th data row (line 12).
    damaged = data.replace(b",ulla.ylonen@", b',"ulla.ylonen@', 1)
    assert damaged != data
    return damaged


def _garbage() -> bytes:
    generator = random.Random(20240403)
    return bytes(generator.randrange(256) for _ in range(4096))


def _corpus_cases() -> list[Case]:
    n = len(PEOPLE)
    fi = "Finnish"
    cases = [
        # -- dialects x encodings x delimiters x line ends ------------------------------
        Case(
            "fi_utf8_semicolon_crlf.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "fi_utf8bom_semicolon_crlf.csv",
            fi,
            "utf-8 BOM",
            ";",
            text_file(fi, "utf-8-sig", ";"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "fi_cp1252_semicolon_crlf.csv",
            fi,
            "cp1252",
            ";",
            text_file(fi, "cp1252", ";", edit=_euro),
            read(n),
            byte_identical=True,
        ),
        Case(
            "fi_latin1_semicolon_lf.csv",
            fi,
            "ISO-8859-1",
            ";",
            text_file(fi, "iso8859-1", ";", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "fi_latin9_semicolon_lf.csv",
            fi,
            "ISO-8859-15",
            ";",
            text_file(fi, "iso8859-15", ";", "\n", edit=_euro),
            read(n),
            byte_identical=True,
            check=_check_euro,
        ),
        Case(
            "fi_macroman_semicolon_cr.csv",
            fi,
            "Mac Roman",
            ";",
            text_file(fi, "mac_roman", ";", "\r"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "fi_utf16_tab_crlf.txt",
            fi,
            "UTF-16 LE BOM",
            "\t",
            text_file(fi, "utf-16-le-bom", "\t"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "sv_utf8_comma_lf.csv",
            "Swedish",
            "utf-8",
            ",",
            text_file("Swedish", "utf-8", ",", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "sv_cp1252_semicolon_crlf.csv",
            "Swedish",
            "cp1252",
            ";",
            text_file("Swedish", "cp1252", ";"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "sv_utf16be_tab_crlf.txt",
            "Swedish",
            "UTF-16 BE BOM",
            "\t",
            text_file("Swedish", "utf-16-be-bom", "\t"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "en_utf8_comma_crlf.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ","),
            read(n),
            byte_identical=True,
        ),
        Case(
            "en_utf8_pipe_lf.txt",
            "English",
            "utf-8",
            "|",
            text_file("English", "utf-8", "|", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "en_utf8_tab_cr.tsv",
            "English",
            "utf-8",
            "\t",
            text_file("English", "utf-8", "\t", "\r"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "en_quoted_newlines_doubled_quotes.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ",", edit=_note_with_quotes),
            read(n),
            byte_identical=True,
            check=_check_quotes,
        ),
        Case(
            "hubspot_utf8_comma_lf.csv",
            "HubSpot",
            "utf-8",
            ",",
            text_file("HubSpot", "utf-8", ",", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "salesforce_report_quote_all_crlf.csv",
            "Salesforce",
            "utf-8",
            ",",
            text_file("Salesforce", "utf-8", ",", quote_all=True),
            read(n),
            byte_identical=True,
            check=_check_salesforce_dates,
        ),
        Case(
            "salesforce_api_utf8bom_comma_lf.csv",
            "Salesforce API",
            "utf-8 BOM",
            ",",
            text_file("Salesforce API", "utf-8-sig", ",", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case("dynamics_contacts.xlsx", "Dynamics 365", "xlsx", "-", _dynamics_workbook(), read(n)),
        Case(
            "dynamics_fi_utf8bom_semicolon.csv",
            "Dynamics 365 (fi)",
            "utf-8 BOM",
            ";",
            text_file("Dynamics 365 (fi)", "utf-8-sig", ";"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "pipedrive_people_utf8_comma.csv",
            "Pipedrive",
            "utf-8",
            ",",
            text_file("Pipedrive", "utf-8", ",", "\n"),
            read(n),
            byte_identical=True,
        ),
        Case(
            "lime_sv_cp1252_semicolon.csv",
            "Lime CRM (sv)",
            "cp1252",
            ";",
            text_file("Lime CRM (sv)", "cp1252", ";"),
            read(n),
            byte_identical=True,
        ),
        Case("lime_fi_personer.xlsx", "Lime CRM (fi)", "xlsx", "-", _lime_workbook(), read(n)),
        Case(
            "handmade_title_rows.xlsx",
            "Excel hand-made",
            "xlsx",
            "-",
            _handmade_workbook(),
            read(n),
            check=_check_title_rows,
        ),
        Case(
            "handmade_title_line_cp1252.csv",
            "Excel hand-made",
            "cp1252",
            ";",
            text_file(
                "Excel hand-made",
                "cp1252",
                ";",
                after=lambda d: "Asiakaslista kevät 2024\r\n\r\n".encode("cp1252") + d,
            ),
            read(n),
            byte_identical=True,
            check=_check_title_rows,
        ),
        Case(
            "trailing_empty_columns_and_rows.csv",
            fi,
            "cp1252",
            ";",
            text_file(fi, "cp1252", ";", edit=_trailing_empty_columns),
            read(n),
        ),
        Case(
            "xlsx_contacts_third_sheet_formulas.xlsx",
            "Finnish (sheet)",
            "xlsx",
            "-",
            _formula_workbook(),
            read(n),
            check=_formula_sheet_check,
        ),
        Case(
            "xlsx_merged_group_header.xlsx",
            "Finnish (sheet)",
            "xlsx",
            "-",
            _merged_header_workbook(),
            read(n),
        ),
        # -- Excel damage, repaired in the contacts only --------------------------------
        Case(
            "excel_damaged_numbers_cp1252.csv",
            fi,
            "cp1252",
            ";",
            text_file(fi, "cp1252", ";", edit=_damage),
            read(n),
            byte_identical=True,
            check=_check_damage,
        ),
        Case(
            "excel_damaged_numbers.xlsx",
            "Finnish (sheet)",
            "xlsx",
            "-",
            _damaged_workbook(),
            read(3),
            check=_xlsx_damage_check,
        ),
        # -- row-level problems: quarantined, still in the file -------------------------
        Case(
            "blank_rows_between_data.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";", edit=_blank_rows_between),
            read(n + 2, 2),
        ),
        Case(
            "ragged_rows.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ",", edit=_ragged),
            read(n, 2),
            byte_identical=True,
        ),
        Case(
            "oversized_cells.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";", edit=_oversized),
            read(n, 2),
            byte_identical=True,
        ),
        Case(
            "nul_byte_in_cell.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ",", edit=_nul),
            read(n, 1),
            byte_identical=True,
        ),
        Case(
            "undecodable_line.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";", count=20, after=_undecodable_line),
            read(20, 1),
            byte_identical=True,
            check=_undecodable_check,
        ),
        Case(
            "rows_without_identity.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";", edit=_no_identity),
            read(n, 3),
            byte_identical=True,
        ),
        Case(
            "xlsx_blank_and_anonymous_rows.xlsx",
            "English",
            "xlsx",
            "-",
            _mixed_problems_workbook(),
            read(10, 2),
        ),
        # -- file-level problems: refused with file, line and problem -------------------
        Case("empty.csv", "-", "-", "", raw_file(b""), refused("file is empty")),
        Case(
            "blank_lines_only.csv",
            "-",
            "utf-8",
            ";",
            raw_file(b"\r\n;;;\r\n  \r\n"),
            refused("file is empty"),
        ),
        Case(
            "bom_only.csv",
            "-",
            "utf-8 BOM",
            "",
            raw_file(codecs.BOM_UTF8),
            refused("file is empty"),
        ),
        Case(
            "header_only.csv",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";", count=0),
            refused("file has a header but no data rows", line=1),
        ),
        Case(
            "header_only.xlsx",
            fi,
            "xlsx",
            "-",
            _header_only_workbook(),
            refused("file has a header but no data rows", line=1),
        ),
        Case("binary_garbage.csv", "-", "binary", "", raw_file(_garbage()), refused("binary data")),
        Case(
            "png_renamed.csv",
            "-",
            "binary",
            "",
            raw_file(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
            refused("file is a PNG image"),
        ),
        Case(
            "pdf_renamed.csv",
            "-",
            "binary",
            "",
            raw_file(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"),
            refused("file is a PDF document"),
        ),
        Case("zip_bomb.xlsx", "English", "xlsx", "-", _zip_bomb(), refused("over the 200x limit")),
        Case(
            "unidentifiable_headers.csv",
            "-",
            "utf-8",
            ";",
            raw_file(b"Tunnus;Kommentti;Summa\r\n1;soita;100\r\n"),
            refused("cannot identify the contact columns"),
        ),
        Case(
            "unbalanced_quote.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ",", after=_unbalanced_quote),
            refused("unbalanced quote", line=12),
        ),
        Case(
            "mixed_encodings.csv",
            fi,
            "utf-8 + cp1252",
            ";",
            text_file(fi, "utf-8", ";", after=_mixed_halves),
            refused("mixes UTF-8 with another encoding", line=3),
        ),
        Case(
            "utf16_without_bom.csv",
            fi,
            "UTF-16 LE",
            "\t",
            text_file(fi, "utf-16-le", "\t"),
            refused("UTF-16 without a byte-order mark"),
        ),
        Case(
            "legacy_excel.xls",
            "-",
            "xls",
            "-",
            raw_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
            refused("Excel 97-2003"),
        ),
        Case(
            "text_named_xlsx.xlsx",
            fi,
            "utf-8",
            ";",
            text_file(fi, "utf-8", ";"),
            refused("not a valid .xlsx workbook"),
        ),
        Case(
            "opendocument.ods",
            "-",
            "ods",
            "-",
            _opendocument(),
            refused("OpenDocument spreadsheets are not supported"),
        ),
        Case(
            "no_contacts_sheet.xlsx",
            "-",
            "xlsx",
            "-",
            _no_contacts_workbook(),
            refused("headers seen: 2 columns, none recognised"),
        ),
        Case(
            "too_many_rows.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ","),
            refused("more than 10 data rows", line=12),
            read_kwargs={"max_rows": 10},
        ),
        Case(
            "too_many_bytes.csv",
            "English",
            "utf-8",
            ",",
            text_file("English", "utf-8", ","),
            refused("over the 1024 bytes limit"),
            read_kwargs={"max_bytes": 1024},
        ),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "corpus file names must be unique"
    return cases


def _opendocument() -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", "<office:document-content/>")

    return build


CASES: tuple[Case, ...] = tuple(_corpus_cases())


def build_corpus(folder: Path) -> dict[str, Path]:
    """Write every case's file into ``folder``; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for case in CASES:
        path = folder / case.name
        case.build(path)
        paths[case.name] = path
    return paths


# -- running and reporting -----------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    case: Case
    outcome: str  # "read" or "refused"
    rows: int = 0
    quarantined: int = 0
    message: str = ""
    line: int | None = None
    crm: Any = field(default=None, repr=False)

    def describe(self) -> str:
        if self.outcome == "read":
            fmt = self.crm.format
            how = (
                f'sheet "{fmt.sheet_name}"'
                if fmt.kind == "xlsx"
                else f"{fmt.encoding}{' BOM' if fmt.bom else ''}, "
                f"{DELIMITER_NAMES.get(fmt.delimiter, fmt.delimiter)}"
            )
            return f"read: {self.rows} rows, {self.quarantined} quarantined ({how})"
        return f"refused: {self.message}"


def run_case(case: Case, path: Path) -> Result:
    from crmfile import CrmFileError, read_crm_file

    try:
        crm = read_crm_file(path, **case.read_kwargs)
    except CrmFileError as error:
        return Result(case, "refused", message=str(error), line=error.line)
    quarantined = int((crm.contacts["problem"] != "").sum())
    return Result(case, "read", rows=len(crm.rows), quarantined=quarantined, crm=crm)


def outcome_table(results: Sequence[Result]) -> str:
    """The corpus outcomes as a Markdown table."""
    lines = [
        "| file | dialect | encoding | delimiter | outcome |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        case = result.case
        delimiter = DELIMITER_NAMES.get(case.delimiter, case.delimiter)
        outcome = result.describe().replace("|", "\\|")
        lines.append(
            f"| {case.name} | {case.dialect} | {case.encoding} | {delimiter} | {outcome} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    with tempfile.TemporaryDirectory(prefix="crm-corpus-") as folder:
        paths = build_corpus(Path(folder))
        results = [run_case(case, paths[case.name]) for case in CASES]
        print(outcome_table(results))
        failed = [r.case.name for r in results if r.outcome != r.case.expected.outcome]
    if failed:
        print(f"\nunexpected outcomes: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
