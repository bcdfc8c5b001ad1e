"""Matching the delivery to the master register: organisations, then persons."""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, Config, MetadataValue, asset
from pydantic import Field

from assets.contacts import Contacts
from matching import (
    OrganisationThresholds,
    PersonThresholds,
    complete_evidence,
    link_chunk,
    link_elsewhere,
    match_organisations,
    needs_elsewhere,
    resolve_shared_persons,
)
from matching.caches import clear_caches
from matching.parallel import DEFAULT_CHUNK_ROWS, SCHEDULER_ENV, label_chunks, map_chunks
from pipelines.memory import release_freed_memory
from pipelines.partitions import deliveries
from pipelines.resources import RegisterResource
from refresh.progress import Progress
from register import (
    Candidates,
    CandidateUnion,
    NamedRows,
    RegisterStore,
    elsewhere_candidates,
    named_by,
    named_rows,
    organisation_candidates,
    person_candidates,
)


@dataclass(frozen=True)
class OrganisationMatches:
    snapshot_id: str
    # One row per contact, matching.ORG_MATCH_COLUMNS. The register organisations they
    # name are read again, chunk by chunk, when persons are matched: by id, far cheaper
    # than holding a large file's organisations between the stages.
    matches: pd.DataFrame
    chunks: list[pd.Index]  # the file in chunks (row labels)


@dataclass(frozen=True)
class PersonMatches:
    snapshot_id: str
    # The register rows the evidence names, nothing more, held as Arrow until the rules.
    register_rows: NamedRows
    # One row per row of the file (quarantined ones too), complete (`complete_evidence`).
    evidence: pd.DataFrame


