"""Folding free text so that spelling variants compare equal: case, diacritics, punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Transliterations customers' systems produce for Finnish and Swedish letters. Folding maps
# all of them, and the plain letters, to the same ASCII so that "Mäkinen", "Makinen" and
# "Maekinen" share one key.
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("aa", "a"))
_LEGAL_FORMS = frozenset(
    {
        "oy",
        "oyj",
        "ab",
        "abp",
        "ky",
        "tmi",
        "ay",
        "ry",
        "osk",
        "ltd",
        "oy ab",
        "inc",
        "kb",
        "rf",
        "sr",
        "as",
        "oyab",
        "gmbh",
        "plc",
        "llc",
        "co",
        "sa",
    }
)


class _CombiningMarks(dict[int, int | None]):
    """A `str.translate` table deleting combining marks, filled in as code points are met:
    the look-up of one already seen runs in C, where a per-character Python test made
    folding a large part of matching."""

    def __missing__(self, code_point: int) -> int | None:
        kept = None if unicodedata.combining(chr(code_point)) else code_point
        self[code_point] = kept
        return kept


_DROP_COMBINING = _CombiningMarks()


def strip_diacritics(text: str) -> str:
    """`Åström Öljy` -> `Astrom Oljy`: drop combining marks after canonical decomposition."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING)


# Names and places repeat a great deal across a register and a file (a few thousand first
# names, tens of thousands of surnames): each distinct text is folded once.
@lru_cache(maxsize=262_144)
def fold(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces; idempotent."""
    if not text:
        return ""
    ascii_text = strip_diacritics(text).casefold()
    return " ".join(_NON_ALNUM.sub(" ", ascii_text).split())


@lru_cache(maxsize=262_144)
def fold_name(text: str | None) -> str:
    """Like `fold`, also undoing the ae/oe/aa transliteration of ä/ö/å inside words."""
    folded = fold(text)
    for digraph, letter in _DIGRAPHS:
        folded = folded.replace(digraph, letter)
    return folded


def person_name_key(first_name: str | None, last_name: str | None) -> str:
    """The key a person is looked up by across the register: folded `first last`."""
    return " ".join(part for part in (fold_name(first_name), fold_name(last_name)) if part)


# Legal forms spelled out, and the conjunctions of partnership names ("Virtanen & Korhonen",
# "Virtanen ja Korhonen"): neither tells one organisation from another.
_SPELLED_FORMS = (
    ("julkinen osakeyhtio", ""),
    ("avoin yhtio", ""),
    ("rekisteroity yhdistys", ""),
    ("registrerad forening", ""),
)
_NOT_DISTINCTIVE = frozenset(
    {
        "osakeyhtio",
        "aktiebolag",
        "kommandiittiyhtio",
        "kommanditbolag",
        "toiminimi",
        "osuuskunta",
        "andelslag",
        "ja",
        "och",
        "and",
    }
)


@lru_cache(maxsize=262_144)
def org_name_key(name: str | None) -> str:
    """Folded organisation name without its legal form, wherever it stands and however it
    is written (`Oy X` = `X Oy` = `X Osakeyhtiö`), and without `&`/`ja`/`och`/`and`."""
    folded = f" {fold(name)} "
    for phrase, replacement in _SPELLED_FORMS:
        folded = folded.replace(f" {phrase} ", f" {replacement} ")
    words = folded.split()
    kept = [word for word in words if word not in _LEGAL_FORMS and word not in _NOT_DISTINCTIVE]
    return " ".join(kept) if kept else " ".join(words)


# Legal forms by family: one company may be written `Oy`, `Osakeyhtiö`, `Ab` or `Ltd` (its
# parallel names), but a `Ky` is another company than an `Oy` of the same name, and a
# `GmbH` or an `OÜ` is not a Finnish organisation at all.
_FORM_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ("oy", "oyj", "ab", "abp", "ltd", "plc", "oyab", "osakeyhtio", "aktiebolag", "limited"),
        "company",
    ),
    **dict.fromkeys(("ky", "kb", "kommandiittiyhtio", "kommanditbolag"), "limited_partnership"),
    **dict.fromkeys(("ay", "ob", "avoin yhtio", "oppet bolag"), "partnership"),
    **dict.fromkeys(("tmi", "toiminimi"), "sole_trader"),
    **dict.fromkeys(("ry", "rf", "yhdistys", "forening"), "association"),
    **dict.fromkeys(("osk", "osuuskunta", "andelslag"), "cooperative"),
    **dict.fromkeys(("sr", "saatio", "stiftelse"), "foundation"),
    **dict.fromkeys(
        (
            "gmbh",
            "aps",
            "ou",
            "sia",
            "uab",
            "inc",
            "ag",
            "bv",
            "llc",
            "nv",
            "srl",
            "sarl",
            "spa",
            "sro",
            "kft",
            "asa",
            "corp",
            "corporation",
            "sp z o o",
            "a s",
        ),
        "foreign",
    ),
}


@lru_cache(maxsize=262_144)
def legal_form_family(name: str | None) -> str:
    """The family of the legal form an organisation name carries (`company`,
    `limited_partnership`, `association`, … or `foreign`), "" where it names none.
    A trailing `AS` is foreign (Norway, Estonia); `As Oy` (asunto-osakeyhtiö) is not."""
    folded = fold(name)
    words = folded.split()
    if not words:
        return ""
    if words[-1] == "as" and "oy" not in words:
        return "foreign"
    padded = f" {folded} "
    for phrase in _FORM_PHRASES:
        if f" {phrase} " in padded:
            return _FORM_FAMILIES[phrase]
    return next((_FORM_FAMILIES[w] for w in words if w in _FORM_FAMILIES), "")


# The forms written in more than one word, looked for first.
_FORM_PHRASES = tuple(phrase for phrase in _FORM_FAMILIES if " " in phrase)
