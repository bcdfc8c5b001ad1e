"""`tietohuolto bench accuracy`: our matcher against the generator's ground truth and
against Splink on the same data, in the same run.

Each engine runs in a child process of its own, so that its peak memory is its own. Our
matcher gets the register as DataFrames (the whole register; in production the store hands
it only the candidates); the organisation block index is built first and timed apart, as
the store builds it once at load. The matching stage is what is compared with Splink: both
turn CRM rows into (organisation, person) links. Our refresh rules then run on the links to
give the strict status accuracy, and the confidences in the file give the reliability table.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.data import BenchData, RegisterFrames, register_frames
from synthetic.scoring import PrecisionRecall, Scores, format_scores, score


@dataclass
class EngineRun:
    """One engine's figures (plain data: it crosses a process boundary)."""

    name: str
    seconds: float  # the matching stage
    rows: int
    peak_rss_mb: float
    org: tuple[int, int, int]  # true positives, predicted, actual
    person: tuple[int, int, int]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def organisations(self) -> PrecisionRecall:
        return PrecisionRecall(*self.org)

    @property
    def persons(self) -> PrecisionRecall:
        return PrecisionRecall(*self.person)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _truth(data: BenchData) -> pd.DataFrame:
    return pd.read_csv(data.truth_file, dtype=str, keep_default_na=False).set_index("row_key")


def _contacts(data: BenchData) -> pd.DataFrame:
    from crmfile import read_crm_file  # noqa: PLC0415

    return read_crm_file(data.crm_file).contacts


