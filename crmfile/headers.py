"""Recognising the customer's column names: which column holds the e-mail, the name, ...

Finnish, Swedish and English names and the export layouts of HubSpot, Salesforce (report
labels and API names), Microsoft Dynamics 365 (English and Finnish UI), Pipedrive
("Person - Email - Work"), Lime CRM (Swedish and Finnish) and hand-made Excel sheets.
Matching folds case, spacing, punctuation and diacritics. Every decision can be explained
(``explain_mapping``) for the mapping report, which never holds a cell value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from crmfile.types import CANONICAL_COLUMNS, CrmFileError, one_line

# Spellings seen in Finnish, Swedish and English CRM exports, comma-separated. They are
# written naturally here and folded by normalise_header, so "Sähköposti", "sahkoposti" and
# "SÄHKÖ-POSTI" all match one entry.
_SYNONYMS: dict[str, str] = {
    "customer_row_id": (
        "customer_row_id, asiakasnumero, asiakastunnus, asiakas id, kontakti id, "
        "yhteyshenkilö id, id, contact id, record id, customer id, customer number, "
        "kundnummer, kund id, row id, crm id, "
        # Dynamics 365's Excel export keeps the record's GUID in a hidden first column.
        "(do not modify) contact, (älä muokkaa) yhteyshenkilö, "
        # Salesforce API names, Pipedrive, Lime CRM.
        "contactid, person id, henkilö id, person-id, lime id, limeid, personid"
    ),
    "first_name": "etunimi, etunimet, first name, förnamn, given name, forename, firstname",
    "last_name": "sukunimi, last name, surname, efternamn, family name, lastname",
    "full_name": (
        "full name, contact name, contact, yhteyshenkilö, yhteyshenkilön nimi, "
        "henkilön nimi, koko nimi, kontaktperson, person name, fullständigt namn, "
        "fullname"
    ),
    "title": (
        "titteli, tehtävänimike, nimike, ammattinimike, asema, tehtävä, title, "
        "job title, position, befattning, titel, yrkestitel, arbetstitel, roll, rooli, "
        "jobtitle"
    ),
    "org_name": (
        "yritys, yrityksen nimi, yritys/organisaatio, organisaatio, organisaation nimi, "
        "toiminimi, company, company name, account, account name, organization, "
        "organization name, organisation, organisation name, företag, företagsnamn, "
        "firma, associated company, parent customer, ylätason asiakas, accountname, "
        "account.name, kund, asiakas, asiakasyritys, organisationsnamn"
    ),
    "business_id": (
        "y-tunnus, business id, yritystunnus, business identity code, "
        "organisaationumero, organisationsnummer, orgnr, org.nr, fo-nummer, vat number, "
        "vat id, alv-tunnus, ytunnus, y tunnus, org nr, organisationsnr, momsnummer, "
        "vat, company id, registration number, fo nummer"
    ),
    "email": (
        "sähköposti, sähköpostiosoite, s-posti, email, e-mail, email address, "
        "e-mail address, e-post, e-postadress, mail, work email, sposti, emailaddress, "
        "email-osoite, sähköposti 1, e-mail 1, primary email, ensisijainen sähköposti"
    ),
    "phone": (
        "puhelin, puhelinnumero, puh, työpuhelin, phone, phone number, telephone, tel, "
        "telefon, telefonnummer, business phone, work phone, office phone, puh.nro, "
        "puhnro, direct phone, direktnummer, telefon direkt, suora numero, suora puhelin, "
        "telefon arbete, phonenumber, businessphone"
    ),
    "mobile": (
        "matkapuhelin, matkapuhelinnumero, gsm, kännykkä, mobiili, mobiilinumero, "
        "mobile, mobile phone, mobile phone number, cell phone, cell, mobil, "
        "mobiltelefon, mobilnummer, matkapuh, mobilephone, kännykkänumero, gsm-numero"
    ),
    "street": (
        "katuosoite, osoite, lähiosoite, postiosoite, street, street address, address, "
        "address 1, address line 1, address 1: street 1, mailing street, gatuadress, "
        "adress, utdelningsadress, postadress, postal address, postaladdress1, "
        "mailingstreet, osoite 1: katu 1, street/road name, katu, gata, besöksadress, "
        "käyntiosoite, visiting address"
    ),
    "postcode": (
        "postinumero, postinro, postal code, postcode, zip, zip code, zip/postal code, "
        "postnummer, mailing postal code, mailing zip/postal code, "
        "address 1: zip/postal code, postalzipcode, mailingpostalcode, postnr, "
        "osoite 1: postinumero, postinumero/zip, post code"
    ),
    "city": (
        "postitoimipaikka, toimipaikka, kaupunki, paikkakunta, kunta, city, town, ort, "
        "stad, postort, mailing city, address 1: city, postalcity, mailingcity, "
        "osoite 1: kaupunki, city/town/village/locality, postitoimipaikka/kaupunki"
    ),
    "country": (
        "maa, valtio, country, country/region, land, mailing country, "
        "address 1: country/region, mailingcountry, osoite 1: maa/alue, maa/alue"
    ),
}

# Columns that hold a date: when the record was made or last changed. They are not
# contact columns; their values are read as ISO dates into CrmFile.dates.
_DATE_SYNONYMS = (
    "date, päivämäärä, pvm, datum, created, created date, create date, createddate, "
    "created on, creation date, modified, modified on, modified date, last modified, "
    "last modified date, lastmodifieddate, last activity date, last contacted, updated, "
    "update time, add time, updated at, created at, luotu, luontipäivä, luontipäivämäärä, "
    "muokattu, muokkauspäivä, viimeksi muokattu, päivitetty, päivityspäivä, "
    "viimeisin yhteydenotto, skapad, skapat, ändrad, senast ändrad, uppdaterad, "
    "(do not modify) modified on, (älä muokkaa) muokattu"
)

# "Name" alone is the person in some exports and the company in others. It is taken as the
# person's full name only when the file has no first or last name column to say otherwise.
_GENERIC_NAMES = ("nimi", "name", "namn")

# Pipedrive and some Dynamics views name a column "<record> - <field>"; a person prefix
# leaves the field as it is, an organisation prefix makes "Name" the company name and
# allows only organisation-level fields (the organisation's phone is not the person's).
_PERSON_PREFIXES = (
    "person, persons, contact, contacts, henkilö, henkilöt, yhteyshenkilö, kontakti, "
    "kontakt, kontaktperson, lead, liidi"
)
_ORG_PREFIXES = (
    "organization, organisation, organisaatio, company, account, yritys, företag, "
    "organisation, asiakas, kund, deal organization"
)
_ORG_LEVEL = frozenset({"org_name", "business_id", "street", "postcode", "city", "country"})
# A qualifier after a phone column that says it is the mobile: "Phone - Mobile".
_WHOLE_ADDRESS = frozenset({"address", "osoite", "adress", "postiosoite", "postadress"})

_NON_ALNUM = re.compile(r"[\W_]+")
# "Person - Email - Work", "Sähköposti (työ)", "Address 1: City": segment separators.
_SEGMENTS = re.compile(r"\s+[-–—]\s+|:|\(|\)|\[|\]")
_HEADERS_LISTED = 20
# A header name longer than this is not a column name but a pasted cell: it is never
# recognised, and the mapping report shows it cut short.
_MAX_HEADER_CHARS = 200
_REPORT_NAME_CHARS = 60

DATE = "date"


def normalise_header(name: str) -> str:
    """Fold a column name for lookup: case, diacritics, spaces and punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub("", letters)


