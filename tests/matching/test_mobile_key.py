"""The register's positions carry their mobile in E.164 (`mobile_key`, made once where the
candidate rows are made) so that matching no longer parses the same register numbers in
every chunk: the evidence is the one parsing them gives."""

from __future__ import annotations

import pandas as pd

from matching import contact_phone_keys, link_persons
from register import elsewhere_candidates, named_by
from tests.matched_file import MatchedFile


def test_evidence_with_the_registers_mobile_key_is_that_of_parsing(
    small_matched: MatchedFile,
) -> None:
    found, contacts = small_matched.found, small_matched.contacts
    assert "mobile_key" in found.persons
    elsewhere = elsewhere_candidates(small_matched.store, contacts)
    with_key = small_matched.persons(elsewhere)
    parsed = link_persons(
        contacts,
        small_matched.org_matches,
        found.organizations,
        found.persons.drop(columns="mobile_key"),
        elsewhere.drop(columns="mobile_key"),
    )
    pd.testing.assert_frame_equal(with_key, parsed)
    # The numbers decided something: rows found by phone, and rows whose number agrees.
    assert (with_key["person_method"] == "phone").any() or (
        with_key["person_evidence"].str.contains("phone exact").any()
    )
    assert (contact_phone_keys(contacts) != "").any()


def test_the_positions_kept_for_the_rules_leave_the_keys_out(small_matched: MatchedFile) -> None:
    # Only matching reads them: held to the end of a large file's run they were memory for
    # nothing (two texts per position).
    evidence = small_matched.persons()
    kept = named_by(small_matched.found, evidence)
    assert not kept.persons.empty
    assert not {"mobile_key", "email_key", "name_key"} & set(kept.persons.columns)
    assert {"mobile", "email", "person_id"} <= set(kept.persons.columns)
