"""Uploads into the customer's inbox folder: streamed, capped, under a temporary dot-name
and renamed when complete, so the inbox sensor (which ignores dot-names) only ever sees
whole files. Nothing of a refused upload stays behind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from pipelines.inbox import is_temporary
from pipelines.paths import owner_only_folder

ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_MAX_NAME = 120  # bytes of a stored name: room for a suffix, `rejected/` and `.reason.txt`
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UploadError(Exception):
    """An upload refused; `status` is the HTTP answer (400, 403, 413, 415)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def safe_file_name(raw: str) -> str:
    """The name an upload gets in the inbox: the last component of whatever the client sent
    (either slash), letters, digits and `._-` only (Finnish letters kept), no leading dot,
    `~` or `-`, at most 120 bytes, one of the accepted suffixes. Raises UploadError (415)
    for any other kind of file, 400 for a name with nothing left."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/")
    name = PurePosixPath(name).name if "/" in name else name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\-]+", "-", name.strip(), flags=re.UNICODE)
    name = re.sub(r"\.{2,}", ".", name).lstrip(".~-_")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UploadError(
            415, f"only {', '.join(ACCEPTED_SUFFIXES)} files are taken (a CRM export)"
        )
    stem = PurePosixPath(name).stem
    while stem and len((stem + suffix).encode("utf-8")) > _MAX_NAME:
        stem = stem[:-1]
    stem = stem.strip(".-_")
    if not stem:
        raise UploadError(400, "the file name has no usable characters")
    if is_temporary(stem + suffix):
        # The inbox sensor leaves such names alone (`x.reason.txt` is a refusal's reason):
        # the file would wait unprocessed until retention removed it.
        raise UploadError(415, "this file name is reserved by the inbox; rename the file")
    return stem + suffix


@dataclass(frozen=True)
class Stored:
    path: Path
    name: str
    sha256: str
    size: int


class InboxWriter:
    """One upload on its way into `inbox/<customer>/`: written to `.upload-<random>.part`
    (owner-only, never through a link), hashed on the way, capped at `limit` bytes."""

    def __init__(self, inbox: Path, customer: str, limit: int) -> None:
        try:
            self.folder = owner_only_folder(inbox, customer)
        except NotADirectoryError:
            raise UploadError(409, "the customer's inbox folder is not usable") from None
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()
        self.temp = self.folder / f".upload-{secrets.token_hex(8)}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        self.handle = os.fdopen(os.open(self.temp, flags, 0o600), "wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise UploadError(413, f"the file is larger than the limit of {self.limit} bytes")
        self.digest.update(data)
        self.handle.write(data)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()

    def commit(self, name: str) -> Stored:
        """Give the complete file its name, never replacing a file already there (a waiting
        upload of the same name gets `-2`, `-3`, …)."""
        if self.size == 0:
            self.abort()
            raise UploadError(400, "the file is empty")
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        stem, suffix = Path(name).stem, Path(name).suffix
        try:
            for number in range(1, 1000):
                candidate = name if number == 1 else f"{stem}-{number}{suffix}"
                target = self.folder / candidate
                try:
                    # link + unlink: the final name appears complete, and an existing one is
                    # never replaced (rename would). The sensor reads a file only after it
                    # saw it unchanged for a whole tick, long after the second link is gone.
                    os.link(self.temp, target, follow_symlinks=False)
                except FileExistsError:
                    continue
                self.temp.unlink()
                return Stored(target, candidate, self.digest.hexdigest(), self.size)
        except BaseException:
            self.abort()
            raise
        self.abort()
        raise UploadError(409, "too many files of that name are waiting")


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    header_field: bytes = b""
    header_value: bytes = b""
    value: bytes = b""


_FIELD_LIMIT = 1024  # a form field (the CSRF token) is short; anything longer is refused
_MAX_FIELDS = 8  # the form has one; a body of thousands of fields is not an upload


async def receive_multipart(
    content_type: str,
    stream: AsyncIterator[bytes],
    open_file: Callable[[str, dict[str, str]], InboxWriter],
) -> tuple[InboxWriter, str]:
    """Read a multipart/form-data body as it arrives. Form fields before the file part are
    collected; at the file part `open_file(filename, fields)` decides (it checks the CSRF
    token, and raises before a byte is written when it is wrong) and the part's bytes are
    written as they come. Returns the writer (not yet committed) and the client's name.

    A body the parser cannot read, or one that ends before its closing boundary (a
    connection cut mid-file looks just like a short file otherwise), is refused (400) and
    its partial file removed."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError(400, "send the file as multipart/form-data")
    fields: dict[str, str] = {}
    events: list[tuple[str, bytes]] = []
    part = _Part()
    writer: InboxWriter | None = None
    client_name = ""

    def on_data(kind: str) -> Callable[[bytes, int, int], None]:
        return lambda data, start, end: events.append((kind, data[start:end]))

    finished: list[bool] = []
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: events.append(("begin", b"")),
                "on_part_data": on_data("data"),
                "on_part_end": lambda: events.append(("end", b"")),
                "on_header_field": on_data("hfield"),
                "on_header_value": on_data("hvalue"),
                "on_header_end": lambda: events.append(("hend", b"")),
                "on_headers_finished": lambda: events.append(("headers", b"")),
                # The closing boundary (`--boundary--`) was read: the body is complete.
                "on_end": lambda: finished.append(True),
            },
        )
    except FormParserError:  # a boundary longer than the parser takes
        raise UploadError(400, "the multipart boundary is not usable") from None
    try:
        async for chunk in stream:
            parser.write(chunk)
            for event, data in events:
                if event == "begin":
                    part = _Part()
                elif event == "hfield":
                    part.header_field += data
                elif event == "hvalue":
                    part.header_value += data
                elif event == "hend":
                    if part.header_field.lower() == b"content-disposition":
                        _, disposition = parse_options_header(part.header_value)
                        part.name = disposition.get(b"name", b"").decode("utf-8", "replace")
                        raw = disposition.get(b"filename")
                        part.filename = raw.decode("utf-8", "replace") if raw is not None else None
                    part.header_field, part.header_value = b"", b""
                elif event == "headers" and part.filename is not None:
                    if writer is not None:
                        raise UploadError(400, "send one file per upload")
                    client_name = part.filename
                    writer = open_file(client_name, fields)
                elif event == "data":
                    if part.filename is not None and writer is not None:
                        writer.write(data)
                    else:
                        part.value += data
                        if len(part.value) > _FIELD_LIMIT:
                            raise UploadError(400, "a form field is too long")
                elif event == "end" and part.filename is None and part.name:
                    if len(fields) >= _MAX_FIELDS:
                        raise UploadError(400, "too many form fields")
                    fields[part.name] = part.value.decode("utf-8", "replace")
            events.clear()
        parser.finalize()
        if not finished:
            raise UploadError(400, "the upload is incomplete (the form ended before its end)")
    except FormParserError:
        if writer is not None:
            writer.abort()
        raise UploadError(400, "the form is not valid multipart/form-data") from None
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is None:
        raise UploadError(400, "the form has no file")
    return writer, client_name
