"""write_crm_file: the refreshed file, laid out like the customer's and safe to open."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import IO

from crmfile.cells import FORMULA_STARTS, written_cell
from crmfile.delimited import format_record
from crmfile.encoding import is_unicode_codec, output_codec, transliterate
from crmfile.types import FileFormat
from crmfile.workbook import write_workbook

_FLUSH_BYTES = 1 << 20


def write_crm_file(
    path: str | Path, fmt: FileFormat, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """Write ``header`` and ``rows`` as ``fmt`` describes, atomically, every cell safe to open.

    Unchanged rows of a file read with read_crm_file come back byte for byte, except, in
    CSV, cells a spreadsheet would run as formulas, which get a leading "'" (on every row
    alike; see cells.written_cell). An xlsx gets every value exactly as given, each as a
    text cell, never a formula. The records above the header (``fmt.preamble``: a title
    row, blank lines) are written first, as read. A UTF-8 row quarantined for bytes that
    were not UTF-8 comes back with those bytes.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    preamble = [list(cells) for cells in fmt.preamble]
    records = chain(preamble, [header], rows)
    if fmt.kind == "xlsx":
        _write_atomically(target, lambda stream: write_workbook(stream, fmt.sheet_name, records))
    else:
        safe_rows = _neutralised(records)
        _write_atomically(target, lambda stream: _write_delimited(stream, fmt, safe_rows))


def _neutralised(rows: Iterable[Sequence[str]]) -> Iterator[list[str]]:
    # written_cell("csv", ...) of each cell; only a cell whose first character could start
    # a formula can change, so only those pay for the call (a file has millions of cells).
    starts = FORMULA_STARTS
    for row in rows:
        yield [written_cell("csv", cell) if cell[:1] in starts else cell for cell in row]


def _write_delimited(stream: IO[bytes], fmt: FileFormat, rows: Iterable[list[str]]) -> None:
    mark, codec = output_codec(fmt.encoding, fmt.bom)
    check = not is_unicode_codec(codec)
    # surrogateescape turns the bytes a UTF-8 file held that were not UTF-8 (read as
    # U+DC80..U+DCFF) back into those bytes; for other codecs such characters cannot occur.
    errors = "surrogateescape" if codec == "utf-8" else "strict"
    chunk: list[bytes] = [mark]
    size = 0
    for cells in rows:
        record = format_record(
            cells, fmt.delimiter, fmt.quotechar, fmt.line_terminator, quote_all=fmt.quote_all
        )
        try:
            data = record.encode(codec, errors)
        except UnicodeEncodeError:
            if not check:
                raise
            # Transliterated cell by cell and before quoting: folding can produce a
            # delimiter or quote (a full-width ";" becomes ";") that must then be quoted.
            fixed = [transliterate(cell, codec) for cell in cells]
            data = format_record(
                fixed, fmt.delimiter, fmt.quotechar, fmt.line_terminator, quote_all=fmt.quote_all
            ).encode(codec)
        chunk.append(data)
        size += len(data)
        if size >= _FLUSH_BYTES:
            stream.write(b"".join(chunk))
            chunk, size = [], 0
    stream.write(b"".join(chunk))


def _write_atomically(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    # A temp file in the same folder, synced, then renamed over the target: a reader or a
    # crash sees the old file or the whole new one, never a half-written delivery. mkstemp
    # creates it readable by the owner only, which suits a file of personal data.
    handle, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened this way.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
