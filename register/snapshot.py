"""Reading and validating a register snapshot folder (../shared/spec/register-snapshot.md).

The whole snapshot is checked before anything touches the store, so a malformed snapshot
is refused with file, line and problem, and the current register stays as it was.

A register snapshot has millions of rows, so the files are parsed by the csv module (strict
RFC 4180 quoting) straight into columns and checked a column at a time; where a check
finds a problem, the row-by-row validators below read the file again to name the first
problem with its physical line, exactly as they always have. Both paths apply the same
rules (tests/register/test_snapshot_columns.py holds them to it).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.fi import ytunnus

from matching.contact_points import normalise_email
from matching.text import fold_name, org_name_key, person_name_key

ORG_STATUSES = frozenset({"active", "liquidation", "bankrupt", "ceased", "merged"})
PROHIBITION_KINDS = frozenset(
    {"direct_marketing", "disclosure", "phone_marketing", "email_marketing"}
)
# The spec's responsibility areas, in its order (reports list them so).
AREA_CODES = (
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
)
RESPONSIBILITY_AREAS = frozenset(AREA_CODES)

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
    """A validated snapshot, columns ready for the store.

    Each frame holds one column per snapshot column (text, None where the cell is empty;
    dates as ISO text, `aux_names` "" where empty) plus the look-up keys: `name_key` for
    organisations; `position_id` (the row's number), `position_key`, `name_key` and
    `email_key` for positions. `organizations`, `persons` and `prohibitions` give the same
    rows as dicts (dates as `date`), for callers that take a few rows at a time."""

    source: Path
    checksum: str
    organization_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    person_frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    prohibition_frame: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def snapshot_id(self) -> str:
        return f"{self.source.name}-{self.checksum[:12]}"

    @cached_property
    def organizations(self) -> list[dict[str, Any]]:
        return _records(self.organization_frame, ("updated_at",))

    @cached_property
    def persons(self) -> list[dict[str, Any]]:
        return _records(self.person_frame, ("valid_from", "valid_to", "verified_at"))

    @cached_property
    def prohibitions(self) -> list[dict[str, Any]]:
        return _records(self.prohibition_frame, ("registered_at",))


def _records(frame: pd.DataFrame, date_columns: tuple[str, ...]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = frame.astype(object).to_dict("records")
    for record in records:
        for column in date_columns:
            if record.get(column) is not None:
                record[column] = date.fromisoformat(record[column])
        if "position_id" in record:
            record["position_id"] = int(record["position_id"])
    return records


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
_CHUNK_ROWS = 100_000  # rows parsed before they are turned into columns


class _NotWellFormedError(Exception):
    """The fast path found something wrong: the row-by-row path names it."""


_Columns = dict[str, list[Any]]


def _read_columns(
    path: Path, columns: tuple[str, ...], progress: Callable[[int], None] | None
) -> _Columns:
    """The file's `columns` as text, one list each (blank rows dropped); raises
    `_NotWellFormedError` where the file is not well formed, SnapshotError for a missing
    file or header."""
    if not path.is_file():
        raise SnapshotError(path.name, None, "file is missing from the snapshot folder")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise SnapshotError(path.name, 1, "file is empty (a header row is required)")
            missing = [c for c in columns if c not in header]
            if missing:
                raise SnapshotError(path.name, 1, f"header lacks column(s) {', '.join(missing)}")
            # As dict(zip(header, cells)) reads a row: a repeated header name is its last.
            at = {name: i for i, name in enumerate(header)}
            wanted = [at[c] for c in columns]
            values: list[list[str]] = [[] for _ in columns]
            rows = 0
            while chunk := list(islice(reader, _CHUNK_ROWS)):
                if not all(map(any, chunk)):
                    chunk = [cells for cells in chunk if any(cells)]
                if any(len(cells) != len(header) for cells in chunk):
                    raise _NotWellFormedError
                if chunk:
                    cells_by_column = list(zip(*chunk, strict=True))
                    for target, index in zip(values, wanted, strict=True):
                        target.extend(cells_by_column[index])
                rows += len(chunk)
                if progress:
                    progress(rows)
    except (csv.Error, UnicodeDecodeError):
        raise _NotWellFormedError from None
    return dict(zip(columns, values, strict=True))


def _first_problem(
    path: Path, columns: tuple[str, ...], check: Callable[[int, dict[str, str]], object]
) -> SnapshotError:
    """The first problem in file order, with its physical line, as the row-by-row
    validators name it."""
    try:
        for line, row in _rows(path, columns):
            check(line, row)
    except SnapshotError as problem:
        return problem
    # Only reached if the column checks and the row checks disagree: refuse all the same.
    return SnapshotError(path.name, None, "failed validation")


def _flags(values: Iterable[object], count: int) -> np.ndarray:
    return np.fromiter(values, dtype=bool, count=count)


def _filled(values: list[str]) -> np.ndarray:
    """Not empty once blanks are stripped (as `_required` decides)."""
    return _flags(map(bool, map(str.strip, values)), len(values))


def _one_of(values: list[str], allowed: frozenset[str] | set[str]) -> np.ndarray:
    return _flags(map(allowed.__contains__, values), len(values))


def valid_business_ids(values: pd.Series | list[str]) -> np.ndarray:
    """Per value: canonical `1234567-8` with a valid check digit, as `_business_id` decides
    (`stdnum.fi.ytunnus`: weights 7, 9, 10, 5, 8, 4, 2; remainder 1 is never valid)."""
    shaped_text = re.compile(r"[0-9]{7}-[0-9]").fullmatch
    shaped = _flags((shaped_text(v) is not None for v in values), len(values))
    result = np.zeros(len(values), dtype=bool)
    if shaped.any():
        text = np.asarray(values, dtype=object)[shaped].astype("S9")
        digits = np.frombuffer(text.tobytes(), dtype=np.uint8).reshape(-1, 9) - ord("0")
        weights = np.array([7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
        remainder = (digits[:, :7].astype(np.int64) * weights).sum(axis=1) % 11
        check = (11 - remainder) % 11
        result[shaped] = (remainder != 1) & (check == digits[:, 8])
    return result


def _iso_dates(values: list[str]) -> tuple[list[str | None], np.ndarray]:
    """(ISO text of each date, None where empty; where the value is not a valid ISO date),
    each distinct text parsed once by `_iso_date`."""
    parsed = {v: (_iso_date(v) if v else None) for v in set(values)}
    text = {v: (p.isoformat() if isinstance(p, date) else None) for v, p in parsed.items()}
    bad = {v: isinstance(p, str) for v, p in parsed.items()}
    return list(map(text.__getitem__, values)), _flags(map(bad.__getitem__, values), len(values))


def _mapped(values: list[Any], function: Callable[[Any], Any]) -> list[Any]:
    """`function` over a column, computed once per distinct value."""
    lookup = {v: function(v) for v in set(values)}
    return list(map(lookup.__getitem__, values))


# `matching.contact_points._PLAIN_EMAIL` in RE2 (Arrow's regex engine), which has no
# look-ahead: the IDNA check ("--" in a domain label's third and fourth place) is a second
# pattern whose matches go the slow way.
_PLAIN_EMAIL_RE2 = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:fi|com|net|org|se|eu|ax|ee|no|dk|de|io)$"
)
_IDNA_LABEL_RE2 = r"@(?:[a-z0-9-]+\.)*[a-z0-9]{2}--"


def email_keys(values: list[str]) -> list[str | None]:
    """`normalise_email` of each value. The plain addresses (nearly all of a register's)
    are decided in Arrow, as `normalise_email`'s own fast path decides them: no blanks
    around, ASCII, at most 254 characters with a local part of at most 64, matching the
    plain pattern once lower-cased; the rest go through `normalise_email` itself."""
    text = pa.array(values, type=pa.string())
    lowered = pc.ascii_lower(text)
    plain = pc.and_(
        pc.and_(
            pc.match_substring_regex(lowered, _PLAIN_EMAIL_RE2),
            pc.invert(pc.match_substring_regex(lowered, _IDNA_LABEL_RE2)),
        ),
        pc.and_(
            pc.less_equal(pc.utf8_length(text), 254),
            pc.less_equal(pc.find_substring(text, "@"), 64),
        ),
    )
    keys: list[str | None] = pc.if_else(plain, lowered, None).to_pylist()
    flags = plain.to_numpy(zero_copy_only=False)
    # Addresses are nearly all distinct: the undecorated function, past its small cache.
    normalise = getattr(normalise_email, "__wrapped__", normalise_email)
    for i in np.flatnonzero(~flags):
        keys[i] = normalise(values[i])
    return keys


def _frame(columns: _Columns, empty_as_none: Collection[str] = ()) -> pd.DataFrame:
    """The columns as a frame, None for "" in those named: a comparison and a mask in
    numpy, not a Python expression per cell."""
    arrays = {}
    for name, values in columns.items():
        array = np.asarray(values, dtype=object)
        if name in empty_as_none:
            array[array == ""] = None
        arrays[name] = array
    return pd.DataFrame(arrays)


def _refuse_at_first(bad: np.ndarray, refuse: Callable[[], SnapshotError]) -> None:
    if bad.any():
        raise refuse()


def _organization_frame(path: Path, progress: Callable[[str, int], None] | None) -> pd.DataFrame:
    file = path.name
    seen: set[str] = set()

    def check(line: int, row: dict[str, str]) -> None:
        record = _organization(line, row)
        if record["org_id"] in seen:
            raise SnapshotError(file, line, "org_id appears twice")
        seen.add(record["org_id"])

    def refuse() -> SnapshotError:
        return _first_problem(path, ORGANIZATION_COLUMNS, check)

    try:
        orgs = _read_columns(
            path, ORGANIZATION_COLUMNS, progress and (lambda n: progress("organizations", n))
        )
    except _NotWellFormedError:
        raise refuse() from None
    successor = orgs["successor_business_id"]
    updated_at, bad = _iso_dates(orgs["updated_at"])
    bad |= ~_filled(orgs["org_id"]) | ~_filled(orgs["name"])
    bad |= ~valid_business_ids(orgs["business_id"])
    bad |= _flags(map(bool, successor), len(successor)) & ~valid_business_ids(successor)
    bad |= ~_one_of(orgs["status"], ORG_STATUSES)
    if len(set(orgs["org_id"])) < len(orgs["org_id"]):
        bad |= pd.Series(orgs["org_id"]).duplicated().to_numpy(dtype=bool)
    _refuse_at_first(bad, refuse)
    orgs["updated_at"] = updated_at
    orgs["name_key"] = _mapped(orgs["name"], org_name_key)
    return _frame(orgs, {c for c in ORGANIZATION_COLUMNS if c != "aux_names"})


def _person_frame(
    path: Path, org_ids: set[str], progress: Callable[[str, int], None] | None
) -> pd.DataFrame:
    def check(line: int, row: dict[str, str]) -> None:
        _person(line, row, org_ids)

    def refuse() -> SnapshotError:
        return _first_problem(path, PERSON_COLUMNS, check)

    try:
        persons = _read_columns(
            path, PERSON_COLUMNS, progress and (lambda n: progress("persons", n))
        )
    except _NotWellFormedError:
        raise refuse() from None
    bad = ~_one_of(persons["org_id"], org_ids)
    for column in ("person_id", "org_id", "first_name", "last_name"):
        bad |= ~_filled(persons[column])
    area = persons["responsibility_area"]
    bad |= _flags(map(bool, area), len(area)) & ~_one_of(area, RESPONSIBILITY_AREAS)
    dates = {}
    for column in ("valid_from", "valid_to", "verified_at"):
        dates[column], bad_dates = _iso_dates(persons[column])
        bad |= bad_dates
    _refuse_at_first(bad, refuse)
    # person_name_key: the folded parts that are not empty, joined by a space.
    name_key = [
        f"{first} {last}" if first and last else first or last
        for first, last in zip(
            _mapped(persons["first_name"], fold_name),
            _mapped(persons["last_name"], fold_name),
            strict=True,
        )
    ]
    email_key = email_keys(persons["email"])
    persons.update(dates)
    persons["name_key"] = name_key
    persons["email_key"] = email_key
    persons["position_key"] = position_key_column(
        persons["person_id"], persons["org_id"], persons["valid_from"]
    )
    frame = _frame(persons, set(PERSON_COLUMNS))
    frame.insert(0, "position_id", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def _prohibition_frame(path: Path) -> pd.DataFrame:
    def refuse() -> SnapshotError:
        return _first_problem(path, PROHIBITION_COLUMNS, _prohibition)

    try:
        bans = _read_columns(path, PROHIBITION_COLUMNS, None)
    except _NotWellFormedError:
        raise refuse() from None
    registered_at, bad = _iso_dates(bans["registered_at"])
    bad |= ~_one_of(bans["kind"], PROHIBITION_KINDS)
    bad |= ~_filled(bans["person_id"])
    _refuse_at_first(bad, refuse)
    bans["registered_at"] = registered_at
    return _frame(bans)


def position_key_column(
    person_ids: list[str], org_ids: list[str], valid_from: list[str | None]
) -> list[str]:
    """`position_keys` over columns (`valid_from` as ISO text or None): the same keys,
    `#2`, `#3`… on a key's later occurrences."""
    keys = [
        f"{person}|{org}|{start or ''}"
        for person, org, start in zip(person_ids, org_ids, valid_from, strict=True)
    ]
    if len(set(keys)) == len(keys):
        return keys
    seen: Counter[str] = Counter()
    numbered = []
    for key in keys:
        seen[key] += 1
        numbered.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return numbered


def read_snapshot(
    folder: str | Path, progress: Callable[[str, int], None] | None = None
) -> Snapshot:
    """Parse and validate all three files; raises SnapshotError on the first problem.

    `progress(file stem, rows read so far)` is called as the rows are read and at the end
    of each file."""
    source = Path(folder)
    if not source.is_dir():
        raise SnapshotError(str(source), None, "snapshot folder does not exist")
    checksum = snapshot_checksum(source)
    # Millions of short-lived row lists would set off full collections over the growing
    # columns again and again (a third of the read at 1M positions); nothing here forms a
    # cycle, so the collector waits until the snapshot is read.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(source, checksum, progress)
    finally:
        if collecting:
            gc.enable()


def _read(source: Path, checksum: str, progress: Callable[[str, int], None] | None) -> Snapshot:
    orgs = _organization_frame(source / "organizations.csv", progress)
    if progress:
        progress("organizations", len(orgs))
    persons = _person_frame(source / "persons.csv", set(orgs["org_id"].tolist()), progress)
    if progress:
        progress("persons", len(persons))
    prohibitions = _prohibition_frame(source / "prohibitions.csv")
    if progress:
        progress("prohibitions", len(prohibitions))
    return Snapshot(source.resolve(), checksum, orgs, persons, prohibitions)
