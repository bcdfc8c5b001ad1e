"""The raw table shared by the CSV and xlsx readers: header, data rows and where each starts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from crmfile.types import CrmFileError

# A hand-made sheet may have a title, a date or a note above the header; the header is
# looked for among this many non-blank records at the top.
HEADER_SEARCH_ROWS = 10

Record = tuple[int, list[str]]


@dataclass
class RawTable:
    header: list[str]
    header_line: int
    rows: list[list[str]]
    line_numbers: list[int]
    # The records above the header (title rows, blank lines), kept to be written back.
    preamble: list[list[str]] = field(default_factory=list)


def is_blank(cells: Sequence[str]) -> bool:
    """True for a row with no content: no fields, or only empty or whitespace cells."""
    return all(not cell.strip() for cell in cells)


def find_header(records: Iterable[Record], rank: Callable[[list[str]], int]) -> int | None:
    """The position (among ``records``) of the header: of the top HEADER_SEARCH_ROWS
    non-blank records, the one ``rank`` scores highest (the first on a tie), or None when
    it scores them all 0. ``rank`` counts the columns a record would map as a header, so a
    title row or a merged group header above the real header loses to it."""
    best: int | None = None
    best_score = 0
    seen = 0
    for index, (_line, cells) in enumerate(records):
        if is_blank(cells):
            continue
        score = rank(cells)
        if score > best_score:
            best, best_score = index, score
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return best


def collect_table(
    path: Path,
    records: Iterable[Record],
    max_rows: int,
    rank: Callable[[list[str]], int] | None = None,
) -> RawTable | None:
    """Split (line, cells) records into the header and data rows; None when all are blank.

    The header is the first non-blank record, or, given ``rank``, the top non-blank record
    it ranks highest (see find_header; when it ranks none above 0, the first non-blank
    record, so that the refusal names the headers a person would look at). Records above the header
    are the preamble. Blank rows after the last data row are not data and are dropped.
    Blank rows between data rows are kept, so the row numbers that serve as row keys and
    the file written back stay as the customer had them.
    """
    stream = iter(records)
    lead = _lead(stream, searching=rank is not None)
    start = None
    if rank is not None:
        start = find_header(lead, rank)
    if start is None:
        start = next((i for i, (_line, cells) in enumerate(lead) if not is_blank(cells)), None)
    if start is None:
        return None
    header_line, header = lead[start]
    preamble = [cells for _line, cells in lead[:start]]
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    pending: list[Record] = []
    for line, cells in chain(lead[start + 1 :], stream):
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
    return RawTable(header, header_line, rows, line_numbers, preamble)


def _lead(stream: Iterator[Record], *, searching: bool) -> list[Record]:
    # The records the header is chosen from: up to the first non-blank one, or, searching,
    # up to HEADER_SEARCH_ROWS non-blank ones.
    lead: list[Record] = []
    seen = 0
    for line, cells in stream:
        lead.append((line, cells))
        if is_blank(cells):
            continue
        seen += 1
        if not searching or seen >= HEADER_SEARCH_ROWS:
            break
    return lead
