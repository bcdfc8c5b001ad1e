"""The master register store: tables, snapshot loader, candidate queries (no Dagster)."""

from register.candidates import Candidates, fetch_candidates
from register.snapshot import Snapshot, SnapshotError, read_snapshot
from register.store import RegisterStore, SnapshotInfo, make_engine, redact_url

__all__ = [
    "Candidates",
    "RegisterStore",
    "Snapshot",
    "SnapshotError",
    "SnapshotInfo",
    "fetch_candidates",
    "make_engine",
    "read_snapshot",
    "redact_url",
]
