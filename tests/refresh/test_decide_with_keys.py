"""The rules take the contacts' canonical business IDs from organisation matching where the
caller has them (parsing them again cost a large file most of the rules' time): the
decisions are those the rules give when they parse the IDs themselves."""

from __future__ import annotations

from datetime import date

import pandas as pd

from matching import organisation_keys
from refresh import RefreshSettings, complete_evidence, decide_file
from register import elsewhere_candidates
from tests.matched_file import MatchedFile

AS_OF = date(2026, 11, 25)


def test_decisions_with_the_files_business_id_keys(small_matched: MatchedFile) -> None:
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
    keys = organisation_keys(crm.contacts)["business_id_norm"]
    parsed = decide_file(*arguments)
    # The file has IDs to write in every notation and state: a check that cannot pass on
    # a file without them would prove nothing.
    assert parsed["business_id_changed"].any()
    assert (parsed["new_business_id"] != "").any()
    for rows in (len(crm.contacts), 13):
        pd.testing.assert_frame_equal(decide_file(*arguments, rows=rows, business_ids=keys), parsed)
