"""The rules decide a large file a chunk of rows at a time (their arrays for a million rows
at once took three quarters of a gigabyte): a row's decision is its own, so the decisions
are those of one pass over the whole file, row for row and column for column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from crmfile import read_crm_file
from matching import link_persons, match_organisations
from refresh import RefreshSettings, complete_evidence, decide_file
from register import (
    RegisterStore,
    elsewhere_candidates,
    organisation_candidates,
    person_candidates,
    read_snapshot,
)
from synthetic import GeneratedData

AS_OF = date(2026, 11, 25)


def test_decisions_in_chunks_are_those_of_one_pass(
    tmp_path: Path, small_data: GeneratedData
) -> None:
    store = RegisterStore.from_url(f"sqlite:///{tmp_path / 'register.sqlite'}")
    store.load(read_snapshot(small_data.snapshot_dir))
    crm = read_crm_file(small_data.crm_file)
    usable = crm.contacts[crm.contacts["problem"] == ""]
    stage_one = organisation_candidates(store, usable)
    org_matches = match_organisations(usable, stage_one.organizations, stage_one.org_key_hits)
    found = person_candidates(store, org_matches["org_id"])
    elsewhere = elsewhere_candidates(store, usable)
    evidence = link_persons(usable, org_matches, found.organizations, found.persons, elsewhere)
    named = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    prohibitions = store.prohibitions_for(named - {""})
    store.engine.dispose()
    arguments = (
        crm.contacts,
        set(crm.mapping),
        complete_evidence(evidence, crm.contacts.index),
        found.organizations,
        pd.concat([found.persons, elsewhere]).drop_duplicates("position_id"),
        prohibitions,
        RefreshSettings(as_of=AS_OF),
    )
    whole = decide_file(*arguments)
    # The file holds every kind of row the rules tell apart, so every rule meets a chunk
    # boundary somewhere.
    assert {"verified", "updated", "not_found", "invalid"} <= set(whole["status"])
    for rows in (7, 64, len(crm.contacts) - 1):
        pd.testing.assert_frame_equal(decide_file(*arguments, rows=rows), whole)
