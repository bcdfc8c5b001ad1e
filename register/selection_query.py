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
from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from register.store import RegisterStore
from register.tables import organizations, persons

# What a selection may read of an organisation and a position; whatever goes to the
# customer is chosen from these by the order's purpose and channels.
ORGANISATION_COLUMNS = (
    "org_id",
    "business_id",
    "name",
    "status",
    "industry_code",
    "personnel_class",
    "revenue_class",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
)
POSITION_COLUMNS = (
    "position_id",
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


def selected_positions(
    store: RegisterStore, criteria: SqlCriteria, areas: Sequence[str], today: date
) -> pd.DataFrame:
    """Current positions in the organisations every SQL criterion keeps (and in `areas`,
    when given), with their organisation's columns (`org_` prefixed where the names
    meet). One join; nothing is fetched for organisations the criteria leave out."""
    store.create_schema()
    conditions = list(organisation_conditions(criteria).values())
    if areas:
        conditions.append(persons.c.responsibility_area.in_(list(areas)))
    org_cols = [
        organizations.c[name].label("org_name" if name == "name" else name)
        for name in ORGANISATION_COLUMNS
        if name != "org_id"
    ]
    statement = (
        select(persons.c.org_id, *(persons.c[name] for name in POSITION_COLUMNS), *org_cols)
        .select_from(persons.join(organizations, persons.c.org_id == organizations.c.org_id))
        .where(current_position(today), *(conditions or [true()]))
    )
    with store.engine.connect() as conn:
        result = conn.execute(statement)
        names = list(result.keys())
        rows = result.fetchall()
    return pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)


__all__ = [
    "ORGANISATION_COLUMNS",
    "POSITION_COLUMNS",
    "SqlCriteria",
    "current_position",
    "organisation_conditions",
    "organisation_counts",
    "position_counts",
    "selected_positions",
]
