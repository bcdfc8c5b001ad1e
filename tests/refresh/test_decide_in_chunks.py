"""The rules decide a large file a chunk of rows at a time (their arrays for a million rows
at once took three quarters of a gigabyte): a row's decision is its own, so the decisions
are those of one pass over the whole file, row for row and column for column. They also
take the contacts' canonical business IDs from organisation matching where the caller has
them (parsing them again cost a 1M-row file about a seventh of the rules' time), with the
same decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa

from matching import organisation_keys
from refresh import RefreshSettings, complete_evidence, decide_file
from register import elsewhere_candidates
from tests.matched_file import MatchedFile

AS_OF = date(2026, 11, 25)


def _arguments(small_matched: MatchedFile) -> tuple[Any, ...]:
    store, crm = small_matched.store, small_matched.crm
    elsewhere = elsewhere_candidates(store, small_matched.contacts)
    evidence = small_matched.persons(elsewhere)
    named = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    return (
        crm.contacts,
        set(crm.mapping),
        complete_evidence(evidence, crm.contacts.index),
        small_matched.found.organizations,
        pd.concat([small_matched.found.persons, elsewhere]).drop_duplicates("position_id"),
        store.prohibitions_for(named - {""}),
        RefreshSettings(as_of=AS_OF),
    )


def test_decisions_in_chunks_are_those_of_one_pass(small_matched: MatchedFile) -> None:
    arguments = _arguments(small_matched)
    whole = decide_file(*arguments)
    # The file holds every kind of row the rules tell apart, so every rule meets a chunk
    # boundary somewhere.
    assert {"verified", "updated", "not_found", "invalid"} <= set(whole["status"])
    for rows in (7, 64, len(small_matched.crm.contacts) - 1):
        pd.testing.assert_frame_equal(decide_file(*arguments, rows=rows), whole)


def test_decisions_with_the_files_business_id_keys(small_matched: MatchedFile) -> None:
    arguments = _arguments(small_matched)
    contacts = small_matched.crm.contacts
    keys = organisation_keys(contacts)["business_id_norm"]
    parsed = decide_file(*arguments)
    # The file has IDs to write in every notation and state: a check that cannot pass on
    # a file without them would prove nothing.
    assert parsed["business_id_changed"].any()
    assert (parsed["new_business_id"] != "").any()
    for rows in (len(contacts), 13):
        pd.testing.assert_frame_equal(decide_file(*arguments, rows=rows, business_ids=keys), parsed)


def test_decisions_with_the_register_rows_held_as_arrow(small_matched: MatchedFile) -> None:
    """A run hands the rules the register rows as Arrow tables (`register.NamedRows`), each
    chunk turning its own rows into a frame: the decisions are those made of the frames."""
    contacts, present, evidence, organizations, positions, *rest = _arguments(small_matched)
    whole = decide_file(contacts, present, evidence, organizations, positions, *rest)
    held = (
        pa.Table.from_pandas(organizations, preserve_index=False),
        pa.Table.from_pandas(positions, preserve_index=False),
    )
    for rows in (len(contacts), 7):
        pd.testing.assert_frame_equal(
            decide_file(contacts, present, evidence, *held, *rest, rows=rows), whole
        )
