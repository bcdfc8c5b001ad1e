"""Linking a customer file to the register in one call: organisations, then persons within
them and their successors, then the register-wide look-up for those not found there."""

from __future__ import annotations

import pandas as pd

from matching.organisations import match_organisations, successor_chain, successor_links
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
)


def search_scope(org_matches: pd.DataFrame, register_orgs: pd.DataFrame) -> pd.DataFrame:
    """(contact, org_id) pairs: each contact's organisation and its merger successors."""
    chains: dict[str, list[str]] = {}
    pairs: list[tuple[object, str]] = []
    links = successor_links(register_orgs) if not register_orgs.empty else {}
    for contact, org_id in org_matches["org_id"].items():
        if not org_id:
            continue
        if org_id not in chains:
            chains[org_id] = successor_chain(org_id, register_orgs, links)
        pairs.extend((contact, member) for member in chains[org_id])
    return pd.DataFrame(pairs, columns=["contact", "org_id"])


def link_persons(
    contacts: pd.DataFrame,
    org_matches: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    persons_elsewhere: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
) -> pd.DataFrame:
    """Evidence per contact (same index) once organisations are matched."""
    scope = search_scope(org_matches, register_orgs)
    persons = match_persons(contacts, scope, register_persons, thresholds)
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
) -> pd.DataFrame:
    """Organisations, then persons: evidence per contact in the columns `refresh` reads."""
    org_matches = match_organisations(contacts, register_orgs)
    return link_persons(
        contacts, org_matches, register_orgs, register_persons, persons_elsewhere, thresholds
    )
