"""Linking a customer file to the register in one call: organisations, then persons within
them and their successors, then the register-wide look-up for those not found there.

The job runs the last step separately (`needs_elsewhere`, `link_elsewhere`): the
register-wide positions are fetched only for the rows that need them, which is a few of
a file's rows, where fetching every row's namesakes was the largest part of matching."""

from __future__ import annotations

import pandas as pd

from matching.calibration import DEFAULT_CALIBRATION, Calibration
from matching.organisations import (
    OrganisationThresholds,
    match_organisations,
    successor_chain,
    successor_links,
)
from matching.persons import PersonThresholds, find_elsewhere, match_persons


def search_scope(org_matches: pd.DataFrame, register_orgs: pd.DataFrame) -> pd.DataFrame:
    """(contact, org_id) pairs: each contact's organisation and its merger successors."""
    matched = org_matches.loc[org_matches["org_id"] != "", "org_id"]
    if matched.empty:
        return pd.DataFrame({"contact": [], "org_id": []})
    links = successor_links(register_orgs) if not register_orgs.empty else {}
    chains = pd.DataFrame(
        [
            (org_id, member)
            for org_id in pd.unique(matched)
            for member in successor_chain(org_id, register_orgs, links)
        ],
        columns=["matched_org_id", "org_id"],
    )
    frame = pd.DataFrame({"contact": matched.index, "matched_org_id": matched.to_numpy()})
    return frame.merge(chains, on="matched_org_id", how="inner")[["contact", "org_id"]]


def link_persons(
    contacts: pd.DataFrame,
    org_matches: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    persons_elsewhere: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
    *,
    resolve_shared: bool = True,
) -> pd.DataFrame:
    """Evidence per contact (same index) once organisations are matched. A caller
    matching a file in chunks passes `resolve_shared=False` and calls
    `resolve_shared_persons` once over the whole file's evidence."""
    evidence = _link_within(
        contacts,
        org_matches,
        register_orgs,
        register_persons,
        thresholds,
        calibration,
        resolve_shared=resolve_shared,
    )
    return link_elsewhere(evidence, contacts, persons_elsewhere)


def _link_within(
    contacts: pd.DataFrame,
    org_matches: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    thresholds: PersonThresholds | None,
    calibration: Calibration,
    *,
    resolve_shared: bool,
) -> pd.DataFrame:
    """Evidence from the contacts' organisations and their successors only."""
    scope = search_scope(org_matches, register_orgs)
    persons = match_persons(
        contacts, scope, register_persons, thresholds, calibration, resolve_shared=resolve_shared
    )
    evidence = pd.concat([org_matches, persons], axis=1)
    evidence["found_elsewhere"] = False
    evidence["elsewhere_person_id"] = ""
    return evidence


def needs_elsewhere(evidence: pd.DataFrame) -> pd.Series:
    """Rows whose organisation is known but whose person was not found there: only these
    are looked for in the whole register (the person may have left)."""
    return (evidence["org_id"] != "") & (evidence["person_method"] == "")


def link_elsewhere(
    evidence: pd.DataFrame, contacts: pd.DataFrame, persons_elsewhere: pd.DataFrame
) -> pd.DataFrame:
    """`evidence` with `found_elsewhere` / `elsewhere_person_id` for the rows that need
    them, from the register-wide positions with those rows' e-mails or full names."""
    missing = needs_elsewhere(evidence)
    elsewhere = find_elsewhere(contacts.loc[missing[missing].index], persons_elsewhere)
    evidence = evidence.copy()
    evidence.loc[elsewhere.index, "found_elsewhere"] = elsewhere["found"].astype(bool)
    evidence.loc[elsewhere.index, "elsewhere_person_id"] = elsewhere["person_id"]
    evidence["found_elsewhere"] = evidence["found_elsewhere"].astype(bool)
    return evidence


def link(
    contacts: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    persons_elsewhere: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
    *,
    key_hits: pd.DataFrame | None = None,
    org_thresholds: OrganisationThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> pd.DataFrame:
    """Organisations, then persons: evidence per contact in the columns `refresh` reads."""
    org_matches = match_organisations(
        contacts, register_orgs, key_hits, org_thresholds, calibration
    )
    return link_persons(
        contacts,
        org_matches,
        register_orgs,
        register_persons,
        persons_elsewhere,
        thresholds,
        calibration,
    )


def link_chunk(
    contacts: pd.DataFrame,
    org_matches: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> pd.DataFrame:
    """Persons within the organisations for one chunk of a file, leaving the register-wide
    look-up (`link_elsewhere`) and the one-person-one-row rule (`resolve_shared_persons`)
    to the whole file: a pure function of its arguments, so it runs the same here and on a
    Dask worker."""
    return _link_within(
        contacts,
        org_matches,
        register_orgs,
        register_persons,
        thresholds,
        calibration,
        resolve_shared=False,
    )
