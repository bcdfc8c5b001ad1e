"""The portal's settings: where its database, the inbox and the outbox are, and its limits.

Business settings come from the environment, like the rest of tietohuolto; nothing secret
is read from a file in the repository."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pipelines.paths import inbox_dir, outbox_dir, var_dir

PORTAL_URL_ENV = "TIETOHUOLTO_PORTAL_URL"
MAX_UPLOAD_ENV = "TIETOHUOLTO_PORTAL_MAX_UPLOAD_MB"
IP_FAILURES_ENV = "TIETOHUOLTO_PORTAL_IP_FAILURES"
IP_WINDOW_ENV = "TIETOHUOLTO_PORTAL_IP_WINDOW_MINUTES"
# The inbox sensor refuses larger files (pipelines.sensors.MAX_INPUT_BYTES): taking more
# over the wire would only fill the disk with a file that is refused on sight.
DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024


def default_portal_url() -> str:
    return f"sqlite:///{var_dir() / 'portal.sqlite'}"


def portal_url() -> str:
    return os.environ.get(PORTAL_URL_ENV) or default_portal_url()


@dataclass(frozen=True)
class PortalSettings:
    database_url: str
    inbox: Path
    outbox: Path
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    # Failures in a row that lock an account, and for how long.
    max_failed_logins: int = 5
    lockout: timedelta = timedelta(minutes=15)
    # Failed logins, password-form tries and API token failures from one client address
    # in `ip_failure_window`: past them the address is answered 429 (0 = no limit).
    # Room for a few offices' worth of typos behind one NAT address.
    ip_max_failures: int = 30
    ip_failure_window: timedelta = timedelta(minutes=15)
    # A session ends after this long without a request, and after `session_max` whatever.
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=8)
    # How long the portal remembers an upload (its file name, its delivery id): then an
    # expired delivery is forgotten too.
    upload_memory: timedelta = timedelta(days=90)
    # How long the audit (ids, hashes, events) is kept, and the downloads: those are the
    # portal's record of disclosures to the customer, kept as long as the register's
    # disclosure ledger keeps its rows (register.ledger.LEDGER_RETENTION_MONTHS, 24).
    audit_retention: timedelta = timedelta(days=365)
    download_retention: timedelta = timedelta(days=730)
    # Whether a run's state (queued, running, failed) is asked from the Dagster instance;
    # without it a file waiting in the inbox shows as "waiting" until it is delivered.
    dagster_runs: bool = True

    @classmethod
    def from_environment(cls, **overrides: object) -> PortalSettings:
        megabytes = os.environ.get(MAX_UPLOAD_ENV)
        values: dict[str, object] = {
            "database_url": portal_url(),
            "inbox": inbox_dir(),
            "outbox": outbox_dir(),
        }
        if megabytes:
            values["max_upload_bytes"] = int(float(megabytes) * 1024 * 1024)
        failures = os.environ.get(IP_FAILURES_ENV)
        if failures:
            values["ip_max_failures"] = int(failures)
        minutes = os.environ.get(IP_WINDOW_ENV)
        if minutes:
            values["ip_failure_window"] = timedelta(minutes=float(minutes))
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
