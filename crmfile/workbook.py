"""Reading and writing xlsx workbooks, guarded against zip bombs and formula cells."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from crmfile.cells import looks_like_formula, workbook_cell_text
from crmfile.table import RawTable, TableLimits, collect_table, find_header
from crmfile.types import CrmFileError

# Honest xlsx files compress 50-70x at most, so a ratio test alone needs a generous limit;
# an absolute cap on the unpacked size stops a zip bomb before openpyxl inflates it, and
# a member compressed far beyond what XML allows is refused on sight (members under
# RATIO_FLOOR_BYTES are too small to matter). XML entity bombs are refused by
# defusedxml, which openpyxl uses whenever it is installed.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
MAX_SHEETS = 1_000
DEFAULT_SHEET_NAME = "Sheet1"
_OPENDOCUMENT = b"application/vnd.oasis.opendocument"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass
class WorkbookTable:
    sheet_name: str
    sheet_names: list[str]
    chosen_because: str
    table: RawTable | None


def read_workbook(
    path: Path,
    max_rows: int,
    rank: Callable[[list[str]], int],
    limits: TableLimits | None = None,
) -> WorkbookTable:
    """The first sheet with a header ``rank`` scores above 0 among its top rows, else the
    first sheet (see table.find_header).

    Formulas are read as the values Excel last computed (data_only), never as formulas.
    Sheets are read sparsely: only the cells the file holds, each row as wide as its last
    value; ``limits`` (default TableLimits for a padded table) bound the columns and the
    cells the padded table would hold, before they are held.
    """
    limits = limits or TableLimits(padded=True)
    _check_archive(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl raises many types for damaged files; the type name is enough to report
        # and its messages are not vetted to be free of cell content.
        raise CrmFileError(path, None, _unreadable(exc)) from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise CrmFileError(path, None, "workbook has no worksheets")
        if len(sheets) > MAX_SHEETS:
            raise CrmFileError(
                path, None, f"workbook has {len(sheets)} sheets, over the {MAX_SHEETS} limit"
            )
        chosen = next(
            (
                sheet
                for sheet in sheets
                if find_header(_sheet_values(path, sheet, limits.max_columns), rank) is not None
            ),
            None,
        )
        because = "the first sheet whose headers identify contacts"
        if chosen is None:
            chosen, because = sheets[0], "no sheet's headers identify contacts; the first sheet"
        records = _sheet_records(path, chosen, limits.max_columns)
        table = collect_table(path, records, max_rows, rank, limits=limits)
        names = [sheet.title for sheet in sheets]
        return WorkbookTable(chosen.title, names, because, table)
    except CrmFileError:
        raise
    except Exception as exc:
        raise CrmFileError(path, None, _unreadable(exc)) from exc
    finally:
        workbook.close()


def _unreadable(exc: BaseException) -> str:
    """Why a workbook could not be read, by exception type (never its message)."""
    seen: BaseException | None = exc
    while seen is not None:
        # defusedxml refuses DTDs, entities and external references (billion laughs,
        # quadratic blow-up, XXE); openpyxl wraps that in a ValueError.
        if isinstance(seen, DefusedXmlException):
            return (
                f"workbook XML declares entities or a DTD ({type(seen).__name__}), which no "
                "honest .xlsx does (an XML bomb?); cannot read the workbook"
            )
        seen = seen.__cause__ or seen.__context__
    return f"cannot read the workbook ({type(exc).__name__}); save it again as .xlsx"


def _check_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError) as exc:
        raise CrmFileError(path, None, "not a valid .xlsx workbook (not a zip archive)") from exc
    if mimetype.startswith(_OPENDOCUMENT):
        raise CrmFileError(
            path, None, "OpenDocument spreadsheets are not supported; save it as .xlsx or CSV"
        )
    if "xl/workbook.xml" not in names:
        raise CrmFileError(path, None, "zip archive is not an .xlsx workbook (no xl/workbook.xml)")
    if len(entries) > MAX_MEMBERS:
        raise CrmFileError(
            path, None, f"workbook has {len(entries)} parts, over the {MAX_MEMBERS} limit"
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise CrmFileError(
            path,
            None,
            f"workbook unpacks to {unpacked // 2**20} MiB, over the "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MiB limit; send it as CSV",
        )
    for entry in entries:
        if entry.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise CrmFileError(
                path,
                None,
                f"workbook part {entry.filename} is compressed {ratio:.0f}x, over the "
                f"{MAX_COMPRESSION_RATIO}x limit of honest workbooks (a zip bomb?)",
            )


def _sheet_values(path: Path, sheet: Any, max_columns: int) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for the rows holding a value, each cut after its last value.

    Read from the sheet's XML as openpyxl's read-only mode does, but without padding: its
    own row iterator makes every row as wide as its last cell and yields every missing row,
    so one cell at XFD1048576 costs a million rows of 16,384 cells. Here a row costs the
    cells it holds; a value beyond ``max_columns`` refuses the file before the row is
    built. A row numbered at or before the previous one is skipped, as openpyxl does.
    """
    book = sheet.parent
    last = 0
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, parsed in parser.parse():
            if number <= last:
                continue
            last = number
            texts: dict[int, str] = {}
            for cell in parsed:
                text = _cell_text(ReadOnlyCell(sheet, **cell))
                if text:
                    texts[cell["column"]] = text
            if not texts:
                continue
            width = max(texts)
            if width > max_columns:
                raise CrmFileError(
                    path,
                    number,
                    f"row has a value in column {get_column_letter(width)} ({width:,}), beyond "
                    f"the {max_columns:,}-column limit",
                )
            cells = [""] * width
            for column, text in texts.items():
                cells[column - 1] = text
            yield number, cells


