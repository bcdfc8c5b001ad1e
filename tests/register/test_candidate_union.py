"""The chunks' candidates are gathered as they come, each register row kept once (a large
file's chunks name the same organisations again and again): the union is the one
`merge_candidates` makes of all the chunks, without holding the repeats until the end."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import register_frame
from register import Candidates, CandidateUnion, merge_candidates, named_rows


def _part(org_ids: list[int], position_ids: list[int], bans: list[tuple[int, str]]) -> Candidates:
    return Candidates(
        organizations=pd.DataFrame(
            {"org_id": [f"O{i}" for i in org_ids], "name": [f"Yhtiö {i}" for i in org_ids]}
        ),
        persons=pd.DataFrame(
            {
                "position_id": position_ids,
                "person_id": [f"P{i % 5}" for i in position_ids],
                "org_id": [f"O{i % 3}" for i in position_ids],
            }
        ),
        persons_elsewhere=pd.DataFrame({"position_id": [], "person_id": [], "org_id": []}),
        prohibitions=pd.DataFrame(
            {"person_id": [f"P{p}" for p, _ in bans], "kind": [k for _, k in bans]}
        ),
    )


parts = st.lists(
    st.tuples(
        st.lists(st.integers(0, 12), max_size=8),
        st.lists(st.integers(0, 20), max_size=10),
        st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["disclosure", "email_marketing"]))),
    ),
    min_size=2,
    max_size=6,
)


@given(parts)
@settings(max_examples=200, deadline=None)
def test_the_union_built_as_chunks_come_is_the_union_of_all_chunks(
    chunks: list[tuple[list[int], list[int], list[tuple[int, str]]]],
) -> None:
    candidates = [_part(*chunk) for chunk in chunks]
    union = CandidateUnion()
    for part in candidates:
        union.add(part)
    kept_rows = sum(len(p["organizations"]) + len(p["persons"]) for p in union._parts)
    taken = union.take()
    expected = merge_candidates(candidates)
    for name in ("organizations", "persons", "prohibitions", "org_key_hits"):
        # Held as Arrow: a column empty in every chunk comes back as missing values.
        pd.testing.assert_frame_equal(
            register_frame(taken[name]), getattr(expected, name), check_dtype=False
        )
    # Nothing held twice on the way: each organisation and position once.
    assert kept_rows == len(expected.organizations) + len(expected.persons)


@given(
    parts, st.sets(st.integers(0, 12)), st.sets(st.integers(0, 6)), st.lists(st.integers(15, 30))
)
@settings(max_examples=100, deadline=None)
def test_the_rows_kept_for_the_rules_are_those_the_evidence_names(
    chunks: list[tuple[list[int], list[int], list[tuple[int, str]]]],
    org_numbers: set[int],
    person_numbers: set[int],
    elsewhere_ids: list[int],
) -> None:
    """Of the union and the positions found elsewhere: the organisations and the persons'
    positions the evidence names, each position once (those in the matched organisations
    first), without the look-up keys."""
    candidates = [_part(*chunk) for chunk in chunks]
    for part in candidates:
        part.persons["name_key"] = "matti virtanen"
    union = CandidateUnion()
    for part in candidates:
        union.add(part)
    elsewhere = pd.DataFrame(
        {
            "position_id": elsewhere_ids,
            # A position is one register row: the same person wherever it was found.
            "person_id": [f"P{i % 5}" for i in elsewhere_ids],
            "org_id": [f"O{i % 3}" for i in elsewhere_ids],
            "name_key": "x",
        }
    )
    orgs, persons = [f"O{i}" for i in sorted(org_numbers)], [f"P{i}" for i in person_numbers]
    rows = max(len(orgs), len(persons), 1)
    evidence = pd.DataFrame(
        {
            "org_id": orgs + [""] * (rows - len(orgs)),
            "position_org_id": "",
            "person_id": persons + [""] * (rows - len(persons)),
        }
    )
    kept = named_rows(union.take(), elsewhere, evidence)

    merged = merge_candidates(candidates)
    org_ids, person_ids = set(evidence["org_id"]), set(evidence["person_id"])
    expected_orgs = merged.organizations[merged.organizations["org_id"].isin(org_ids)]
    expected_positions = pd.concat([merged.persons, elsewhere], ignore_index=True).drop_duplicates(
        "position_id"
    )
    expected_positions = expected_positions[expected_positions["person_id"].isin(person_ids)]
    assert register_frame(kept.organizations)["org_id"].tolist() == expected_orgs["org_id"].tolist()
    got = register_frame(kept.positions)
    assert got["position_id"].tolist() == expected_positions["position_id"].tolist()
    assert got["person_id"].tolist() == expected_positions["person_id"].tolist()
    assert "name_key" not in kept.positions.column_names
