"""The register's match keys and candidate columns as a columnar image: Arrow files,
memory-mapped, each table with a sorted index per column it is looked up by.

Matching a large file asks the register for hundreds of thousands of rows by key (business
IDs, block keys, the positions of the matched organisations). Through SQL that is an index
look-up and a Python tuple per row; from the image it is a hash look-up of the distinct
keys and one `take` of the rows, in Arrow. `RegisterStore` answers its candidate queries
from the image when one is current, and from SQL otherwise: both give the same frames.

An image is tied to a *fingerprint*: the current snapshot and the register's revision, a
counter that every change outside a load moves on (a data subject's rectification,
erasure or prohibition, see `bump_revision`). A store whose fingerprint moved builds a new
image before its next candidate query, so an erasure takes effect for the next refresh,
and the old image, which may hold the erased person, is deleted with it (`discard_images`
does the same at once where the erasure is made).
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.sql.schema import Table
from sqlalchemy.types import Boolean, Date, DateTime, Integer

from register.derived import DERIVED_COLUMNS, ORGANISATION_DERIVED, derive
from register.tables import (
    organization_keys,
    organizations,
    persons,
    register_revision,
    snapshots,
)

# Bumped whenever what an image holds or how it is laid out changes: an image of another
# format is never read, it is built again.
IMAGE_FORMAT = 5
IMAGE_ENV = "TIETOHUOLTO_REGISTER_IMAGE"  # "off": candidate queries go to SQL
IMAGE_DIR_ENV = "TIETOHUOLTO_REGISTER_IMAGE_DIR"  # where a PostgreSQL register's image goes
_READ_BATCH = 100_000
# Rows per record batch of a table's file: a query takes its rows batch by batch and hands
# back the pages it touched after each (`_take`); a file of one batch (3M positions, 700 MB)
# had every page a query touched resident at once, most of a gigabyte.
_FILE_BATCH = 65_536
_REVISION_KEY = "register"


# -- the revision ---------------------------------------------------------------------------


def read_revision(conn: Connection) -> int:
    value = conn.execute(
        select(register_revision.c.revision).where(register_revision.c.name == _REVISION_KEY)
    ).scalar()
    return int(value or 0)


def bump_revision(conn: Connection) -> None:
    """Move the register's revision on, in the caller's transaction: any image made
    before it is stale once the transaction commits."""
    moved = conn.execute(
        update(register_revision)
        .where(register_revision.c.name == _REVISION_KEY)
        .values(revision=register_revision.c.revision + 1)
    ).rowcount
    if not moved:
        conn.execute(insert(register_revision).values(name=_REVISION_KEY, revision=1))


def fingerprint(conn: Connection) -> str | None:
    """What an image of this register must be tied to; None without a current snapshot."""
    snapshot = conn.execute(
        select(snapshots.c.snapshot_id, snapshots.c.loaded_at).where(snapshots.c.is_current)
    ).first()
    if snapshot is None:
        return None
    return f"{IMAGE_FORMAT}|{snapshot[0]}|{snapshot[1]}|{read_revision(conn)}"


# -- where images live -------------------------------------------------------------------------


def image_root(engine: Engine) -> Path | None:
    """The folder of this register's images: beside a SQLite file (`<file>.image`), or for
    PostgreSQL under $TIETOHUOLTO_REGISTER_IMAGE_DIR (default `register-image` in the
    project's var folder), one folder per database. None where no image is kept
    ($TIETOHUOLTO_REGISTER_IMAGE=off, an in-memory SQLite database)."""
    if os.environ.get(IMAGE_ENV, "").strip().casefold() in {"off", "0", "no", "false"}:
        return None
    url = engine.url
    if engine.dialect.name == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database).with_name(Path(database).name + ".image")
    chosen = os.environ.get(IMAGE_DIR_ENV)
    base = Path(chosen) if chosen else _var_dir() / "register-image"
    # The folder is named by the database, never by the password.
    where = url.set(password=None).render_as_string(hide_password=True)
    return base / hashlib.sha256(where.encode()).hexdigest()[:16]


def _var_dir() -> Path:
    # As `pipelines.paths.var_dir` (which this package may not import).
    return Path(os.environ.get("TIETOHUOLTO_VAR") or Path(__file__).resolve().parents[1] / "var")


def discard_images(engine: Engine) -> int:
    """Delete every image of this register (after an erasure: they may hold the person).
    Returns how many were deleted."""
    root = image_root(engine)
    if root is None or not root.is_dir():
        return 0
    gone = 0
    for folder in root.iterdir():
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone


# -- what an image holds --------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    table: Table
    columns: tuple[str, ...]  # stored in the table
    looked_up_by: tuple[str, ...]
    derived: tuple[str, ...] = ()  # computed from stored ones (`register.derived`)


def _sources(person_columns: Sequence[str]) -> tuple[_Source, ...]:
    return (
        _Source(
            organizations,
            tuple(c.name for c in organizations.columns),
            ("business_id", "name_key", "org_id"),
            ORGANISATION_DERIVED,
        ),
        _Source(organization_keys, ("key", "org_id"), ("key",)),
        _Source(
            persons,
            tuple(c for c in person_columns if c not in DERIVED_COLUMNS),
            ("org_id", "email_key", "name_key"),
            tuple(c for c in person_columns if c in DERIVED_COLUMNS),
        ),
    )


def _with_derived(source: _Source, table: pa.Table) -> pa.Table:
    derived = {
        name: derive(name, lambda column: table.column(column).to_pylist())
        for name in source.derived
        if name not in table.column_names
    }
    for name, values in derived.items():
        table = table.append_column(name, pa.array(values, pa.string()))
    return table


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def _fixed_width(strings: pa.Array) -> np.ndarray:
    """Non-empty strings as one numpy `S` array of their UTF-8, zero-padded to the longest:
    the bytes are moved in one scatter, with no Python object per string."""
    binary = strings.cast(pa.large_binary())
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[
        binary.offset : binary.offset + len(binary) + 1
    ]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if (data == 0).any():
        # Zero bytes are the padding: such a key could not be told apart.
        raise ValueError("a register key holds a NUL character")
    lengths = np.diff(offsets)
    width = int(lengths.max())
    padded = np.zeros((len(lengths), width), dtype=np.uint8)
    # Row k's first lengths[k] cells, taken in row-major order, are key k's bytes as `data`
    # holds them: one boolean mask places every byte (no index array per byte).
    padded[np.arange(width) < lengths[:, None]] = data
    return padded.reshape(-1).view(f"S{width}")


@dataclass
class _Lookup:
    """A table's rows by one column: the distinct non-empty keys, sorted, as fixed-width
    UTF-8 (numpy `S`, zero-padded: binary search in C, no Python object per key), where
    each key's rows start in `order` and how many there are, and `order`, the row
    numbers by key."""

    keys: np.ndarray
    starts: np.ndarray
    counts: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, values: pa.ChunkedArray) -> _Lookup:
        column = values.combine_chunks()
        usable = pc.and_(pc.is_valid(column), pc.not_equal(column, "")).fill_null(False)
        rows = np.flatnonzero(usable.to_numpy(zero_copy_only=False))
        kept = column.take(rows)
        # A stable sort: each key's rows stay in row order.
        by_key = pc.sort_indices(kept).to_numpy()
        order = rows[by_key].astype(np.int64)
        if not len(order):
            none = np.zeros(0, dtype=np.int64)
            return cls(np.zeros(0, dtype="S1"), none, none, order)
        ordered = kept.take(by_key)
        # Sorted, so each key's rows are one run: a run starts where the key differs from
        # the one before (compared in Arrow, no hashing of every key).
        differs = pc.not_equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        first = np.r_[True, differs.to_numpy(zero_copy_only=False)]
        starts = np.flatnonzero(first)
        counts = np.diff(np.r_[starts, len(ordered)])
        fixed = _fixed_width(ordered.filter(pa.array(first)))
        return cls(fixed, starts.astype(np.int64), counts.astype(np.int64), order)

    def positions(self, wanted: Sequence[str]) -> np.ndarray:
        """For each wanted key, its position among `keys` (-1: not there)."""
        found = np.full(len(wanted), -1, dtype=np.int64)
        if not len(self.keys) or not len(wanted):
            return found
        width = self.keys.dtype.itemsize
        encoded = [key.encode("utf-8") for key in wanted]
        # A key longer than the longest, or holding a zero byte, is none of them.
        fits = np.array([len(key) <= width and b"\0" not in key for key in encoded], dtype=bool)
        probes = np.array([key for key, ok in zip(encoded, fits, strict=True) if ok], f"S{width}")
        at = np.searchsorted(self.keys, probes)
        hit = at < len(self.keys)
        hit[hit] = self.keys[at[hit]] == probes[hit]
        found[np.flatnonzero(fits)[hit]] = at[hit]
        return found

    def rows(self, found: np.ndarray) -> np.ndarray:
        """The row numbers of the keys at `found` (positions among `keys`), key by key."""
        starts, counts = self.starts[found], self.counts[found]
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        # Each key's run of `order`: its start, then start+1, ... (no Python loop).
        shift = np.repeat(starts - np.cumsum(counts) + counts, counts)
        return self.order[shift + np.arange(total)]

    def table(self) -> pa.Table:
        """The look-up as written: one row per key (fixed-width key, start, count)."""
        width = self.keys.dtype.itemsize
        keys = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(width), len(self.keys), [None, pa.py_buffer(self.keys.tobytes())]
        )
        return pa.table(
            {
                "key": keys,
                "start": pa.array(self.starts, pa.int64()),
                "count": pa.array(self.counts, pa.int64()),
            }
        )

    @classmethod
    def from_tables(cls, index: pa.Table, order: pa.Table) -> _Lookup:
        chunked = index.column("key")
        # One chunk as written: used where it lies in the mapped file (combining would copy
        # every key onto the heap for as long as the image is open).
        column = chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
        width = column.type.byte_width
        data = column.buffers()[1]
        keys = np.frombuffer(
            data, dtype=f"S{width}", count=len(column), offset=column.offset * width
        )
        return cls(
            keys,
            index.column("start").to_numpy(),
            index.column("count").to_numpy(),
            order.column("row").to_numpy(),
        )


class RegisterImage:
    """The candidate columns of a register, answering the store's candidate queries.

    The files are memory-mapped; after each query the pages it touched are handed back
    (`MADV_DONTNEED`): they stay in the system's page cache, not in this process."""

    def __init__(
        self,
        folder: Path,
        tables: dict[str, pa.Table],
        lookups: dict[str, _Lookup],
        maps: list[mmap.mmap],
    ):
        self.folder = folder
        self._tables = tables
        self._lookups = lookups
        self._maps = maps

    @classmethod
    def open(cls, folder: Path, person_columns: Sequence[str]) -> RegisterImage:
        tables: dict[str, pa.Table] = {}
        lookups: dict[str, _Lookup] = {}
        maps: list[mmap.mmap] = []
        for source in _sources(person_columns):
            name = source.table.name
            tables[name] = _read_arrow(folder / f"{name}.arrow", maps)
            for column in source.looked_up_by:
                lookups[f"{name}.{column}"] = _Lookup.from_tables(
                    _read_arrow(folder / f"{name}.{column}.keys.arrow", maps),
                    _read_arrow(folder / f"{name}.{column}.order.arrow", maps),
                )
        return cls(folder, tables, lookups, maps)

    def select_in(
        self,
        table: Table,
        column: str,
        values: Iterable[str],
        only: Sequence[str] | None = None,
        max_block: int | None = None,
    ) -> pd.DataFrame:
        """As `RegisterStore._select_in`: the rows whose `column` is one of `values` (with
        `max_block`, only of the keys that at most that many rows share)."""
        columns = list(only) if only else [c.name for c in table.columns]
        keys = sorted({v for v in values if v})
        lookup = self._lookups[f"{table.name}.{column}"]
        try:
            found = lookup.positions(keys)
            found = found[found >= 0]
            if max_block is not None:
                found = found[lookup.counts[found] <= max_block]
            rows = lookup.rows(found)
            if not len(rows):
                return pd.DataFrame(columns=columns)
            taken = self._take(self._tables[table.name].select(columns), rows)
            return taken.to_pandas(date_as_object=True, timestamp_as_object=True)
        finally:
            self._release()

    def _take(self, source: pa.Table, rows: np.ndarray) -> pa.Table:
        """`source.take(rows)`, one record batch of the file at a time. Arrow's take on a
        table of several batches first concatenates each column whole, which reads every
        page of the file onto the heap; a batch's own take reads only the rows it is asked
        for, and the mapped pages it touched are handed back before the next batch."""
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        batches = source.to_batches()
        ends = np.cumsum([batch.num_rows for batch in batches])
        pieces = []
        for batch, offset, part in zip(
            batches,
            np.r_[0, ends[:-1]],
            np.split(ordered, np.searchsorted(ordered, ends[:-1])),
            strict=True,
        ):
            if len(part):
                pieces.append(batch.take(pa.array(part - offset)))
                self._release()
        # Back to the order of the rows asked for (key by key).
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        return pa.Table.from_batches(pieces, schema=source.schema).take(pa.array(inverse))

    def _release(self) -> None:
        for mapped in self._maps:
            mapped.madvise(mmap.MADV_DONTNEED)
        # The rows a query took were copied into Python objects; Arrow's allocator would
        # otherwise keep their freed buffers for later use, in this process's memory.
        pa.default_memory_pool().release_unused()


def _read_arrow(path: Path, maps: list[mmap.mmap]) -> pa.Table:
    # Memory-mapped: the pages are the file's, read as they are touched and shared; the
    # map is kept so that touched pages can be handed back.
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    maps.append(mapped)
    return pa.ipc.open_file(pa.BufferReader(pa.py_buffer(mapped))).read_all()


def _write_arrow(path: Path, table: pa.Table, batch_rows: int | None = None) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        sink = pa.PythonFile(handle, mode="w")
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=batch_rows)


