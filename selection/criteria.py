"""The criteria the database cannot decide, as column checks on the frame of positions
and their organisations (`register.selection_query.selected_positions`): the legal form
(read from the name), the title level and the top person of an area (read from the
title by `matching.title_meaning`). Every other criterion is a SQL condition there.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from matching.text import legal_form_family
from matching.title_meaning import title_meaning
from selection.order import SENIORITY, PersonCriteria

_NO_LEVEL_RANK = len(SENIORITY)
_RANK = {level: rank for rank, level in enumerate(SENIORITY)}


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str)


def _per_unique(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` of each value, computed once per distinct value (a few thousand towns,
    titles or names over hundreds of thousands of positions)."""
    return values.map({value: function(value) for value in values.unique()})


def place_city(frame: pd.DataFrame) -> pd.Series:
    """The organisation's municipality: the visiting address's, else the postal one's."""
    visiting = _text(frame, "visiting_city")
    return visiting.where(visiting != "", _text(frame, "postal_city"))


def title_level(frame: pd.DataFrame) -> pd.Series:
    """The level each position's title names (`matching.title_meaning`), "" for none."""
    return _per_unique(_text(frame, "title"), lambda title: title_meaning(title).level)


def seniority_rank(levels: pd.Series) -> pd.Series:
    """0 for a CEO … len(SENIORITY) for a title that names no level (`SENIORITY`: who runs
    an organisation or area operationally ranks first, the board after its executives)."""
    return levels.map(lambda level: _RANK.get(level, _NO_LEVEL_RANK)).astype(int)


def legal_form_check(frame: pd.DataFrame, forms: tuple[str, ...]) -> pd.Series:
    """The organisation's legal-form family (read from its name by
    `matching.text.legal_form_family`; the register has no column for it) is one of
    `forms`."""
    wanted = set(forms)
    return _per_unique(_text(frame, "org_name"), lambda name: legal_form_family(name) in wanted)


def top_of_area(frame: pd.DataFrame) -> pd.Series:
    """True for the one top person of each (organisation, responsibility area): the most
    senior title level by `SENIORITY` (the CEO before the board chair); between equals
    the most recently verified, then the lowest person id (so the choice never depends on
    row order). `frame` must hold all current positions of each area it has of an
    organisation — the organisation criteria keep or drop whole organisations, so they
    do."""
    if frame.empty:
        return pd.Series(dtype=bool, index=frame.index)
    ranked = pd.DataFrame(
        {
            "org_id": frame["org_id"].astype(str),
            "area": _text(frame, "responsibility_area"),
            "rank": seniority_rank(title_level(frame)),
            "verified": pd.to_datetime(frame["verified_at"], errors="coerce"),
            "person_id": frame["person_id"].astype(str),
        },
        index=frame.index,
    )
    ordered = ranked.sort_values(
        ["org_id", "area", "rank", "verified", "person_id"],
        ascending=[True, True, True, False, True],
        na_position="last",
    )
    first = ordered.drop_duplicates(["org_id", "area"]).index
    return pd.Series(frame.index.isin(first), index=frame.index)


def person_checks(frame: pd.DataFrame, criteria: PersonCriteria) -> dict[str, pd.Series]:
    """Each restricting person criterion as a mask over `frame`'s rows (positions)."""
    checks: dict[str, pd.Series] = {}
    if criteria.areas:
        checks["person.areas"] = _text(frame, "responsibility_area").isin(criteria.areas)
    if criteria.levels:
        checks["person.levels"] = title_level(frame).isin(criteria.levels)
    if criteria.top_of_area:
        checks["person.top_of_area"] = top_of_area(frame)
    return checks


__all__ = [
    "legal_form_check",
    "person_checks",
    "place_city",
    "seniority_rank",
    "title_level",
    "top_of_area",
]
