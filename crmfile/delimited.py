"""Parsing and formatting delimited text records (CSV, semicolon files, TSV)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from crmfile.types import CrmFileError

# One line with its ending (\r\n, \r or \n), as io.StringIO(newline="") splits them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    """The text's lines, found one at a time: io.StringIO would copy the whole text into a
    buffer of four bytes per character (800 MB for a 200 MB file) before the first one."""
    return (match.group() for match in _LINE.finditer(text))


def iter_records(
    path: Path, text: str, delimiter: str, quotechar: str
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, cells) for every record, blank lines included.

    strict=True makes an unbalanced quote an error instead of a field that silently
    swallows the rest of the file. newline="" keeps line breaks inside quoted cells as
    the customer wrote them. csv's field size limit (128 KiB by default) is raised to the
    text's length, so that an oversized cell quarantines its row instead of refusing the
    whole file; it is a process-wide setting and is only ever raised.
    """
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))
    reader = csv.reader(
        _lines(text),
        delimiter=delimiter,
        quotechar=quotechar,
        doublequote=True,
        strict=True,
    )
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # csv's messages name characters and limits, never cell contents.
            raise CrmFileError(
                path,
                start,
                f"malformed CSV record starting on this line ({exc}); look for an unbalanced quote",
            ) from exc
        yield start, cells
        start = reader.line_num + 1


def format_record(
    cells: Sequence[str],
    delimiter: str,
    quotechar: str,
    line_terminator: str,
    *,
    quote_all: bool = False,
) -> str:
    """One record as text, quoting only cells that need it (unless the file quoted all).

    Python's csv writer is not used because its minimal quoting depends on the line
    terminator chosen (a lone "\\r" in a cell of a "\\n" file), and a CRM's minimal
    quoting is exactly: delimiter, quote or line break in the cell.
    """
    if len(cells) == 1 and cells[0] == "" and not quote_all:
        # A lone empty field written bare is a blank line, which reads back as no fields.
        return quotechar * 2 + line_terminator
    doubled = quotechar * 2
    specials = (delimiter, quotechar, "\r", "\n")
    if not quote_all:
        # Most records need no quoting at all: one look at the whole record decides.
        joined = delimiter.join(cells)
        if not any(special in joined for special in specials[1:]) and (
            joined.count(delimiter) == len(cells) - 1
        ):
            return joined + line_terminator
    out: list[str] = []
    for cell in cells:
        if quote_all or any(special in cell for special in specials):
            out.append(quotechar + cell.replace(quotechar, doubled) + quotechar)
        else:
            out.append(cell)
    return delimiter.join(out) + line_terminator
