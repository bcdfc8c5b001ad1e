"""The raw table shared by the CSV and xlsx readers: header, data rows and where each starts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from crmfile.packed import LineNumbers, PackedRows
from crmfile.types import CrmFileError

# A hand-made sheet may have a title, a date or a note above the header; the header is
# looked for among this many non-blank records at the top.
HEADER_SEARCH_ROWS = 10

Record = tuple[int, list[str]]


@dataclass
class RawTable:
    header: list[str]
    header_line: int
    # A list, or for a delimited file PackedRows: a sequence of lists of cells either way.
    rows: Sequence[list[str]]
    line_numbers: Sequence[int]
    # The records above the header (title rows, blank lines), kept to be written back.
    preamble: list[list[str]] = field(default_factory=list)


def is_blank(cells: Sequence[str]) -> bool:
    """True for a row with no content: no fields, or only empty or whitespace cells."""
    # Cells that are all whitespace join to whitespace, and only they do.
    return not "".join(cells).strip()


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
    *,
    limits: TableLimits | None = None,
    packed: bool = False,
) -> RawTable | None:
    """Split (line, cells) records into the header and data rows; None when all are blank.

    The header is the first non-blank record, or, given ``rank``, the top non-blank record
    it ranks highest (see find_header; when it ranks none above 0, the first non-blank
    record, so that the refusal names the headers a person would look at). Records above the header
    are the preamble. Blank rows after the last data row are not data and are dropped.
    Blank rows between data rows are kept, so the row numbers that serve as row keys and
    the file written back stay as the customer had them.

    ``limits`` bounds what is held (see TableLimits), checked record by record so that a
    hostile file is refused before it is held, with the line where the limit was passed.
    ``packed`` holds the rows as PackedRows and the line numbers as LineNumbers (a large
    delimited file: a fraction of the memory of lists of strings) instead of lists.
    """
    guard = _Guard(path, limits or TableLimits())
    stream = guard.watch(iter(records))
    if rank is not None:
        rank = guard.ranker(rank)
    lead = _lead(stream, searching=rank is not None)
    start = None
    if rank is not None:
        start = find_header(lead, rank)
    if start is None:
        start = next((i for i, (_line, cells) in enumerate(lead) if not is_blank(cells)), None)
    if start is None:
        return None
    header_line, header = lead[start]
    guard.check_header(header_line, header)
    preamble = [cells for _line, cells in lead[:start]]
    rows: list[list[str]] | PackedRows = PackedRows() if packed else []
    line_numbers: list[int] | LineNumbers = LineNumbers() if packed else []
    pending: list[Record] = []
    for line, cells in chain(lead[start + 1 :], stream):
        if is_blank(cells):
            # Held back until a data row follows: trailing blank rows are not data.
            pending.append((line, cells))
            if len(rows) + len(pending) > max_rows:
                raise CrmFileError(path, line, f"file has more than {max_rows} rows")
            continue
        for blank_line, blank_cells in pending:
            rows.append(blank_cells)
            line_numbers.append(blank_line)
        pending.clear()
        rows.append(cells)
        line_numbers.append(line)
        if len(rows) > max_rows:
            raise CrmFileError(path, line, f"file has more than {max_rows} data rows")
    if isinstance(rows, PackedRows):
        rows.finish()
    return RawTable(header, header_line, rows, line_numbers, preamble)


# What a table may hold. A spreadsheet's rows are padded to the widest row (pad_table), so
# there the cells held are rows x width, which a few stray cells far apart make enormous
# from a file of a few kilobytes; a delimited file holds only the fields it has.
MAX_COLUMNS = 2_000
MAX_CELLS = 40_000_000
# A padded sheet may hold at most this many cells per cell with a value (and any sheet up
# to SPARSE_FLOOR cells): honest exports with many empty columns stay far below it.
SPARSE_RATIO = 100
SPARSE_FLOOR = 1_000_000


@dataclass(frozen=True)
class TableLimits:
    """Bounds on a table as it is read: columns (of the header; the xlsx reader also
    refuses any value beyond them), cells held, and for a padded sheet, cells held per
    cell that has a value."""

    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS
    padded: bool = False
    sparse_ratio: int = SPARSE_RATIO
    sparse_floor: int = SPARSE_FLOOR


class _Guard:
    """Counts what the records read so far make the table hold, and refuses past the limits."""

    def __init__(self, path: Path, limits: TableLimits) -> None:
        self.path = path
        self.limits = limits
        self.records = 0
        self.width = 0
        self.fields = 0
        self.values = 0

    def watch(self, records: Iterator[Record]) -> Iterator[Record]:
        padded = self.limits.padded
        for line, cells in records:
            self.records += 1
            self.width = max(self.width, len(cells))
            self.fields += len(cells)
            if padded:
                self.values += len(cells) - cells.count("")
            self._check(line)
            yield line, cells

    def ranker(self, rank: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
        # A record wider than the column limit could not be used as the header anyway;
        # ranking it would look up every one of its cells.
        limit = self.limits.max_columns
        return lambda cells: 0 if len(cells) > limit else rank(cells)

    def check_header(self, line: int, header: Sequence[str]) -> None:
        if len(header) > self.limits.max_columns:
            raise CrmFileError(
                self.path,
                line,
                f"header has {len(header)} columns, over the {self.limits.max_columns}-column "
                "limit",
            )

    def _check(self, line: int) -> None:
        limits = self.limits
        held = self.records * self.width if limits.padded else self.fields
        if held > limits.max_cells:
            what = (
                "cells once its rows are made as wide as the widest" if limits.padded else "cells"
            )
            raise CrmFileError(
                self.path,
                line,
                f"file holds over {limits.max_cells:,} {what} by this row, over the limit; "
                "split it or send it as CSV",
            )
        if limits.padded and held > max(limits.sparse_floor, limits.sparse_ratio * self.values):
            raise CrmFileError(
                self.path,
                line,
                f"sheet is almost all empty: {self.records:,} rows x {self.width:,} columns by "
                f"this row hold {self.values:,} values (a stray value far below or right of "
                "the data?); delete the empty rows and columns and save it again",
            )


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