def _sheet_records(path: Path, sheet: Any, max_columns: int) -> Iterator[tuple[int, list[str]]]:
    """Every row from the first up to the last holding a value, the rows between as blank
    records (they keep the row numbers the row keys are made of). Made lazily: the table's
    limits refuse a run of millions of empty rows long before it is all made."""
    expected = 1
    for number, cells in _sheet_values(path, sheet, max_columns):
        for blank in range(expected, number):
            yield blank, []
        yield number, cells
        expected = number + 1


def _cell_text(cell: Any) -> str:
    return workbook_cell_text(cell.value, getattr(cell, "number_format", None))


def pad_table(table: RawTable) -> RawTable:
    """Give every row the same width: a sheet has no field count, only its used cells.

    Data beyond the last named column is kept under an empty header name rather than being
    reported as a ragged row, which it is not in a spreadsheet.
    """
    width = max([len(table.header), *(len(row) for row in table.rows)])
    header = table.header + [""] * (width - len(table.header))
    rows = [row + [""] * (width - len(row)) for row in table.rows]
    return RawTable(header, table.header_line, rows, table.line_numbers, table.preamble)


def write_workbook(
    stream: IO[bytes], sheet_name: str | None, rows: Iterable[Sequence[str]]
) -> None:
    """Write one sheet in which every cell is a string, so none is a formula or a number;
    formula-like strings also get the quote-prefix style. Values are written as given."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name or DEFAULT_SHEET_NAME)
    for row in rows:
        sheet.append([_string_cell(sheet, value) for value in row])
    workbook.save(stream)


def _string_cell(sheet: Any, value: str) -> Cell:
    # openpyxl refuses control characters Excel cannot store (IllegalCharacterError); they
    # carry nothing visible, so they are dropped rather than failing the delivery.
    # Bytes a UTF-8 CSV held that were not UTF-8 (read as U+DC80..U+DCFF) cannot be
    # stored in a workbook either; they become U+FFFD.
    text = _ESCAPED_BYTE.sub("\ufffd", ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl would type "=..." as a formula; forcing "s" keeps every value inert text.
    cell.data_type = "s"
    if looks_like_formula(text):
        # Excel's own "'" (a style, not part of the value): the cell stays text even when
        # someone edits it, and the value is the customer's, unaltered.
        cell.quotePrefix = True
    return cell
