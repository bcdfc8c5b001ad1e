"""Register queries for selections (`selection/`): the organisation criteria SQL can
decide are pushed down, counted register-wide one criterion at a time (one scan), and
applied together in one join of positions with their organisations.

Only current positions are ever selected: not ended by a later snapshot (`ended_at`) and
not past their `valid_to`. The columns returned are the ones a selection may need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    true,
    union,
)

from register.store import RegisterStore
from register.tables import notified_prohibitions, organizations, persons, prohibitions

# What a selection reads of an organisation and a position: the file's fields and what the
# criteria the database cannot decide need (name: legal form; title: level). Whatever goes
# to the customer is chosen from these by the order's purpose and channels.
ORGANISATION_COLUMNS = (
    "org_id",
    "business_id",
    "name",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
)
POSITION_COLUMNS = (
    "person_id",
    "first_name",
    "last_name",
    "title",
    "responsibility_area",
    "email",
    "mobile",
    "verified_at",
)


@dataclass(frozen=True)
class SqlCriteria:
    """The organisation criteria the database decides (empty = not restricted). `cities`
    are exact spellings; `postcode_ranges` inclusive five-digit ranges."""

    active_only: bool = True
    industry_prefixes: tuple[str, ...] = ()
    cities: frozenset[str] = frozenset()
    postcode_ranges: tuple[tuple[str, str], ...] = ()
    personnel_classes: tuple[str, ...] = ()
    revenue_classes: tuple[str, ...] = ()


def _city() -> ColumnElement[Any]:
    # The visiting address places an organisation; the postal one where it has none.
    return func.coalesce(organizations.c.visiting_city, organizations.c.postal_city)


def _postcode() -> ColumnElement[Any]:
    return func.coalesce(organizations.c.visiting_postcode, organizations.c.postal_postcode)


def organisation_conditions(criteria: SqlCriteria) -> dict[str, ColumnElement[bool]]:
    """One SQL condition per restricting criterion, by the order's criterion name."""
    conditions: dict[str, ColumnElement[bool]] = {}
    if criteria.active_only:
        conditions["organisation.active_only"] = organizations.c.status == "active"
    if criteria.industry_prefixes:
        conditions["organisation.industry_codes"] = or_(
            *(organizations.c.industry_code.like(f"{p}%") for p in criteria.industry_prefixes)
        )
    if criteria.cities:
        conditions["organisation.places"] = _city().in_(sorted(criteria.cities))
    if criteria.postcode_ranges:
        conditions["organisation.postcodes"] = or_(
            *(_postcode().between(low, high) for low, high in criteria.postcode_ranges)
        )
    if criteria.personnel_classes:
        conditions["organisation.personnel_classes"] = organizations.c.personnel_class.in_(
            criteria.personnel_classes
        )
    if criteria.revenue_classes:
        conditions["organisation.revenue_classes"] = organizations.c.revenue_class.in_(
            criteria.revenue_classes
        )
    return conditions


def current_position(today: date) -> ColumnElement[bool]:
    """A position held on `today`: not ended by a snapshot, started, not past valid_to."""
    return and_(
        persons.c.ended_at.is_(None),
        or_(persons.c.valid_to.is_(None), persons.c.valid_to >= today),
        or_(persons.c.valid_from.is_(None), persons.c.valid_from <= today),
    )


def _counts(
    store: RegisterStore, table: Any, named: dict[str, ColumnElement[bool]], where: Any
) -> dict[str, int]:
    columns = [func.count().label("total")]
    columns += [
        func.sum(case((cond, 1), else_=0)).label(f"c{i}") for i, cond in enumerate(named.values())
    ]
    with store.engine.connect() as conn:
        row = conn.execute(select(*columns).select_from(table).where(where)).one()
    counts = {"total": int(row[0] or 0)}
    counts |= {name: int(row[i + 1] or 0) for i, name in enumerate(named)}
    return counts


