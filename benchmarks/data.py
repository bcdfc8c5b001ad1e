"""Benchmark data: generated once per (size, seed, date) into a cache folder and reused, and
the register read into the DataFrames the matcher takes (the shape the store returns)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from matching.text import fold_name, org_name_key
from synthetic import generate

_DONE = ".complete"


@dataclass(frozen=True)
class BenchData:
    folder: Path
    snapshot_dir: Path
    crm_file: Path
    truth_file: Path


def bench_data(
    cache_dir: Path, *, orgs: int, crm_rows: int, seed: int, as_of: date
) -> tuple[BenchData, bool]:
    """The data set for these parameters, generated unless the cache holds it; also says
    whether it was reused. A half-written folder (interrupted run) is made again."""
    folder = cache_dir / f"orgs{orgs}-rows{crm_rows}-seed{seed}-{as_of.isoformat()}"
    data = BenchData(folder, folder / "snapshot", folder / "crm.csv", folder / "truth.csv")
    if (folder / _DONE).exists():
        return data, True
    shutil.rmtree(folder, ignore_errors=True)
    generate(folder, orgs=orgs, crm_rows=crm_rows, seed=seed, as_of=as_of)
    (folder / _DONE).write_text("generated\n", encoding="utf-8")
    return data, False


def _read(path: Path, without: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8",
        usecols=lambda column: column not in without,
    )


# Columns neither matching nor the rules read (the benchmark sets no contract fields).
_UNREAD_ORG_COLUMNS = ("industry_code", "personnel_class", "revenue_class", "fax", "updated_at")
_UNREAD_PERSON_COLUMNS = ("responsibility_area",)


def _dates(values: pd.Series) -> pd.Series:
    """ISO dates as `datetime.date`, None where empty (as the store returns them)."""
    parsed = pd.to_datetime(values.replace("", None), format="%Y-%m-%d")
    return pd.Series(
        [None if pd.isna(v) else v.date() for v in parsed], index=values.index, dtype=object
    )


def _mapped(values: pd.Series, function: object) -> pd.Series:
    """`function` over a column, computed once per distinct value."""
    unique = pd.unique(values)
    lookup = dict(zip(unique, map(function, unique), strict=True))  # type: ignore[call-overload]
    return values.map(lookup)


@dataclass(frozen=True)
class RegisterFrames:
    organizations: pd.DataFrame
    persons: pd.DataFrame
    prohibitions: pd.DataFrame


def register_frames(snapshot_dir: Path) -> RegisterFrames:
    """The snapshot as the store would return it: look-up keys added, `valid_to` None while
    current. E-mail keys are the lower-cased address (the store validates them too; the
    register's addresses are well formed, so the keys agree)."""
    orgs = _read(snapshot_dir / "organizations.csv", _UNREAD_ORG_COLUMNS)
    orgs["name_key"] = _mapped(orgs["name"], org_name_key)
    orgs["successor_business_id"] = orgs["successor_business_id"].replace("", None)
    persons = _read(snapshot_dir / "persons.csv", _UNREAD_PERSON_COLUMNS)
    persons.insert(0, "position_id", range(1, len(persons) + 1))
    first = _mapped(persons["first_name"], fold_name)
    last = _mapped(persons["last_name"], fold_name)
    persons["name_key"] = (first + " " + last).str.strip()
    persons["email_key"] = persons["email"].str.strip().str.casefold().replace("", None)
    for column in ("valid_to", "valid_from", "verified_at"):
        persons[column] = _dates(persons[column])
    prohibitions = _read(snapshot_dir / "prohibitions.csv")
    return RegisterFrames(orgs, persons, prohibitions)


__all__ = ["BenchData", "RegisterFrames", "bench_data", "register_frames"]
