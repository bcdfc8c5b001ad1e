"""Rows not found in their organisation are looked for in the whole register a chunk at a
time (a large file's common names fetch millions of positions at once otherwise): the
evidence is the same as one look over the whole file, and the positions kept are those of
the persons the rows were matched to."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.matches import _linked_elsewhere
from crmfile import read_crm_file
from matching import (
    contact_person_keys,
    contact_phone_keys,
    link_elsewhere,
    link_persons,
    match_organisations,
    needs_elsewhere,
)
from register import (
    RegisterStore,
    elsewhere_candidates,
    organisation_candidates,
    person_candidates,
    read_snapshot,
)
from synthetic import GeneratedData


def test_chunks_give_the_evidence_of_one_look_and_keep_only_named_positions(
    tmp_path: Path, small_data: GeneratedData
) -> None:
    store = RegisterStore.from_url(f"sqlite:///{tmp_path / 'register.sqlite'}")
    store.load(read_snapshot(small_data.snapshot_dir))
    crm = read_crm_file(small_data.crm_file)
    contacts = crm.contacts[crm.contacts["problem"] == ""]
    stage_one = organisation_candidates(store, contacts)
    org_matches = match_organisations(contacts, stage_one.organizations, stage_one.org_key_hits)
    found = person_candidates(store, org_matches["org_id"])
    nowhere = found.persons.iloc[:0]
    within = link_persons(contacts, org_matches, found.organizations, found.persons, nowhere)
    missing = needs_elsewhere(within)
    assert missing.sum() > 7  # enough rows for several chunks

    whole_positions = elsewhere_candidates(store, contacts.loc[missing[missing].index])
    whole = link_elsewhere(within, contacts, whole_positions)
    chunked, positions = _linked_elsewhere(store, contacts, within, rows=7)

    pd.testing.assert_frame_equal(chunked, whole)
    assert whole["found_elsewhere"].any()  # the case is exercised
    named = (set(whole["person_id"]) | set(whole["elsewhere_person_id"])) - {""}
    expected = whole_positions[whole_positions["person_id"].isin(named)]
    assert sorted(positions["position_id"]) == sorted(expected["position_id"])
    assert positions["position_id"].is_unique
    store.engine.dispose()


def test_namesakes_are_fetched_only_for_rows_with_a_number_and_the_evidence_is_the_same(
    tmp_path: Path, small_data: GeneratedData
) -> None:
    # A name is evidence elsewhere only beside the same mobile: the positions fetched for
    # the names of rows without one could never name their person.
    store = RegisterStore.from_url(f"sqlite:///{tmp_path / 'register.sqlite'}")
    store.load(read_snapshot(small_data.snapshot_dir))
    crm = read_crm_file(small_data.crm_file)
    contacts = crm.contacts[crm.contacts["problem"] == ""]
    stage_one = organisation_candidates(store, contacts)
    org_matches = match_organisations(contacts, stage_one.organizations, stage_one.org_key_hits)
    found = person_candidates(store, org_matches["org_id"])
    within = link_persons(
        contacts, org_matches, found.organizations, found.persons, found.persons.iloc[:0]
    )
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
    store.engine.dispose()
