"""The customers' pages: log in, change the password, upload, list deliveries, open one,
read its report, take its files. Server-rendered; no scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from portal import accounts, security
from portal.context import Portal, portal_of
from portal.deliveries import FILE_KINDS, delivered, delivered_file
from portal.limits import client_address
from portal.responses import BodyTooLargeError, file_response, small_form
from portal.uploads import InboxWriter, UploadError, receive_multipart, safe_file_name

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The report is the pipeline's self-contained HTML (inline CSS and SVG, no scripts): shown
# sandboxed, so that even a report that carried markup could run nothing and reach nothing.
REPORT_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, message: str, principal: Any = None) -> Response:
    return page(
        request, "error.html", {"status": status, "message": message, "me": principal}, status
    )


async def signed_in(request: Request) -> tuple[Portal, security.Principal | None]:
    portal = portal_of(request)
    principal = await run_in_threadpool(
        security.session_principal, request, portal.store, portal.settings
    )
    return portal, principal


def _to_login() -> Response:
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    _, me = await signed_in(request)
    return RedirectResponse("/deliveries" if me else "/login", status_code=303)


async def login_form(request: Request) -> Response:
    _, me = await signed_in(request)
    if me is not None:
        return RedirectResponse("/deliveries", status_code=303)
    return _login_page(request, None, 200)


def _login_page(request: Request, message: str | None, status: int) -> Response:
    token = security.login_csrf(request)
    response = page(request, "login.html", {"csrf_token": token, "message": message}, status)
    security.set_cookie(response, security.LOGIN_COOKIE, token, 1800)
    return response


def too_many_failures(request: Request, portal: Portal, principal: Any = None) -> Response | None:
    """The 429 page for a client address past its failures (portal.limits), or None."""
    wait = portal.limiter.retry_after(client_address(request))
    if wait is None:
        return None
    response = error_page(
        request,
        429,
        f"Too many failed attempts from your address. Try again in {wait} seconds.",
        principal,
    )
    response.headers["retry-after"] = str(wait)
    return response


def count_failure(request: Request, portal: Portal, **ids: str | None) -> None:
    """One failed authentication from this request's address; the audit says when an
    address reaches the limit (without the address)."""
    if portal.limiter.failed(client_address(request)):
        portal.store.audit("address_throttled", **ids)


async def login(request: Request) -> Response:
    portal = portal_of(request)
    refused = too_many_failures(request, portal)
    if refused is not None:
        return refused
    try:
        form = await small_form(request)
    except BodyTooLargeError:
        return error_page(request, 413, "The form is too large.")
    if not security.login_csrf_ok(request, form.get("csrf_token")):
        return error_page(request, 403, "The form expired or did not come from this site.")
    settings = portal.settings
    result = await run_in_threadpool(
        accounts.authenticate,
        portal.store,
        form.get("username", ""),
        form.get("password", ""),
        settings.max_failed_logins,
        settings.lockout,
    )
    if result.user is None:
        await run_in_threadpool(count_failure, request, portal)
        # One answer whatever the reason (unknown name, wrong password, locked, disabled).
        minutes = int(settings.lockout.total_seconds() // 60)
        return _login_page(request, accounts.FAILED_LOGIN.format(minutes=minutes), 401)
    await run_in_threadpool(portal.forget_old)
    target = "/password" if result.user.must_change_password else "/deliveries"
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(security.start_session, portal.store, result.user, response)
    return response


async def logout(request: Request) -> Response:
    portal, me = await signed_in(request)
    if me is None:
        return _to_login()
    try:
        form = await small_form(request)
    except BodyTooLargeError:
        return error_page(request, 413, "The form is too large.")
    if not security.csrf_ok(me, form.get("csrf_token")):
        return error_page(request, 403, "The form expired or did not come from this site.", me)
    response = _to_login()
    security.end_session(portal.store, me, response)
    portal.store.audit("logout", customer=me.customer, user_id=me.user_id)
    return response


async def password_form(request: Request) -> Response:
    _, me = await signed_in(request)
    if me is None:
        return _to_login()
    return page(request, "password.html", {"me": me, "message": None})


async def change_password(request: Request) -> Response:
    portal, me = await signed_in(request)
    if me is None or me.user is None:
        return error_page(request, 403, "Log in first.")
    refused = too_many_failures(request, portal, me)
    if refused is not None:
        return refused
    try:
        form = await small_form(request)
    except BodyTooLargeError:
        return error_page(request, 413, "The form is too large.")
    if not security.csrf_ok(me, form.get("csrf_token")):
        return error_page(request, 403, "The form expired or did not come from this site.", me)
    if form.get("new_password", "") != form.get("repeat_password", ""):
        return page(request, "password.html", {"me": me, "message": "The two differ."}, 400)
    try:
        await run_in_threadpool(
            accounts.change_password,
            portal.store,
            me.user,
            form.get("current_password", ""),
            form.get("new_password", ""),
            max_failures=portal.settings.max_failed_logins,
            lockout=portal.settings.lockout,
        )
    except accounts.WrongPasswordError as exc:
        ids = {"customer": me.customer, "user_id": me.user_id}
        await run_in_threadpool(count_failure, request, portal, **ids)
        status = 403 if isinstance(exc, accounts.AccountLockedError) else 400
        return page(request, "password.html", {"me": me, "message": str(exc)}, status)
    except accounts.AccountError as exc:
        return page(request, "password.html", {"me": me, "message": str(exc)}, 400)
    # Changing the password ended every session, this one too: log in with the new one.
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/", secure=True, httponly=True)
    return response


async def _ready(request: Request) -> tuple[Portal, security.Principal | None, Response | None]:
    """The signed-in user who may use the portal now; else the answer to give instead."""
    portal, me = await signed_in(request)
    if me is None:
        return portal, None, _to_login()
    if me.user is not None and me.user.must_change_password:
        return portal, me, RedirectResponse("/password", status_code=303)
    return portal, me, None


async def deliveries_page(request: Request) -> Response:
    portal, me, other = await _ready(request)
    if other is not None or me is None:
        return other or _to_login()
    views = await run_in_threadpool(portal.deliveries, me.customer)
    return page(
        request,
        "deliveries.html",
        {"me": me, "views": views, "max_mb": portal.settings.max_upload_bytes / 1024 / 1024},
    )


async def upload(request: Request) -> Response:
    portal, me, other = await _ready(request)
    if me is None:
        return error_page(request, 403, "Log in first.")
    if other is not None:
        return error_page(request, 403, "Change your one-time password first.", me)
    limit = portal.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    # Refused before a byte is read: the form's own fields are a few hundred bytes.
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        portal.store.audit("upload_refused", customer=me.customer, user_id=me.user_id)
        return error_page(request, 413, f"The file is larger than {limit} bytes.", me)
    names: dict[str, str] = {}

    def open_file(client_name: str, fields: dict[str, str]) -> InboxWriter:
        if not security.csrf_ok(me, fields.get("csrf_token")):
            raise UploadError(403, "The form expired or did not come from this site.")
        names["safe"] = safe_file_name(client_name)
        return InboxWriter(portal.settings.inbox, me.customer, limit)

    try:
        writer, _ = await receive_multipart(
            request.headers.get("content-type", ""), request.stream(), open_file
        )
        stored = writer.commit(names["safe"])
    except UploadError as exc:
        portal.store.audit(
            "upload_refused", customer=me.customer, user_id=me.user_id, object_id=str(exc.status)
        )
        return error_page(request, exc.status, exc.message, me)
    upload_id = await run_in_threadpool(portal.record_upload, me, stored)
    return RedirectResponse(f"/uploads/{upload_id}", status_code=303)


async def upload_page(request: Request) -> Response:
    portal, me, other = await _ready(request)
    if other is not None or me is None:
        return other or _to_login()
    view = await run_in_threadpool(portal.upload, me.customer, request.path_params["upload_id"])
    if view is None:
        return error_page(request, 404, "No such upload.", me)
    if view.status == "delivered" and view.delivery_id:
        return RedirectResponse(f"/deliveries/{view.delivery_id}", status_code=303)
    return page(request, "delivery.html", {"me": me, "view": view})


async def delivery_page(request: Request) -> Response:
    portal, me, other = await _ready(request)
    if other is not None or me is None:
        return other or _to_login()
    view = await run_in_threadpool(portal.delivery, me.customer, request.path_params["delivery_id"])
    if view is None:
        return error_page(request, 404, "No such delivery.", me)
    return page(request, "delivery.html", {"me": me, "view": view})


async def delivery_file(request: Request) -> Response:
    portal, me, other = await _ready(request)
    if other is not None or me is None:
        return other or _to_login()
    delivery_id = request.path_params["delivery_id"]
    kind = request.path_params.get("kind", "report.html")
    inline = request.url.path.endswith("/report")
    return await run_in_threadpool(serve_file, request, portal, me, delivery_id, kind, inline)


def serve_file(
    request: Request,
    portal: Portal,
    me: security.Principal,
    delivery_id: str,
    kind: str,
    inline: bool,
) -> Response:
    """One file of one of the customer's own deliveries; 410 after retention removed it,
    404 for anything else. Every file given out is recorded as a disclosure: once a GET
    has sent the whole file (a HEAD, or a download cut short, is none)."""
    if kind not in FILE_KINDS:
        return error_page(request, 404, "No such file.", me)
    item = delivered(portal.settings.outbox, me.customer, delivery_id)
    if item is None:
        view = portal.delivery(me.customer, delivery_id)
        if view is not None and view.status == "expired":
            return error_page(request, 410, "This delivery has expired.", me)
        return error_page(request, 404, "No such delivery.", me)
    found = delivered_file(item, kind)
    if found is None:
        return error_page(request, 404, "No such file.", me)
    path, entry = found
    headers = {"content-security-policy": REPORT_POLICY} if inline else None

    def downloaded() -> None:
        portal.store.record_download(
            me.customer, delivery_id, kind, entry.get("sha256"), user_id=me.user_id, token_id=None
        )

    response = file_response(
        path, entry["name"], inline=inline, headers=headers, on_complete=downloaded
    )
    if response is None:
        return error_page(request, 404, "No such file.", me)
    return response


routes = [
    Route("/", home),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/password", password_form, methods=["GET"]),
    Route("/password", change_password, methods=["POST"]),
    Route("/deliveries", deliveries_page, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/uploads/{upload_id:str}", upload_page, methods=["GET"]),
    Route("/deliveries/{delivery_id:str}", delivery_page, methods=["GET"]),
    Route("/deliveries/{delivery_id:str}/report", delivery_file, methods=["GET"]),
    Route("/deliveries/{delivery_id:str}/files/{kind:str}", delivery_file, methods=["GET"]),
]
