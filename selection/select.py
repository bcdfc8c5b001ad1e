"""Running an order against the register: who is selected, with which fields, and the
counts that explain it (per criterion, per prohibition, per region and area).

The order of the steps is the order of the report's funnel: the organisation criteria
(database first), the customer's existing customers, the person criteria, one row per
person, the prohibitions, the wanted channels, the cap. Prohibitions are never optional:
`disclosure` and `direct_marketing` remove the person; `email_marketing` and
`phone_marketing` remove that channel's field, and the person when no wanted channel is
left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from register.selection_query import (
    SqlCriteria,
    organisation_counts,
    position_counts,
    prohibition_kinds,
    selected_positions,
)
from register.store import RegisterStore
from selection.criteria import (
    legal_form_check,
    person_checks,
    place_city,
    seniority_rank,
    title_level,
)
from selection.order import AREAS, OrderError, SelectionOrder
from selection.regions import region_of, spellings

# The file's columns, by what they are for; a column is present only where the purpose
# and the channels need it.
PERSON_FIELDS = ("person_id", "first_name", "last_name", "title", "responsibility_area")
ORGANISATION_FIELDS = ("organisation", "business_id")
CHANNEL_FIELDS = {
    "post": ("street", "postcode", "city"),
    "email": ("email",),
    "phone": ("phone",),
}
# A channel prohibition and the channel it closes.
CHANNEL_PROHIBITIONS = {"email_marketing": "email", "phone_marketing": "phone"}
PERSON_PROHIBITIONS = ("disclosure", "direct_marketing")

A = TypeVar("A")
B = TypeVar("B")


class SelectionError(OrderError):
    """An order that cannot be run as asked (it selects no one, or everyone)."""


@dataclass(frozen=True)
class Selection:
    """The selected persons' rows (personal data: for the file only), the field names
    disclosed per person (for the ledger), and the counts (never personal data)."""

    order: SelectionOrder
    rows: pd.DataFrame
    disclosed: dict[str, list[str]]
    summary: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        return list(self.rows.columns)


def file_columns(order: SelectionOrder) -> list[str]:
    """The columns the order's file has: who, where they work, and the wanted channels."""
    columns = [*PERSON_FIELDS, *ORGANISATION_FIELDS]
    for channel in order.channels:
        columns += CHANNEL_FIELDS[channel]
    return columns


def sql_criteria(order: SelectionOrder) -> SqlCriteria:
    org = order.organisation
    return SqlCriteria(
        active_only=org.active_only,
        industry_prefixes=org.industry_codes,
        cities=frozenset(spellings(set(org.places))) if org.places else frozenset(),
        postcode_ranges=org.postcodes,
        personnel_classes=org.personnel_classes,
        revenue_classes=org.revenue_classes,
    )


