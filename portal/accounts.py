"""Users and API tokens: what operators do (`tietohuolto users …`) and how the portal checks
a password or a token. Every user and every token belongs to exactly one customer."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pipelines.partitions import valid_customer
from portal.store import PortalStore, Token, User, now_utc, sha256_text

# argon2id with the library's defaults (RFC 9106's second recommendation).
_HASHER = PasswordHasher()
# Verified against when the user name is unknown, so that a wrong name costs as long as a
# wrong password and timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
MIN_PASSWORD = 12
LOCKED = (
    "the account is locked after repeated wrong passwords; try again later, or ask your "
    "operator for a new password"
)
# The one answer to every refused login: a locked account answered otherwise than an
# unknown name would tell which names exist.
FAILED_LOGIN = (
    "The user name or the password is wrong, or the account is locked after repeated "
    "failed logins (then try again in {minutes} minutes, or ask your operator for a new "
    "password)."
)
SCOPES = ("deliveries:read", "files:upload")
TOKEN_PREFIX = "th_"


class AccountError(ValueError):
    """An operator's or a user's request refused, with one line saying why."""


def check_customer(customer: str) -> str:
    # The same rule as the inbox folders and partition keys: a user's customer is a folder.
    if not valid_customer(customer):
        raise AccountError(
            f"customer {customer!r}: use lower-case letters, digits, '-' and '_' (at most 63), "
            "as the customer's inbox folder is named"
        )
    return customer


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise AccountError(
            "user name: 3 to 64 of lower-case letters, digits, '.', '_', '@' and '-', "
            "starting with a letter or digit"
        )
    return username


def one_time_password() -> str:
    return secrets.token_urlsafe(15)


def add_user(store: PortalStore, username: str, customer: str) -> tuple[str, str]:
    """(user id, one-time password): the password is shown once and must be changed at the
    first login."""
    check_username(username)
    check_customer(customer)
    if store.user_by_name(username) is not None:
        raise AccountError(f"user {username} exists already")
    password = one_time_password()
    user_id = store.add_user(username, customer, _HASHER.hash(password))
    store.audit("user_added", customer=customer, user_id=user_id)
    return user_id, password


def _existing(store: PortalStore, username: str) -> User:
    user = store.user_by_name(username)
    if user is None:
        raise AccountError(f"no user {username}")
    return user


def reset_password(store: PortalStore, username: str) -> str:
    """A new one-time password; the lockout is lifted and the user's sessions end."""
    user = _existing(store, username)
    password = one_time_password()
    store.set_password(user.user_id, _HASHER.hash(password), must_change=True)
    store.audit("password_reset", customer=user.customer, user_id=user.user_id)
    return password


def set_disabled(store: PortalStore, username: str, disabled: bool = True) -> None:
    user = _existing(store, username)
    store.set_disabled(user.user_id, disabled)
    store.audit(
        "user_disabled" if disabled else "user_enabled",
        customer=user.customer,
        user_id=user.user_id,
    )


class WrongPasswordError(AccountError):
    """The current password given to the password form is wrong: a failed try."""


class AccountLockedError(WrongPasswordError):
    """The account is locked (after repeated wrong passwords): nothing was changed."""


def change_password(
    store: PortalStore,
    user: User,
    current: str,
    new: str,
    *,
    max_failures: int = 5,
    lockout: timedelta = timedelta(minutes=15),
) -> None:
    """Set the user's own password. A wrong current password counts like a failed login
    (the form is a password test too: a stolen session must not guess on without limit):
    it takes its try first, and at `max_failures` in a row the account locks (the
    password form and the login refuse it until the lockout ends)."""
    if user.locked(now_utc()) or not store.reserve_login(user.user_id, max_failures):
        verify_password(_DUMMY_HASH, current)  # the same work as any other answer
        store.audit("password_locked", customer=user.customer, user_id=user.user_id)
        raise AccountLockedError(LOCKED)
    if user.disabled or not verify_password(user.password_hash, current):
        locked = store.login_failed(user.user_id, max_failures, lockout)
        store.audit(
            "account_locked" if locked else "password_failed",
            customer=user.customer,
            user_id=user.user_id,
        )
        if locked:
            raise AccountLockedError(LOCKED)
        raise WrongPasswordError("the current password is wrong")
    store.login_succeeded(user.user_id)
    if len(new) < MIN_PASSWORD:
        raise AccountError(f"the new password must have at least {MIN_PASSWORD} characters")
    if new == current:
        raise AccountError("the new password must differ from the current one")
    if new.lower() == user.username.lower():
        raise AccountError("the new password must not be the user name")
    store.set_password(user.user_id, _HASHER.hash(new), must_change=False)
    store.audit("password_changed", customer=user.customer, user_id=user.user_id)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked: bool = False


