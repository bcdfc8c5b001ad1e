"""Reading and validating a register snapshot folder (../shared/spec/register-snapshot.md).

The whole snapshot is checked before anything touches the store, so a malformed snapshot
is refused with file, line and problem, and the current register stays as it was.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from stdnum.fi import ytunnus

from matching.contact_points import normalise_email
from matching.text import org_name_key, person_name_key

ORG_STATUSES = frozenset({"active", "liquidation", "bankrupt", "ceased", "merged"})
PROHIBITION_KINDS = frozenset(
    {"direct_marketing", "disclosure", "phone_marketing", "email_marketing"}
)
RESPONSIBILITY_AREAS = frozenset(
    {
        "JOHTO",
        "TALOUS",
        "HENKILOSTO",
        "IT",
        "MARKKINOINTI",
        "MYYNTI",
        "HANKINTA",
        "TUOTANTO",
        "LOGISTIIKKA",
        "VIESTINTA",
        "KIINTEISTO",
        "TUTKIMUS",
        "LAKI",
        "MUU",
    }
)

ORGANIZATION_COLUMNS = (
    "org_id",
    "business_id",
    "name",
    "aux_names",
    "status",
    "successor_business_id",
    "industry_code",
    "personnel_class",
    "revenue_class",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
    "phone",
    "fax",
    "www",
    "updated_at",
)
PERSON_COLUMNS = (
    "person_id",
    "org_id",
    "first_name",
    "last_name",
    "title",
    "responsibility_area",
    "email",
    "mobile",
    "valid_from",
    "valid_to",
    "verified_at",
)
PROHIBITION_COLUMNS = ("person_id", "kind", "registered_at")

_CANONICAL_BUSINESS_ID = re.compile(r"^\d{7}-\d$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded; names the file, the line and the problem."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file, self.line, self.problem = file, line, problem
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {problem}")


@dataclass
class Snapshot:
    """A validated snapshot, rows ready for the store (dates parsed, lookup keys added)."""

    source: Path
    checksum: str
    organizations: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    prohibitions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def snapshot_id(self) -> str:
        return f"{self.source.name}-{self.checksum[:12]}"


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows with their physical line numbers; header and field counts checked."""
    if not path.is_file():
        raise SnapshotError(path.name, None, "file is missing from the snapshot folder")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise SnapshotError(path.name, 1, "file is empty (a header row is required)")
            missing = [c for c in columns if c not in header]
            if missing:
                raise SnapshotError(path.name, 1, f"header lacks column(s) {', '.join(missing)}")
            line = reader.line_num
            for cells in reader:
                start = line + 1
                line = reader.line_num
                if not any(cells):
                    continue
                if len(cells) != len(header):
                    raise SnapshotError(
                        path.name, start, f"row has {len(cells)} fields, header has {len(header)}"
                    )
                yield start, dict(zip(header, cells, strict=True))
        except csv.Error as exc:
            raise SnapshotError(path.name, reader.line_num, f"malformed CSV ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise SnapshotError(path.name, None, f"not valid UTF-8 ({exc.reason})") from exc


@lru_cache(maxsize=65_536)
def _iso_date(value: str) -> date | str:
    """The date, or what is wrong with it: parsed once per distinct text (a register has
    a few thousand distinct dates over millions of rows)."""
    if not _ISO_DATE.match(value):
        return "is not an ISO date (YYYY-MM-DD)"
    try:
        return date.fromisoformat(value)
    except ValueError:
        return "is not a valid date"


def _date(value: str, file: str, line: int, column: str) -> date | None:
    if not value:
        return None
    parsed = _iso_date(value)
    if isinstance(parsed, str):
        raise SnapshotError(file, line, f"{column} {parsed}")
    return parsed


def _business_id(value: str, file: str, line: int, column: str) -> str:
    if not _CANONICAL_BUSINESS_ID.match(value) or not ytunnus.is_valid(value):
        problem = f"{column} is not a valid business ID in the form 1234567-8"
        raise SnapshotError(file, line, problem)
    return value


def _required(value: str, file: str, line: int, column: str) -> str:
    if not value.strip():
        raise SnapshotError(file, line, f"{column} is empty")
    return value


def _organization(line: int, row: dict[str, str]) -> dict[str, Any]:
    file = "organizations.csv"
    record: dict[str, Any] = {c: (row[c] or None) for c in ORGANIZATION_COLUMNS}
    record["org_id"] = _required(row["org_id"], file, line, "org_id")
    record["name"] = _required(row["name"], file, line, "name")
    record["aux_names"] = row["aux_names"]
    record["business_id"] = _business_id(row["business_id"], file, line, "business_id")
    if row["successor_business_id"]:
        _business_id(row["successor_business_id"], file, line, "successor_business_id")
    if row["status"] not in ORG_STATUSES:
        raise SnapshotError(file, line, f"status must be one of {', '.join(sorted(ORG_STATUSES))}")
    record["updated_at"] = _date(row["updated_at"], file, line, "updated_at")
    record["name_key"] = org_name_key(row["name"])
    return record


def _person(line: int, row: dict[str, str], org_ids: set[str]) -> dict[str, Any]:
    file = "persons.csv"
    record: dict[str, Any] = {c: (row[c] or None) for c in PERSON_COLUMNS}
    for column in ("person_id", "org_id", "first_name", "last_name"):
        record[column] = _required(row[column], file, line, column)
    if row["org_id"] not in org_ids:
        raise SnapshotError(file, line, "org_id refers to no organisation in organizations.csv")
    area = row["responsibility_area"]
    if area and area not in RESPONSIBILITY_AREAS:
        raise SnapshotError(file, line, "responsibility_area is not one of the register's areas")
    for column in ("valid_from", "valid_to", "verified_at"):
        record[column] = _date(row[column], file, line, column)
    record["name_key"] = person_name_key(row["first_name"], row["last_name"])
    record["email_key"] = normalise_email(row["email"])
    return record


def _prohibition(line: int, row: dict[str, str]) -> dict[str, Any]:
    file = "prohibitions.csv"
    kinds = ", ".join(sorted(PROHIBITION_KINDS))
    if row["kind"] not in PROHIBITION_KINDS:
        raise SnapshotError(file, line, f"kind must be one of {kinds}")
    return {
        "person_id": _required(row["person_id"], file, line, "person_id"),
        "kind": row["kind"],
        "registered_at": _date(row["registered_at"], file, line, "registered_at"),
    }


def position_key(person_id: str, org_id: str, valid_from: date | None) -> str:
    """The identity of a position across snapshots: `person_id|org_id|valid_from`.

    The snapshot has no position id of its own, and the row number changes from one
    snapshot to the next; the person, the organisation and the start date do not. An empty
    `valid_from` makes the last part empty (`P1|O1|`).
    """
    return f"{person_id}|{org_id}|{valid_from.isoformat() if valid_from else ''}"


def position_keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """`position_key` of each row, in order; a key a snapshot lists more than once (the same
    person holding two roles at one organisation from the same day) gets `#2`, `#3`… on
    its later occurrences, so that every row keeps a key of its own."""
    seen: Counter[str] = Counter()
    keys = []
    for row in rows:
        key = position_key(row["person_id"], row["org_id"], row.get("valid_from"))
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def snapshot_checksum(folder: Path) -> str:
    """SHA-256 over the three files: the identity of a snapshot's content."""
    digest = hashlib.sha256()
    for name in ("organizations.csv", "persons.csv", "prohibitions.csv"):
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


PROGRESS_EVERY = 20_000


def read_snapshot(
    folder: str | Path, progress: Callable[[str, int], None] | None = None
) -> Snapshot:
    """Parse and validate all three files; raises SnapshotError on the first problem.

    `progress(file stem, rows read so far)` is called every `PROGRESS_EVERY` rows and at
    the end of each file."""
    source = Path(folder)
    if not source.is_dir():
        raise SnapshotError(str(source), None, "snapshot folder does not exist")
    snapshot = Snapshot(source=source.resolve(), checksum=snapshot_checksum(source))
    seen_orgs: set[str] = set()
    for line, row in _rows(source / "organizations.csv", ORGANIZATION_COLUMNS):
        record = _organization(line, row)
        if record["org_id"] in seen_orgs:
            raise SnapshotError("organizations.csv", line, "org_id appears twice")
        seen_orgs.add(record["org_id"])
        snapshot.organizations.append(record)
        if progress and len(snapshot.organizations) % PROGRESS_EVERY == 0:
            progress("organizations", len(snapshot.organizations))
    if progress:
        progress("organizations", len(snapshot.organizations))
    for position_id, (line, row) in enumerate(
        _rows(source / "persons.csv", PERSON_COLUMNS), start=1
    ):
        record = _person(line, row, seen_orgs)
        record["position_id"] = position_id
        snapshot.persons.append(record)
        if progress and position_id % PROGRESS_EVERY == 0:
            progress("persons", position_id)
    for record, key in zip(snapshot.persons, position_keys(snapshot.persons), strict=True):
        record["position_key"] = key
    if progress:
        progress("persons", len(snapshot.persons))
    for line, row in _rows(source / "prohibitions.csv", PROHIBITION_COLUMNS):
        snapshot.prohibitions.append(_prohibition(line, row))
    if progress:
        progress("prohibitions", len(snapshot.prohibitions))
    return snapshot