def select_persons(
    store: RegisterStore, order: SelectionOrder, today: date | None = None
) -> Selection:
    """Run `order` on the current register. Raises SelectionError (one line) for an order
    that selects no one, or has a criterion that keeps the whole register."""
    started = time.perf_counter()
    today = today or datetime.now(UTC).date()
    if order.campaign_end is not None and order.campaign_end < today:
        raise SelectionError(
            f"campaign_end {order.campaign_end.isoformat()} has passed: a campaign's data "
            "may not be disclosed after its end"
        )
    snapshot = store.current_snapshot()
    if snapshot is None:
        raise SelectionError("the register is empty: load a snapshot first")

    sql = sql_criteria(order)
    # The organisation counts come first: an order whose organisation criterion keeps the
    # whole register is refused before any position is fetched. The register-wide count of
    # positions (a scan of them all) and the prohibitions in force are read on other
    # threads while the selected positions are (the drivers release the GIL meanwhile).
    org_counts = organisation_counts(store, sql)
    _refuse_everyone(org_counts, {})
    (pos_counts, in_force), frame = _both(
        store,
        lambda: (position_counts(store, order.person.areas, today), prohibition_kinds(store)),
        lambda: selected_positions(store, sql, order.person.areas, today),
    )
    _refuse_everyone(org_counts, pos_counts)
    criteria_rows = [
        {"criterion": name, "unit": "organisations", "kept_alone": count, "of": org_counts["total"]}
        for name, count in org_counts.items()
        if name not in {"total", "all"}
    ]
    if "person.areas" in pos_counts:
        criteria_rows.append(
            {
                "criterion": "person.areas",
                "unit": "current positions",
                "kept_alone": pos_counts["person.areas"],
                "of": pos_counts["total"],
            }
        )

    # Organisations, then positions (persons, once one row per person), left after each
    # step; the first counts every organisation the database criteria keep, positions or not.
    funnel: list[dict[str, Any]] = [
        {
            "step": "organisation criteria (in the database)",
            "organisations": org_counts.get("all", org_counts["total"]),
            "positions": None,
        }
    ]

    def step(name: str, mask: pd.Series | None = None, rows: pd.DataFrame | None = None) -> None:
        nonlocal frame
        if mask is not None:
            # Masks were computed on a wider frame: take this frame's rows of them.
            frame = frame[mask.reindex(frame.index).fillna(False).astype(bool)]
        now = frame if rows is None else rows
        funnel.append(
            {"step": name, "organisations": int(now["org_id"].nunique()), "positions": len(now)}
        )

    step("their current positions in the wanted areas")

    # The database decided every organisation criterion but the legal form, which is read
    # from the name (`matching.text.legal_form_family`).
    if order.organisation.legal_forms:
        step("organisation.legal_forms", legal_form_check(frame, order.organisation.legal_forms))
    excluded_orgs = 0
    if order.exclude_business_ids:
        existing = frame["business_id"].isin(order.exclude_business_ids)
        excluded_orgs = int(frame.loc[existing, "org_id"].nunique())
        step("exclude customer's existing customers", ~existing)
    # Top of area is decided among all of an area's positions, so it is computed before
    # the levels narrow the frame; the two then apply together (both must hold).
    checks = person_checks(frame, order.person)
    checks.pop("person.areas", None)  # applied by the database
    for name, mask in checks.items():
        step(name, mask)

    before = len(frame)
    frame = frame.iloc[_one_per_person_most_senior_first(frame)]
    removed: dict[str, int] = {"another_position_of_the_same_person": before - len(frame)}
    persons_found = len(frame)

    step("one row per person")

    bans = _prohibitions(in_force, frame["person_id"])
    for kind in PERSON_PROHIBITIONS:
        hit = frame["person_id"].isin(bans.get(kind, set()))
        removed[kind] = int(hit.sum())
        frame = frame[~hit]
    step("prohibitions disclosure and direct_marketing")

    rows, fields_removed, channel_removed, no_contact = _channel_rows(frame, order, bans)
    removed |= channel_removed
    removed["no_contact_for_wanted_channels"] = no_contact
    step("wanted channels (and their prohibitions)", rows=rows)
    rows = rows.iloc[_shared_among_areas(rows)]
    over_cap = 0
    if order.max_persons is not None and len(rows) > order.max_persons:
        over_cap = len(rows) - order.max_persons
        rows = rows.iloc[: order.max_persons]
    removed["over_cap"] = over_cap
    if order.max_persons is not None:
        step("cap on persons", rows=rows)
    if rows.empty:
        raise SelectionError(
            f"the order selects no one ({persons_found} persons met the criteria, "
            f"{persons_found - len(rows)} removed by prohibitions, channels or cap): widen it"
        )

    regions = rows["_city"].map(region_of).replace("", "(unknown)")
    areas = rows["responsibility_area"].fillna("").replace("", "(none)")
    columns = file_columns(order)
    out = rows[columns].reset_index(drop=True)
    disclosed = _disclosed(out)
    summary = {
        "order_id": order.order_id,
        "customer": order.customer,
        "purpose": order.purpose,
        "campaign_id": order.campaign_id,
        "campaign_end": order.campaign_end.isoformat() if order.campaign_end else None,
        "channels": list(order.channels),
        "max_persons": order.max_persons,
        "snapshot_id": snapshot.snapshot_id,
        "as_of": today.isoformat(),
        "register": {
            "organisations": org_counts["total"],
            "current_positions": pos_counts["total"],
        },
        "criteria": criteria_rows,
        "funnel": funnel,
        "excluded_customer_organisations": excluded_orgs,
        "persons_meeting_criteria": persons_found,
        "removed": removed,
        "fields_removed": fields_removed,
        "persons_selected": len(out),
        "organisations_selected": int(rows["org_id"].nunique()),
        "fields": columns,
        "by_region": _counted(regions),
        "by_area": _counted(areas, order=list(AREAS)),
        "by_region_area": {
            region: _counted(areas[regions == region], order=list(AREAS))
            for region in _counted(regions)
        },
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Selection(order=order, rows=out, disclosed=disclosed, summary=summary)


def _both(store: RegisterStore, first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """`first` on another thread while `second` runs on this one; one after the other for
    an in-memory SQLite database, which is one per connection."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and (url.database or ":memory:") == ":memory:":
        return first(), second()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(first)
        other = second()
        return future.result(), other


def _shared_among_areas(rows: pd.DataFrame) -> np.ndarray:
    """Row positions taking the areas in turn — each area's most senior person, then each
    area's second, … (rows come most senior first): a cap then leaves every wanted area
    its share instead of filling up with the most senior titles of one area."""
    turn = rows.groupby("responsibility_area", sort=False, dropna=False).cumcount().to_numpy()
    return np.argsort(turn, kind="stable")


def _one_per_person_most_senior_first(frame: pd.DataFrame) -> np.ndarray:
    """Row positions, one per person (their most senior position), ordered by title level
    (most senior first), then the most recently verified (never verified last), then
    person and organisation id: the cap keeps the most senior persons, whatever the order
    the database returned the rows in. Sorted on integer codes (`np.lexsort`)."""
    rank = seniority_rank(title_level(frame)).to_numpy()
    verified = frame["verified_at"].astype(object).where(frame["verified_at"].notna(), "")
    verified_code = pd.factorize(verified.astype(str), sort=True)[0]
    person_code = pd.factorize(frame["person_id"].astype(str), sort=True)[0]
    org_code = pd.factorize(frame["org_id"].astype(str), sort=True)[0]
    order = np.lexsort((org_code, person_code, -verified_code, rank))
    # A person's first position in this order is their most senior one.
    _, first = np.unique(person_code[order], return_index=True)
    return order[np.sort(first)]


def _refuse_everyone(org_counts: dict[str, int], pos_counts: dict[str, int]) -> None:
    """A criterion that keeps every organisation (or position) of the register does not
    limit the disclosure at all: the order is imprecise, whatever else it says."""
    for name, count in org_counts.items():
        if name in {"total", "all", "organisation.active_only"}:
            continue  # "active only" is hygiene, not a selection
        if org_counts["total"] and count == org_counts["total"]:
            raise SelectionError(
                f"criterion {name} keeps all {count} organisations of the register: it selects "
                "everyone; narrow it or leave it out"
            )
    areas = pos_counts.get("person.areas")
    if areas is not None and pos_counts["total"] and areas == pos_counts["total"]:
        raise SelectionError(
            f"criterion person.areas keeps all {areas} current positions of the register: it "
            "selects everyone; narrow it or leave it out"
        )


def _prohibitions(in_force: pd.DataFrame, person_ids: pd.Series) -> dict[str, set[str]]:
    """These persons' ids by prohibition kind, of the prohibitions in force (the
    snapshot's and those notified to us directly: `prohibition_kinds`)."""
    found = in_force[in_force["person_id"].isin(person_ids)]
    return {
        str(kind): set(group["person_id"].astype(str))
        for kind, group in found.groupby("kind", sort=False)
    }


def _present(frame: pd.DataFrame) -> np.ndarray:
    """True where a cell holds a value (not missing, not empty), as a 2-D array."""
    cells = frame.to_numpy(dtype=object)
    return ~pd.isna(cells) & (cells != "")


def _disclosed(out: pd.DataFrame) -> dict[str, list[str]]:
    """person_id -> the names of the fields the file holds a value of for them. Rows are
    grouped by which fields they have (a handful of patterns), not read one by one."""
    columns = list(out.columns)
    present = _present(out)
    weights = np.left_shift(np.int64(1), np.arange(len(columns), dtype=np.int64))
    patterns = present.astype(np.int64) @ weights
    names = {
        int(p): [c for i, c in enumerate(columns) if int(p) >> i & 1] for p in np.unique(patterns)
    }
    return {
        str(pid): names[int(p)]
        for pid, p in zip(out["person_id"].tolist(), patterns.tolist(), strict=True)
    }


def _channel_rows(
    frame: pd.DataFrame, order: SelectionOrder, bans: dict[str, set[str]]
) -> tuple[pd.DataFrame, dict[str, int], dict[str, int], int]:
    """The file's rows with each wanted channel's fields, a prohibited channel's left
    empty; persons left with no wanted channel removed. Returns (rows, fields removed per
    prohibition, persons removed per prohibition, persons removed for lack of contact)."""
    postal = frame["postal_street"].notna() & (frame["postal_street"].astype(str) != "")
    street = frame["postal_street"].where(postal, frame["visiting_street"])
    postcode = frame["postal_postcode"].where(postal, frame["visiting_postcode"])
    city = frame["postal_city"].where(postal, frame["visiting_city"])
    rows = pd.DataFrame(
        {
            "person_id": frame["person_id"].astype(str),
            "first_name": frame["first_name"],
            "last_name": frame["last_name"],
            "title": frame["title"],
            "responsibility_area": frame["responsibility_area"],
            "organisation": frame["org_name"],
            "business_id": frame["business_id"],
            "street": street,
            "postcode": postcode,
            "city": city,
            "email": frame["email"],
            "phone": frame["mobile"],
            "org_id": frame["org_id"],
            "_city": place_city(frame),
        },
        index=frame.index,
    )
    has_any = pd.Series(False, index=rows.index)
    prohibited_any: dict[str, pd.Series] = {}
    fields_removed = dict.fromkeys(CHANNEL_PROHIBITIONS, 0)
    for channel in order.channels:
        fields = list(CHANNEL_FIELDS[channel])
        available = pd.Series(_present(rows[fields]).all(axis=1), index=rows.index)
        for kind, closes in CHANNEL_PROHIBITIONS.items():
            if closes != channel:
                continue
            banned = rows["person_id"].isin(bans.get(kind, set()))
            fields_removed[kind] = int((banned & available).sum())
            prohibited_any[kind] = banned & available
            rows.loc[banned, fields] = None
            available &= ~banned
        has_any |= available
    # A person without a usable wanted channel is removed; the prohibition that closed
    # their last one is named (e-mail first, then phone), else the register has no contact.
    lost = ~has_any
    channel_removed = dict.fromkeys(CHANNEL_PROHIBITIONS, 0)
    counted = pd.Series(False, index=rows.index)
    for kind in CHANNEL_PROHIBITIONS:
        if kind in prohibited_any:
            hit = lost & prohibited_any[kind] & ~counted
            channel_removed[kind] = int(hit.sum())
            counted |= hit
    no_contact = int((lost & ~counted).sum())
    return rows[has_any], fields_removed, channel_removed, no_contact


def _counted(values: pd.Series, order: list[str] | None = None) -> dict[str, int]:
    """Counts per value: in `order` when given, else the largest first."""
    counts = values.value_counts()
    if order is None:
        keys = sorted(counts.index, key=lambda k: (-counts[k], k))
    else:
        keys = sorted(counts.index, key=lambda k: (order.index(k) if k in order else 99, k))
    return {str(k): int(counts[k]) for k in keys}


__all__ = [
    "CHANNEL_FIELDS",
    "Selection",
    "SelectionError",
    "file_columns",
    "select_persons",
    "sql_criteria",
]
