"""Sessions, CSRF tokens, API bearer tokens and the headers every answer carries.

A session is a random 256-bit id in a `__Host-` cookie (Secure, HttpOnly, SameSite=Strict,
Path=/, no Domain: the browser sends it only over TLS, only to this host, never to
scripts and never on another site's request); the database keeps its SHA-256. Every form
carries the session's CSRF token; the login form, before there is a session, a token
bound to a short-lived cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.accounts import token_for
from portal.settings import PortalSettings
from portal.store import PortalStore, User, now_utc, sha256_text

SESSION_COOKIE = "__Host-tietohuolto"
LOGIN_COOKIE = "__Host-tietohuolto-login"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (browser) or an API token; either way exactly one customer."""

    customer: str
    user: User | None = None
    token_id: str | None = None
    scopes: frozenset[str] = frozenset()
    session_sha256: str | None = None
    csrf_token: str = ""

    @property
    def user_id(self) -> str | None:
        return self.user.user_id if self.user else None


def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def start_session(store: PortalStore, user: User, response: Response) -> None:
    session_id = secrets.token_urlsafe(32)
    store.add_session(sha256_text(session_id), user.user_id, secrets.token_urlsafe(32))
    # A session cookie (no Max-Age): it goes when the browser closes; the server ends it
    # sooner (idle and absolute limits).
    set_cookie(response, SESSION_COOKIE, session_id, None)
    response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def end_session(store: PortalStore, principal: Principal, response: Response) -> None:
    if principal.session_sha256:
        store.end_session(principal.session_sha256)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def session_principal(
    request: Request, store: PortalStore, settings: PortalSettings
) -> Principal | None:
    """The signed-in user of this request, or None (no, unknown, expired session; a user
    since disabled). The idle clock restarts on each request."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    digest = sha256_text(session_id)
    session = store.session(digest)
    if session is None:
        return None
    moment: datetime = now_utc()
    if (
        moment - session["last_seen_at"] > settings.session_idle
        or moment - session["created_at"] > settings.session_max
    ):
        store.end_session(digest)
        return None
    user = store.user_by_id(session["user_id"])
    if user is None or user.disabled:
        store.end_session(digest)
        return None
    store.touch_session(digest)
    return Principal(
        user.customer, user=user, session_sha256=digest, csrf_token=session["csrf_token"]
    )


def csrf_ok(principal: Principal, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(principal.csrf_token, presented or "")


def login_csrf(request: Request) -> str:
    """The login form's token: the one its cookie already holds, or a new one."""
    current = request.cookies.get(LOGIN_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def login_csrf_ok(request: Request, presented: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie) and bool(presented) and hmac.compare_digest(cookie, presented or "")


def bearer_principal(request: Request, store: PortalStore) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value or len(value) > 200:
        return None
    token = token_for(store, value.strip())
    if token is None:
        return None
    store.token_used(token.token_id)
    return Principal(token.customer, token_id=token.token_id, scopes=token.scopes)


# What a browser may do with the portal's own pages: nothing from elsewhere, no scripts,
# forms only to the portal, never framed. A delivery's report (inline CSS and SVG) gets a
# sandboxed policy of its own (portal.web).
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeaders:
    """Headers on every answer: no caching (pages and files hold personal data), no MIME
    sniffing, no referrer, a CSP unless the route set its own, HSTS over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"cache-control": b"no-store",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"content-security-policy": PAGE_POLICY.encode(),
                }
                if tls:
                    extra[b"strict-transport-security"] = b"max-age=31536000"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
