"""The register's organisations carry the words of their names (`name_words`, made once
where the candidate rows are made) so that the name fallback no longer folds the same
register names in every chunk: the matches are the ones making them gives."""

from __future__ import annotations

import pandas as pd

from matching import contradicted_by_name, match_organisations, organisation_keys
from register import named_by, organisation_candidates
from tests.matched_file import MatchedFile


def test_organisation_matches_with_the_registers_name_words_are_those_of_making_them(
    small_matched: MatchedFile,
) -> None:
    contacts = small_matched.contacts
    found = organisation_candidates(small_matched.store, contacts)
    orgs, hits = found.organizations, found.org_key_hits
    assert "name_words" in orgs
    with_words = match_organisations(contacts, orgs, hits)
    made = match_organisations(contacts, orgs.drop(columns="name_words"), hits)
    pd.testing.assert_frame_equal(with_words, made)
    # Stage one fetches only the columns matching reads: the matches are those of all.
    every = (
        small_matched.store.organizations_by_id(orgs["org_id"])
        .set_index("org_id")
        .loc[orgs["org_id"]]
        .reset_index()
    )
    assert len(every.columns) > len(orgs.columns)
    pd.testing.assert_frame_equal(match_organisations(contacts, every, hits), with_words)
    # The names decided something: rows found by name.
    assert with_words["org_method"].isin(["name", "name_and_place"]).any()
    # And where a business ID finds an organisation, whether the row's name contradicts it.
    keys = organisation_keys(contacts)
    by_id = orgs.drop_duplicates("business_id").set_index("business_id")
    contradicted = contradicted_by_name(contacts, keys, by_id)
    assert contradicted.any()
    pd.testing.assert_series_equal(
        contradicted,
        contradicted_by_name(contacts, keys, by_id.drop(columns="name_words")),
    )


def test_the_organisations_kept_for_the_rules_leave_the_look_up_keys_out(
    small_matched: MatchedFile,
) -> None:
    # The checks accept a value of any register column: a look-up key must not be there.
    kept = named_by(small_matched.found, small_matched.persons())
    assert not kept.organizations.empty
    assert not {"name_words", "name_key"} & set(kept.organizations.columns)
    assert {"name_words", "name_key"} <= set(small_matched.found.organizations.columns)
    assert {"name", "aux_names", "www"} <= set(kept.organizations.columns)