def link_counts(
    row_keys: pd.Series, orgs: pd.Series, persons: pd.Series, truth: pd.DataFrame
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(tp, predicted, actual) for organisation and person links of every row: a link is
    right when it is the true id; an empty prediction is no prediction. Where the truth
    says `ambiguous` (two organisations nothing in the row tells apart) the right answer is
    no link, so any link there counts against precision. Where only the person is
    ambiguous (two persons of one known organisation), the organisation link is right."""
    expected = truth.loc[row_keys.to_numpy()]
    undecidable = (expected["expected_status"] == "ambiguous").to_numpy()
    cases = expected["cases"] if "cases" in expected else pd.Series("", index=expected.index)
    person_only = cases.fillna("").str.contains("ambiguous_person", regex=False).to_numpy()
    # A merged organisation's successor is right too, where the truth names one.
    alternative = expected["alt_org_id"].to_numpy() if "alt_org_id" in expected else None
    counts = []
    for given, wanted, also, blank in (
        (orgs, expected["true_org_id"], alternative, undecidable & ~person_only),
        (persons, expected["true_person_id"], None, undecidable),
    ):
        given_ids = given.fillna("").astype(str).to_numpy()
        wanted_ids = np.where(blank, "", wanted.to_numpy())
        predicted = given_ids != ""
        right = given_ids == wanted_ids
        if also is not None:
            right |= (given_ids == np.where(blank, "", also)) & (also != "")
        counts.append(
            (
                int((predicted & right).sum()),
                int(predicted.sum()),
                int((wanted_ids != "").sum()),
            )
        )
    return counts[0], counts[1]


def run_ours(data: BenchData, as_of: date) -> EngineRun:
    """Our matcher, then our rules, on the whole register in memory."""
    from matching.blocking import OrganisationIndex  # noqa: PLC0415
    from matching.calibration import format_reliability, reliability_table  # noqa: PLC0415
    from refresh import (  # noqa: PLC0415
        RefreshSettings,
        appended_text,
        complete_evidence,
        decide_file,
    )

    register = register_frames(data.snapshot_dir)
    contacts = _contacts(data)
    truth = _truth(data)
    usable = contacts[contacts["problem"] == ""]
    started = time.perf_counter()
    index = OrganisationIndex.from_register(register.organizations)
    index_seconds = time.perf_counter() - started

    started = time.perf_counter()
    evidence = link_in_chunks(usable, register, index)
    seconds = time.perf_counter() - started

    full = complete_evidence(evidence, contacts.index)
    # The person's position decides the organisation where they carried on into a successor.
    org = full["position_org_id"].where(full["position_org_id"] != "", full["org_id"])
    person = full["person_id"].where(full["person_id"] != "", full["elsewhere_person_id"])
    org_counts, person_counts = link_counts(contacts["row_key"], org, person, truth)

    started = time.perf_counter()
    decisions = decide_file(
        contacts,
        {c for c in contacts.columns if (contacts[c] != "").any()},
        full,
        register.organizations,
        register.persons,
        register.prohibitions,
        RefreshSettings(as_of=as_of),
    )
    rules_seconds = time.perf_counter() - started
    appended = appended_text(decisions, contacts)
    refreshed = appended.assign(row_key=contacts["row_key"]).to_dict("records")
    scores = score(refreshed, truth.to_dict("index"), "row_key")

    confident = appended["refresh_confidence"] != ""
    expected = truth.loc[contacts.loc[confident, "row_key"].to_numpy()]
    right_org = appended.loc[confident, "register_org_id"].to_numpy() == expected["true_org_id"]
    given_person = appended.loc[confident, "register_person_id"].to_numpy()
    right_person = (given_person == "") | (given_person == expected["true_person_id"].to_numpy())
    bins = reliability_table(
        appended.loc[confident, "refresh_confidence"].astype(float).to_numpy(),
        (right_org.to_numpy() & right_person),
    )
    expected_all = truth.loc[contacts["row_key"].to_numpy()]
    return EngineRun(
        name="tietohuolto",
        seconds=seconds,
        rows=len(contacts),
        peak_rss_mb=_peak_rss_mb(),
        org=org_counts,
        person=person_counts,
        extra={
            "index_seconds": index_seconds,
            "rules_seconds": rules_seconds,
            "scores": scores,
            "reliability": format_reliability(bins),
            "by_noise": recall_by_noise(contacts["row_key"], person, truth),
            "methods": Counter(full["person_method"].replace("", "none")),
            "org_methods": Counter(full["org_method"].replace("", "none")),
            "fitted": fitted_calibration(full, expected_all),
        },
    )


def fitted_calibration(full: pd.DataFrame, expected: pd.DataFrame) -> str:
    """Calibration constants fitted on this run's matches, as code for
    `matching/calibration.py` (fit on one seed, check the reliability on another)."""
    from matching.calibration import fit_logistic, fit_org_table  # noqa: PLC0415

    person = (full["person_id"] != "").to_numpy()
    right_person = full["person_id"].to_numpy() == expected["true_person_id"].to_numpy()
    slope, intercept = fit_logistic(
        full.loc[person, "person_score"].astype(float).to_numpy(), right_person[person]
    )
    org = (full["org_id"] != "").to_numpy()
    found_org = full["position_org_id"].where(full["position_org_id"] != "", full["org_id"])
    right_org = found_org.to_numpy() == expected["true_org_id"].to_numpy()
    table = fit_org_table(
        full.loc[org, "org_method"].to_numpy(),
        full.loc[org, "org_similarity"].astype(float).to_numpy(),
        right_org[org],
    )
    return f"person_slope={slope:.4f}, person_intercept={intercept:.4f}\norg_table={table!r}"


def link_in_chunks(
    usable: pd.DataFrame, register: RegisterFrames, index: Any, chunk_rows: int = 50_000
) -> pd.DataFrame:
    """What the refresh job's matching assets do, on the register in memory: per chunk,
    the block keys' organisations (what the store's indexed queries return), organisations
    then persons within them; then, over the whole file, the register-wide persons with
    the e-mails and names of the rows not found there, and one register person to one row."""
    from matching import (  # noqa: PLC0415
        contact_person_keys,
        link_chunk,
        link_elsewhere,
        match_organisations,
        needs_elsewhere,
        resolve_shared_persons,
    )
    from matching.blocking import contact_block_keys  # noqa: PLC0415
    from matching.parallel import chunks  # noqa: PLC0415

    persons = register.persons
    pieces = []
    for chunk in chunks(usable, chunk_rows):
        key_hits = index.lookup(contact_block_keys(chunk)["key"])
        org_matches = match_organisations(chunk, register.organizations, key_hits)
        pieces.append(link_chunk(chunk, org_matches, register.organizations, persons))
    evidence = pd.concat(pieces)
    missing = needs_elsewhere(evidence)
    keys = contact_person_keys(usable.loc[missing[missing].index])
    elsewhere = persons[
        persons["email_key"].isin(set(keys["email_key"]) - {""})
        | persons["name_key"].isin(set(keys["name_key"]) - {""})
    ]
    return resolve_shared_persons(link_elsewhere(evidence, usable, elsewhere), usable)


def recall_by_noise(
    row_keys: pd.Series, persons: pd.Series, truth: pd.DataFrame
) -> dict[str, tuple[int, int]]:
    """Kind of noise -> (persons found right, rows with a true person) among the rows the
    generator gave that noise (truth's `noise` column, where it has one)."""
    if "noise" not in truth:
        return {}
    expected = truth.loc[row_keys.to_numpy()]
    right = persons.fillna("").to_numpy() == expected["true_person_id"].to_numpy()
    has_person = expected["true_person_id"].to_numpy() != ""
    result: dict[str, tuple[int, int]] = {}
    for kinds, hit, counted in zip(expected["noise"], right, has_person, strict=True):
        if not counted:
            continue
        for kind in filter(None, str(kinds).split(";")):
            found, total = result.get(kind, (0, 0))
            result[kind] = (found + int(hit), total + 1)
    return dict(sorted(result.items()))


def run_splink(data: BenchData, seed: int) -> EngineRun:
    """The Splink yardstick on the same rows and register."""
    return splink_run(data.snapshot_dir, _contacts(data), _truth(data), seed)


def splink_run(
    snapshot_dir: Path, contacts: pd.DataFrame, truth: pd.DataFrame, seed: int
) -> EngineRun:
    """Splink on these contacts against the snapshot, its links scored against `truth`
    (indexed by the contacts' row keys)."""
    from benchmarks.splink_linker import splink_link  # noqa: PLC0415

    read = {"dtype": str, "keep_default_na": False}
    orgs = pd.read_csv(snapshot_dir / "organizations.csv", **read)
    persons = pd.read_csv(snapshot_dir / "persons.csv", **read)
    result = splink_link(contacts, orgs, persons, seed=seed)
    org_counts, person_counts = link_counts(
        contacts["row_key"], result.links["org_id"], result.links["person_id"], truth
    )
    return EngineRun(
        name="Splink (DuckDB)",
        seconds=result.seconds,
        rows=len(contacts),
        peak_rss_mb=_peak_rss_mb(),
        org=org_counts,
        person=person_counts,
        extra={"pairs_scored": result.pairs_scored},
    )


def in_child(function: Callable[..., EngineRun], *args: Any) -> EngineRun:
    """Run `function(*args)` in a fresh process (its peak memory is then its own); an
    exception there is raised here."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def format_comparison(runs: list[EngineRun]) -> str:
    """Side by side: P/R/F1 per link kind, matching-stage seconds, rows/s, peak memory."""
    width = 18
    lines = [f"{'':<26}" + "".join(f"{r.name:>{width}}" for r in runs)]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"{label:<26}" + "".join(f"{v:>{width}}" for v in values))

    for kind in ("organisations", "persons"):
        for measure in ("precision", "recall", "f1"):
            row(
                f"{kind} {measure}",
                [f"{getattr(getattr(r, kind), measure):.4f}" for r in runs],
            )
    row("matching stage, s", [f"{r.seconds:.2f}" for r in runs])
    row("rows/s", [f"{r.rows / r.seconds:,.0f}" if r.seconds else "-" for r in runs])
    row("peak memory, MB", [f"{r.peak_rss_mb:,.0f}" for r in runs])
    if len(runs) == 2 and runs[0].seconds:
        lines.append(
            f"\nwall time ratio {runs[1].name} / {runs[0].name}: "
            f"{runs[1].seconds / runs[0].seconds:.1f}x"
        )
    return "\n".join(lines)


def format_noise(by_noise: dict[str, tuple[int, int]]) -> str:
    if not by_noise:
        return ""
    lines = [f"{'person recall by noise':<26}{'found':>8}{'rows':>8}{'recall':>9}"]
    for kind, (found, total) in by_noise.items():
        lines.append(f"{kind:<26}{found:>8}{total:>8}{found / total:>9.4f}")
    return "\n".join(lines)


def report(ours: EngineRun, splink: EngineRun | None, fit: bool = False) -> str:
    """Everything the command prints after the data is ready."""
    scores: Scores = ours.extra["scores"]
    runs = [ours] if splink is None else [ours, splink]
    parts = [
        format_comparison(runs),
        f"(our block index of the register: {ours.extra['index_seconds']:.2f} s, built once; "
        f"refresh rules: {ours.extra['rules_seconds']:.2f} s)",
        "",
        "reliability of our confidence (rows with a match, confidence as in the file):",
        ours.extra["reliability"],
        "",
        format_noise(ours.extra["by_noise"]),
        "",
        "our refresh, scored against the truth:",
        format_scores(scores),
    ]
    if fit:
        parts += ["", "calibration fitted on this data:", ours.extra["fitted"]]
    return "\n".join(p for p in parts if p is not None)


__all__ = [
    "EngineRun",
    "format_comparison",
    "in_child",
    "link_counts",
    "recall_by_noise",
    "report",
    "run_ours",
    "run_splink",
    "splink_run",
]
