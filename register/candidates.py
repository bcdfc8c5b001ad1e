"""Fetching, for one customer file, the register rows its matching can need — by indexed
look-ups on the keys the file holds, never a scan of the register (the gazetteer's search)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from register.store import RegisterStore

MAX_SUCCESSOR_HOPS = 10


@dataclass(frozen=True)
class Candidates:
    organizations: pd.DataFrame  # found by business ID or name key, plus merger successors
    persons: pd.DataFrame  # every position in those organisations, current and ended
    persons_elsewhere: pd.DataFrame  # positions anywhere with a contact's e-mail or full name
    prohibitions: pd.DataFrame  # of all the persons above


def fetch_candidates(
    store: RegisterStore,
    business_ids: Iterable[str],
    org_name_keys: Iterable[str],
    person_email_keys: Iterable[str],
    person_name_keys: Iterable[str],
) -> Candidates:
    orgs = pd.concat(
        [
            store.organizations_by_business_id(business_ids),
            store.organizations_by_name_key(org_name_keys),
        ],
        ignore_index=True,
    ).drop_duplicates("org_id")
    # Follow merger successors so that persons are looked for where the organisation went.
    for _ in range(MAX_SUCCESSOR_HOPS):
        wanted = set(orgs["successor_business_id"].dropna()) - set(orgs["business_id"])
        if not wanted:
            break
        orgs = pd.concat(
            [orgs, store.organizations_by_business_id(wanted)], ignore_index=True
        ).drop_duplicates("org_id")
    persons = store.persons_by_org(orgs["org_id"])
    elsewhere = pd.concat(
        [store.persons_by_email(person_email_keys), store.persons_by_name_key(person_name_keys)],
        ignore_index=True,
    ).drop_duplicates("position_id")
    person_ids = set(persons["person_id"]) | set(elsewhere["person_id"])
    return Candidates(
        organizations=orgs.reset_index(drop=True),
        persons=persons,
        persons_elsewhere=elsewhere,
        prohibitions=store.prohibitions_for(person_ids),
    )
