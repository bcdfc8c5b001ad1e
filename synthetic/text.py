"""The generator's own text helpers: folding for its own checks (never the matcher's).

Used only to keep the generated truth decidable (is this organisation name unique? could
this written name mean a colleague?) and to build e-mail addresses. Deliberately coarse:
what this treats as one name, any sensible matcher may treat as one name too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LETTERS = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ü": "u", "é": "e", "è": "e", "õ": "o"})
_DIGRAPHS = str.maketrans({"ä": "ae", "ö": "oe", "å": "aa", "Ä": "Ae", "Ö": "Oe", "Å": "Aa"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


_PLAIN = str.maketrans("äöåÄÖÅéèüÉÜõÕšŠžŽ", "aoaAOAeeuEUoOsSzZ")


def plain(text: str) -> str:
    """Diacritics dropped, case kept: Hämäläinen -> Hamalainen."""
    text = text.translate(_PLAIN)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def digraphs(text: str) -> str:
    """How systems without å, ä, ö wrote them: Hämäläinen -> Haemaelaeinen."""
    return text.translate(_DIGRAPHS)


def has_scandinavian(text: str) -> bool:
    return any(c in "åäöÅÄÖ" for c in text)


@lru_cache(maxsize=400_000)
def fold(text: str) -> str:
    """Lower case, diacritics dropped (ä -> a), words separated by one space."""
    lowered = plain(text.casefold().translate(_LETTERS))
    return " ".join(t for t in _NON_WORD.split(lowered) if t)


@lru_cache(maxsize=400_000)
def ascii_slug(text: str) -> str:
    """A name as it goes into an e-mail address or domain: ä -> a, ö -> o, lower case."""
    return re.sub(r"[^a-z0-9-]", "", plain(text.casefold().translate(_LETTERS)).replace(" ", ""))


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=400_000)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


def edit_distance_at_most_one(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by at most one typo: a letter inserted, dropped, wrong,
    or two neighbours swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i]
        return a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :])
    return a[i:] == b[i + 1 :]


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def phone_key(text: str) -> str:
    """A Finnish number's national significant digits: +358 40 123 / 040 123 -> 40123."""
    d = digits(text)
    if d.startswith("358"):
        return d[3:]
    if d.startswith("00358"):
        return d[5:]
    return d[1:] if d.startswith("0") else d
