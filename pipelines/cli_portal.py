"""`tietohuolto portal` and `tietohuolto users …`: the customers' portal and its accounts.

`pipelines.cli` wires these in with `add_portal_commands(sub)`. Each `cmd_*` returns the
exit status: 0 done, 1 refused (one line on stderr saying why)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def _say(message: str) -> None:
    print(message, flush=True)


def _refuse(message: str) -> int:
    print(f"tietohuolto: {message}", file=sys.stderr, flush=True)
    return EXIT_FAILED


def _store() -> Any:
    from portal.settings import portal_url  # noqa: PLC0415 - keep `--help` fast
    from portal.store import PortalStore  # noqa: PLC0415

    return PortalStore.from_url(portal_url())


def cmd_portal(args: argparse.Namespace) -> int:
    from portal.serve import ServeError, serve  # noqa: PLC0415
    from portal.tls import dev_certificate  # noqa: PLC0415

    cert = Path(args.cert) if args.cert else None
    key = Path(args.key) if args.key else None
    if args.dev_cert:
        if cert or key:
            return _refuse("--dev-cert makes its own pair: leave out --cert and --key")
        cert, key = dev_certificate()
        _say(f"development certificate (self-signed): {cert}")
    scheme = "https" if cert else "http"
    _say(f"customer portal on {scheme}://{args.host}:{args.port}/ (API docs: /api/docs)")
    try:
        serve(args.host, args.port, cert, key)
    except ServeError as exc:
        return _refuse(str(exc))
    return EXIT_OK


def _accounts(action: Any) -> int:
    from portal.accounts import AccountError  # noqa: PLC0415

    try:
        return int(action())
    except AccountError as exc:
        return _refuse(str(exc))


def cmd_users_add(args: argparse.Namespace) -> int:
    from portal import accounts  # noqa: PLC0415

    def action() -> int:
        user_id, password = accounts.add_user(_store(), args.username, args.customer)
        _say(f"user {args.username} (id {user_id}) of customer {args.customer} added")
        _say(f"one-time password (shown once; to be changed at the first login): {password}")
        return EXIT_OK

    return _accounts(action)


def cmd_users_reset(args: argparse.Namespace) -> int:
    from portal import accounts  # noqa: PLC0415

    def action() -> int:
        password = accounts.reset_password(_store(), args.username)
        _say(f"user {args.username}: unlocked, sessions ended")
        _say(f"one-time password (shown once; to be changed at the first login): {password}")
        return EXIT_OK

    return _accounts(action)


def cmd_users_disable(args: argparse.Namespace) -> int:
    from portal import accounts  # noqa: PLC0415

    def action() -> int:
        accounts.set_disabled(_store(), args.username, not args.enable)
        _say(f"user {args.username} {'enabled' if args.enable else 'disabled; sessions ended'}")
        return EXIT_OK

    return _accounts(action)


def cmd_users_list(args: argparse.Namespace) -> int:
    from portal.store import now_utc  # noqa: PLC0415

    moment = now_utc()
    for user in _store().list_users(args.customer):
        locked = user["locked_until"]
        state = (
            "disabled"
            if user["disabled"]
            else "locked"
            if locked and locked.replace(tzinfo=moment.tzinfo) > moment
            else "must change password"
            if user["must_change_password"]
            else "active"
        )
        _say(f"{user['customer']:<20} {user['username']:<32} {user['user_id']}  {state}")
    return EXIT_OK


def cmd_token_add(args: argparse.Namespace) -> int:
    from portal import accounts  # noqa: PLC0415

    def action() -> int:
        scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
        token_id, token = accounts.add_token(_store(), args.customer, args.label, scopes)
        _say(f"token {token_id} of customer {args.customer} ({', '.join(sorted(scopes))})")
        _say(f"the token (shown once; send as 'Authorization: Bearer ...'): {token}")
        return EXIT_OK

    return _accounts(action)


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from portal import accounts  # noqa: PLC0415

    def action() -> int:
        accounts.revoke_token(_store(), args.token_id)
        _say(f"token {args.token_id} revoked")
        return EXIT_OK

    return _accounts(action)


def cmd_token_list(args: argparse.Namespace) -> int:
    for token in _store().list_tokens(args.customer):
        state = "revoked" if token["revoked_at"] else "active"
        _say(
            f"{token['customer']:<20} {token['token_id']}  {token['label']:<24} "
            f"{token['scopes']:<32} {state}"
        )
    return EXIT_OK


def add_portal_commands(sub: Any) -> None:
    """`portal` and `users` on the top-level subparsers of `tietohuolto`."""
    portal = sub.add_parser(
        "portal",
        help="start the customers' portal and API (uvicorn; TLS)",
        description="Serve the customers' portal (log in, upload CRM files into "
        "inbox/<customer>/, follow and download deliveries) and its API (/api/docs). "
        "TLS with --cert and --key, or a self-signed pair for local use with --dev-cert; "
        "plain HTTP is served only on a loopback address. Users: `tietohuolto users`. "
        "Database: $TIETOHUOLTO_PORTAL_URL (default var/portal.sqlite); upload limit: "
        "$TIETOHUOLTO_PORTAL_MAX_UPLOAD_MB (default 500); failed logins and tokens per client "
        "address: $TIETOHUOLTO_PORTAL_IP_FAILURES (default 30 in 15 minutes, 0 = off).",
    )
    portal.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    portal.add_argument("--port", type=int, default=8443, help="port (default 8443)")
    portal.add_argument("--cert", metavar="FILE", help="TLS certificate chain (PEM)")
    portal.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    portal.add_argument(
        "--dev-cert",
        action="store_true",
        help="make (or reuse) a self-signed pair under var/portal/ for local use",
    )
    portal.set_defaults(func=cmd_portal)

    users = sub.add_parser("users", help="the portal's users and API tokens")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users_sub.add_parser(
        "add", help="add a user of one customer; prints a one-time password once"
    )
    add.add_argument("username")
    add.add_argument("--customer", required=True, help="the customer (its inbox folder name)")
    add.set_defaults(func=cmd_users_add)
    reset = users_sub.add_parser(
        "reset", help="new one-time password; unlocks the account and ends its sessions"
    )
    reset.add_argument("username")
    reset.set_defaults(func=cmd_users_reset)
    disable = users_sub.add_parser("disable", help="disable a user (ends its sessions)")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="enable the user again")
    disable.set_defaults(func=cmd_users_disable)
    listing = users_sub.add_parser("list", help="list users (ids and states, no secrets)")
    listing.add_argument("--customer")
    listing.set_defaults(func=cmd_users_list)

    token = users_sub.add_parser("token", help="API tokens of a customer")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    token_add = token_sub.add_parser("add", help="a new token; printed once, kept hashed")
    token_add.add_argument("--customer", required=True)
    token_add.add_argument("--label", required=True, help="what it is for, e.g. erp-nightly")
    token_add.add_argument(
        "--scopes",
        default="deliveries:read,files:upload",
        help="comma-separated: deliveries:read, files:upload (default both)",
    )
    token_add.set_defaults(func=cmd_token_add)
    token_revoke = token_sub.add_parser("revoke", help="revoke a token at once")
    token_revoke.add_argument("token_id")
    token_revoke.set_defaults(func=cmd_token_revoke)
    token_list = token_sub.add_parser("list", help="list tokens (ids, scopes, states)")
    token_list.add_argument("--customer")
    token_list.set_defaults(func=cmd_token_list)
