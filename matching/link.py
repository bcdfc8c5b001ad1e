"""Linking a customer file to the register in one call: organisations, then persons within
them and their successors, then the register-wide look-up for those not found there."""

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

EVIDENCE_COLUMNS = (
    "org_id",
    "org_method",
    "org_confidence",
    "business_id_state",
    "person_id",
    "position_org_id",
    "position_current",
    "person_method",
    "person_confidence",
    "found_elsewhere",
    "elsewhere_person_id",
    "org_evidence",
    "person_evidence",
    "duplicate",
)


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
    scope = search_scope(org_matches, register_orgs)
    persons = match_persons(
        contacts, scope, register_persons, thresholds, calibration, resolve_shared=resolve_shared
    )
    missing = (org_matches["org_id"] != "") & (persons["person_method"] == "")
    elsewhere = find_elsewhere(contacts[missing], persons_elsewhere)
    evidence = pd.concat([org_matches, persons], axis=1)
    evidence["found_elsewhere"] = False
    evidence["elsewhere_person_id"] = ""
    evidence.loc[elsewhere.index, "found_elsewhere"] = elsewhere["found"].astype(bool)
    evidence.loc[elsewhere.index, "elsewhere_person_id"] = elsewhere["person_id"]
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
    persons_elsewhere: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> pd.DataFrame:
    """`link_persons` for one chunk of a file, leaving the one-person-one-row rule to
    `resolve_shared_persons` over the whole file: a pure function of its arguments, so it
    runs the same here and on a Dask worker."""
    return link_persons(
        contacts,
        org_matches,
        register_orgs,
        register_persons,
        persons_elsewhere,
        thresholds,
        calibration,
        resolve_shared=False,
    )
