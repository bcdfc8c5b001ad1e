"""read_crm_file: a customer's CRM export (CSV/TXT/TSV or xlsx) into a CrmFile."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from crmfile.contacts import build_contacts
from crmfile.delimited import iter_records
from crmfile.dialect import detect_line_terminator, detect_quote_all, sniff_delimiter
from crmfile.encoding import decode_text
from crmfile.headers import identifies_contacts, resolve_mapping
from crmfile.table import RawTable, collect_table
from crmfile.types import CrmFile, CrmFileError, FileFormat
from crmfile.workbook import pad_table, read_workbook

QUOTECHAR = '"'
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLS_REFUSAL = ".xls (Excel 97-2003) is not supported; save it as .xlsx or CSV"


def read_crm_file(
    path: str | Path, *, mapping: dict[str, str] | None = None, max_rows: int = 2_000_000
) -> CrmFile:
    """Read a customer file, keeping its raw cells and layout and deriving the contacts.

    ``mapping`` (canonical column -> header name) overrides the automatic header mapping
    for the columns it names; a value of "" leaves that column unmapped. Raises
    CrmFileError when the file as a whole cannot be used; single unusable rows are kept
    and described in the contacts' "problem" column instead.
    """
    path = Path(path)
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    suffix = path.suffix.casefold()
    if suffix == ".xls":
        raise CrmFileError(path, None, _XLS_REFUSAL)
    with path.open("rb") as stream:
        magic = stream.read(len(_OLE2_MAGIC))
    if magic.startswith(_OLE2_MAGIC):
        # An Excel 97-2003 file sent under another name (often .csv or .xlsx).
        raise CrmFileError(path, None, _XLS_REFUSAL)
    if suffix in XLSX_SUFFIXES or magic.startswith(_ZIP_MAGIC):
        fmt, table = _read_xlsx(path, mapping, max_rows)
    else:
        fmt, table = _read_text(path, max_rows)
    if table is None:
        raise CrmFileError(path, None, "file is empty")
    if not table.rows:
        raise CrmFileError(path, table.header_line, "file has a header but no data rows")
    resolved = resolve_mapping(path, table.header, mapping)
    return CrmFile(
        path=path,
        format=fmt,
        header=table.header,
        rows=table.rows,
        line_numbers=table.line_numbers,
        mapping=resolved,
        contacts=build_contacts(table.header, table.rows, resolved),
    )


def _read_text(path: Path, max_rows: int) -> tuple[FileFormat, RawTable | None]:
    decoded = decode_text(path.read_bytes(), path)
    text = decoded.text
    delimiter = sniff_delimiter(text, QUOTECHAR)
    fmt = FileFormat(
        kind="csv",
        encoding=decoded.encoding,
        bom=decoded.bom,
        delimiter=delimiter,
        quotechar=QUOTECHAR,
        line_terminator=detect_line_terminator(text, QUOTECHAR),
        sheet_name=None,
        quote_all=detect_quote_all(text, delimiter, QUOTECHAR),
    )
    records = iter_records(path, text, delimiter, QUOTECHAR)
    return fmt, collect_table(path, records, max_rows)


def _read_xlsx(
    path: Path, mapping: Mapping[str, str] | None, max_rows: int
) -> tuple[FileFormat, RawTable | None]:
    def accepts(header: list[str]) -> bool:
        try:
            return identifies_contacts(resolve_mapping(path, header, mapping))
        except CrmFileError:
            return False

    sheet_name, table = read_workbook(path, max_rows, accepts)
    fmt = FileFormat(kind="xlsx", encoding="utf-8", sheet_name=sheet_name)
    return fmt, (pad_table(table) if table is not None else None)
