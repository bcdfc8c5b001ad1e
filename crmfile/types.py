"""The shared types of the package: the canonical columns, the error and the file model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

CANONICAL_COLUMNS: tuple[str, ...] = (
    "customer_row_id",
    "first_name",
    "last_name",
    "full_name",
    "title",
    "org_name",
    "business_id",
    "email",
    "phone",
    "mobile",
    "street",
    "postcode",
    "city",
    "country",
)

# The contacts frame's extra columns: why a row is quarantined (it then comes back as sent,
# status "invalid"), and what was repaired or is doubtful in a usable row (never a value).
PROBLEM_COLUMN = "problem"
REPAIRS_COLUMN = "repairs"

FILE_KINDS = frozenset({"csv", "xlsx"})
LINE_TERMINATORS = frozenset({"\r\n", "\n", "\r"})


# A refusal is one short line: it lands in the event log, run storage, stderr, the sensor's
# log and the rejected file's .reason.txt. Whatever a message is built from, it is cut to
# these lengths and its control characters (line breaks among them) become spaces.
MAX_PROBLEM_CHARS = 400
MAX_NAME_CHARS = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def one_line(text: str, limit: int) -> str:
    """``text`` as one line of at most ``limit`` characters (an ellipsis marks a cut)."""
    flat = _CONTROL.sub(" ", text[: limit * 2])
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


class CrmFileError(Exception):
    """A customer file refused as a whole, with the line where the problem is when known.

    The message names the file, the line and the problem, never a cell value: these
    messages end up in logs and run metadata, which must not carry personal data. Every
    message is one line, bounded (MAX_PROBLEM_CHARS), whatever it was built from.
    """

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        problem = one_line(problem, MAX_PROBLEM_CHARS)
        # Passing the arguments on keeps the exception picklable across processes.
        super().__init__(path, line, problem)
        self.path = Path(path)
        self.line = line
        self.problem = problem

    def __str__(self) -> str:
        name = one_line(self.path.name, MAX_NAME_CHARS)
        if self.line is None:
            return f"{name}: {self.problem}"
        return f"{name}, line {self.line}: {self.problem}"


@dataclass(frozen=True)
class FileFormat:
    """How a customer file is laid out, so that the refreshed file can be written the same way.

    ``encoding`` is the Python codec name as read; a file with a byte-order mark has
    ``bom=True`` and the plain codec name ("utf-8", "utf-16" for little-endian,
    "utf-16-be"). ``quote_all`` records exports that quote every field (Salesforce's
    Data Loader does), so unchanged rows can be written back byte for byte.

    ``preamble`` holds the records above the header (a title row of a hand-made sheet,
    blank lines), written back above the header as they were. It can hold personal data,
    so it stays out of the repr.
    """

    kind: str
    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    quotechar: str = '"'
    line_terminator: str = "\r\n"
    sheet_name: str | None = None
    quote_all: bool = False
    preamble: tuple[tuple[str, ...], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FILE_KINDS:
            raise ValueError(f"kind must be one of {sorted(FILE_KINDS)}, not {self.kind!r}")
        if len(self.delimiter) != 1 or len(self.quotechar) != 1:
            raise ValueError("delimiter and quotechar must be single characters")
        if self.delimiter == self.quotechar:
            raise ValueError("delimiter and quotechar must differ")
        if self.line_terminator not in LINE_TERMINATORS:
            raise ValueError(f"line_terminator must be one of {sorted(LINE_TERMINATORS)}")


@dataclass
class CrmFile:
    """A customer file as read: the raw table for writing back, and the contacts to match.

    ``rows`` and ``contacts`` hold personal data, so they stay out of the repr in case a
    CrmFile ends up in a log line or a traceback.

    ``rows`` is a sequence of lists of cells: for a delimited file a PackedRows (the rows
    held as blocks of text, each read as a new list: a fraction of the memory of a list of
    lists of strings), for an xlsx a list. ``line_numbers`` likewise (LineNumbers or a list).

    ``contacts`` has the columns ``row_key``, CANONICAL_COLUMNS, ``problem`` (why the row is
    quarantined; "" for a usable row) and ``repairs`` (Excel damage repaired in the
    contacts, or doubtful values left as sent; "" when none). ``mapping_report`` says, one
    line each, how the encoding, delimiter, sheet and header row were chosen and what every
    column was mapped to, without any cell value. ``dates`` holds, for each column
    recognised as a date (creation, last change, ...), its values as ISO dates ("" where
    empty or not a recognisable date), indexed like ``contacts``.
    """

    path: Path
    format: FileFormat
    header: list[str]
    rows: Sequence[list[str]] = field(repr=False)
    line_numbers: Sequence[int] = field(repr=False)
    mapping: dict[str, str]
    contacts: pd.DataFrame = field(repr=False)
    mapping_report: list[str] = field(default_factory=list)
    dates: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