# -- building -----------------------------------------------------------------------------------


def _arrow_array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """Values as SQLAlchemy returns them, as an Arrow array; dates and times that are
    still ISO text (as a load writes them) parsed once per distinct value."""
    if pa.types.is_date(kind):
        # ISO dates (and no values) are parsed by Arrow in one pass; anything else (date
        # objects among them) takes the way below.
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.array(values, pa.string()).cast(kind)
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        parse = date.fromisoformat if pa.types.is_date(kind) else datetime.fromisoformat
        parsed = {v: parse(v) for v in set(values) if isinstance(v, str)}
        if parsed:
            values = [parsed.get(v, v) if isinstance(v, str) else v for v in values]
    return pa.array(values, type=kind)


def _table_of(source: _Source, columns: Sequence[list[Any]]) -> pa.Table:
    types = [_arrow_type(source.table.c[name]) for name in source.columns]
    arrays = [_arrow_array(v, kind) for v, kind in zip(columns, types, strict=True)]
    schema = pa.schema(list(zip(source.columns, types, strict=True)))
    return pa.Table.from_arrays(arrays, schema=schema)


def _read_table(conn: Connection, source: _Source) -> pa.Table:
    """The source's columns of every row, read through the DBAPI cursor a batch at a time,
    each value as SQLAlchemy would return it (dates as dates)."""
    from register.store import _per_value  # noqa: PLC0415 - the store imports this module

    dialect = conn.dialect
    processors = [
        source.table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
        for name in source.columns
    ]
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the register store's database connection is closed")
    cursor = raw.cursor()
    parts: list[pa.Table] = []
    try:
        cursor.execute(f"SELECT {', '.join(source.columns)} FROM {source.table.name}")
        while rows := cursor.fetchmany(_READ_BATCH):
            values = zip(*rows, strict=True)
            columns = [
                _per_value(list(v), process) for v, process in zip(values, processors, strict=True)
            ]
            parts.append(_table_of(source, columns))
    finally:
        cursor.close()
    if not parts:
        return _table_of(source, [[] for _ in source.columns])
    return pa.concat_tables(parts)


