"""Matching the delivery to the master register: organisations, then persons."""

import time
from dataclasses import dataclass

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, Config, MetadataValue, asset
from pydantic import Field

from assets.contacts import Contacts
from matching import (
    PersonThresholds,
    contact_person_keys,
    link_persons,
    match_organisations,
    organisation_keys,
)
from pipelines.partitions import deliveries
from pipelines.resources import RegisterResource
from register import Candidates, fetch_candidates


@dataclass(frozen=True)
class OrganisationMatches:
    snapshot_id: str
    candidates: Candidates
    matches: pd.DataFrame  # one row per contact, matching.ORG_MATCH_COLUMNS


@dataclass(frozen=True)
class PersonMatches:
    snapshot_id: str
    candidates: Candidates
    evidence: pd.DataFrame  # one row per contact, matching.EVIDENCE_COLUMNS


def _usable(contacts: Contacts) -> pd.DataFrame:
    frame = contacts.frame
    return frame[frame["problem"] == ""]


@asset(
    group_name="delivery",
    compute_kind="rapidfuzz",
    partitions_def=deliveries,
    # Matched against whatever snapshot is current; the lineage shows where it comes from.
    deps=[AssetKey("master_register")],
)
def organisation_matches(
    context: AssetExecutionContext, contacts: Contacts, register: RegisterResource
) -> OrganisationMatches:
    """The register organisation each row means: business ID first, then name and place."""
    started = time.perf_counter()
    store = register.store
    snapshot = store.current_snapshot()
    if snapshot is None:
        raise RuntimeError(
            "the register store holds no snapshot: run `tietohuolto register load SNAPSHOT_DIR`"
        )
    usable = _usable(contacts)
    org_keys = organisation_keys(usable)
    person_keys = contact_person_keys(usable)
    candidates = fetch_candidates(
        store,
        org_keys["business_id_norm"],
        org_keys["org_name_key"],
        person_keys["email_key"],
        person_keys["name_key"],
    )
    matches = match_organisations(usable, candidates.organizations)
    methods = matches["org_method"].replace("", "none").value_counts().to_dict()
    matched = int((matches["org_id"] != "").sum())
    context.add_output_metadata(
        {
            "register_snapshot": snapshot.snapshot_id,
            "rows_considered": len(usable),
            "organisations_matched": matched,
            "match_rate": round(matched / len(usable), 4) if len(usable) else 0.0,
            "by_method": MetadataValue.json({k: int(v) for k, v in methods.items()}),
            "candidate_organisations": len(candidates.organizations),
            "candidate_positions": len(candidates.persons),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return OrganisationMatches(snapshot.snapshot_id, candidates, matches)


class PersonMatchConfig(Config):
    """Thresholds of the person matcher (name similarity 0-100, token order ignored)."""

    name_accept: float = Field(
        default=PersonThresholds.name_accept,
        description="Similarity at which a name alone makes a match.",
    )
    name_with_email: float = Field(
        default=PersonThresholds.name_with_email,
        description="Similarity enough when the e-mail address agrees too.",
    )
    ambiguity_margin: float = Field(
        default=PersonThresholds.ambiguity_margin,
        description="Two persons scoring within this margin are `ambiguous`, not a guess.",
    )


@asset(group_name="delivery", compute_kind="rapidfuzz", partitions_def=deliveries)
def person_matches(
    context: AssetExecutionContext,
    config: PersonMatchConfig,
    contacts: Contacts,
    organisation_matches: OrganisationMatches,
) -> PersonMatches:
    """The register person each row is, within its organisation and merger successors;
    for those not found there, whether the register knows them elsewhere (left)."""
    started = time.perf_counter()
    usable = _usable(contacts)
    candidates = organisation_matches.candidates
    evidence = link_persons(
        usable,
        organisation_matches.matches,
        candidates.organizations,
        candidates.persons,
        candidates.persons_elsewhere,
        PersonThresholds(config.name_accept, config.name_with_email, config.ambiguity_margin),
    )
    methods = evidence["person_method"].replace("", "none").value_counts().to_dict()
    matched = int((evidence["person_id"] != "").sum())
    context.add_output_metadata(
        {
            "persons_matched": matched,
            "match_rate": round(matched / len(usable), 4) if len(usable) else 0.0,
            "by_method": MetadataValue.json({k: int(v) for k, v in methods.items()}),
            "known_elsewhere": int(evidence["found_elsewhere"].sum()),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return PersonMatches(organisation_matches.snapshot_id, candidates, evidence)
