"""The chunks' candidates are gathered as they come, each register row kept once (a large
file's chunks name the same organisations again and again): the union is the one
`merge_candidates` makes of all the chunks, without holding the repeats until the end."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from register import Candidates, CandidateUnion, merge_candidates


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
    kept_rows = sum(len(p.organizations) + len(p.persons) for p in union._parts)
    taken = union.take()
    expected = merge_candidates(candidates)
    for name in ("organizations", "persons", "prohibitions", "org_key_hits"):
        pd.testing.assert_frame_equal(getattr(taken, name), getattr(expected, name))
    # Nothing held twice on the way: each organisation and position once.
    assert kept_rows == len(expected.organizations) + len(expected.persons)