def organisation_counts(store: RegisterStore, criteria: SqlCriteria) -> dict[str, int]:
    """`total` organisations in the register, for each restricting criterion how many it
    keeps on its own, and `all` that every one keeps: one scan, whatever their number."""
    store.create_schema()
    named = organisation_conditions(criteria)
    if named:
        named["all"] = and_(*named.values())
    return _counts(store, organizations, named, true())


def position_counts(store: RegisterStore, areas: Sequence[str], today: date) -> dict[str, int]:
    """`total` current positions in the register, and how many are in `areas` (when
    given)."""
    store.create_schema()
    named: dict[str, ColumnElement[bool]] = {}
    if areas:
        named["person.areas"] = persons.c.responsibility_area.in_(list(areas))
    return _counts(store, persons, named, current_position(today))


def _frame(store: RegisterStore, statement: Any) -> pd.DataFrame:
    """A statement's rows as a DataFrame, read through the DBAPI cursor: the statements
    below return text only (dates cast), so there is nothing for SQLAlchemy to convert,
    and building a Row per row cost more than the query on a large selection."""
    with store.engine.connect() as conn:
        # IN lists rendered as plain parameters (SQLAlchemy expands them only when it
        # executes the statement itself).
        compiled = statement.compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        names = list(compiled.statement.selected_columns.keys())
        raw = conn.connection.driver_connection
        if raw is None:
            raise RuntimeError("the register store's database connection is closed")
        cursor = raw.cursor()
        try:
            if conn.dialect.name == "postgresql":
                cursor.execute(str(compiled), compiled.params)
            else:
                params = compiled.construct_params()
                cursor.execute(str(compiled), [params[k] for k in compiled.positiontup or []])
            rows = cursor.fetchall()
        finally:
            cursor.close()
    return pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)


def selected_positions(
    store: RegisterStore, criteria: SqlCriteria, areas: Sequence[str], today: date
) -> pd.DataFrame:
    """Current positions in the organisations every SQL criterion keeps (and in `areas`,
    when given), with their organisation's columns (its `name` as `org_name`).

    Two queries, not one join: the organisations the criteria keep, then their positions
    by the indexed `org_id` (`IN` a subquery). Without statistics SQLite would otherwise
    scan every position and look each organisation up — twice the time on a large
    register. `verified_at` comes as ISO text (it sorts the same)."""
    store.create_schema()
    conditions = list(organisation_conditions(criteria).values()) or [true()]
    org_cols = [
        organizations.c[name].label("org_name" if name == "name" else name)
        for name in ORGANISATION_COLUMNS
    ]
    orgs = _frame(store, select(*org_cols).where(*conditions))
    kept = select(organizations.c.org_id).where(*conditions)
    wanted = [persons.c.org_id.in_(kept), current_position(today)]
    if areas:
        wanted.append(persons.c.responsibility_area.in_(list(areas)))
    position_cols = [
        cast(persons.c[name], String).label(name) if name == "verified_at" else persons.c[name]
        for name in POSITION_COLUMNS
    ]
    positions = _frame(store, select(persons.c.org_id, *position_cols).where(*wanted))
    return positions.merge(orgs, on="org_id", how="inner", sort=False)


def prohibition_kinds(store: RegisterStore) -> pd.DataFrame:
    """(person_id, kind) of every prohibition in force: the snapshot's and those notified
    to us directly. Read whole: a selection may hold a large part of the register, and one
    scan of a few hundred thousand short rows is cheaper than as many id look-ups."""
    store.create_schema()
    statement = union(
        select(prohibitions.c.person_id, prohibitions.c.kind),
        select(notified_prohibitions.c.person_id, notified_prohibitions.c.kind),
    )
    return _frame(store, statement)


__all__ = [
    "ORGANISATION_COLUMNS",
    "POSITION_COLUMNS",
    "SqlCriteria",
    "current_position",
    "organisation_conditions",
    "organisation_counts",
    "position_counts",
    "prohibition_kinds",
    "selected_positions",
]
