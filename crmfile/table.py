"""The raw table shared by the CSV and xlsx readers: header, data rows and where each starts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from crmfile.types import CrmFileError


@dataclass
class RawTable:
    header: list[str]
    header_line: int
    rows: list[list[str]]
    line_numbers: list[int]


def is_blank(cells: Sequence[str]) -> bool:
    """True for a row with no content: no fields, or only empty or whitespace cells."""
    return all(not cell.strip() for cell in cells)


def collect_table(
    path: Path, records: Iterable[tuple[int, list[str]]], max_rows: int
) -> RawTable | None:
    """Split (line, cells) records into the header and data rows; None when all are blank.

    Blank rows before the header and after the last data row are not data and are dropped.
    Blank rows between data rows are kept, so the row numbers that serve as row keys and
    the file written back stay as the customer had them.
    """
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    pending: list[tuple[int, list[str]]] = []
    for line, cells in records:
        if header is None:
            if not is_blank(cells):
                header, header_line = cells, line
            continue
        if is_blank(cells):
            # Held back until a data row follows: trailing blank rows are not data.
            pending.append((line, cells))
            continue
        for blank_line, blank_cells in pending:
            rows.append(blank_cells)
            line_numbers.append(blank_line)
        pending.clear()
        rows.append(cells)
        line_numbers.append(line)
        if len(rows) > max_rows:
            raise CrmFileError(path, line, f"file has more than {max_rows} data rows")
    if header is None:
        return None
    return RawTable(header, header_line, rows, line_numbers)
