"""Sniffing a delimited text file's layout: delimiter, line terminator, quoting style."""

from __future__ import annotations

import csv
import io
import re

DELIMITER_CANDIDATES: tuple[str, ...] = (",", ";", "\t", "|")
DEFAULT_LINE_TERMINATOR = "\r\n"

_SAMPLE_CHARS = 64 * 1024
_MAX_SAMPLE_CHARS = 16 * 1024 * 1024
_SAMPLE_RECORDS = 50
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_TITLE_LINES = 5
# Skipping title lines must leave a table that splits (almost) the same way on every line.
_TITLE_SKIP_CONSISTENCY = 0.9


def sniff_delimiter(text: str, quotechar: str = '"') -> str:
    """The candidate that splits the header into most columns and the rows consistently."""
    return explain_delimiter(text, quotechar)[0]


def explain_delimiter(text: str, quotechar: str = '"') -> tuple[str, str]:
    """(delimiter, why it was chosen) for a delimited text file.

    Each candidate parses a sample the way the real read will (quotes honoured), so a
    comma inside a quoted name does not count. Consistency (the share of sample rows with
    the header's field count) ranks first: in a ";" file a stray comma in a value gives
    "," a wide-looking row now and then, never a steady count. Only a candidate that splits
    the header can win, so a ";" file is never read as one column because its rows happen
    to hold no commas. A hand-made file may have a title line or two above the header; a
    candidate may skip those when every record after them splits the same way.
    """
    sample = text[: _sample_end(text)]
    truncated = len(text) > len(sample)
    # As in the real read (delimited.iter_records), a long cell is not a parse error.
    if csv.field_size_limit() < len(sample):
        csv.field_size_limit(len(sample))
    best: str | None = None
    best_score: tuple[float, int, int] | None = None
    best_skipped = 0
    blank_under: list[str] = []
    for candidate in DELIMITER_CANDIDATES:
        counts = _field_counts(sample, candidate, quotechar, truncated)
        if not counts:
            blank_under.append(candidate)
        skipped = _title_lines(counts)
        counts = counts[skipped:]
        if not counts or counts[0] < 2:
            continue
        header, data = counts[0], counts[1:]
        consistency = sum(count == header for count in data) / len(data) if data else 1.0
        if skipped and (consistency < _TITLE_SKIP_CONSISTENCY or len(data) < 2):
            continue
        # On equal consistency and width, a candidate that needs no title lines wins.
        score = (consistency, header, -skipped)
        if best_score is None or score > best_score:
            best, best_score, best_skipped = candidate, score, skipped
    if best is not None and best_score is not None:
        consistency, header, _ = best_score
        reason = (
            f"{describe_delimiter(best)} (splits the header into {header} columns; "
            f"{consistency:.0%} of the sampled rows have as many"
        )
        if best_skipped:
            reason += f"; {best_skipped} title line(s) above the header"
        return best, reason + ")"
    if blank_under:
        # Only separators and whitespace (";;;" lines): read so that the file is empty.
        return blank_under[0], f"{describe_delimiter(blank_under[0])} (file has no content)"
    single = _single_column_delimiter(text)
    return single, f"none: one column ({describe_delimiter(single)} occurs least)"


def _sample_end(text: str) -> int:
    # _SAMPLE_CHARS, or more where the header and the first record are longer than that
    # (a very wide header, a huge cell): a sample without a whole record tells nothing.
    # Quotes are ignored here; a break inside quotes only makes the sample longer.
    end = _SAMPLE_CHARS
    for number, found in enumerate(_LINE_BREAK.finditer(text, 0, _MAX_SAMPLE_CHARS), 1):
        end = max(end, found.end())
        if number == 2:
            break
    return end


def describe_delimiter(delimiter: str) -> str:
    """The delimiter as the report shows it: '";"', "tab"."""
    return {"\t": "tab", " ": "space"}.get(delimiter, f'"{delimiter}"')


def _title_lines(counts: list[int]) -> int:
    # Records of one field above the first that splits: title lines, at most a few.
    skipped = 0
    while skipped < len(counts) and counts[skipped] < 2 and skipped < _MAX_TITLE_LINES:
        skipped += 1
    if skipped == len(counts) or counts[skipped] < 2:
        return 0
    return skipped


def _single_column_delimiter(text: str) -> str:
    # A one-column file has no delimiter to find. The candidate that occurs least (ideally
    # nowhere) reads each line as one cell, where "," would split "Virtanen, Matti".
    return min(DELIMITER_CANDIDATES, key=text.count)


def _field_counts(sample: str, delimiter: str, quotechar: str, truncated: bool) -> list[int]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=quotechar)
    counts: list[int] = []
    try:
        for record in reader:
            # Blank lines are no evidence, and the header is the first line with content.
            if any(cell.strip() for cell in record) or (counts and record):
                counts.append(len(record))
            if len(counts) > _SAMPLE_RECORDS:
                break
    except csv.Error:
        # The real read reports malformed records with their line; sniffing uses what parsed.
        pass
    if truncated and counts:
        # The sample may end mid-record; its field count would mislead.
        counts.pop()
    return counts


def detect_line_terminator(text: str, quotechar: str = '"') -> str:
    """The first line break outside quotes: "\\r\\n", "\\n" or "\\r"."""
    in_quotes = False
    # Visiting only quotes and breaks keeps this fast even when a stray quote makes the
    # scan run to the end of a large file.
    for match in re.finditer(f"{re.escape(quotechar)}|\r\n|\r|\n", text):
        if match.group() == quotechar:
            in_quotes = not in_quotes
        elif not in_quotes:
            return match.group()
    return DEFAULT_LINE_TERMINATOR


def describe_line_terminator(terminator: str) -> str:
    return {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[terminator]


def detect_quote_all(text: str, delimiter: str, quotechar: str = '"') -> bool:
    """True when the header and the first data line quote every field.

    Some CRM exports (Salesforce's Data Loader among them) quote every field; writing such
    a file back with minimal quoting would change every unchanged line.
    """
    q, d = re.escape(quotechar), re.escape(delimiter)
    field = f"{q}(?:[^{q}]|{q}{q})*{q}"
    quoted_line = re.compile(f"{field}(?:{d}{field})*")
    lines = _LINE_BREAK.split(text[:_SAMPLE_CHARS], maxsplit=_SAMPLE_RECORDS)[:-1]
    first_two = [line for line in lines if line.strip()][:2]
    return len(first_two) == 2 and all(quoted_line.fullmatch(line) for line in first_two)
