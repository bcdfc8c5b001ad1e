"""Finnish business ID (Y-tunnus) in the notations CRMs hold, checked with python-stdnum."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from stdnum.fi import alv, ytunnus

# The canonical notation most files hold, checked by stdnum's own checksum without its
# general cleaning (which was most of the cost of reading a big file's IDs).
_CANONICAL = re.compile(r"\s*(\d{7})-(\d)\s*")


class BusinessIdState(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    MISSING = "missing"


def compact_business_id(raw: str | None) -> str:
    """Digits only: dashes, spaces, dots and the `FI` VAT prefix removed."""
    if not raw:
        return ""
    return alv.compact(raw.replace(".", ""))


@lru_cache(maxsize=262_144)
def normalise_business_id(raw: str | None) -> tuple[str | None, BusinessIdState]:
    """Canonical `1234567-8` and whether the input was a usable ID.

    Excel turns `0123456-7` into the number 1234567 and so drops the leading zero; a
    seven-digit value is therefore padded back to eight digits before the check digit is
    tested, which a random seven-digit typo passes only one time in eleven.
    """
    canonical = _CANONICAL.fullmatch(raw) if raw else None
    if canonical is not None:
        digits = canonical.group(1) + canonical.group(2)
        if alv.checksum(digits) == 0:
            return f"{canonical.group(1)}-{canonical.group(2)}", BusinessIdState.VALID
        return None, BusinessIdState.INVALID
    digits = compact_business_id(raw)
    if not digits:
        return None, BusinessIdState.MISSING
    if digits.isdigit() and len(digits) == 7:
        digits = "0" + digits
    if ytunnus.is_valid(digits):
        return ytunnus.format(digits), BusinessIdState.VALID
    return None, BusinessIdState.INVALID


def is_valid_business_id(raw: str | None) -> bool:
    return normalise_business_id(raw)[1] is BusinessIdState.VALID
