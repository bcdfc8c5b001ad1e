"""Answers shared by the pages and the API: a delivery's file streamed from a descriptor
opened without following links, and small request bodies read with a cap."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import StreamingResponse

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


def file_response(
    path: Path, name: str, *, inline: bool = False, headers: dict[str, str] | None = None
) -> StreamingResponse | None:
    """The file streamed from a descriptor opened with O_NOFOLLOW (a link swapped in after
    the check is refused, not followed); None where it is not a regular file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        return None

    def chunks() -> Iterator[bytes]:
        with os.fdopen(descriptor, "rb") as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")

    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return StreamingResponse(
        chunks(),
        headers={
            # Set here, not as media_type: Starlette would add "charset=utf-8" to text/*.
            "content-type": media,
            "content-length": str(info.st_size),
            "content-disposition": content_disposition("inline" if inline else "attachment", name),
            **(headers or {}),
        },
    )
