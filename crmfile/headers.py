"""Recognising the customer's column names: which column holds the e-mail, the name, ..."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

from crmfile.types import CANONICAL_COLUMNS, CrmFileError

# Spellings seen in Finnish, Swedish and English CRM exports (HubSpot, Salesforce, Dynamics,
# Pipedrive, Excel lists), comma-separated. They are written naturally here and folded by
# normalise_header, so "Sähköposti", "sahkoposti" and "SÄHKÖ-POSTI" all match one entry.
_SYNONYMS: dict[str, str] = {
    "customer_row_id": (
        "customer_row_id, asiakasnumero, asiakastunnus, asiakas id, kontakti id, "
        "yhteyshenkilö id, id, contact id, record id, customer id, customer number, "
        "kundnummer, kund id, row id, crm id"
    ),
    "first_name": "etunimi, etunimet, first name, förnamn, given name, forename",
    "last_name": "sukunimi, last name, surname, efternamn, family name",
    "full_name": (
        "full name, contact name, contact, yhteyshenkilö, yhteyshenkilön nimi, "
        "henkilön nimi, koko nimi, kontaktperson, person name, fullständigt namn"
    ),
    "title": (
        "titteli, tehtävänimike, nimike, ammattinimike, asema, tehtävä, title, "
        "job title, position, befattning, titel, yrkestitel, arbetstitel"
    ),
    "org_name": (
        "yritys, yrityksen nimi, yritys/organisaatio, organisaatio, organisaation nimi, "
        "toiminimi, company, company name, account, account name, organization, "
        "organization name, organisation, organisation name, företag, företagsnamn"
    ),
    "business_id": (
        "y-tunnus, business id, yritystunnus, business identity code, "
        "organisaationumero, organisationsnummer, orgnr, org.nr, fo-nummer, vat number, "
        "vat id, alv-tunnus"
    ),
    "email": (
        "sähköposti, sähköpostiosoite, s-posti, email, e-mail, email address, "
        "e-mail address, e-post, e-postadress, mail, work email"
    ),
    "phone": (
        "puhelin, puhelinnumero, puh, työpuhelin, phone, phone number, telephone, tel, "
        "telefon, telefonnummer, business phone, work phone, office phone"
    ),
    "mobile": (
        "matkapuhelin, matkapuhelinnumero, gsm, kännykkä, mobiili, mobiilinumero, "
        "mobile, mobile phone, mobile phone number, cell phone, cell, mobil, "
        "mobiltelefon, mobilnummer"
    ),
    "street": (
        "katuosoite, osoite, lähiosoite, postiosoite, street, street address, address, "
        "address 1, address line 1, address 1: street 1, mailing street, gatuadress, "
        "adress, utdelningsadress"
    ),
    "postcode": (
        "postinumero, postinro, postal code, postcode, zip, zip code, zip/postal code, "
        "postnummer, mailing postal code, mailing zip/postal code, "
        "address 1: zip/postal code"
    ),
    "city": (
        "postitoimipaikka, toimipaikka, kaupunki, paikkakunta, kunta, city, town, ort, "
        "stad, postort, mailing city, address 1: city"
    ),
    "country": (
        "maa, valtio, country, country/region, land, mailing country, address 1: country/region"
    ),
}

# "Name" alone is the person in some exports and the company in others. It is taken as the
# person's full name only when the file has no first or last name column to say otherwise.
_GENERIC_NAMES = ("nimi", "name", "namn")

_NON_ALNUM = re.compile(r"[\W_]+")
_HEADERS_LISTED = 40


def normalise_header(name: str) -> str:
    """Fold a column name for lookup: case, diacritics, spaces and punctuation removed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub("", letters)


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, spellings in _SYNONYMS.items():
        for spelling in (*spellings.split(","), canonical):
            key = normalise_header(spelling)
            if lookup.setdefault(key, canonical) != canonical:
                raise AssertionError(f"header synonym {spelling!r} is listed twice")
    return lookup


_LOOKUP = _build_lookup()
_GENERIC_KEYS = frozenset(normalise_header(name) for name in _GENERIC_NAMES)


def map_headers(header: Sequence[str]) -> dict[str, str]:
    """Canonical column -> the customer's header name, for every column recognised."""
    return _assign(header, {})


def _assign(header: Sequence[str], fixed: Mapping[str, str]) -> dict[str, str]:
    # Columns the caller fixed (a header, or "" for "leave unmapped") are not guessed, and
    # the headers they claim are not offered to other columns.
    assigned = {canonical: name for canonical, name in fixed.items() if name}
    claimed = set(assigned.values())
    generic: str | None = None
    for name in header:
        if name in claimed:
            continue
        key = normalise_header(name)
        if key in _GENERIC_KEYS:
            generic = generic if generic is not None else name
            continue
        canonical = _LOOKUP.get(key)
        # First occurrence wins: a second "Phone" column is left as the customer's own.
        if canonical is not None and canonical not in fixed and canonical not in assigned:
            assigned[canonical] = name
    names_split = "first_name" in assigned or "last_name" in assigned
    if generic is not None and not names_split and "full_name" not in fixed:
        assigned.setdefault("full_name", generic)
    return {
        canonical: assigned[canonical] for canonical in CANONICAL_COLUMNS if canonical in assigned
    }


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
    explicit = dict(explicit or {})
    unknown = sorted(set(explicit) - set(CANONICAL_COLUMNS))
    if unknown:
        raise CrmFileError(
            path,
            None,
            f"column mapping names unknown column(s) {_quoted(unknown)}; "
            f"known columns: {', '.join(CANONICAL_COLUMNS)}",
        )
    absent = [name for name in explicit.values() if name and name not in header]
    if absent:
        raise CrmFileError(
            path,
            None,
            f"column mapping names header(s) not in the file: {_quoted(absent)}; "
            f"headers seen: {describe_headers(header)}",
        )
    mapping = _assign(header, explicit)
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
    return mapping


def describe_headers(header: Sequence[str]) -> str:
    """The header names for an error message, cut short for very wide files."""
    shown = _quoted(header[:_HEADERS_LISTED]) or "(none)"
    hidden = len(header) - _HEADERS_LISTED
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)
