"""Excel damage in the contacts, repaired where the intended value is unambiguous.

Excel turns "0123456-7" into 1234567, "0401234567" into 401234567, "+358401234567" into
358401234567 (shown as 3.58401E+11, which is what a CSV saved from it then holds),
"00100" into 100, and writes dates in the notation of the machine's locale. Each repair
returns the value to use in the contacts and a note for the ``repairs`` column; a doubtful
value is left as sent with a note saying why. Notes name the column and the damage,
never the value. The raw rows (written back to the customer) are never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from stdnum.fi import ytunnus

_EXCEL_FLOAT_TAIL = r"(?:[.,]0+)?"
_DIGITS_ONLY = re.compile(rf"(\d+){_EXCEL_FLOAT_TAIL}")
_SCIENTIFIC = re.compile(r"(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})")
_FINNISH_COUNTRY = frozenset(
    {"", "fi", "fin", "finland", "suomi", "finnland", "246", "republic of finland"}
)


def repair_business_id(value: str) -> tuple[str, str]:
    """(value, note) for a Finnish business ID that lost its leading zero(s) or its dash.

    Only a value of digits alone (as a spreadsheet number leaves it) is touched, and only
    when the padded, dashed form passes the check digit (python-stdnum's ytunnus); any
    other value is left for the matcher to judge.
    """
    text = value.strip()
    found = _DIGITS_ONLY.fullmatch(text)
    if found is None or not 6 <= len(found.group(1)) <= 8:
        return value, ""
    digits = found.group(1)
    padded = digits.zfill(8)
    if not ytunnus.is_valid(padded):
        return value, ""
    if len(digits) < 8:
        return ytunnus.format(padded), "business_id: leading zero restored"
    return ytunnus.format(padded), "business_id: dash restored"


def repair_phone(column: str, value: str) -> tuple[str, str]:
    """(value, note) for a phone number a spreadsheet turned into a number.

    "358401234567" -> "+358401234567"; "401234567" -> "0401234567" when that is a valid
    Finnish number; "3.58401E+11" is flagged (digits lost) and left as sent;
    "3.58401234567E+11" has all its digits and is expanded.
    """
    text = value.strip()
    if not text:
        return value, ""
    scientific = _SCIENTIFIC.fullmatch(text)
    expanded = False
    if scientific is not None:
        lead, decimals, exponent = (
            scientific.group(1),
            scientific.group(2) or "",
            int(scientific.group(3)),
        )
        if len(decimals) != exponent:
            lost = "digits lost" if len(decimals) < exponent else "not a whole number"
            return value, f"{column}: scientific notation, {lost}"
        digits, expanded = lead + decimals, True
    else:
        found = _DIGITS_ONLY.fullmatch(text)
        if found is None:
            return value, ""
        digits = found.group(1)
    fixed, note = _repair_phone_digits(digits)
    if fixed is None:
        if expanded:
            return value, f"{column}: scientific notation, not a recognisable number"
        return value, ""
    if expanded:
        note = "scientific notation expanded" + (f", {note}" if note else "")
    if fixed == text:
        return value, ""
    return fixed, f"{column}: {note}" if note else f"{column}: number format repaired"


def _repair_phone_digits(digits: str) -> tuple[str | None, str]:
    if digits.startswith("0"):
        # The leading zero survived (the cell was text); nothing to repair.
        return digits, ""
    if digits.startswith("358") and 10 <= len(digits) <= 13 and _valid("+" + digits):
        return "+" + digits, "+ restored before the country code"
    as_national = "0" + digits
    national_ok = 6 <= len(digits) <= 10 and _valid(as_national, "FI")
    international_ok = len(digits) >= 10 and _valid("+" + digits)
    if national_ok and not international_ok:
        return as_national, "leading 0 restored"
    if international_ok and not national_ok:
        return "+" + digits, "+ restored before the country code"
    return None, ""


@lru_cache(maxsize=65_536)
def _valid(number: str, region: str | None = None) -> bool:
    import phonenumbers  # noqa: PLC0415 - its metadata loads slowly; only repairs need it

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def repair_postcode(value: str, country: str) -> tuple[str, str]:
    """(value, note): a Finnish postcode that lost its leading zeros ("100" -> "00100").

    Only when the row's country is Finland or empty; "00100.0" loses its decimal tail.
    """
    text = value.strip()
    found = _DIGITS_ONLY.fullmatch(text)
    if found is None or " ".join(country.split()).casefold() not in _FINNISH_COUNTRY:
        return value, ""
    digits = found.group(1)
    if len(digits) > 5:
        return value, ""
    if len(digits) == 5:
        if digits == text:
            return value, ""
        return digits, "postcode: decimal tail removed"
    return digits.zfill(5), "postcode: leading zeros restored"


# -- dates ---------------------------------------------------------------------------------

_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(?:\s+(?:klo\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?")
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y")
# Excel's day 1 is 1900-01-01, counted from 1899-12-30 because of its 1900 leap-year bug.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = range(20_000, 80_000)  # 1954-10-03 .. 2119-01-10


def repair_dates(header: str, values: Sequence[str]) -> tuple[list[str], list[str]]:
    """(ISO dates, notes) for one date column, each "" where empty.

    Explicit formats only: ISO 8601, Finnish/Swedish "3.4.2024" (3 April, with an optional
    time), "20240403", English month names, and Excel serial day numbers. "3/4/2024" is day
    first or month first according to the column's other values (a part over 12 settles it);
    where the column does not settle it, the value is flagged ambiguous and left out.
    """
    order = _slash_order(values)
    dates: list[str] = []
    notes: list[str] = []
    for value in values:
        iso, note = _parse_date(value.strip(), order)
        dates.append(iso)
        notes.append(f'date "{header}": {note}' if note else "")
    return dates, notes


def _slash_order(values: Sequence[str]) -> str | None:
    day_first = month_first = False
    for value in values:
        found = _SLASHED.match(value.strip())
        if found is None:
            continue
        first, second = int(found.group(1)), int(found.group(2))
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def _parse_date(text: str, slash_order: str | None) -> tuple[str, str]:
    if not text:
        return "", ""
    try:
        return _parse_date_or_raise(text, slash_order)
    except ValueError:
        return "", "not a recognisable date"


def _parse_date_or_raise(text: str, slash_order: str | None) -> tuple[str, str]:
    if _ISO.fullmatch(text):
        return _iso(dt.datetime.fromisoformat(text.replace("Z", "+00:00"))), ""
    dotted = _DOTTED.match(text)
    if dotted is not None and _TIME.fullmatch(text, dotted.end()):
        day, month, year = (int(part) for part in dotted.groups())
        return _with_time(_date(year, month, day), text[dotted.end() :]), ""
    slashed = _SLASHED.match(text)
    if slashed is not None and _TIME.fullmatch(text, slashed.end()):
        first, second, year = (int(part) for part in slashed.groups())
        if first > 12 >= second or (slash_order == "dmy" and second <= 12):
            day, month = first, second
        elif second > 12 >= first or (slash_order == "mdy" and first <= 12):
            day, month = second, first
        elif first == second:
            day = month = first
        else:
            return "", "ambiguous day/month order, left as sent"
        return _with_time(_date(year, month, day), text[slashed.end() :]), ""
    compact = _COMPACT.fullmatch(text)
    if compact is not None and 1900 <= int(compact.group(1)) <= 2100:
        year, month, day = (int(part) for part in compact.groups())
        return dt.date(year, month, day).isoformat(), ""
    serial = _DIGITS_ONLY.fullmatch(text)
    if serial is not None and int(serial.group(1)) in _SERIAL_RANGE:
        day_count = int(serial.group(1))
        return (_EXCEL_EPOCH + dt.timedelta(days=day_count)).isoformat(), (
            "Excel serial day number converted"
        )
    for pattern in _NAMED_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat(), ""
        except ValueError:
            continue
    raise ValueError(text)


def _date(year: int, month: int, day: int) -> dt.date:
    if year < 100:
        # Two-digit years: Excel's and strptime's window, 00-29 -> 2000s, 30-99 -> 1900s.
        year += 2000 if year < 30 else 1900
    return dt.date(year, month, day)


def _with_time(day: dt.date, rest: str) -> str:
    found = _TIME.fullmatch(rest)
    if found is None or found.group(1) is None:
        return day.isoformat()
    hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    return _iso(dt.datetime.combine(day, dt.time(hour, minute, second)))


def _iso(moment: dt.datetime) -> str:
    if moment.time() == dt.time(0) and moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")
