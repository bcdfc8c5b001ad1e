"""The rules decide a large file a chunk of rows at a time (their arrays for a million rows
at once took three quarters of a gigabyte): a row's decision is its own, so the decisions
are those of one pass over the whole file, row for row and column for column."""

from __future__ import annotations

from datetime import date

import pandas as pd

from refresh import RefreshSettings, complete_evidence, decide_file
from register import elsewhere_candidates
from tests.matched_file import MatchedFile

AS_OF = date(2026, 11, 25)


def test_decisions_in_chunks_are_those_of_one_pass(small_matched: MatchedFile) -> None:
    store, crm = small_matched.store, small_matched.crm
    elsewhere = elsewhere_candidates(store, small_matched.contacts)
    evidence = small_matched.persons(elsewhere)
    named = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    arguments = (
        crm.contacts,
        set(crm.mapping),
        complete_evidence(evidence, crm.contacts.index),
        small_matched.found.organizations,
        pd.concat([small_matched.found.persons, elsewhere]).drop_duplicates("position_id"),
        store.prohibitions_for(named - {""}),
        RefreshSettings(as_of=AS_OF),
    )
    whole = decide_file(*arguments)
    # The file holds every kind of row the rules tell apart, so every rule meets a chunk
    # boundary somewhere.
    assert {"verified", "updated", "not_found", "invalid"} <= set(whole["status"])
    for rows in (7, 64, len(crm.contacts) - 1):
        pd.testing.assert_frame_equal(decide_file(*arguments, rows=rows), whole)
