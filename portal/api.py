"""The API for customers' own systems: the same operations as the pages, with a bearer
token per customer (`Authorization: Bearer th_<id>_<secret>`), JSON answers and JSON
errors (`{"error": {"status": 404, "message": "..."}}`). The OpenAPI document is
`/api/openapi.json`, readable as a page at `/api/docs`."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import security
from portal.context import Portal, portal_of
from portal.deliveries import FILE_KINDS, delivered, delivered_file
from portal.limits import client_address
from portal.openapi import OPENAPI
from portal.responses import file_response
from portal.uploads import InboxWriter, UploadError, receive_multipart, safe_file_name

READ, UPLOAD = "deliveries:read", "files:upload"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


async def _token(request: Request, scope: str) -> tuple[Portal, security.Principal]:
    portal = portal_of(request)
    address = client_address(request)
    wait = portal.limiter.retry_after(address)
    if wait is not None:
        raise HTTPException(
            429,
            f"too many failed attempts from this address; try again in {wait} seconds",
            headers={"retry-after": str(wait)},
        )
    principal = await run_in_threadpool(security.bearer_principal, request, portal.store)
    if principal is None:
        portal.store.audit("api_denied", object_id="401")
        # A token presented and refused is a guess; a request without one guesses nothing.
        if "authorization" in request.headers and portal.limiter.failed(address):
            portal.store.audit("address_throttled")
        raise HTTPException(401, "a valid API token is required (Authorization: Bearer ...)")
    if scope not in principal.scopes:
        portal.store.audit(
            "api_denied", customer=principal.customer, token_id=principal.token_id, object_id="403"
        )
        raise HTTPException(403, f"this token lacks the scope {scope}")
    return portal, principal


async def list_deliveries(request: Request) -> Response:
    portal, me = await _token(request, READ)
    views = await run_in_threadpool(portal.deliveries, me.customer)
    return JSONResponse({"customer": me.customer, "deliveries": [v.as_json() for v in views]})


async def get_delivery(request: Request) -> Response:
    portal, me = await _token(request, READ)
    view = await run_in_threadpool(portal.delivery, me.customer, request.path_params["delivery_id"])
    if view is None:
        raise HTTPException(404, "no such delivery")
    return JSONResponse(view.as_json())


async def get_upload(request: Request) -> Response:
    portal, me = await _token(request, READ)
    view = await run_in_threadpool(portal.upload, me.customer, request.path_params["upload_id"])
    if view is None:
        raise HTTPException(404, "no such upload")
    return JSONResponse(view.as_json())


async def get_file(request: Request) -> Response:
    portal, me = await _token(request, READ)
    delivery_id, kind = request.path_params["delivery_id"], request.path_params["kind"]
    if kind not in FILE_KINDS:
        raise HTTPException(404, f"no such file; kinds are {', '.join(FILE_KINDS)}")

    def serve() -> Response:
        item = delivered(portal.settings.outbox, me.customer, delivery_id)
        if item is None:
            view = portal.delivery(me.customer, delivery_id)
            if view is not None and view.status == "expired":
                return error(410, "this delivery has expired (removed after the retention period)")
            return error(404, "no such delivery")
        found = delivered_file(item, kind)
        if found is None:
            return error(404, "no such file")
        path, entry = found

        def downloaded() -> None:  # after a whole GET only (a HEAD is no download)
            portal.store.record_download(
                me.customer, delivery_id, kind, entry.get("sha256"), user_id=None,
                token_id=me.token_id,
            )  # fmt: skip

        response = file_response(path, entry["name"], on_complete=downloaded)
        return response if response is not None else error(404, "no such file")

    return await run_in_threadpool(serve)


def header_file_name(request: Request) -> str:
    """The X-File-Name header as the client meant it: UTF-8 (Starlette reads headers as
    Latin-1, which made `ä` of a Finnish name `Ã¤`), or RFC 5987's `UTF-8''<percent-encoded>`
    for clients that send ASCII only. Bytes that are not UTF-8 are read as Latin-1, as
    before. The result still goes through safe_file_name."""
    raw = next((value for key, value in request.headers.raw if key.lower() == b"x-file-name"), b"")
    raw = raw.strip()
    if raw[:7].lower() == b"utf-8''":
        try:
            return unquote(raw[7:].decode("ascii"), encoding="utf-8", errors="strict")
        except UnicodeError:
            raise UploadError(
                400, "X-File-Name: UTF-8'' must be followed by percent-encoded UTF-8"
            ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def post_file(request: Request) -> Response:
    portal, me = await _token(request, UPLOAD)
    limit = portal.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        portal.store.audit("upload_refused", customer=me.customer, token_id=me.token_id)
        raise HTTPException(413, f"the file is larger than the limit of {limit} bytes")
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            names: dict[str, str] = {}

            def open_file(client_name: str, _fields: dict[str, str]) -> InboxWriter:
                names["safe"] = safe_file_name(client_name)
                return InboxWriter(portal.settings.inbox, me.customer, limit)

            writer, _ = await receive_multipart(content_type, request.stream(), open_file)
            safe = names["safe"]
        else:
            raw_name = request.query_params.get("name") or header_file_name(request)
            if not raw_name:
                raise UploadError(400, "name the file: ?name=export.csv (or X-File-Name)")
            safe = safe_file_name(raw_name)
            writer = InboxWriter(portal.settings.inbox, me.customer, limit)
            try:
                async for chunk in request.stream():
                    writer.write(chunk)
            except BaseException:
                writer.abort()
                raise
        stored = writer.commit(safe)
    except UploadError as exc:
        portal.store.audit(
            "upload_refused", customer=me.customer, token_id=me.token_id, object_id=str(exc.status)
        )
        raise HTTPException(exc.status, exc.message) from None
    upload_id = await run_in_threadpool(portal.record_upload, me, stored)
    return JSONResponse(
        {
            "upload_id": upload_id,
            "file_name": stored.name,
            "bytes": stored.size,
            "sha256": stored.sha256,
            "status": "waiting",
            "status_url": f"/api/v1/uploads/{upload_id}",
        },
        status_code=201,
    )


async def openapi(_request: Request) -> Response:
    return JSONResponse(OPENAPI)


async def api_docs(request: Request) -> Response:
    from portal.web import page  # noqa: PLC0415 - the pages module imports this one's peers

    operations: list[dict[str, Any]] = []
    for path, methods in OPENAPI["paths"].items():
        for method, spec in methods.items():
            operations.append({"method": method.upper(), "path": path, **spec})
    return page(request, "api_docs.html", {"spec": OPENAPI, "operations": operations})


async def api_not_found(_request: Request) -> Response:
    return error(404, "no such API route; see /api/docs")


def json_errors(request: Request, exc: Exception) -> Response:
    """HTTP errors under /api/ as JSON; elsewhere as the portal's own error page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if request.url.path.startswith("/api/"):
        if status == 401:
            headers["www-authenticate"] = "Bearer"
        return error(status, str(detail), headers or None)
    from portal.web import error_page  # noqa: PLC0415

    response = error_page(request, status, str(detail))
    response.headers.update(headers)
    return response


routes = [
    Route("/api/openapi.json", openapi, methods=["GET"]),
    Route("/api/docs", api_docs, methods=["GET"]),
    Route("/api/v1/deliveries", list_deliveries, methods=["GET"]),
    Route("/api/v1/deliveries/{delivery_id:str}", get_delivery, methods=["GET"]),
    Route("/api/v1/deliveries/{delivery_id:str}/files/{kind:str}", get_file, methods=["GET"]),
    Route("/api/v1/files", post_file, methods=["POST"]),
    Route("/api/v1/uploads/{upload_id:str}", get_upload, methods=["GET"]),
    Route("/api/{rest:path}", api_not_found),
]