def authenticate(
    store: PortalStore, username: str, password: str, max_failures: int, lockout: timedelta
) -> LoginResult:
    """The user for a correct password of an enabled, unlocked account; else why not.
    A locked account refuses even the right password until the lockout ends. Every
    answer costs one argon2 verification (unknown name, locked, disabled, wrong), and the
    pages give every refusal the same words (`FAILED_LOGIN`)."""
    user = store.user_by_name(username.strip().lower()) if len(username) <= 64 else None
    if user is None:
        verify_password(_DUMMY_HASH, password)
        # Nothing of what was typed: people type passwords into the name field, and a
        # short unkeyed hash of one is found again with a word list.
        store.audit("login_failed")
        return LoginResult(None)
    if user.locked(now_utc()) or not store.reserve_login(user.user_id, max_failures):
        # The same argon2 work as an unknown name or a wrong password: a fast answer
        # would tell that the name exists (and is locked).
        verify_password(_DUMMY_HASH, password)
        store.audit("login_locked", customer=user.customer, user_id=user.user_id)
        return LoginResult(None, locked=True)
    # The password is tested for a disabled user too, for the same reason.
    verified = verify_password(user.password_hash, password)
    if user.disabled or not verified:
        locked = store.login_failed(user.user_id, max_failures, lockout)
        store.audit(
            "account_locked" if locked else "login_failed",
            customer=user.customer,
            user_id=user.user_id,
        )
        return LoginResult(None, locked=locked)
    if _HASHER.check_needs_rehash(user.password_hash):
        store.rehash(user.user_id, _HASHER.hash(password))
    store.login_succeeded(user.user_id)
    store.audit("login", customer=user.customer, user_id=user.user_id)
    return LoginResult(user)


# -- API tokens ---------------------------------------------------------------------------


def add_token(store: PortalStore, customer: str, label: str, scopes: list[str]) -> tuple[str, str]:
    """(token id, the token): `th_<id>_<secret>`, shown once; only the secret's SHA-256 is
    kept."""
    check_customer(customer)
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise AccountError(f"scopes: choose one or more of {', '.join(SCOPES)}")
    if not re.fullmatch(r"[A-Za-z0-9 ._-]{1,64}", label):
        raise AccountError("label: 1 to 64 letters, digits, spaces, '.', '_' and '-'")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    store.add_token(token_id, customer, label, scopes, sha256_text(secret))
    store.audit("token_added", customer=customer, token_id=token_id)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}"


def revoke_token(store: PortalStore, token_id: str) -> None:
    token = store.token(token_id)
    if token is None:
        raise AccountError(f"no token {token_id}")
    if not store.revoke_token(token_id):
        raise AccountError(f"token {token_id} was revoked already")
    store.audit("token_revoked", customer=token.customer, token_id=token_id)


def token_for(store: PortalStore, presented: str) -> Token | None:
    """The token a bearer value names, if its secret is right and it is not revoked."""
    if not presented.startswith(TOKEN_PREFIX):
        return None
    token_id, _, secret = presented[len(TOKEN_PREFIX) :].partition("_")
    if not re.fullmatch(r"[0-9a-f]{16}", token_id) or not secret:
        return None
    token = store.token(token_id)
    if token is None or token.revoked:
        return None
    if not hmac.compare_digest(token.secret_sha256, sha256_text(secret)):
        return None
    return token
