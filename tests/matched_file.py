"""A generated file matched the way the refresh job matches it, up to its persons: the
set-up the tests of the later steps (looking elsewhere, the rules) start from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crmfile import CrmFile, read_crm_file
from matching import link_persons, match_organisations
from register import (
    Candidates,
    RegisterStore,
    organisation_candidates,
    person_candidates,
    read_snapshot,
)
from synthetic import GeneratedData


@dataclass(frozen=True)
class MatchedFile:
    store: RegisterStore
    crm: CrmFile
    contacts: pd.DataFrame  # the rows matched (the quarantined ones are not)
    org_matches: pd.DataFrame
    found: Candidates  # the matched organisations and every position there

    def persons(self, elsewhere: pd.DataFrame | None = None) -> pd.DataFrame:
        """The evidence of person matching, with `elsewhere` the positions looked at for
        the rows not found in their organisation (none by default)."""
        nowhere = self.found.persons.iloc[:0] if elsewhere is None else elsewhere
        return link_persons(
            self.contacts, self.org_matches, self.found.organizations, self.found.persons, nowhere
        )


def match_file(folder: Path, data: GeneratedData) -> MatchedFile:
    """Load `data`'s register into a SQLite store under `folder`, read its file and match
    organisations, then fetch the positions at the matched ones (as the job's stages do)."""
    store = RegisterStore.from_url(f"sqlite:///{folder / 'register.sqlite'}")
    store.load(read_snapshot(data.snapshot_dir))
    crm = read_crm_file(data.crm_file)
    contacts = crm.contacts[crm.contacts["problem"] == ""]
    stage_one = organisation_candidates(store, contacts)
    org_matches = match_organisations(contacts, stage_one.organizations, stage_one.org_key_hits)
    found = person_candidates(store, org_matches["org_id"])
    return MatchedFile(store, crm, contacts, org_matches, found)