def image_from_database(
    conn: Connection, root: Path, tied_to: str, person_columns: Sequence[str]
) -> Path:
    """Write the image of the register `conn` reads, tied to `tied_to` (read before the
    rows, in the same connection), into `root`."""
    return _write_image(root, tied_to, person_columns, lambda source: _read_table(conn, source))


def image_files_from_columns(
    root: Path, person_columns: Sequence[str], columns: Mapping[str, Mapping[str, list[Any]]]
) -> Path:
    """The files of the image of a register, made from the columns a load writes (table
    name -> column name -> values, as stored, and any derived ones it made already): what
    reading them back would give, without the reading. They lie in a temporary folder in
    `root`, seen by no reader until `publish_image` ties them to the register as committed
    (a load builds them while its transaction writes the same rows)."""
    return _build_image(root, person_columns, lambda source: _given_table(source, columns))


def _given_table(source: _Source, columns: Mapping[str, Mapping[str, list[Any]]]) -> pa.Table:
    """The source's stored columns from `columns`, and those of its derived ones given."""
    given = columns[source.table.name]
    table = _table_of(source, [list(given[name]) for name in source.columns])
    for name in source.derived:
        if name in given:
            table = table.append_column(name, pa.array(given[name], pa.string()))
    return table


def _write_image(
    root: Path,
    tied_to: str,
    person_columns: Sequence[str],
    table_of: Callable[[_Source], pa.Table],
) -> Path:
    return publish_image(root, _build_image(root, person_columns, table_of), tied_to)


