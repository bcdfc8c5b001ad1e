"""`tietohuolto bench accuracy --devset DIR`: a labelled set from a generator this project
did not write, next to our own benchmark.

Our side runs the product's own path, each command in a process of its own: `register
load` of the set's snapshot into a fresh SQLite, then `refresh` of its CRM file, scored by
the set's own `score.py` (the judge's scorer, not ours). Splink matches the same rows
against the same register in a child process, scored on organisation and person links.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.accuracy import EngineRun, splink_run

SNAPSHOT_FILES = ("organizations.csv", "persons.csv", "prohibitions.csv")
_CLI = "import sys; from pipelines.cli import main; sys.exit(main())"


@dataclass(frozen=True)
class DevsetFiles:
    snapshot_dir: Path
    crm_file: Path
    truth_file: Path
    scorer: Path


def _unpacked(source: Path, target: Path) -> Path:
    """`source` (plain or .gz) as a plain file at `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    gz = source.with_name(source.name + ".gz")
    if source.is_file():
        shutil.copyfile(source, target)
    elif gz.is_file():
        with gzip.open(gz, "rb") as packed, target.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
    else:
        raise FileNotFoundError(f"{source} (or {gz.name}) is missing from the dev set")
    return target


def unpack(devset: Path, work: Path) -> DevsetFiles:
    """The dev set's files, unpacked under `work` (outside the set, which stays as it is)."""
    scorer = devset / "score.py"
    if not scorer.is_file():
        raise FileNotFoundError(f"{scorer} is missing: the dev set brings its own scorer")
    snapshot = work / "register"
    for name in SNAPSHOT_FILES:
        _unpacked(devset / "register" / name, snapshot / name)
    return DevsetFiles(
        snapshot_dir=snapshot,
        crm_file=_unpacked(devset / "crm" / "crm.csv", work / "crm.csv"),
        truth_file=_unpacked(devset / "crm" / "truth.csv", work / "truth.csv"),
        scorer=scorer,
    )


def _cli(args: list[str], env: dict[str, str]) -> float:
    """Run one `tietohuolto` command in a process of its own; its wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CLI, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"tietohuolto {args[0]} failed: {done.stderr.strip()[-400:]}")
    return time.perf_counter() - started


def run_ours_on_devset(files: DevsetFiles, work: Path, as_of: str) -> dict[str, Any]:
    """Load and refresh through the CLI; the set's scorer's figures and our seconds."""
    var = work / "var"
    shutil.rmtree(var, ignore_errors=True)
    (work / "register.sqlite").unlink(missing_ok=True)
    env = {
        **os.environ,
        "TIETOHUOLTO_REGISTER_URL": f"sqlite:///{work / 'register.sqlite'}",
        "TIETOHUOLTO_VAR": str(var),
        "DAGSTER_HOME": str(var / "dagster"),
    }
    env.pop("TIETOHUOLTO_INBOX", None)
    env.pop("TIETOHUOLTO_OUTBOX", None)
    load_seconds = _cli(["register", "load", str(files.snapshot_dir)], env)
    output = work / "refreshed.csv"
    refresh_seconds = _cli(
        [
            "refresh",
            str(files.crm_file),
            "--customer",
            "devset",
            "--as-of",
            as_of,
            "--output",
            str(output),
        ],
        env,
    )
    scores = work / "scores.json"
    subprocess.run(
        [
            sys.executable,
            str(files.scorer),
            str(output),
            str(files.truth_file),
            "--json",
            str(scores),
        ],
        capture_output=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(scores.read_text(encoding="utf-8"))
    result["load_seconds"] = load_seconds
    result["refresh_seconds"] = refresh_seconds
    return result


def run_splink_on_devset(files: DevsetFiles, seed: int) -> EngineRun:
    """Splink on the dev set's rows and register, its links scored against the truth."""
    from crmfile import read_crm_file  # noqa: PLC0415

    contacts = read_crm_file(files.crm_file).contacts
    # The set's truth names rows by number, as our reader keys a file without row ids.
    truth = pd.read_csv(files.truth_file, dtype=str, keep_default_na=False).set_index("row")
    return splink_run(files.snapshot_dir, contacts, truth, seed)


def format_devset(ours: dict[str, Any], splink: EngineRun | None) -> str:
    """Our figures by the set's scorer beside Splink's links, then status and flags."""
    width = 18
    header = f"{'':<26}{'tietohuolto':>{width}}" + (f"{splink.name:>{width}}" if splink else "")
    lines = [header]
    for kind, key in (("organisations", "org"), ("persons", "person")):
        for measure in ("precision", "recall", "f1"):
            theirs = f"{getattr(getattr(splink, kind), measure):>{width}.4f}" if splink else ""
            lines.append(f"{kind + ' ' + measure:<26}{ours[key][measure]:>{width}.4f}{theirs}")
    lines += [
        f"{'status accuracy, strict':<26}{ours['status_accuracy_strict']:>{width}.4f}",
        f"{'status accuracy, lenient':<26}{ours['status_accuracy_lenient']:>{width}.4f}",
        f"{'register load, s':<26}{ours['load_seconds']:>{width}.1f}",
        f"{'refresh (CLI), s':<26}{ours['refresh_seconds']:>{width}.1f}"
        + (f"{splink.seconds:>{width}.1f}" if splink else ""),
        "",
        f"{'flag':<26}{'precision':>10}{'recall':>10}{'tp':>7}{'fp':>7}{'fn':>7}",
    ]
    for flag, figures in ours["flags"].items():
        lines.append(
            f"{flag:<26}{figures['precision']:>10.3f}{figures['recall']:>10.3f}"
            f"{figures['tp']:>7}{figures['fp']:>7}{figures['fn']:>7}"
        )
    if splink:
        lines.append("(Splink's column is its matching stage: it has no statuses or flags)")
    return "\n".join(lines)


__all__ = ["format_devset", "run_ours_on_devset", "run_splink_on_devset", "unpack"]
