"""Writing a generated data set: the register snapshot (spec format), the CRM file in one of
three header dialects, and truth.csv."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from synthetic import text
from synthetic.crm import COLUMNS, CrmRow
from synthetic.register import Register, personnel_class
from synthetic.vocab import (
    FLAGS,
    ORGANIZATION_COLUMNS,
    PERSON_COLUMNS,
    PROHIBITION_COLUMNS,
    STATUSES,
)

CRM_DIALECTS: dict[str, dict[str, str]] = {
    # A Finnish Excel export: cp1252, semicolons, Finnish headers.
    "fi": {
        "customer_row_id": "Asiakasnumero",
        "first_name": "Etunimi",
        "last_name": "Sukunimi",
        "title": "Titteli",
        "org_name": "Yritys",
        "business_id": "Y-tunnus",
        "email": "Sähköposti",
        "mobile": "Matkapuhelin",
        "street": "Katuosoite",
        "postcode": "Postinumero",
        "city": "Postitoimipaikka",
    },
    # An English CRM export: UTF-8, commas.
    "en": {
        "customer_row_id": "Contact ID",
        "first_name": "First Name",
        "last_name": "Last Name",
        "title": "Job Title",
        "org_name": "Company",
        "business_id": "Business ID",
        "email": "Email",
        "mobile": "Mobile",
        "street": "Street",
        "postcode": "Postal Code",
        "city": "City",
    },
    # A Finland-Swedish export (Lime CRM style): UTF-8, commas, Swedish headers.
    "sv": {
        "customer_row_id": "Kundnummer",
        "first_name": "Förnamn",
        "last_name": "Efternamn",
        "title": "Befattning",
        "org_name": "Företag",
        "business_id": "FO-nummer",
        "email": "E-post",
        "mobile": "Mobil",
        "street": "Gatuadress",
        "postcode": "Postnummer",
        "city": "Postort",
    },
}
DIALECT_FORMATS = {"fi": ("cp1252", ";"), "en": ("utf-8", ","), "sv": ("utf-8", ",")}
TRUTH_COLUMNS = (
    "row_key",
    "true_org_id",
    "true_person_id",
    "expected_status",
    "expected_flags",
    "scenario",
    "noise",
    "alt_org_id",
    "acceptable_statuses",
    "optional_flags",
    "dup_of",
    "cases",
)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_snapshot(register: Register, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(
        folder / "organizations.csv",
        ORGANIZATION_COLUMNS,
        (
            (
                o.org_id,
                o.business_id,
                o.name,
                "|".join(o.aux_names),
                o.status,
                o.successor_business_id,
                o.industry_code,
                personnel_class(o.staff * 9),
                personnel_class(o.staff * 160),
                o.street,
                o.postcode,
                o.city,
                *(o.postal or (o.street, o.postcode, o.city)),
                o.phone,
                "",
                f"www.{o.domain}",
                o.updated_at.isoformat(),
            )
            for o in register.organisations
        ),
    )
    _write_csv(
        folder / "persons.csv",
        PERSON_COLUMNS,
        (
            (
                p.person_id,
                p.org_id,
                p.first_name,
                p.last_name,
                p.title,
                p.role.area,
                p.email,
                p.mobile,
                p.valid_from.isoformat(),
                p.valid_to.isoformat() if p.valid_to else "",
                p.verified_at.isoformat(),
            )
            for p in sorted(
                register.positions, key=lambda p: (p.org_id, p.person_id, p.position_no)
            )
            if not p.removed
        ),
    )
    _write_csv(
        folder / "prohibitions.csv",
        PROHIBITION_COLUMNS,
        (
            (person_id, kind, registered.isoformat())
            for person_id, entries in sorted(register.prohibitions.items())
            for kind, registered in entries
        ),
    )


def _encodable(value: str, encoding: str) -> str:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return text.plain(value).encode(encoding, errors="replace").decode(encoding)
    return value


def write_crm(rows: list[CrmRow], path: Path, dialect: str) -> None:
    """The customer's export; some junk rows are ragged (an unquoted delimiter inside a
    cell), as hand-edited exports have."""
    headers = CRM_DIALECTS[dialect]
    encoding, delimiter = DIALECT_FORMATS[dialect]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([headers[c] for c in COLUMNS])
        for row in rows:
            cells = [_encodable(row.values.get(c, ""), encoding) for c in COLUMNS]
            if row.ragged:
                handle.write(delimiter.join([*cells, "extra"]) + "\r\n")
            else:
                writer.writerow(cells)


def _ordered(values: Iterable[str], order: Sequence[str]) -> str:
    chosen = set(values)
    return ";".join(v for v in order if v in chosen)


def write_truth(rows: list[CrmRow], path: Path) -> None:
    _write_csv(
        path,
        TRUTH_COLUMNS,
        (
            (
                r.values["customer_row_id"],
                r.true_org_id,
                r.true_person_id,
                r.status,
                _ordered(r.flags, FLAGS),
                r.scenario,
                ";".join(sorted(r.noise)),
                r.alt_org_id,
                _ordered(r.acceptable, STATUSES),
                _ordered(r.optional, FLAGS),
                r.dup_of,
                ";".join(r.cases),
            )
            for r in rows
        ),
    )
