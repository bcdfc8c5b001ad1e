"""The register store: bulk loading a snapshot and the candidate queries matching needs."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.schema import Table

from matching.blocking import MAX_BLOCK_SIZE, organisation_block_keys
from register.derived import DERIVED_COLUMNS, ORGANISATION_DERIVED, derive, stored_columns
from register.history import reapply_rectifications, utc
from register.image import (
    RegisterImage,
    bump_revision,
    current_image,
    discard_image,
    fingerprint,
    image_files_from_columns,
    image_from_database,
    image_root,
    publish_image,
)
from register.snapshot import PERSON_COLUMNS, PROHIBITION_COLUMNS, Snapshot, position_keys
from register.tables import (
    metadata,
    notified_prohibitions,
    organization_keys,
    organizations,
    persons,
    prohibitions,
    rectifications,
    snapshots,
    subject_requests,
)
from register.tombstones import erased_ids

# Values per IN list: under SQLite's bound-parameter limit (32,766 since 3.32) and
# PostgreSQL's (65,535), and large enough that a big file's look-ups are few round trips.
_IN_CHUNK = 10_000

# What the candidate queries return for a position: the snapshot's columns and the look-up
# keys (matching depends on exactly these), one of them derived (`register.derived`); the
# history columns stay in the store.
CANDIDATE_PERSON_COLUMNS = ("position_id", *PERSON_COLUMNS, "name_key", "email_key", "mobile_key")
# And for an organisation: its stored columns and the words of its names (derived).
CANDIDATE_ORG_COLUMNS = (*(c.name for c in organizations.columns), *ORGANISATION_DERIVED)
PROHIBITION_RESULT_COLUMNS = PROHIBITION_COLUMNS


# What the block keys are made of, besides the words of the names (`name_words`).
_ORG_KEY_SOURCE = ("org_id", "visiting_postcode", "www")


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    source: str
    checksum: str
    loaded_at: datetime
    organization_count: int
    person_count: int
    prohibition_count: int


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; `postgresql://` is served by psycopg 3.

    A SQLite register file that does not exist yet is created here, owner-only (0600),
    in folders created owner-only (0700): it holds personal data, and SQLite would
    otherwise create it under the process umask (world-readable with the usual 022).
    SQLite gives its -wal, -shm and -journal files the database file's permissions.
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # A pooled connection is tested before use: after a database restart or a cut network
    # the pool would otherwise hand out dead connections, one failed query each.
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _create_sqlite_file(engine.url.database, engine.url.query)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_sqlite_file(database: str | None, query: Mapping[str, Any]) -> None:
    # In-memory databases and URI filenames ("file:...?mode=...") are left to SQLite.
    if not database or database == ":memory:" or query.get("uri") or database.startswith("file:"):
        return
    path = Path(database)
    missing: list[Path] = []
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the UI and a CLI refresh read while a snapshot loads.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def redact_url(url: str) -> str:
    """The URL with any password hidden, for messages and metadata."""
    return make_url(url).render_as_string(hide_password=True)


class RegisterStore:
    """The master register as loaded from the current snapshot, with the history of its
    positions and what the register's data subjects asked for."""

    def __init__(self, engine: Engine, *, image: bool = True) -> None:
        self.engine = engine
        self._schema_ready = False
        # The candidate queries are answered from a columnar image of the register where
        # one can be kept (`register.image`); `image=False` sends them to SQL.
        self._image_root = image_root(engine) if image else None
        self._image: RegisterImage | None = None
        self._image_tied_to: str | None = None

    @classmethod
    def from_url(cls, url: str) -> RegisterStore:
        return cls(make_engine(url))

    def create_schema(self) -> None:
        """Create missing tables, and add columns and indexes a store made by an earlier
        version lacks (all such columns are nullable)."""
        if self._schema_ready:
            return
        metadata.create_all(self.engine)
        _add_missing_columns(self.engine)
        self._schema_ready = True

    # -- loading -----------------------------------------------------------------------------

    def load(self, snapshot: Snapshot, *, at: datetime | None = None) -> SnapshotInfo:
        """Make `snapshot` the current register in one transaction.

        Organisations and the snapshot's prohibitions are replaced; positions are merged
        into their history (`register.history`): a position the snapshot no longer lists
        stays, ended. Persons with a tombstone (erased) are skipped. Rectifications are
        re-applied, or cleared where the snapshot now agrees. `at` is the load time (default
        now); its UTC date ends the positions the snapshot dropped. The counts recorded are
        the snapshot's own.
        """
        self.create_schema()
        loaded_at = utc(at or datetime.now(UTC))
        info = SnapshotInfo(
            snapshot_id=snapshot.snapshot_id,
            source=str(snapshot.source),
            checksum=snapshot.checksum,
            loaded_at=loaded_at,
            organization_count=len(snapshot.organization_frame),
            person_count=len(snapshot.person_frame),
            prohibition_count=len(snapshot.prohibition_frame),
        )
        image_files: Future[Path] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="register-image") as builder:
            try:
                with self.engine.begin() as conn:
                    name_words, tables = _rows_to_store(conn, snapshot, info.snapshot_id, loaded_at)
                    if self._image_root is not None:
                        # The image the refreshes will read is made from the same columns
                        # while the database writes them (its index builds and commit leave
                        # the interpreter free); it is tied to the register and published
                        # once the transaction has committed.
                        image_files = builder.submit(
                            image_files_from_columns,
                            self._image_root,
                            CANDIDATE_PERSON_COLUMNS,
                            {
                                table.name: (
                                    {**columns, "name_words": name_words}
                                    if table is organizations
                                    else columns
                                )
                                for table, columns in tables
                            },
                        )
                    _replace_rows(conn, tables)
                    conn.execute(update(snapshots).values(is_current=False))
                    conn.execute(
                        delete(snapshots).where(snapshots.c.snapshot_id == info.snapshot_id)
                    )
                    conn.execute(insert(snapshots).values(**info.__dict__, is_current=True))
                    bump_revision(conn)
                    tied_to = fingerprint(conn)
            except BaseException:
                if image_files is not None:
                    with contextlib.suppress(Exception):
                        discard_image(image_files.result())
                raise
        if image_files is not None and self._image_root is not None and tied_to is not None:
            with contextlib.suppress(OSError, ValueError):  # the first refresh makes it
                publish_image(self._image_root, image_files.result(), tied_to)
        return info

    def image_status(self) -> str:
        """One line on the columnar image: where it is and whether it is current (without
        building one)."""
        root = self._image_root
        if root is None:
            return "candidate image: none kept (queries go to SQL)"
        self.create_schema()
        with self.engine.connect() as conn:
            tied_to = fingerprint(conn)
        folder = current_image(root, tied_to) if tied_to is not None else None
        if folder is None:
            return f"candidate image: none current in {root} (the next refresh builds it)"
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        return f"candidate image: {folder} ({size / 2**20:.0f} MiB), current"

    def candidate_image(self) -> RegisterImage | None:
        """The columnar image of the current register, built first if the register moved
        on since the last one (a load, a data subject's request); None where no image is
        kept, or where it cannot be written (the candidate queries then go to SQL)."""
        root = self._image_root
        if root is None:
            return None
        self.create_schema()
        with self.engine.connect() as conn:
            # Read before the rows, so that a change made while they are read leaves the
            # image tied to the older state, to be built again next time.
            tied_to = fingerprint(conn)
            if tied_to is None:
                return None
            if tied_to == self._image_tied_to and self._image is not None:
                return self._image
            folder = current_image(root, tied_to)
            if folder is None:
                try:
                    folder = image_from_database(conn, root, tied_to, CANDIDATE_PERSON_COLUMNS)
                except (OSError, ValueError):
                    # A full or read-only disk (or a key the image cannot hold) costs
                    # speed, not the refresh.
                    self._image_root = None
                    return None
        self._image = RegisterImage.open(folder, CANDIDATE_PERSON_COLUMNS)
        self._image_tied_to = tied_to
        return self._image

    # -- reading -----------------------------------------------------------------------------

    def current_snapshot(self) -> SnapshotInfo | None:
        self.create_schema()
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(snapshots).where(snapshots.c.is_current.is_(True)))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SnapshotInfo(**{k: v for k, v in row.items() if k != "is_current"})

    def organizations_by_business_id(
        self, business_ids: Iterable[str], columns: Sequence[str] = CANDIDATE_ORG_COLUMNS
    ) -> pd.DataFrame:
        return self._candidates(organizations, organizations.c.business_id, business_ids, columns)

    def organizations_by_name_key(
        self, name_keys: Iterable[str], columns: Sequence[str] = CANDIDATE_ORG_COLUMNS
    ) -> pd.DataFrame:
        return self._candidates(organizations, organizations.c.name_key, name_keys, columns)

    def organizations_by_id(
        self, org_ids: Iterable[str], columns: Sequence[str] = CANDIDATE_ORG_COLUMNS
    ) -> pd.DataFrame:
        return self._candidates(organizations, organizations.c.org_id, org_ids, columns)

    def organization_key_hits(
        self, keys: Iterable[str], max_block: int = MAX_BLOCK_SIZE
    ) -> pd.DataFrame:
        """(key, org_id) for the wanted block keys that at most `max_block` organisations
        share: two indexed look-ups (sizes, then members), never a scan."""
        image = self.candidate_image()
        if image is not None:
            return image.select_in(
                organization_keys, "key", keys, ("key", "org_id"), max_block=max_block
            )
        wanted = sorted({k for k in keys if k})
        usable: list[str] = []
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                sizes = conn.execute(
                    select(organization_keys.c.key, func.count())
                    .where(organization_keys.c.key.in_(chunk))
                    .group_by(organization_keys.c.key)
                )
                usable += [key for key, size in sizes if size <= max_block]
        return self._select_in(
            organization_keys, organization_keys.c.key, usable, ("key", "org_id")
        )

    # Positions, current and ended (an ended one has `valid_to`; one a later snapshot
    # dropped has the load date there), with the candidate columns only.

    def persons_by_org(self, org_ids: Iterable[str]) -> pd.DataFrame:
        return self._candidates(persons, persons.c.org_id, org_ids, CANDIDATE_PERSON_COLUMNS)

    def persons_by_email(self, email_keys: Iterable[str]) -> pd.DataFrame:
        return self._candidates(persons, persons.c.email_key, email_keys, CANDIDATE_PERSON_COLUMNS)

    def persons_by_name_key(self, name_keys: Iterable[str]) -> pd.DataFrame:
        return self._candidates(persons, persons.c.name_key, name_keys, CANDIDATE_PERSON_COLUMNS)

    def positions_of(self, person_ids: Iterable[str]) -> pd.DataFrame:
        """Every position of these persons with its history columns (first/last seen,
        ended_at), ordered by person and valid_from."""
        frame = self._select_in(persons, persons.c.person_id, person_ids)
        return frame.sort_values(["person_id", "valid_from", "position_id"], na_position="first")

    def prohibitions_for(self, person_ids: Iterable[str]) -> pd.DataFrame:
        """The snapshot's prohibitions of these persons, and those notified to us directly
        (`register.subjects.add_prohibition`) that the snapshot does not carry."""
        self.create_schema()
        from_snapshot = self._select_in(prohibitions, prohibitions.c.person_id, person_ids)
        notified = self._select_in(
            notified_prohibitions,
            notified_prohibitions.c.person_id,
            person_ids,
            PROHIBITION_RESULT_COLUMNS,
        )
        if notified.empty:
            return from_snapshot
        carried = set(zip(from_snapshot["person_id"], from_snapshot["kind"], strict=True))
        extra = notified[
            [
                pair not in carried
                for pair in zip(notified["person_id"], notified["kind"], strict=True)
            ]
        ]
        if from_snapshot.empty:
            return extra.reset_index(drop=True)
        return pd.concat([from_snapshot, extra], ignore_index=True)

    def counts(self) -> dict[str, int]:
        self.create_schema()
        with self.engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (organizations, persons, prohibitions)
            }

    def _candidates(
        self,
        table: Table,
        column: ColumnElement[Any],
        values: Iterable[str],
        only: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """A candidate query: from the image where there is one, else from SQL."""
        image = self.candidate_image()
        if image is not None:
            return image.select_in(table, column.name, values, only)
        return self._select_in(table, column, values, only)

    def _select_in(
        self,
        table: Table,
        column: ColumnElement[Any],
        values: Iterable[str],
        only: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The rows of `table` whose `column` is one of `values`, as a DataFrame.

        Read through the DBAPI cursor, not SQLAlchemy rows: a large file's candidates are
        hundreds of thousands of rows, and building a Row per row cost more than the query.
        Values are converted by each column type's own result processor, once per distinct
        value, so the frame holds what SQLAlchemy would have returned."""
        keys = sorted({v for v in values if v})
        wanted = list(only) if only else [c.name for c in table.columns]
        # Derived columns are made from their stored source once the rows are read.
        columns = stored_columns(wanted)
        rows: list[tuple[Any, ...]] = []
        with self.engine.connect() as conn:
            dialect = conn.dialect
            postgres = dialect.name == "postgresql"
            listed = ", ".join(columns)
            raw = conn.connection.driver_connection
            if raw is None:
                raise RuntimeError("the register store's database connection is closed")
            cursor = raw.cursor()
            try:
                for start in range(0, len(keys), _IN_CHUNK):
                    chunk = keys[start : start + _IN_CHUNK]
                    if postgres:
                        # One array parameter: the plan does not depend on the list's length.
                        sql = f"SELECT {listed} FROM {table.name} WHERE {column.name} = ANY(%s)"
                        cursor.execute(sql, (chunk,))
                    else:
                        marks = ", ".join("?" * len(chunk))
                        sql = f"SELECT {listed} FROM {table.name} WHERE {column.name} IN ({marks})"
                        cursor.execute(sql, chunk)
                    rows += cursor.fetchall()
            except dialect.loaded_dbapi.OperationalError:
                # The connection is gone (a restart, a cut network): the pool must not try
                # to roll it back, which fails again and logs a second traceback.
                conn.invalidate()
                raise
            finally:
                cursor.close()
        frame = pd.DataFrame.from_records(rows, columns=columns) if rows else None
        if frame is None:
            return pd.DataFrame(columns=wanted)
        for name in columns:
            process = table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                frame[name] = pd.Series(
                    _per_value(frame[name].tolist(), process), index=frame.index, dtype=object
                )
        for name in wanted:
            if name in DERIVED_COLUMNS:
                values = derive(name, lambda source: frame[source].tolist())
                frame[name] = pd.Series(values, index=frame.index, dtype=object)
        return frame if list(frame.columns) == wanted else frame[wanted]


def _bulk_settings(conn: Connection) -> Callable[[], None]:
    """Settings for building large tables and their indexes inside the load's transaction;
    returns what puts the connection's own settings back (it goes back to the pool)."""
    if conn.dialect.name == "postgresql":
        # Room to sort in memory when the indexes are built (SET LOCAL ends with the
        # transaction).
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        return lambda: None
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    # A page cache of 256 MiB, which is also what an index build may sort in before it
    # spills to temporary files (temp_store cannot change inside a transaction).
    conn.exec_driver_sql("PRAGMA cache_size = -262144")

    def restore() -> None:
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")

    return restore


# Rows to store: each table with its columns (name -> values).
_Rows = Sequence[tuple[Table, Mapping[str, list[Any]]]]


def _rows_to_store(
    conn: Connection, snapshot: Snapshot, snapshot_id: str, loaded_at: datetime
) -> tuple[list[str], _Rows]:
    """The rows a load of `snapshot` leaves in each table, as columns: erased persons left
    out, positions merged into their history, rectifications re-applied (those the
    snapshot now agrees with cleared), the organisations' block keys made; and the words
    of the organisations' names (`name_words`), which the image keeps."""
    listed = snapshot.person_frame
    bans = snapshot.prohibition_frame
    erased = erased_ids(conn, set(listed["person_id"].tolist()) | set(bans["person_id"].tolist()))
    if erased:
        listed = listed[~listed["person_id"].isin(erased)]
        bans = bans[~bans["person_id"].isin(erased)]
    merged, listed_ids = _merge_positions(_all_rows(conn, persons), listed, snapshot_id, loaded_at)
    orgs = _frame_columns(organizations, snapshot.organization_frame)
    overrides = [dict(r) for r in conn.execute(select(rectifications)).mappings()]
    cleared = _reapply_rectifications(orgs, merged, listed_ids, overrides)
    _clear_agreed(conn, cleared, snapshot_id, loaded_at)
    # Made once: the block keys are made of the names' words, and the image keeps them.
    words = derive("name_words", orgs.__getitem__)
    block_keys = organisation_block_keys(
        pd.DataFrame({"name_words": words, **{name: orgs[name] for name in _ORG_KEY_SOURCE}})
    )
    return words, [
        (organizations, orgs),
        (organization_keys, {name: block_keys[name].tolist() for name in block_keys}),
        (persons, merged),
        (prohibitions, _frame_columns(prohibitions, bans)),
    ]


def _replace_rows(conn: Connection, tables: _Rows) -> None:
    """Every row of each table replaced by the columns given."""
    postgres = conn.dialect.name == "postgresql"
    for table, _ in reversed(tables):
        if postgres:
            # TRUNCATE is transactional in PostgreSQL and far cheaper than DELETE.
            conn.execute(text(f"TRUNCATE TABLE {table.name}"))
        else:
            conn.execute(delete(table))
    restore = _bulk_settings(conn)
    for table, data in tables:
        # Indexes are built once the rows are in: one sort each, instead of millions of
        # single insertions (the bulk-load order both databases advise).
        for index in table.indexes:
            index.drop(conn)
        if postgres:
            _copy_columns(conn, table, data)
        else:
            _insert_columns(conn, table, data)
        for index in table.indexes:
            index.create(conn)
    restore()


def _all_rows(conn: Connection, table: Table) -> dict[str, list[Any]]:
    """Every row of `table`, one list per column, each value converted by its column
    type's result processor (what SQLAlchemy returns), read through the DBAPI cursor."""
    names = [c.name for c in table.columns]
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the register store's database connection is closed")
    cursor = raw.cursor()
    try:
        cursor.execute(f"SELECT {', '.join(names)} FROM {table.name}")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    columns: dict[str, list[Any]] = {}
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    for name, values in zip(names, by_column, strict=True):
        process = table.c[name].type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
        columns[name] = _per_value(list(values), process)
    return columns


def _default(column: Any) -> Any:
    """A column's scalar default (what a row that lacks the column gets), else None."""
    if column.default is not None and column.default.is_scalar:
        return getattr(column.default, "arg", None)
    return None


def _frame_columns(table: Table, frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The frame as one list per column of `table`, the column's default where the frame
    lacks it."""
    return {
        column.name: (
            frame[column.name].tolist()
            if column.name in frame.columns
            else [_default(column)] * len(frame)
        )
        for column in table.columns
    }


def _merge_positions(
    previous: dict[str, list[Any]],
    listed: pd.DataFrame,
    snapshot_id: str,
    loaded_at: datetime,
) -> tuple[dict[str, list[Any]], set[int]]:
    """`register.history.merge_positions` on columns: the `persons` table after the load
    (one list per column) and the position_ids the snapshot lists.

    Listed positions come first, in the snapshot's order, then those only the store knew,
    ended. tests/register/test_load_columns.py holds this to `merge_positions`."""
    rows = len(listed)
    before = len(previous["position_id"])
    keys = list(previous["position_key"])
    if before and not all(keys):
        # Rows from before the history columns existed have no key: give them theirs.
        unkeyed = sorted(
            (i for i in range(before) if not keys[i]), key=lambda i: int(previous["position_id"][i])
        )
        dicts = [
            {c: previous[c][i] for c in ("person_id", "org_id", "valid_from")} for i in unkeyed
        ]
        for i, key in zip(unkeyed, position_keys(dicts), strict=True):
            keys[i] = key
        previous["position_key"] = keys
    # As a dict of key -> row would have it: the last row of a key repeated wins.
    at = {key: i for i, key in enumerate(keys)}
    listed_keys = listed["position_key"].tolist()
    old = [at.pop(key, -1) for key in listed_keys]
    known = np.array(old, dtype=np.int64)
    is_new = known < 0
    next_id = max((int(v) for v in previous["position_id"]), default=0) + 1
    new_ids = next_id + np.cumsum(is_new) - 1
    old_ids = np.array([int(v) for v in previous["position_id"]], dtype=np.int64)
    position_ids = np.where(
        is_new, new_ids, old_ids[np.where(is_new, 0, known)] if before else new_ids
    )
    first_snapshot = [snapshot_id] * rows
    first_at: list[Any] = [loaded_at] * rows
    if before:
        for row, i in enumerate(old):
            if i >= 0 and previous["first_seen_snapshot"][i]:
                first_snapshot[row] = previous["first_seen_snapshot"][i]
                first_at[row] = previous["first_seen_at"][i]
    own = {
        **{c: listed[c].tolist() for c in PERSON_COLUMNS},
        "name_key": listed["name_key"].tolist(),
        "email_key": listed["email_key"].tolist(),
        "position_key": listed_keys,
        "position_id": position_ids.tolist(),
        "first_seen_snapshot": first_snapshot,
        "first_seen_at": first_at,
        "last_seen_snapshot": [snapshot_id] * rows,
        "last_seen_at": [loaded_at] * rows,
        "ended_at": [None] * rows,
    }
    dropped = sorted(at.values())
    merged: dict[str, list[Any]] = {}
    for column in persons.columns:
        name = column.name
        values = own[name] if name in own else [_default(column)] * rows
        merged[name] = values + [previous[name][i] for i in dropped]
    ended_on = loaded_at.date()
    for row in range(rows, rows + len(dropped)):
        if merged["valid_to"][row] is None:
            merged["valid_to"][row] = ended_on
            merged["ended_at"][row] = loaded_at
    for name in _DATETIME_COLUMNS:
        merged[name] = _per_value(merged[name], utc)
    return merged, set(position_ids.tolist())


_DATETIME_COLUMNS = ("first_seen_at", "last_seen_at", "ended_at")


def _reapply_rectifications(
    orgs: dict[str, list[Any]],
    positions: dict[str, list[Any]],
    listed: set[int],
    overrides: Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    """`register.history.reapply_rectifications` on the rows the rectifications concern
    (a handful among millions), written back into the columns."""
    if not overrides:
        return []
    org_subjects = {r["subject_id"] for r in overrides if r["kind"] == "organization"}
    person_subjects = {r["subject_id"] for r in overrides if r["kind"] != "organization"}
    org_rows = [i for i, v in enumerate(orgs["org_id"]) if v in org_subjects]
    position_rows = [i for i, v in enumerate(positions["person_id"]) if v in person_subjects]
    org_dicts = [{c: orgs[c][i] for c in orgs} for i in org_rows]
    position_dicts = [{c: positions[c][i] for c in positions} for i in position_rows]
    cleared = reapply_rectifications(org_dicts, position_dicts, listed, overrides)
    for columns, indexes, dicts in (
        (orgs, org_rows, org_dicts),
        (positions, position_rows, position_dicts),
    ):
        for i, row in zip(indexes, dicts, strict=True):
            for name in columns:
                columns[name][i] = row[name]
    return cleared


def _clear_agreed(
    conn: Connection, cleared: Sequence[Mapping[str, Any]], snapshot_id: str, at: datetime
) -> None:
    """Delete the rectifications a snapshot now agrees with, each noted in the audit."""
    for rect in cleared:
        conn.execute(
            delete(rectifications).where(
                and_(
                    rectifications.c.kind == rect["kind"],
                    rectifications.c.subject_id == rect["subject_id"],
                    rectifications.c.field == rect["field"],
                )
            )
        )
        person = rect["kind"] == "person"
        conn.execute(
            insert(subject_requests).values(
                request_id=uuid.uuid4().hex,
                kind="rectification_cleared",
                requested_by="register load",
                requested_at=at,
                person_id=rect["subject_id"] if person else None,
                org_id=None if person else rect["subject_id"],
                detail=f"field={rect['field']};snapshot={snapshot_id};the source agrees",
            )
        )


def _add_missing_columns(engine: Engine) -> None:
    """ALTER TABLE … ADD COLUMN for model columns an existing table lacks, then indexes."""
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
            indexes = {i["name"] for i in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(conn)


def _insert_columns(conn: Connection, table: Table, columns: Mapping[str, list[Any]]) -> None:
    """Bulk insert for SQLite: the DBAPI's executemany over the columns zipped into tuples,
    each value converted by its column type's own bind processor (so stored exactly as
    SQLAlchemy would store it). Building a dict per row and letting SQLAlchemy process it
    took about half of a large register load."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    # The dialect's own implementation of each type: the generic `Date` has no processor,
    # SQLite's `DATE` has the one that stores it as SQLAlchemy does.
    processors = [
        _text_passes(table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        for name in names
    ]
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    )
    values = [
        _per_value(columns[name], process) for name, process in zip(names, processors, strict=True)
    ]
    raw = conn.connection.driver_connection
    if raw is None:  # an invalidated connection: let SQLAlchemy report it
        raise RuntimeError("the register store's database connection is closed")
    cursor = raw.cursor()
    try:
        cursor.executemany(statement, zip(*values, strict=True))
    finally:
        cursor.close()


def _text_passes(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """`process`, except that text is stored as it is: a snapshot's dates arrive as
    validated ISO text, which is what SQLite's DATE processor would make of the date."""
    if process is None:
        return None
    return lambda value: value if isinstance(value, str) else process(value)


def _per_value(values: list[Any], process: Callable[[Any], Any] | None) -> list[Any]:
    """A column's values through `process`, once per distinct value (a register has a
    few thousand distinct dates over millions of rows); None stays None."""
    if process is None:
        return values
    lookup = {value: process(value) for value in set(values) if value is not None}
    lookup[None] = None
    return list(map(lookup.__getitem__, values))


_COPY_SPECIALS = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"
_COPY_LINES = 50_000


def _copy_text(value: Any) -> str:
    """A value as PostgreSQL reads it in COPY's text format (escaped text, ISO dates)."""
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _copy_columns(conn: Any, table: Table, columns: Mapping[str, list[Any]]) -> None:
    """PostgreSQL COPY through psycopg 3, in COPY's text format written here a column at a
    time: psycopg's per-row `write_row` was the larger part of loading a big register."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    texts = []
    for name in names:
        values = columns[name]
        if set(map(type, values)) <= {str, type(None)}:
            # Escaping only where needed: register text rarely holds a tab or backslash.
            joined = "".join(filter(None, values))
            if any(special in joined for special in _COPY_SPECIALS):
                values = [None if v is None else v.translate(_COPY_ESCAPES) for v in values]
            texts.append([_COPY_NULL if v is None else v for v in values])
        else:
            converted = _per_value(values, _copy_text)
            texts.append([_COPY_NULL if v is None else v for v in converted])
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        lines = ["\t".join(cells) for cells in zip(*texts, strict=True)]
        for start in range(0, len(lines), _COPY_LINES):
            copy.write("\n".join(lines[start : start + _COPY_LINES]) + "\n")


__all__ = ["RegisterStore", "SnapshotInfo", "make_engine", "redact_url"]
