"""Matching the delivery to the master register: organisations, then persons."""

import time
from dataclasses import dataclass

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, Config, MetadataValue, asset
from pydantic import Field

from assets.contacts import Contacts
from matching import (
    OrganisationThresholds,
    PersonThresholds,
    link_persons,
    match_organisations,
)
from pipelines.partitions import deliveries
from pipelines.resources import RegisterResource
from register import Candidates, candidates_for


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


class OrganisationMatchConfig(Config):
    """Thresholds of the name-and-place fallback (rows without a usable business ID):
    name similarity 0-100 on folded names without legal form, word order ignored."""

    name_accept: float = Field(
        default=OrganisationThresholds.name_accept,
        description="Similarity at which a name alone identifies the organisation.",
    )
    name_with_support: float = Field(
        default=OrganisationThresholds.name_with_support,
        description="Similarity enough when postcode, town, web domain or phone agree too.",
    )
    ambiguity_margin: float = Field(
        default=OrganisationThresholds.ambiguity_margin,
        description="Two organisations scoring within this margin are `ambiguous`.",
    )


@asset(
    group_name="delivery",
    compute_kind="rapidfuzz",
    partitions_def=deliveries,
    # Matched against whatever snapshot is current; the lineage shows where it comes from.
    deps=[AssetKey("master_register")],
)
def organisation_matches(
    context: AssetExecutionContext,
    config: OrganisationMatchConfig,
    contacts: Contacts,
    register: RegisterResource,
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
    candidates = candidates_for(store, usable)
    matches = match_organisations(
        usable,
        candidates.organizations,
        candidates.org_key_hits,
        OrganisationThresholds(
            name_accept=config.name_accept,
            name_with_support=config.name_with_support,
            ambiguity_margin=config.ambiguity_margin,
        ),
    )
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
    """Thresholds of the person matcher, in bits of evidence (see `matching.comparisons`:
    exact first and last name give 13, an initial and the surname 10, an equal e-mail 9)."""

    accept: float = Field(
        default=PersonThresholds.accept,
        description="Evidence needed to call a row a register person (below: not found).",
    )
    ambiguity_margin: float = Field(
        default=PersonThresholds.ambiguity_margin,
        description="A second person within this many bits of the best makes the row "
        "`ambiguous`, not a guess.",
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
        PersonThresholds(config.accept, config.ambiguity_margin),
    )
    methods = evidence["person_method"].replace("", "none").value_counts().to_dict()
    matched = int((evidence["person_id"] != "").sum())
    context.add_output_metadata(
        {
            "persons_matched": matched,
            "match_rate": round(matched / len(usable), 4) if len(usable) else 0.0,
            "by_method": MetadataValue.json({k: int(v) for k, v in methods.items()}),
            "known_elsewhere": int(evidence["found_elsewhere"].sum()),
            "duplicates": int(evidence["duplicate"].sum()),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return PersonMatches(organisation_matches.snapshot_id, candidates, evidence)