def _keys(spellings: str) -> frozenset[str]:
    return frozenset(normalise_header(spelling) for spelling in spellings.split(","))


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    groups = [*_SYNONYMS.items(), (DATE, _DATE_SYNONYMS)]
    for canonical, spellings in groups:
        for spelling in (*spellings.split(","), canonical):
            key = normalise_header(spelling)
            if lookup.setdefault(key, canonical) != canonical:
                raise AssertionError(f"header synonym {spelling!r} is listed twice")
    return lookup


_LOOKUP = _build_lookup()
_GENERIC_KEYS = _keys(",".join(_GENERIC_NAMES))
_PERSON_KEYS = _keys(_PERSON_PREFIXES)
_ORG_KEYS = _keys(_ORG_PREFIXES)


@dataclass(frozen=True)
class ColumnDecision:
    """What one header became: a canonical column, "date", or nothing, and why."""

    position: int
    header: str
    target: str | None
    how: str

    def line(self) -> str:
        # The report goes into run metadata: a name is shown cut short, on one line.
        shown = one_line(self.header, _REPORT_NAME_CHARS)
        name = f'"{shown}"' if self.header.strip() else f"column {self.position + 1}"
        how = one_line(self.how, 3 * _REPORT_NAME_CHARS)
        if self.target is None:
            return f"{name} -> (not used{': ' + how if how else ''})"
        if self.target == DATE:
            return f"{name} -> date column ({how}; read into dates as ISO dates)"
        return f"{name} -> {self.target} ({how})"


