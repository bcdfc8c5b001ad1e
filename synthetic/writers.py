"""Writing a generated data set: the register snapshot (spec format), the CRM file, truth.csv."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from matching.text import strip_diacritics
from register.snapshot import ORGANIZATION_COLUMNS, PERSON_COLUMNS, PROHIBITION_COLUMNS
from synthetic.crm import CrmRow
from synthetic.register import Register, personnel_class

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
}
DIALECT_FORMATS = {"fi": ("cp1252", ";"), "en": ("utf-8", ",")}


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


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
                personnel_class(o.staff * 8),
                personnel_class(o.staff * 150),
                o.street,
                o.postcode,
                o.city,
                o.street,
                o.postcode,
                o.city,
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
            for p in sorted(register.positions, key=lambda p: (p.org_id, p.person_id))
            if not p.dropped
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
        return strip_diacritics(value).encode(encoding, errors="replace").decode(encoding)
    return value


def write_crm(rows: list[CrmRow], path: Path, dialect: str) -> None:
    """The customer's export; a ragged row (an unquoted delimiter inside a cell) for some
    invalid rows, as hand-edited exports have."""
    headers = CRM_DIALECTS[dialect]
    encoding, delimiter = DIALECT_FORMATS[dialect]
    columns = list(headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([headers[c] for c in columns])
        for row in rows:
            cells = [_encodable(row.values.get(c, ""), encoding) for c in columns]
            if row.scenario == "invalid_ragged":
                handle.write(delimiter.join([*cells, "extra"]) + "\r\n")
            else:
                writer.writerow(cells)


def write_truth(rows: list[CrmRow], path: Path) -> None:
    _write_csv(
        path,
        (
            "row_key",
            "true_org_id",
            "true_person_id",
            "expected_status",
            "expected_flags",
            "scenario",
            # Last, so that readers by column name are unaffected: the customer noise on the
            # row (`;`-separated kinds), for recall per kind of noise.
            "noise",
        ),
        (
            (
                r.values["customer_row_id"],
                r.true_org_id,
                r.true_person_id,
                r.status,
                ";".join(sorted(r.flags)),
                r.scenario,
                ";".join(sorted(r.noise)),
            )
            for r in rows
        ),
    )
