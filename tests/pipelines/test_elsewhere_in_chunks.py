"""Rows not found in their organisation are looked for in the whole register a chunk at a
time (a large file's common names fetch millions of positions at once otherwise): the
evidence is the same as one look over the whole file, and the positions kept are those of
the persons the rows were matched to."""

from __future__ import annotations

import pandas as pd

from assets.matches import _linked_elsewhere
from matching import contact_person_keys, contact_phone_keys, link_elsewhere, needs_elsewhere
from register import elsewhere_candidates
from tests.matched_file import MatchedFile


def test_chunks_give_the_evidence_of_one_look_and_keep_only_named_positions(
    small_matched: MatchedFile,
) -> None:
    store, contacts = small_matched.store, small_matched.contacts
    within = small_matched.persons()
    missing = needs_elsewhere(within)
    assert missing.sum() > 7  # enough rows for several chunks

    whole_positions = elsewhere_candidates(store, contacts.loc[missing[missing].index])
    whole = link_elsewhere(within, contacts, whole_positions)
    chunked = within.copy()
    positions = _linked_elsewhere(store, contacts, chunked, rows=7)  # written into it

    pd.testing.assert_frame_equal(chunked, whole)
    assert whole["found_elsewhere"].any()  # the case is exercised
    named = (set(whole["person_id"]) | set(whole["elsewhere_person_id"])) - {""}
    expected = whole_positions[whole_positions["person_id"].isin(named)]
    assert sorted(positions["position_id"]) == sorted(expected["position_id"])
    assert positions["position_id"].is_unique


def test_namesakes_are_fetched_only_for_rows_with_a_number_and_the_evidence_is_the_same(
    small_matched: MatchedFile,
) -> None:
    # A name is evidence elsewhere only beside the same mobile: the positions fetched for
    # the names of rows without one could never name their person.
    store, contacts = small_matched.store, small_matched.contacts
    within = small_matched.persons()
    missing = contacts.loc[needs_elsewhere(within).to_numpy(dtype=bool)]
    keys = contact_person_keys(missing)
    every_name = pd.concat(
        [store.persons_by_email(keys["email_key"]), store.persons_by_name_key(keys["name_key"])],
        ignore_index=True,
    ).drop_duplicates("position_id")
    fetched = elsewhere_candidates(store, missing)

    without_number = keys["name_key"][contact_phone_keys(missing) == ""]
    assert every_name["name_key"].isin(set(without_number)).any()  # the case is exercised
    assert len(fetched) < len(every_name)
    pd.testing.assert_frame_equal(
        link_elsewhere(within, contacts, fetched), link_elsewhere(within, contacts, every_name)
    )
