"""Finnish business ID (Y-tunnus) in the notations CRMs hold, checked with python-stdnum."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from stdnum.fi import alv, ytunnus


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
