"""Tombstones of erased persons: a keyed hash of the person_id, never any of their data.

The hash is HMAC-SHA-256 of the register's stable `person_id`, keyed with a secret salt from
`TIETOHUOLTO_TOMBSTONE_SALT`; production sets its own secret salt once and never changes
it. There is no silent fallback: without the variable, an erasure (and any load or ledger
write once tombstones exist) is refused with one line naming it, because a public salt
would let anyone reverse the markers of sequential person ids. Only an explicit
development or test mode (`TIETOHUOLTO_ENV=development` or `test`) uses the fixed
development salt below. Every tombstone records a fingerprint of the salt that made it;
loading a snapshot or erasing someone refuses while the configured salt differs, because
a changed salt would silently let erased persons back into the register.

A register with no tombstones needs no salt: loading snapshots and refreshing files work
without it (the demo does), and the salt is asked for only when it is really used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from register.snapshot import SnapshotError
from register.tables import tombstones

TOMBSTONE_SALT_ENV = "TIETOHUOLTO_TOMBSTONE_SALT"
ENVIRONMENT_ENV = "TIETOHUOLTO_ENV"
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
# Development and tests only (TIETOHUOLTO_ENV): known to anyone who reads this file.
DEV_TOMBSTONE_SALT = "tietohuolto-development-tombstone-salt-not-for-production"
ERASED_PREFIX = "erased:"


class TombstoneSaltError(SnapshotError):
    """The configured salt is not the one the stored tombstones were made with."""

    def __init__(self, count: int) -> None:
        super().__init__(
            TOMBSTONE_SALT_ENV,
            None,
            f"differs from the salt that made the register's {count} tombstone(s) of erased "
            "persons; with it they would come back. Restore the original salt",
        )


class TombstoneSaltMissing(SnapshotError):  # noqa: N818 - a SnapshotError, named for the case
    """No salt is configured where one is needed, outside development and test mode."""

    def __init__(self) -> None:
        super().__init__(
            TOMBSTONE_SALT_ENV,
            None,
            "is not set: erasure tombstones need a secret salt (generate one once with "
            "`openssl rand -hex 32`, keep it, never change it); "
            f"{ENVIRONMENT_ENV}=development uses a public development salt instead",
        )


def tombstone_salt() -> str:
    """The salt in force: `TIETOHUOLTO_TOMBSTONE_SALT`; in development or test mode
    (`TIETOHUOLTO_ENV`) without it, the public development salt. Otherwise refused
    (TombstoneSaltMissing), never a silent fallback."""
    configured = os.environ.get(TOMBSTONE_SALT_ENV)
    if configured:
        return configured
    if os.environ.get(ENVIRONMENT_ENV, "").strip().casefold() in DEVELOPMENT_ENVIRONMENTS:
        return DEV_TOMBSTONE_SALT
    raise TombstoneSaltMissing


def salt_fingerprint(salt: str | None = None) -> str:
    """A short digest telling salts apart without revealing them."""
    salt = tombstone_salt() if salt is None else salt
    return hashlib.sha256(b"tietohuolto-tombstone-salt:" + salt.encode()).hexdigest()[:16]


def tombstone_hash(person_id: str, salt: str | None = None) -> str:
    """HMAC-SHA-256 (hex) of `person_id` keyed with the salt."""
    salt = tombstone_salt() if salt is None else salt
    return hmac.new(salt.encode(), person_id.encode(), hashlib.sha256).hexdigest()


def erased_marker(person_id: str) -> str:
    """What replaces an erased person's id in the ledger and the request audit."""
    return ERASED_PREFIX + tombstone_hash(person_id)


def tombstone_hashes(conn: Connection) -> set[str]:
    """All tombstones, after checking they were made with the salt now in force (a
    register without tombstones needs no salt)."""
    if not conn.execute(select(tombstones.c.person_hash).limit(1)).first():
        return set()
    fingerprint = salt_fingerprint()
    foreign = conn.execute(
        select(func.count())
        .select_from(tombstones)
        .where(tombstones.c.salt_fingerprint != fingerprint)
    ).scalar_one()
    if foreign:
        raise TombstoneSaltError(int(foreign))
    return set(conn.execute(select(tombstones.c.person_hash)).scalars())


def erased_ids(conn: Connection, person_ids: Iterable[str]) -> set[str]:
    """Those of `person_ids` that have a tombstone."""
    hashes = tombstone_hashes(conn)
    if not hashes:
        return set()
    salt = tombstone_salt()
    return {pid for pid in set(person_ids) if tombstone_hash(pid, salt) in hashes}