def _usable(contacts: Contacts) -> pd.Index:
    """The labels of the rows that are matched (the quarantined ones are not): each stage
    takes its chunks' rows from the contacts by these, instead of holding a filtered copy
    of the whole file beside the contacts."""
    frame = contacts.frame
    return frame.index[frame["problem"] == ""]


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
    chunk_rows: int = Field(
        default=DEFAULT_CHUNK_ROWS,
        description="Rows matched at a time: memory is bounded by a chunk and the register "
        "rows its candidates need; chunks run on Dask when TIETOHUOLTO_DASK_SCHEDULER is set.",
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
    thresholds = OrganisationThresholds(
        name_accept=config.name_accept,
        name_with_support=config.name_with_support,
        ambiguity_margin=config.ambiguity_margin,
    )
    pieces, labels = [], []
    considered = 0
    with Progress("matching organisations", len(usable)) as progress:
        for chunk_labels in label_chunks(usable, config.chunk_rows):
            chunk = contacts.frame.loc[chunk_labels]
            found = organisation_candidates(store, chunk, contacts.org_keys)
            considered += len(found.organizations)
            matched = match_organisations(
                chunk, found.organizations, found.org_key_hits, thresholds, keys=contacts.org_keys
            )
            pieces.append(matched)
            labels.append(chunk.index)
            progress.advance(len(chunk))
            context.log.info(f"organisations matched for {progress.done:,} / {len(usable):,} rows")
    matches = pd.concat(pieces)
    methods = matches["org_method"].replace("", "none").value_counts().to_dict()
    matched = int((matches["org_id"] != "").sum())
    context.add_output_metadata(
        {
            "register_snapshot": snapshot.snapshot_id,
            "rows_considered": len(usable),
            "organisations_matched": matched,
            "match_rate": round(matched / len(usable), 4) if len(usable) else 0.0,
            "by_method": MetadataValue.json({k: int(v) for k, v in methods.items()}),
            "candidate_organisations": considered,
            "organisations_matched_distinct": len(set(matches["org_id"]) - {""}),
            "chunks": len(labels),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return OrganisationMatches(snapshot.snapshot_id, matches, labels)


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
    register: RegisterResource,
) -> PersonMatches:
    """The register person each row is, within its organisation and merger successors;
    for those not found there, whether the register knows them elsewhere (left)."""
    started = time.perf_counter()
    # What organisation matching memoised (names, keys, business IDs) is mostly not asked
    # again: emptied, its room is reused.
    clear_caches()
    frame = contacts.frame
    usable = _usable(contacts)
    store = register.store
    thresholds = PersonThresholds(config.accept, config.ambiguity_margin)
    matches = organisation_matches.matches
    # Each chunk's positions are fetched as the chunk is sent, and only the positions its
    # evidence names are kept once it is done: memory holds a few chunks' candidates.
    in_flight: dict[int, Candidates] = {}
    kept = CandidateUnion()

    def arguments() -> Iterator[tuple[object, ...]]:
        for number, labels in enumerate(organisation_matches.chunks):
            found = person_candidates(store, matches.loc[labels, "org_id"])
            in_flight[number] = found
            yield (frame.loc[labels], matches.loc[labels], found.organizations, found.persons)

    # Read at run time, so that an operator can point a running deployment at a cluster.
    scheduler = os.environ.get(SCHEDULER_ENV) or None
    with Progress("matching persons", len(usable)) as progress:

        def done(number: int, piece: pd.DataFrame) -> None:
            kept.add(named_by(in_flight.pop(number), piece))
            progress.advance(len(piece))
            context.log.info(f"persons matched for {progress.done:,} / {len(usable):,} rows")

        pieces = map_chunks(
            partial(link_chunk, thresholds=thresholds), arguments(), scheduler, done
        )
    chunk_count = len(pieces)
    evidence = pd.concat(pieces)
    # What the chunks held is freed: its pages go back before the rows are looked for
    # elsewhere (written into this evidence; the steps after copy it, two copies at most).
    del pieces
    release_freed_memory()
    elsewhere = _linked_elsewhere(store, frame, evidence)
    looked_for_elsewhere = int(needs_elsewhere(evidence).sum())
    # Completed here, once (quarantined rows given the defaults): the rules then read it
    # as it is instead of completing a copy of it beside this one.
    evidence = complete_evidence(resolve_shared_persons(evidence, frame), frame.index)
    # Likewise the copies of the evidence made on the way, before the register rows are
    # put together.
    release_freed_memory()
    register_rows = named_rows(kept.take(), elsewhere, evidence)
    methods = evidence["person_method"].replace("", "none").value_counts().to_dict()
    matched = int((evidence["person_id"] != "").sum())
    context.add_output_metadata(
        {
            "persons_matched": matched,
            "match_rate": round(matched / len(usable), 4) if len(usable) else 0.0,
            "by_method": MetadataValue.json({k: int(v) for k, v in methods.items()}),
            "known_elsewhere": int(evidence["found_elsewhere"].sum()),
            "looked_for_elsewhere": looked_for_elsewhere,
            "duplicates": int(evidence["duplicate"].sum()),
            "chunks": chunk_count,
            "executor": "dask" if scheduler else "local",
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return PersonMatches(organisation_matches.snapshot_id, register_rows, evidence)


def _linked_elsewhere(
    store: RegisterStore,
    contacts: pd.DataFrame,
    evidence: pd.DataFrame,
    rows: int = DEFAULT_CHUNK_ROWS // 2,
) -> pd.DataFrame:
    """`link_elsewhere` for the rows whose person was not found in their organisation, a
    chunk of them at a time, written into `evidence` (a copy of a large file's evidence
    would be one more at the stage's peak); returns the register positions the rules can
    need of what was fetched: those of the persons the rows were matched to, here or
    elsewhere. A large file's rows not found share common names with a million positions
    and more (1.5M at 1M rows), far more than the persons they turn out to be; a row's
    result depends only on the positions with its own e-mail or name, so chunks give the
    same evidence. Half a matching chunk at a time: a chunk's fetch is the largest thing
    the stage makes at its peak."""
    missing = needs_elsewhere(evidence)
    labels = missing.index[missing.to_numpy(dtype=bool)]
    named = set(evidence["person_id"]) - {""}
    linked: list[pd.DataFrame] = []
    kept: list[pd.DataFrame] = []
    for part in label_chunks(labels, rows):
        if part.empty:
            continue
        found = elsewhere_candidates(store, contacts.loc[part])
        piece = link_elsewhere(evidence.loc[part], contacts, found)
        linked.append(piece[["found_elsewhere", "elsewhere_person_id"]])
        wanted = named | (set(piece["elsewhere_person_id"]) - {""})
        kept.append(found[found["person_id"].isin(wanted)])
    if linked:
        done = pd.concat(linked)
        evidence.loc[done.index, "found_elsewhere"] = done["found_elsewhere"]
        evidence.loc[done.index, "elsewhere_person_id"] = done["elsewhere_person_id"]
        positions = pd.concat(kept, ignore_index=True).drop_duplicates("position_id")
        # In one order whatever the chunks were.
        positions = positions.sort_values("position_id", ignore_index=True)
    else:
        positions = elsewhere_candidates(store, contacts.iloc[:0])
    evidence["found_elsewhere"] = evidence["found_elsewhere"].astype(bool)
    return positions