def recognise(name: str) -> tuple[str, str] | None:
    """(canonical column or "date" or "generic", how) for a header; None if unknown."""
    if len(name) > _MAX_HEADER_CHARS:
        return None
    key = normalise_header(name)
    if not key:
        return None
    if key in _GENERIC_KEYS:
        return "generic", "generic name column"
    found = _LOOKUP.get(key)
    if found is not None:
        how = "canonical name" if key == normalise_header(found) else "synonym"
        return found, how
    segments = [part for part in _SEGMENTS.split(name) if normalise_header(part)]
    if len(segments) < 2:
        return None
    first = normalise_header(segments[0])
    if first in _PERSON_KEYS:
        result = _recognise_parts(segments[1:])
        if result is None:
            return None
        column, how = result
        return column, f'{how} after the prefix "{segments[0].strip()}"'
    if first in _ORG_KEYS:
        rest = segments[1:]
        if normalise_header(rest[0]) in _GENERIC_KEYS:
            return "org_name", f'organisation name (prefix "{segments[0].strip()}")'
        if len(rest) == 1 and normalise_header(rest[0]) in _WHOLE_ADDRESS:
            # Pipedrive's "Organization - Address" is the whole address in one cell.
            return None
        result = _recognise_parts(rest)
        if result is None or result[0] not in _ORG_LEVEL | {DATE}:
            return None
        column, how = result
        return column, f'{how} after the prefix "{segments[0].strip()}"'
    return _recognise_parts(segments)


def _recognise_parts(segments: Sequence[str]) -> tuple[str, str] | None:
    # The whole; else the first part must be a known column, which the last part may
    # refine ("Address - ZIP/Postal code", "Puhelin (GSM)") or qualify ("Email - Work").
    # A part after an unknown first part means nothing: "Lisätieto (sähköposti)" is a note.
    whole = _LOOKUP.get(normalise_header("".join(segments)))
    if whole is not None:
        return whole, "synonym"
    head = normalise_header(segments[0])
    if len(segments) == 1 and head in _GENERIC_KEYS:
        return "generic", "generic name column"
    found = _LOOKUP.get(head)
    if found is None:
        return None
    if len(segments) == 1:
        return found, "synonym"
    last = _LOOKUP.get(normalise_header(segments[-1]))
    if last is not None:
        return last, f'synonym "{segments[-1].strip()}"'
    quoted = ", ".join(f'"{part.strip()}"' for part in segments[1:])
    return found, f"synonym, qualifier {quoted} ignored"


def map_headers(header: Sequence[str]) -> dict[str, str]:
    """Canonical column -> the customer's header name, for every column recognised."""
    return explain_mapping(header, {})[0]


def explain_mapping(
    header: Sequence[str], fixed: Mapping[str, str], fixed_how: str = "explicit mapping"
) -> tuple[dict[str, str], list[ColumnDecision], list[str]]:
    """(mapping, one decision per header, date column headers).

    Columns the caller fixed (a header, or "" for "leave unmapped") are not guessed, and
    the headers they claim are not offered to other columns.
    """
    assigned = {canonical: name for canonical, name in fixed.items() if name}
    claimed = {name: canonical for canonical, name in assigned.items()}
    unmapped = {canonical for canonical, name in fixed.items() if not name}
    decisions: list[ColumnDecision | None] = [None] * len(header)
    generic: int | None = None
    dates: list[str] = []
    date_seen: set[str] = set()
    for position, name in enumerate(header):
        if name in claimed:
            if name in header[:position]:
                decisions[position] = ColumnDecision(position, name, None, "same header again")
            else:
                decisions[position] = ColumnDecision(position, name, claimed[name], fixed_how)
            continue
        found = recognise(name)
        if found is None:
            how = "no header" if not name.strip() else ""
            decisions[position] = ColumnDecision(position, name, None, how)
            continue
        canonical, how = found
        if canonical == "generic":
            if generic is None:
                generic = position
            else:
                decisions[position] = ColumnDecision(
                    position, name, None, f'generic name, "{header[generic]}" came first'
                )
            continue
        if canonical == DATE:
            if name in date_seen:
                decisions[position] = ColumnDecision(position, name, None, "same header again")
                continue
            date_seen.add(name)
            dates.append(name)
            decisions[position] = ColumnDecision(position, name, DATE, how)
            continue
        if canonical in unmapped:
            decisions[position] = ColumnDecision(
                position, name, None, f"{fixed_how} leaves {canonical} unmapped"
            )
        elif canonical in assigned:
            decisions[position] = ColumnDecision(
                position, name, None, f'{canonical} is already "{assigned[canonical]}"'
            )
        else:
            assigned[canonical] = name
            decisions[position] = ColumnDecision(position, name, canonical, how)
    if generic is not None:
        name = header[generic]
        names_split = "first_name" in assigned or "last_name" in assigned
        if names_split:
            why = "generic name beside first/last name columns (often the company)"
            decisions[generic] = ColumnDecision(generic, name, None, why)
        elif "full_name" in assigned:
            why = f'full_name is already "{assigned["full_name"]}"'
            decisions[generic] = ColumnDecision(generic, name, None, why)
        elif "full_name" in fixed:
            why = f"{fixed_how} leaves full_name unmapped"
            decisions[generic] = ColumnDecision(generic, name, None, why)
        else:
            assigned["full_name"] = name
            decisions[generic] = ColumnDecision(
                generic, name, "full_name", "generic name column, no first/last name columns"
            )
    mapping = {
        canonical: assigned[canonical] for canonical in CANONICAL_COLUMNS if canonical in assigned
    }
    final = [decision for decision in decisions if decision is not None]
    return mapping, final, dates


