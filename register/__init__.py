"""The master register store: tables, snapshot loader, candidate queries, snapshot history
and diff, the disclosure ledger and data-subject requests (no Dagster)."""

from register.candidates import (
    Candidates,
    CandidateUnion,
    NamedRows,
    elsewhere_candidates,
    fetch_candidates,
    merge_candidates,
    named_by,
    named_rows,
    organisation_candidates,
    person_candidates,
)
from register.diff import SnapshotDiff, diff_snapshots, format_diff
from register.ledger import (
    LEDGER_RETENTION_MONTHS,
    LedgerError,
    ledger_cutoff,
    purge_ledger,
    record_disclosures,
)
from register.snapshot import Snapshot, SnapshotError, position_key, read_snapshot
from register.store import RegisterStore, SnapshotInfo, make_engine, redact_url
from register.subjects import (
    PersonCandidate,
    RequestResult,
    SubjectRequestError,
    access_report,
    add_prohibition,
    clear_rectification,
    erase,
    find_persons,
    rectify,
    write_access_report,
)
from register.tombstones import TOMBSTONE_SALT_ENV, TombstoneSaltError

__all__ = [
    "LEDGER_RETENTION_MONTHS",
    "TOMBSTONE_SALT_ENV",
    "CandidateUnion",
    "Candidates",
    "LedgerError",
    "NamedRows",
    "PersonCandidate",
    "RegisterStore",
    "RequestResult",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotError",
    "SnapshotInfo",
    "SubjectRequestError",
    "TombstoneSaltError",
    "access_report",
    "add_prohibition",
    "clear_rectification",
    "diff_snapshots",
    "elsewhere_candidates",
    "erase",
    "fetch_candidates",
    "find_persons",
    "format_diff",
    "ledger_cutoff",
    "make_engine",
    "merge_candidates",
    "named_by",
    "named_rows",
    "organisation_candidates",
    "person_candidates",
    "position_key",
    "purge_ledger",
    "read_snapshot",
    "record_disclosures",
    "rectify",
    "redact_url",
    "write_access_report",
]
