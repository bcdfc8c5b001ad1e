"""Fetching, for one customer file, the register rows its matching can need — by indexed
look-ups on the keys the file holds, never a scan of the register (the gazetteer's search)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matching import (
    REGISTER_ORG_COLUMNS,
    BusinessIdState,
    contact_person_keys,
    contact_phone_keys,
    contradicted_by_name,
    organisation_keys,
)
from matching.blocking import candidate_pairs, contact_block_keys
from register.derived import DERIVED_COLUMNS
from register.snapshot import PROHIBITION_COLUMNS
from register.store import CANDIDATE_PERSON_COLUMNS, RegisterStore

MAX_SUCCESSOR_HOPS = 10


def _no_key_hits() -> pd.DataFrame:
    return pd.DataFrame({"key": [], "org_id": []})


@dataclass(frozen=True)
class Candidates:
    organizations: pd.DataFrame  # found by business ID or block key, plus merger successors
    persons: pd.DataFrame  # every position in those organisations, current and ended
    persons_elsewhere: pd.DataFrame  # positions anywhere with a contact's e-mail or full name
    prohibitions: pd.DataFrame  # of all the persons above
    # (key, org_id): the block keys of the name-and-place fallback that the file's rows share
    org_key_hits: pd.DataFrame = field(default_factory=_no_key_hits)


def fetch_candidates(
    store: RegisterStore,
    business_ids: Iterable[str],
    org_name_keys: Iterable[str],
    person_email_keys: Iterable[str],
    person_name_keys: Iterable[str],
    org_block_keys: Iterable[str] = (),
) -> Candidates:
    key_hits = store.organization_key_hits(org_block_keys)
    orgs = pd.concat(
        [
            store.organizations_by_business_id(business_ids),
            store.organizations_by_name_key(org_name_keys),
            store.organizations_by_id(key_hits["org_id"]),
        ],
        ignore_index=True,
    ).drop_duplicates("org_id")
    orgs = _with_successors(store, orgs)
    persons = store.persons_by_org(orgs["org_id"])
    elsewhere = _positions_elsewhere(store, person_email_keys, person_name_keys)
    person_ids = set(persons["person_id"]) | set(elsewhere["person_id"])
    return Candidates(
        organizations=orgs.reset_index(drop=True),
        persons=persons,
        persons_elsewhere=elsewhere,
        prohibitions=store.prohibitions_for(person_ids),
        org_key_hits=key_hits,
    )


def _with_successors(store: RegisterStore, orgs: pd.DataFrame) -> pd.DataFrame:
    """`orgs` and the organisations that carry them on (merger successors, a bounded
    number of hops), so that persons are looked for where the organisation went."""
    for _ in range(MAX_SUCCESSOR_HOPS):
        wanted = set(orgs["successor_business_id"].dropna()) - set(orgs["business_id"])
        if not wanted:
            break
        orgs = pd.concat(
            [orgs, store.organizations_by_business_id(wanted)], ignore_index=True
        ).drop_duplicates("org_id")
    return orgs


def _positions_elsewhere(
    store: RegisterStore, email_keys: Iterable[str], name_keys: Iterable[str]
) -> pd.DataFrame:
    """Positions anywhere in the register with one of these e-mails or full names."""
    return pd.concat(
        [store.persons_by_email(email_keys), store.persons_by_name_key(name_keys)],
        ignore_index=True,
    ).drop_duplicates("position_id")


def _none_yet(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def organisation_candidates(
    store: RegisterStore, contacts: pd.DataFrame, keys: pd.DataFrame | None = None
) -> Candidates:
    """Stage one of a chunk: the organisations its rows may mean — by business ID, and for
    rows whose ID finds none, by the block keys of their name, place and e-mail domain.
    No persons yet: those come for the matched organisations only (`person_candidates`),
    which is far fewer than every candidate organisation."""
    org_keys = organisation_keys(contacts) if keys is None else keys.loc[contacts.index]
    valid = org_keys["business_id_state"] == BusinessIdState.VALID.value
    # Only the columns matching reads: these organisations go no further than matching.
    by_business_id = store.organizations_by_business_id(
        org_keys.loc[valid, "business_id_norm"], REGISTER_ORG_COLUMNS
    )
    found = valid & org_keys["business_id_norm"].isin(set(by_business_id["business_id"]))
    contradicted = found & contradicted_by_name(
        contacts, org_keys, by_business_id.drop_duplicates("business_id").set_index("business_id")
    )
    block_keys = contact_block_keys(contacts[~found | contradicted])
    key_hits = store.organization_key_hits(block_keys["key"])
    # Only the organisations the name fallback will compare (each row's best-ranked), and
    # their keys: the exact folded name is one of the block keys ("n:...").
    compared = set(candidate_pairs(block_keys, key_hits)["org_id"])
    key_hits = key_hits[key_hits["org_id"].isin(compared)].reset_index(drop=True)
    orgs = pd.concat(
        [by_business_id, store.organizations_by_id(key_hits["org_id"], REGISTER_ORG_COLUMNS)],
        ignore_index=True,
    ).drop_duplicates("org_id", ignore_index=True)
    return Candidates(
        organizations=orgs,
        persons=_none_yet(CANDIDATE_PERSON_COLUMNS),
        persons_elsewhere=_none_yet(CANDIDATE_PERSON_COLUMNS),
        prohibitions=_none_yet(PROHIBITION_COLUMNS),
        org_key_hits=key_hits,
    )


def person_candidates(store: RegisterStore, matched_org_ids: Iterable[str]) -> Candidates:
    """Stage two, once a chunk's organisations are matched: those organisations (read
    again by id, so that the file's matched organisations need not be kept between the
    stages) and their merger successors, and every position there (current and ended).
    The positions elsewhere come in stage three, for the rows not found there
    (`elsewhere_candidates`); prohibitions later still, for the persons the rows turn out
    to be (`RegisterStore.prohibitions_for`)."""
    orgs = _with_successors(store, store.organizations_by_id(set(matched_org_ids) - {""}))
    return Candidates(
        organizations=orgs.reset_index(drop=True),
        persons=store.persons_by_org(orgs["org_id"]),
        persons_elsewhere=_none_yet(CANDIDATE_PERSON_COLUMNS),
        prohibitions=_none_yet(PROHIBITION_COLUMNS),
    )


# The look-up keys: matching finds candidates and compares them by these, the rules and the
# checks read the register's own columns.
_MATCHING_ONLY = frozenset({"name_key", "email_key", *DERIVED_COLUMNS})


def _named_ids(evidence: pd.DataFrame) -> tuple[set[str], set[str]]:
    """The organisations and the persons the evidence names."""
    org_ids = set(evidence["org_id"]) | set(evidence["position_org_id"])
    person_ids = set(evidence["person_id"])
    if "elsewhere_person_id" in evidence:
        person_ids |= set(evidence["elsewhere_person_id"])
    return org_ids, person_ids


def _kept_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c not in _MATCHING_ONLY]


def named_by(candidates: Candidates, evidence: pd.DataFrame) -> Candidates:
    """Only the register rows the evidence names: the organisations rows were matched to
    (and where their person's position is), every position of the persons they were
    matched to or found elsewhere. That is all the rules and the checks read, and far less
    than a large file's candidates, which need not stay in memory once matched. The
    look-up keys (stored and derived) are left out: only matching reads them, and the
    checks must not take a key for a register value."""
    org_ids, person_ids = _named_ids(evidence)

    def named(frame: pd.DataFrame, column: str, ids: set[str]) -> pd.DataFrame:
        return frame.loc[frame[column].isin(ids), _kept_columns(frame.columns)].reset_index(
            drop=True
        )

    return Candidates(
        organizations=named(candidates.organizations, "org_id", org_ids),
        persons=named(candidates.persons, "person_id", person_ids),
        persons_elsewhere=named(candidates.persons_elsewhere, "person_id", person_ids),
        prohibitions=candidates.prohibitions,
    )


@dataclass(frozen=True)
class NamedRows:
    """The register rows a whole file's evidence names (`named_by`), held from matching to
    the rules and the checks as Arrow tables: the organisations, and the positions found in
    them and elsewhere (each once, in that order). Their readers turn into frames only the
    rows or the columns they read (`matching.register_frame`)."""

    organizations: pa.Table
    positions: pa.Table


def _as_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _concat(tables: Sequence[pa.Table]) -> pa.Table:
    # An empty part adds no row, whatever types pandas gave its columns (floats, for a
    # frame made of no values); a part whose column held only missing values has it as
    # Arrow's null type, widened to the others' type.
    filled = [table for table in tables if table.num_rows] or tables[:1]
    return pa.concat_tables(filled, promote_options="permissive")


def _first_of_each(table: pa.Table, column: str) -> pa.Table:
    """Each row of `table` whose `column` value an earlier row does not have."""
    repeated = pd.Series(table.column(column).to_numpy(zero_copy_only=False)).duplicated()
    return table.filter(pa.array(~repeated.to_numpy())) if repeated.any() else table


def _named(table: pa.Table, column: str, ids: set[str]) -> pa.Table:
    kept = table.select(_kept_columns(table.column_names))
    wanted = pa.array(sorted(i for i in ids if isinstance(i, str)), pa.string())
    return kept.filter(pc.is_in(table.column(column).cast(pa.string()), value_set=wanted))


def named_rows(
    union: dict[str, pa.Table], elsewhere: pd.DataFrame, evidence: pd.DataFrame
) -> NamedRows:
    """`named_by` the whole file's evidence, of the chunks' union (`CandidateUnion.take`)
    and the positions found elsewhere, held as `NamedRows`. The union's tables are taken
    out of `union` and let go as their named rows are made (at 1M rows both are hundreds
    of megabytes)."""
    org_ids, person_ids = _named_ids(evidence)
    organizations = _named(union.pop("organizations"), "org_id", org_ids)
    positions = _concat(
        [
            _named(union.pop("persons"), "person_id", person_ids),
            _named(_as_arrow(elsewhere), "person_id", person_ids),
        ]
    )
    return NamedRows(organizations, _first_of_each(positions, "position_id"))


def elsewhere_candidates(store: RegisterStore, contacts: pd.DataFrame) -> pd.DataFrame:
    """Stage three: the positions anywhere in the register with one of these rows' e-mails
    or full names (pass only the rows not found in their organisation)."""
    person_keys = contact_person_keys(contacts)
    # A full name is evidence elsewhere only with the same mobile number beside it
    # (`find_elsewhere`): the namesakes of a row without a number could never be its
    # person, and a large register holds many of them for a common name.
    with_number = contact_phone_keys(contacts) != ""
    return _positions_elsewhere(
        store, person_keys["email_key"], person_keys.loc[with_number, "name_key"]
    )


# Each kind of register row and the columns that tell one from another.
_ROW_KEYS: dict[str, tuple[str, ...]] = {
    "organizations": ("org_id",),
    "persons": ("position_id",),
    "persons_elsewhere": ("position_id",),
    "prohibitions": ("person_id", "kind"),
    "org_key_hits": ("key", "org_id"),
}


class CandidateUnion:
    """The union of chunks' candidates, built as the chunks come: a row already kept from
    an earlier chunk is not kept again (a large file's chunks name the same organisations
    over and over: at 1M rows each was held two or three times until the end), and held as
    Arrow tables. `take()` is `merge_candidates` of the parts as they came."""

    def __init__(self) -> None:
        self._parts: list[dict[str, pa.Table]] = []
        self._seen: dict[str, set[object]] = {name: set() for name in _ROW_KEYS}

    def add(self, part: Candidates) -> None:
        self._parts.append(
            {name: _as_arrow(self._new_rows(name, getattr(part, name))) for name in _ROW_KEYS}
        )

    def _new_rows(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        columns = _ROW_KEYS[name]
        if frame.empty or not set(columns) <= set(frame.columns):
            return frame
        # One hashable key per row: the id itself, or the tuple of a composite key.
        values = [frame[c] for c in columns]
        keys = pd.Series(
            values[0].to_numpy(dtype=object)
            if len(values) == 1
            else list(zip(*values, strict=True)),
            index=frame.index,
            dtype=object,
        )
        seen = self._seen[name]
        # Asked of the set key by key: `isin(seen)` would turn the whole set into an
        # array for every chunk, which made the union quadratic in the file (15 s at 1M).
        held = np.fromiter((key in seen for key in keys), dtype=bool, count=len(keys))
        new = ~held & ~keys.duplicated().to_numpy()
        seen.update(keys[new])
        return frame if new.all() else frame[new]

    def take(self) -> dict[str, pa.Table]:
        """The union, each kind of row (`Candidates`' fields) as one table. The parts are
        let go as it is made, so it is taken once."""
        parts, self._parts = self._parts, []
        self._seen = {name: set() for name in _ROW_KEYS}
        return {name: _concat([part[name] for part in parts]) for name in _ROW_KEYS}


def merge_candidates(parts: Sequence[Candidates]) -> Candidates:
    """The union of several chunks' candidates (each register row once)."""
    if len(parts) == 1:
        return parts[0]

    def union(frames: list[pd.DataFrame], key: list[str]) -> pd.DataFrame:
        return pd.concat(frames, ignore_index=True).drop_duplicates(key, ignore_index=True)

    return Candidates(
        **{
            name: union([getattr(c, name) for c in parts], list(key))
            for name, key in _ROW_KEYS.items()
        }
    )
