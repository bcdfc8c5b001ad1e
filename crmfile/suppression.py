"""Reading a customer's suppression list: e-mails, phone numbers or their own row ids, one
per line or in any column of a CSV file, in whatever encoding their system wrote."""

from __future__ import annotations

from pathlib import Path

from crmfile.delimited import iter_records
from crmfile.dialect import sniff_delimiter
from crmfile.encoding import decode_text
from crmfile.types import CrmFileError


def read_suppression_list(path: str | Path) -> list[str]:
    """Every non-empty cell of the file, stripped; a header row is harmless (it matches no
    contact). Refuses an unreadable file with file, line and problem."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        problem = f"cannot read the suppression list ({exc.strerror})"
        raise CrmFileError(source, None, problem) from exc
    text = decode_text(raw, source).text
    if not text.strip():
        return []
    delimiter = sniff_delimiter(text)
    return [
        cell.strip()
        for _, cells in iter_records(source, text, delimiter, '"')
        for cell in cells
        if cell.strip()
    ]