def identifies_contacts(mapping: Mapping[str, str]) -> bool:
    """True when a row can name a person: first and last name, a full name, or an e-mail."""
    has_split_name = "first_name" in mapping and "last_name" in mapping
    return has_split_name or "full_name" in mapping or "email" in mapping


def resolve_mapping(
    path: Path, header: Sequence[str], explicit: Mapping[str, str] | None
) -> dict[str, str]:
    """The mapping to use: ``explicit`` (canonical -> header, "" = unmapped) over the automatic.

    Raises CrmFileError when ``explicit`` names an unknown column or a header the file
    lacks, or when the result cannot identify a contact.
    """
    return resolve_and_explain(path, header, explicit)[0]


def resolve_and_explain(
    path: Path,
    header: Sequence[str],
    explicit: Mapping[str, str] | None,
    explicit_how: str = "explicit mapping",
) -> tuple[dict[str, str], list[ColumnDecision], list[str]]:
    """resolve_mapping, with the per-column decisions and the date columns."""
    fixed = _match_explicit(path, header, dict(explicit or {}))
    mapping, decisions, dates = explain_mapping(header, fixed, explicit_how)
    if not identifies_contacts(mapping):
        missing = [
            column
            for column in ("first_name", "last_name", "full_name", "email")
            if column not in mapping
        ]
        raise CrmFileError(
            path,
            None,
            "cannot identify the contact columns: need first and last name, a full name or "
            f"an e-mail column (missing: {', '.join(missing)}); "
            f"headers seen: {describe_headers(header)}",
        )
    return mapping, decisions, dates


def _match_explicit(path: Path, header: Sequence[str], explicit: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(explicit) - set(CANONICAL_COLUMNS))
    if unknown:
        raise CrmFileError(
            path,
            None,
            f"column mapping names unknown column(s) {_quoted(unknown)}; "
            f"known columns: {', '.join(CANONICAL_COLUMNS)}",
        )
    fixed: dict[str, str] = {}
    absent: list[str] = []
    for canonical, name in explicit.items():
        if not name or name in header:
            fixed[canonical] = name
            continue
        # A mapping written by hand may differ in case or spacing ("sähköposti "); it
        # counts when it folds to exactly one header.
        folded = [h for h in header if normalise_header(h) == normalise_header(name)]
        if len(folded) == 1:
            fixed[canonical] = folded[0]
        else:
            absent.append(name)
    if absent:
        raise CrmFileError(
            path,
            None,
            f"column mapping names header(s) not in the file: {_quoted(absent)}; "
            f"headers seen: {describe_headers(header)}",
        )
    return fixed


def describe_headers(header: Sequence[str]) -> str:
    """The header row for an error message, without repeating any of its text.

    The "header" of a refused file may well be its first data row (a file without a header
    row): names, e-mails and phone numbers. So a refusal names only counts, column positions
    and the canonical columns recognised, never the cells themselves.
    """
    recognised: list[str] = []
    for position, name in enumerate(header):
        found = recognise(name) if len(name) <= _MAX_HEADER_CHARS else None
        if found is not None:
            target = "full_name or org_name" if found[0] == "generic" else found[0]
            recognised.append(f"column {position + 1} -> {target}")
    count = f"{len(header)} column{'s' if len(header) != 1 else ''}"
    if not recognised:
        return f"{count}, none recognised (is the header row missing?)"
    shown = ", ".join(recognised[:_HEADERS_LISTED])
    more = len(recognised) - _HEADERS_LISTED
    return f"{count}; recognised: {shown}{f' and {more} more' if more > 0 else ''}"


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)
