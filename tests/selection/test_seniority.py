"""Who is the top of an area: the person who runs it operationally. The CEO / managing
director (toimitusjohtaja) before the board chair (hallituksen puheenjohtaja), whatever
the language the title is written in."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest

from matching.title_meaning import _LEVEL_NUMBERS, title_meaning
from register import RegisterStore
from selection import parse_order, select_persons
from selection.criteria import seniority_rank, title_level, top_of_area
from selection.order import SENIORITY
from tests.conftest import AS_OF
from tests.selection.conftest import Snapshot

# Most senior first, for a selection; each step in Finnish and English (and a Swedish
# or abbreviated form where the register has one).
RANKED: list[tuple[str, tuple[str, ...]]] = [
    ("ceo", ("Toimitusjohtaja", "TJ", "CEO", "Managing Director", "Verkställande direktör")),
    ("country", ("Maajohtaja", "Country Manager")),
    ("coo", ("Operatiivinen johtaja", "COO", "Chief Operating Officer")),
    ("deputy_ceo", ("Varatoimitusjohtaja", "Deputy CEO", "Deputy Managing Director")),
    ("owner", ("Yrittäjä", "Omistaja", "Owner", "Founder")),
    ("director", ("Myyntijohtaja", "Talousjohtaja", "Sales Director", "CFO")),
    ("head", ("Head of Sales", "Head of Marketing")),
    ("manager", ("Myyntipäällikkö", "Sales Manager", "Markkinointipäällikkö")),
    (
        "board_chair",
        ("Hallituksen puheenjohtaja", "Hallituksen pj.", "Chairman of the Board", "Chairman"),
    ),
    ("board_member", ("Hallituksen jäsen", "Board Member", "Member of the Board")),
    ("accountant", ("Kirjanpitäjä", "Accountant")),
    ("specialist", ("Asiantuntija", "Myyjä", "Specialist", "Key Account Manager")),
    ("assistant", ("Assistentti", "Sihteeri", "Assistant")),
]
_STEPS = [
    (senior, junior)
    for (_, seniors), (_, juniors) in pairwise(RANKED)
    for senior in seniors
    for junior in juniors
]


def _ranks(titles: list[str]) -> list[int]:
    frame = pd.DataFrame({"title": titles})
    return seniority_rank(title_level(frame)).tolist()


def test_every_level_the_titles_name_has_its_place() -> None:
    """`matching.title_meaning` reads each of these levels from some title; a level missing
    here would rank with the titles that name none."""
    assert set(_LEVEL_NUMBERS) <= set(SENIORITY)
    assert [level for level, _ in RANKED] == list(SENIORITY)


@pytest.mark.parametrize(("level", "titles"), RANKED, ids=[level for level, _ in RANKED])
def test_the_titles_read_as_their_level(level: str, titles: tuple[str, ...]) -> None:
    assert [title_meaning(t).level for t in titles] == [level] * len(titles)


@pytest.mark.parametrize(("senior", "junior"), _STEPS)
def test_titles_rank_in_the_expected_order(senior: str, junior: str) -> None:
    high, low = _ranks([senior, junior])
    assert high < low


@pytest.mark.parametrize(
    ("chief", "chair"),
    [
        ("Toimitusjohtaja", "Hallituksen puheenjohtaja"),
        ("toim.joht.", "hall. pj"),
        ("CEO", "Chairman of the Board"),
        ("Managing Director", "Chair of the Board"),
        ("Verkställande direktör", "Styrelseordförande"),
        ("Toimitusjohtaja, osakas", "Puheenjohtaja, hallitus"),
        ("Deputy CEO", "Hallituksen puheenjohtaja"),
        ("Yrittäjä", "Chairman"),
    ],
)
def test_the_top_of_the_management_area_runs_it(chief: str, chair: str) -> None:
    """Whatever the row order and however recently the chair was verified."""
    frame = pd.DataFrame(
        {
            "org_id": ["o1", "o1", "o1"],
            "responsibility_area": ["JOHTO"] * 3,
            "title": [chair, "Board Member", chief],
            "verified_at": ["2026-11-01", "2026-11-01", "2020-01-01"],
            "person_id": ["p1", "p2", "p3"],
        }
    )
    assert top_of_area(frame).tolist() == [False, False, True]


def test_a_board_with_no_executive_is_topped_by_its_chair() -> None:
    frame = pd.DataFrame(
        {
            "org_id": ["o1", "o1", "o1"],
            "responsibility_area": ["JOHTO"] * 3,
            "title": ["Hallituksen jäsen", "Hallituksen puheenjohtaja", "Assistentti"],
            "verified_at": ["2026-11-01"] * 3,
            "person_id": ["p1", "p2", "p3"],
        }
    )
    assert top_of_area(frame).tolist() == [False, True, False]


def test_a_selection_takes_the_ceo_not_the_board_chair(
    sqlite_store: RegisterStore, snapshot_rows: Snapshot
) -> None:
    """On the generated register: where an organisation's management area has a current
    CEO, no board chair (or member) of it is selected as its top person."""
    order = parse_order(
        {
            "order_id": "top",
            "customer": "acme",
            "purpose": "continuous",
            "channels": ["post"],
            "organisation": {"active_only": True, "personnel_classes": ["1-4", "5-9", "10-19"]},
            "person": {"areas": ["JOHTO"], "top_of_area": True},
        }
    )
    rows = select_persons(sqlite_store, order, AS_OF).rows
    current = [
        p
        for p in snapshot_rows.positions
        if p["responsibility_area"] == "JOHTO"
        and (not p["valid_to"] or p["valid_to"] >= AS_OF.isoformat())
        and (not p["valid_from"] or p["valid_from"] <= AS_OF.isoformat())
    ]
    business_id = {o["org_id"]: o["business_id"] for o in snapshot_rows.organisations.values()}
    with_ceo = {
        business_id[p["org_id"]] for p in current if title_meaning(p["title"]).level == "ceo"
    }
    with_chair = {
        business_id[p["org_id"]]
        for p in current
        if title_meaning(p["title"]).level == "board_chair"
    }
    levels = rows["title"].map(lambda t: title_meaning(t).level)
    both = rows["business_id"].isin(with_ceo & with_chair)
    assert both.sum() > 0, "the generated register has organisations with both"
    assert set(levels[both]) == {"ceo"}
    assert set(levels[rows["business_id"].isin(with_ceo)]) == {"ceo"}
