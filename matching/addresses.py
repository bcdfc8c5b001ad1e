"""Street addresses and postcodes compared by meaning: `Hämeenk. 5` = `Hämeenkatu 5`."""

from __future__ import annotations

import re
from functools import lru_cache

from matching.text import fold

# Finnish and Swedish street-type abbreviations as CRMs and envelopes write them. Only a
# word that ends in the abbreviation and a dot is expanded, so `Katu 5` stays as it is.
_ABBREVIATIONS = (
    (re.compile(r"(?<=\w)k\.(?=\s|$)", re.IGNORECASE), "katu"),
    (re.compile(r"(?<=\w)t\.(?=\s|$)", re.IGNORECASE), "tie"),
    (re.compile(r"(?<=\w)kj\.(?=\s|$)", re.IGNORECASE), "kuja"),
    (re.compile(r"(?<=\w)p\.(?=\s|$)", re.IGNORECASE), "polku"),
    (re.compile(r"(?<=\w)g\.(?=\s|$)", re.IGNORECASE), "gatan"),
    (re.compile(r"(?<=\w)v\.(?=\s|$)", re.IGNORECASE), "vägen"),
    (re.compile(r"\bpl\.?\s*(?=\d)", re.IGNORECASE), "pl "),
    (re.compile(r"\bpostilokero\b|\bpb\b|\bpo box\b", re.IGNORECASE), "pl"),
)


@lru_cache(maxsize=262_144)
def street_key(street: str | None) -> str:
    """Folded street with abbreviations expanded and spacing around numbers unified."""
    if not street:
        return ""
    text = street.strip()
    lowered = text.casefold()
    # Most streets hold no abbreviation: the patterns run only where one may be.
    if (
        "." in text
        or "pl" in lowered
        or "pb" in lowered
        or "po box" in lowered
        or "posti" in lowered
    ):
        for pattern, replacement in _ABBREVIATIONS:
            text = pattern.sub(replacement, text)
    folded = fold(text)
    # `5 A 3`, `5a3` and `5 a 3` are one address: spacing inside the number part is noise.
    first_digit = re.search(r"\d", folded)
    if first_digit is None:
        return folded
    return folded[: first_digit.start()] + folded[first_digit.start() :].replace(" ", "")


def postcode_key(postcode: str | None) -> str:
    """Five digits: Excel drops leading zeros (`00100` becomes `100`)."""
    digits = "".join(ch for ch in (postcode or "") if ch.isdigit())
    return digits.zfill(5) if digits and len(digits) <= 5 else digits


def same_street(a: str | None, b: str | None) -> bool:
    return street_key(a) == street_key(b)
