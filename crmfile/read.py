"""read_crm_file: a customer's CRM export (CSV/TXT/TSV or xlsx) into a CrmFile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from crmfile.contacts import MAX_CELL_CHARS, build_contacts
from crmfile.delimited import iter_records
from crmfile.dialect import (
    describe_line_terminator,
    detect_line_terminator,
    detect_quote_all,
    explain_delimiter,
)
from crmfile.encoding import decode_text
from crmfile.headers import resolve_and_explain, resolve_mapping
from crmfile.mapping_file import load_mapping_file
from crmfile.table import MAX_CELLS, MAX_COLUMNS, RawTable, TableLimits, collect_table
from crmfile.types import PROBLEM_COLUMN, REPAIRS_COLUMN, CrmFile, CrmFileError, FileFormat
from crmfile.workbook import pad_table, read_workbook

QUOTECHAR = '"'
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
MAX_BYTES = 500 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLS_REFUSAL = ".xls (Excel 97-2003) is not supported; save it as .xlsx or CSV"


def read_crm_file(
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    mapping_file: str | Path | None = None,
    max_rows: int = 2_000_000,
    max_bytes: int = MAX_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
) -> CrmFile:
    """Read a customer file, keeping its raw cells and layout and deriving the contacts.

    ``mapping`` (canonical column -> header name) overrides the automatic header mapping
    for the columns it names; a value of "" leaves that column unmapped. ``mapping_file``
    (TOML or YAML, see load_mapping_file) does the same from the customer's own file;
    given both, ``mapping`` wins for the columns it names.

    Raises CrmFileError (file, line where known, problem; never a cell value) when the
    file as a whole cannot be used: empty, header only, binary, an xlsx over the size or
    compression-ratio limits, more than ``max_rows`` data rows or ``max_bytes`` bytes, a
    header over ``max_columns`` columns (in an xlsx, any value beyond them), a table over
    ``max_cells`` cells (an xlsx counts its rows padded to the widest, and is refused when
    almost all of that is empty: a stray cell far from the data), an unbalanced quote,
    contact columns that cannot be identified. Single unusable rows
    (ragged, undecodable bytes, a NUL byte, a cell over ``max_cell_chars``, nothing to
    identify the person by) are kept and described in the contacts' "problem" column.
    """
    path = Path(path)
    if min(max_rows, max_bytes, max_cell_chars, max_columns, max_cells) < 1:
        raise ValueError(
            "max_rows, max_bytes, max_cell_chars, max_columns and max_cells must be at least 1"
        )
    explicit, explicit_how = _explicit_mapping(mapping, mapping_file)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CrmFileError(path, None, f"cannot read the file ({exc.strerror})") from exc
    if size > max_bytes:
        raise CrmFileError(path, None, f"file is {_size(size)}, over the {_size(max_bytes)} limit")
    suffix = path.suffix.casefold()
    if suffix == ".xls":
        raise CrmFileError(path, None, _XLS_REFUSAL)
    with path.open("rb") as stream:
        magic = stream.read(len(_OLE2_MAGIC))
    if magic.startswith(_OLE2_MAGIC):
        # An Excel 97-2003 file sent under another name (often .csv or .xlsx).
        raise CrmFileError(path, None, _XLS_REFUSAL)

    def rank(header: list[str]) -> int:
        # As a header, how many columns would this record map (0: it cannot be one)?
        try:
            return len(resolve_mapping(path, header, explicit))
        except CrmFileError:
            return 0

    if suffix in XLSX_SUFFIXES or magic.startswith(_ZIP_MAGIC):
        limits = TableLimits(max_columns=max_columns, max_cells=max_cells, padded=True)
        fmt, table, report = _read_xlsx(path, max_rows, rank, limits)
    else:
        limits = TableLimits(max_columns=max_columns, max_cells=max_cells)
        fmt, table, report = _read_text(path, max_rows, rank, limits)
    if table is None:
        raise CrmFileError(path, None, "file is empty")
    if not table.rows:
        raise CrmFileError(path, table.header_line, "file has a header but no data rows")
    resolved, decisions, date_columns = resolve_and_explain(
        path, table.header, explicit, explicit_how
    )
    built = build_contacts(table.header, table.rows, resolved, date_columns, max_cell_chars)
    unit = "row" if fmt.kind == "xlsx" else "line"
    header_at = f"header: {unit} {table.header_line}"
    if table.preamble:
        header_at += (
            f" ({len(table.preamble)} {unit}(s) above it are not data; "
            "they are written back as they are)"
        )
    report.append(header_at)
    report.extend(decision.line() for decision in decisions)
    report.extend(_derived(resolved))
    report.append(_summary(built.frame))
    return CrmFile(
        path=path,
        format=fmt,
        header=table.header,
        rows=table.rows,
        line_numbers=table.line_numbers,
        mapping=resolved,
        contacts=built.frame,
        mapping_report=report,
        dates=built.dates,
    )


def _explicit_mapping(
    mapping: Mapping[str, str] | None, mapping_file: str | Path | None
) -> tuple[dict[str, str], str]:
    explicit: dict[str, str] = {}
    how = "explicit mapping"
    if mapping_file is not None:
        explicit.update(load_mapping_file(mapping_file))
        how = f"mapping file {Path(mapping_file).name}"
    if mapping:
        explicit.update(mapping)
    return explicit, how


def _read_text(
    path: Path, max_rows: int, rank: Callable[[list[str]], int], limits: TableLimits
) -> tuple[FileFormat, RawTable | None, list[str]]:
    decoded = decode_text(path.read_bytes(), path)
    text = decoded.text
    delimiter, delimiter_reason = explain_delimiter(text, QUOTECHAR)
    terminator = detect_line_terminator(text, QUOTECHAR)
    quote_all = detect_quote_all(text, delimiter, QUOTECHAR)
    records = iter_records(path, text, delimiter, QUOTECHAR)
    table = collect_table(path, records, max_rows, rank, limits=limits, packed=True)
    fmt = FileFormat(
        kind="csv",
        encoding=decoded.encoding,
        bom=decoded.bom,
        delimiter=delimiter,
        quotechar=QUOTECHAR,
        line_terminator=terminator,
        sheet_name=None,
        quote_all=quote_all,
        preamble=tuple(tuple(cells) for cells in table.preamble) if table else (),
    )
    report = [
        "format: delimited text",
        f"encoding: {decoded.reason}",
        f"delimiter: {delimiter_reason}",
        f"line endings: {describe_line_terminator(terminator)} (the first line break outside "
        "quotes)",
        "quoting: every field quoted (kept on writing)"
        if quote_all
        else "quoting: only where needed",
    ]
    return fmt, table, report


def _read_xlsx(
    path: Path, max_rows: int, rank: Callable[[list[str]], int], limits: TableLimits
) -> tuple[FileFormat, RawTable | None, list[str]]:
    found = read_workbook(path, max_rows, rank, limits)
    table = pad_table(found.table) if found.table is not None else None
    preamble = tuple(tuple(cells) for cells in table.preamble) if table else ()
    fmt = FileFormat(kind="xlsx", encoding="utf-8", sheet_name=found.sheet_name, preamble=preamble)
    others = [name for name in found.sheet_names if name != found.sheet_name]
    listed = ", ".join(f'"{name}"' for name in others) or "none"
    report = [
        "format: xlsx workbook (formulas read as their computed values)",
        f'sheet: "{found.sheet_name}" ({found.chosen_because}; other sheets: {listed})',
    ]
    return fmt, table, report


def _derived(mapping: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    if "full_name" in mapping and "first_name" not in mapping and "last_name" not in mapping:
        lines.append(
            "first_name, last_name: split from full_name "
            '("Last, First" or "First [particles] Last")'
        )
    if "customer_row_id" not in mapping:
        lines.append("row_key: the 1-based data row number (no customer id column)")
    else:
        lines.append(f'row_key: from "{mapping["customer_row_id"]}"')
    return lines


def _summary(contacts: pd.DataFrame) -> str:
    quarantined = int((contacts[PROBLEM_COLUMN] != "").sum())
    repaired = int((contacts[REPAIRS_COLUMN] != "").sum())
    return (
        f"rows: {len(contacts)} data rows, {len(contacts) - quarantined} usable, "
        f"{quarantined} quarantined, {repaired} with repairs or warnings"
    )


def _size(size: int) -> str:
    if size >= 2**20:
        return f"{size / 2**20:.0f} MiB"
    return f"{size} bytes"
