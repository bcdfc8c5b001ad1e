"""Answers shared by the pages and the API: a delivery's file streamed from a descriptor
opened without following links (recorded as a download only once a GET has sent all of
it), and small request bodies read with a cap."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
FORM_LIMIT = 16 * 1024  # a login or password form is a few hundred bytes

MEDIA_TYPES = {
    # No charset: a refreshed CSV keeps the customer's own encoding (often cp1252).
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
}


class BodyTooLargeError(Exception):
    pass


async def small_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body of at most FORM_LIMIT bytes (Starlette's
    own form parser would read any size into memory)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > FORM_LIMIT:
        raise BodyTooLargeError
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise BodyTooLargeError
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items() if values}


def content_disposition(kind: str, name: str) -> str:
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    return f"{kind}; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileStreamResponse(StreamingResponse):
    """A file streamed to the client; `on_complete` runs (in a thread) once its last byte
    was handed to the server. A HEAD request gets the headers only: the file is not read
    and `on_complete` does not run; nor does it when the client goes away mid-file."""

    def __init__(
        self,
        handle: BinaryIO,
        headers: dict[str, str],
        on_complete: Callable[[], None] | None = None,
    ) -> None:
        def chunks() -> Iterator[bytes]:
            with handle:
                yield from iter(lambda: handle.read(1 << 20), b"")

        super().__init__(chunks(), headers=headers)
        self.handle = handle
        self.on_complete = on_complete

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") == "HEAD":
            self.handle.close()
            await send(
                {"type": "http.response.start", "status": self.status_code,
                 "headers": self.raw_headers}
            )  # fmt: skip
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Cut short, the generator would close it only when collected. No read is
            # running here: a cancelled thread call is waited for.
            self.handle.close()

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code,
             "headers": self.raw_headers}
        )  # fmt: skip
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        # Recorded before the closing message: once that is sent the server (and a test
        # client) may report the request over, and the waiting task is cancelled.
        if self.on_complete is not None:
            await run_in_threadpool(self.on_complete)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def file_response(
    path: Path,
    name: str,
    *,
    inline: bool = False,
    headers: dict[str, str] | None = None,
    on_complete: Callable[[], None] | None = None,
) -> FileStreamResponse | None:
    """The file streamed from a descriptor opened with O_NOFOLLOW (a link swapped in after
    the check is refused, not followed); None where it is not a regular file.
    `on_complete` runs only after a whole GET (see FileStreamResponse)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        return None
    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileStreamResponse(
        os.fdopen(descriptor, "rb"),
        on_complete=on_complete,
        headers={
            # Set here, not as media_type: Starlette would add "charset=utf-8" to text/*.
            "content-type": media,
            "content-length": str(info.st_size),
            "content-disposition": content_disposition("inline" if inline else "attachment", name),
            **(headers or {}),
        },
    )