def _build_image(
    root: Path, person_columns: Sequence[str], table_of: Callable[[_Source], pa.Table]
) -> Path:
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    building = root / f".building-{uuid.uuid4().hex}"
    building.mkdir(mode=0o700)
    try:
        for source in _sources(person_columns):
            name = source.table.name
            table = _with_derived(source, table_of(source))
            _write_arrow(building / f"{name}.arrow", table, _FILE_BATCH)
            for column in source.looked_up_by:
                lookup = _Lookup.of(table.column(column))
                _write_arrow(building / f"{name}.{column}.keys.arrow", lookup.table())
                order = pa.table({"row": pa.array(lookup.order, pa.int64())})
                _write_arrow(building / f"{name}.{column}.order.arrow", order)
    except BaseException:
        discard_image(building)
        raise
    return building


def discard_image(building: Path) -> None:
    """Remove image files that will not be published."""
    shutil.rmtree(building, ignore_errors=True)


def publish_image(root: Path, building: Path, tied_to: str) -> Path:
    """Tie the files `building` holds to `tied_to` and rename them into place (a reader sees
    a whole image or none); the other images in `root` are deleted."""
    final = root / _folder_name(tied_to)
    try:
        descriptor = os.open(building / "fingerprint.txt", os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(tied_to + "\n")
        try:
            building.rename(final)
        except OSError:
            # Another process made the same image meanwhile: theirs serves as well.
            if not final.is_dir():
                raise
    finally:
        discard_image(building)
    for folder in root.iterdir():
        if folder == final or not folder.is_dir() or folder.is_symlink():
            continue
        # Another process's build under way is left to it; one killed long ago is swept.
        if folder.name.startswith(".building-") and _age_seconds(folder) < _BUILD_GRACE:
            continue
        shutil.rmtree(folder, ignore_errors=True)
    return final


_BUILD_GRACE = 3600.0


def _age_seconds(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def current_image(root: Path, tied_to: str) -> Path | None:
    folder = root / _folder_name(tied_to)
    return folder if (folder / "fingerprint.txt").is_file() else None


def _folder_name(tied_to: str) -> str:
    return hashlib.sha256(tied_to.encode()).hexdigest()[:24]
