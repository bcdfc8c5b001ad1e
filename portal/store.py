"""The portal's own tables: users, API tokens, sessions, uploads, downloads and the audit.

They live in a database of their own (`TIETOHUOLTO_PORTAL_URL`, default
`var/portal.sqlite`), not in the register's: the portal is the one process customers reach
from outside, so it holds no credential that reads the register (everyone's personal
data), and a register load or its generated grants never touch these tables. The portal
needs nothing from the register: deliveries are files in the outbox.

Nothing secret is stored in clear: passwords as argon2 hashes, API token secrets and
session ids as SHA-256 (both are 256-bit random values, so a fast hash is enough; argon2 is
for what people choose). The audit and the downloads keep ids and hashes, never a name or
a value from a customer's file.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    delete,
    insert,
    select,
    update,
)

from register.store import make_engine

portal_metadata = MetaData()

users = Table(
    "portal_users",
    portal_metadata,
    Column("user_id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("customer", String(63), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("must_change_password", Boolean, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_set_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "portal_tokens",
    portal_metadata,
    Column("token_id", String(16), primary_key=True),
    Column("customer", String(63), nullable=False),
    Column("label", String(64), nullable=False),
    Column("scopes", String(200), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "portal_sessions",
    portal_metadata,
    Column("session_sha256", String(64), primary_key=True),
    Column("user_id", String(32), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_portal_sessions_user", "user_id"),
)

# What came in through the portal: the link from an upload to its delivery is the input's
# SHA-256, which the delivery's manifest records (`source_sha256`).
uploads = Table(
    "portal_uploads",
    portal_metadata,
    Column("upload_id", String(32), primary_key=True),
    Column("customer", String(63), nullable=False),
    Column("user_id", String(32), nullable=True),
    Column("token_id", String(16), nullable=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    # Set once the delivery was seen: after retention removed it, the portal still knows
    # that it existed, and says "expired".
    Column("delivery_id", String(128), nullable=True),
    Index("ix_portal_uploads_customer", "customer"),
)

# Downloads are disclosures to the customer: who took which file of which delivery, when.
downloads = Table(
    "portal_downloads",
    portal_metadata,
    Column("download_id", Integer, primary_key=True, autoincrement=True),
    Column("customer", String(63), nullable=False),
    Column("delivery_id", String(128), nullable=False),
    Column("file_kind", String(32), nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("user_id", String(32), nullable=True),
    Column("token_id", String(16), nullable=True),
    Column("downloaded_at", DateTime(timezone=True), nullable=False),
    Index("ix_portal_downloads_delivery", "customer", "delivery_id"),
)

audit = Table(
    "portal_audit",
    portal_metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(40), nullable=False),
    Column("customer", String(63), nullable=True),
    Column("user_id", String(32), nullable=True),
    Column("token_id", String(16), nullable=True),
    # A delivery id, an upload id or a file kind: never a file's content or a person.
    Column("object_id", String(128), nullable=True),
    Column("sha256", String(64), nullable=True),
    Index("ix_portal_audit_at", "at"),
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were written as UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sha256_text(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    customer: str
    password_hash: str
    must_change_password: bool
    disabled: bool
    failed_logins: int
    locked_until: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            row.user_id,
            row.username,
            row.customer,
            row.password_hash,
            bool(row.must_change_password),
            bool(row.disabled),
            int(row.failed_logins or 0),
            utc(row.locked_until),
        )

    def locked(self, at: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > at


@dataclass(frozen=True)
class Token:
    token_id: str
    customer: str
    label: str
    scopes: frozenset[str]
    secret_sha256: str
    revoked: bool


@dataclass(frozen=True)
class Upload:
    upload_id: str
    customer: str
    file_name: str
    sha256: str
    bytes: int
    uploaded_at: datetime
    delivery_id: str | None


class PortalStore:
    """All reads and writes of the portal's tables; one short transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        portal_metadata.create_all(engine)

    @classmethod
    def from_url(cls, url: str) -> PortalStore:
        return cls(make_engine(url))

    # -- audit ---------------------------------------------------------------------------

    def audit(
        self,
        event: str,
        *,
        customer: str | None = None,
        user_id: str | None = None,
        token_id: str | None = None,
        object_id: str | None = None,
        sha256: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(audit).values(
                    at=now_utc(),
                    event=event,
                    customer=customer,
                    user_id=user_id,
                    token_id=token_id,
                    object_id=object_id,
                    sha256=sha256,
                )
            )

    def audit_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit).order_by(audit.c.audit_id)).mappings().all()
        return [dict(row) for row in rows]

    # -- users ---------------------------------------------------------------------------

    def add_user(self, username: str, customer: str, password_hash: str) -> str:
        user_id = uuid.uuid4().hex
        moment = now_utc()
        with self.engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    user_id=user_id,
                    username=username,
                    customer=customer,
                    password_hash=password_hash,
                    must_change_password=True,
                    disabled=False,
                    failed_logins=0,
                    created_at=moment,
                    password_set_at=moment,
                )
            )
        return user_id

    def user_by_name(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return User.from_row(row) if row is not None else None

    def user_by_id(self, user_id: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.user_id == user_id)).first()
        return User.from_row(row) if row is not None else None

    def list_users(self, customer: str | None = None) -> list[dict[str, Any]]:
        query = select(
            users.c.user_id,
            users.c.username,
            users.c.customer,
            users.c.disabled,
            users.c.must_change_password,
            users.c.locked_until,
        ).order_by(users.c.customer, users.c.username)
        if customer:
            query = query.where(users.c.customer == customer)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def set_password(self, user_id: str, password_hash: str, *, must_change: bool) -> None:
        """A new password (the operator's one-time one, or the user's own); the lockout
        and the failure count are cleared, and every session of the user ends."""
        with self.engine.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.user_id == user_id)
                .values(
                    password_hash=password_hash,
                    must_change_password=must_change,
                    failed_logins=0,
                    locked_until=None,
                    password_set_at=now_utc(),
                )
            )
            conn.execute(delete(sessions).where(sessions.c.user_id == user_id))

    def rehash(self, user_id: str, password_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(users).where(users.c.user_id == user_id).values(password_hash=password_hash)
            )

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.user_id == user_id).values(disabled=disabled))
            if disabled:
                conn.execute(delete(sessions).where(sessions.c.user_id == user_id))

    def reserve_login(self, user_id: str, limit: int) -> bool:
        """Take one login attempt before the password is checked, or refuse: the account is
        locked, or `limit` attempts have been taken since the last success. One UPDATE, so
        guesses sent at once each take one (a check of the row, then a slow password
        test, let a burst test as many passwords as the server runs requests). An ended
        lock is lifted here, its count starting again."""
        moment = now_utc()
        expired = users.c.locked_until.is_not(None) & (users.c.locked_until <= moment)
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(users)
                .where(
                    (users.c.user_id == user_id)
                    & ((users.c.locked_until.is_(None) & (users.c.failed_logins < limit)) | expired)
                )
                .values(
                    failed_logins=case((expired, 1), else_=users.c.failed_logins + 1),
                    locked_until=None,
                )
            )
        return bool(taken.rowcount)

    def login_failed(self, user_id: str, limit: int, lockout: timedelta) -> bool:
        """A reserved attempt failed: at `limit` failures in a row the account locks for
        `lockout`. Returns whether it is locked now."""
        with self.engine.begin() as conn:
            conn.execute(
                update(users)
                .where(
                    (users.c.user_id == user_id)
                    & (users.c.failed_logins >= limit)
                    & users.c.locked_until.is_(None)
                )
                .values(locked_until=now_utc() + lockout)
            )
            locked_until = conn.execute(
                select(users.c.locked_until).where(users.c.user_id == user_id)
            ).scalar_one()
        return locked_until is not None

    def login_succeeded(self, user_id: str) -> None:
        """A reserved attempt succeeded: the count starts again, unless guesses sent
        beside it have locked the account meanwhile (a success never lifts a lock)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(users)
                .where((users.c.user_id == user_id) & users.c.locked_until.is_(None))
                .values(failed_logins=0)
            )

    # -- sessions ------------------------------------------------------------------------

    def add_session(self, session_sha256: str, user_id: str, csrf_token: str) -> None:
        moment = now_utc()
        with self.engine.begin() as conn:
            conn.execute(
                insert(sessions).values(
                    session_sha256=session_sha256,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=moment,
                    last_seen_at=moment,
                )
            )

    def purge_sessions(self, started_before: datetime, idle_since: datetime) -> int:
        """Sessions past their absolute or idle limit (a session is checked when it is
        presented; these are the ones never presented again)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(sessions).where(
                    (sessions.c.created_at < started_before)
                    | (sessions.c.last_seen_at < idle_since)
                )
            )
        return int(result.rowcount or 0)

    def session(self, session_sha256: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(sessions).where(sessions.c.session_sha256 == session_sha256))
                .mappings()
                .first()
            )
        if row is None:
            return None
        found = dict(row)
        found["created_at"] = utc(found["created_at"])
        found["last_seen_at"] = utc(found["last_seen_at"])
        return found

    def touch_session(self, session_sha256: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.session_sha256 == session_sha256)
                .values(last_seen_at=now_utc())
            )

    def end_session(self, session_sha256: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.session_sha256 == session_sha256))

    # -- tokens --------------------------------------------------------------------------

    def add_token(
        self, token_id: str, customer: str, label: str, scopes: Iterable[str], secret_sha256: str
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(tokens).values(
                    token_id=token_id,
                    customer=customer,
                    label=label,
                    scopes=",".join(sorted(set(scopes))),
                    secret_sha256=secret_sha256,
                    created_at=now_utc(),
                )
            )

    def token(self, token_id: str) -> Token | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(tokens.c.token_id == token_id)).first()
        if row is None:
            return None
        return Token(
            row.token_id,
            row.customer,
            row.label,
            frozenset(s for s in row.scopes.split(",") if s),
            row.secret_sha256,
            row.revoked_at is not None,
        )

    def token_used(self, token_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(tokens).where(tokens.c.token_id == token_id).values(last_used_at=now_utc())
            )

    def revoke_token(self, token_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(tokens)
                .where(and_(tokens.c.token_id == token_id, tokens.c.revoked_at.is_(None)))
                .values(revoked_at=now_utc())
            )
        return bool(result.rowcount)

    def list_tokens(self, customer: str | None = None) -> list[dict[str, Any]]:
        query = select(
            tokens.c.token_id,
            tokens.c.customer,
            tokens.c.label,
            tokens.c.scopes,
            tokens.c.created_at,
            tokens.c.revoked_at,
            tokens.c.last_used_at,
        ).order_by(tokens.c.customer, tokens.c.created_at)
        if customer:
            query = query.where(tokens.c.customer == customer)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    # -- uploads and downloads -----------------------------------------------------------

    def add_upload(
        self,
        customer: str,
        file_name: str,
        sha256: str,
        size: int,
        *,
        user_id: str | None,
        token_id: str | None,
    ) -> str:
        upload_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                insert(uploads).values(
                    upload_id=upload_id,
                    customer=customer,
                    user_id=user_id,
                    token_id=token_id,
                    file_name=file_name,
                    sha256=sha256,
                    bytes=size,
                    uploaded_at=now_utc(),
                )
            )
        return upload_id

    def purge_uploads(self, before: datetime) -> int:
        """Uploads received before `before`: their file names may name people, and after
        retention only "expired" is left to say about them."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(uploads).where(uploads.c.uploaded_at < before))
        return int(result.rowcount or 0)

    def uploads(self, customer: str) -> list[Upload]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(uploads)
                .where(uploads.c.customer == customer)
                .order_by(uploads.c.uploaded_at.desc())
            ).all()
        return [
            Upload(
                row.upload_id,
                row.customer,
                row.file_name,
                row.sha256,
                int(row.bytes),
                utc(row.uploaded_at) or now_utc(),
                row.delivery_id,
            )
            for row in rows
        ]

    def link_delivery(self, upload_id: str, delivery_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(uploads)
                .where(uploads.c.upload_id == upload_id)
                .values(delivery_id=delivery_id)
            )

    def record_download(
        self,
        customer: str,
        delivery_id: str,
        file_kind: str,
        sha256: str | None,
        *,
        user_id: str | None,
        token_id: str | None,
    ) -> None:
        moment = now_utc()
        with self.engine.begin() as conn:
            conn.execute(
                insert(downloads).values(
                    customer=customer,
                    delivery_id=delivery_id,
                    file_kind=file_kind,
                    sha256=sha256,
                    user_id=user_id,
                    token_id=token_id,
                    downloaded_at=moment,
                )
            )
            conn.execute(
                insert(audit).values(
                    at=moment,
                    event="download",
                    customer=customer,
                    user_id=user_id,
                    token_id=token_id,
                    object_id=f"{delivery_id}:{file_kind}"[:128],
                    sha256=sha256,
                )
            )

    def purge_downloads(self, before: datetime) -> int:
        """Download records older than `before` (the disclosure ledger's period)."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(downloads).where(downloads.c.downloaded_at < before))
        return int(result.rowcount or 0)

    def purge_audit(self, before: datetime) -> int:
        """Audit rows older than `before`."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(audit).where(audit.c.at < before))
        return int(result.rowcount or 0)

    def downloads(self, customer: str | None = None) -> list[dict[str, Any]]:
        query = select(downloads).order_by(downloads.c.download_id)
        if customer:
            query = query.where(downloads.c.customer == customer)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
