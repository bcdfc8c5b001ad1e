"""Comparing a customer's contact with a register person, field by field.

Each comparison sorts a pair into one of its ordered levels — missing first, exact next,
graded agreement, disagreement last — and each level carries a weight: how many bits of
evidence (log2 of the likelihood ratio, as in Fellegi-Sunter record linkage) it gives that
the two are one person. A pair's score is the sum over comparisons. The weights are set by
hand from what each level means and checked against generated data (`tietohuolto bench
accuracy`); `matching.calibration` turns a score into a probability.

All comparisons work on whole arrays of pairs at once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from matching.names import FORM_NAMES, same_first_name_by_form
from matching.title_meaning import (
    area_bits,
    compact_text,
    level_number,
    same_level_numbers,
    same_title,
)

_NOT_LETTER = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class Level:
    """One level of a comparison: the name of the test that puts a pair there, the words
    the evidence shows for it ("" for a level that says nothing) and its weight in bits of
    evidence for "same person". The last level of a comparison takes every pair no
    earlier test took."""

    name: str
    label: str
    weight: float


class Comparison:
    """Ordered levels, each found by its own named test (`tests` returns a mask per level
    but the last), as Splink's comparison levels carry their own condition: the first
    level whose test holds is the pair's, and no level is tied to a test by position."""

    levels: tuple[Level, ...] = ()

    def __init_subclass__(cls) -> None:
        names = [level.name for level in cls.levels]
        if len(set(names)) != len(names):
            raise TypeError(f"{cls.__name__}: level names repeat")

    def number(self, *names: str) -> tuple[int, ...]:
        """The level numbers of these level names (for masks over a level array)."""
        numbers = {level.name: n for n, level in enumerate(self.levels)}
        return tuple(numbers[name] for name in names)

    def weights(self, levels: np.ndarray) -> np.ndarray:
        return np.array([level.weight for level in self.levels])[levels]

    def choose(self, tests: dict[str, np.ndarray]) -> np.ndarray:
        """The level number of each pair: the first level whose test holds, else the last."""
        expected = {level.name for level in self.levels[:-1]}
        if set(tests) != expected:
            raise ValueError(
                f"{type(self).__name__}: tests {sorted(tests)} do not name its levels "
                f"{sorted(expected)}"
            )
        ordered = [tests[level.name] for level in self.levels[:-1]]
        return np.select(ordered, list(range(len(ordered))), default=len(ordered))


def _jaro_winkler(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return process.cpdist(ours, theirs, scorer=JaroWinkler.normalized_similarity, workers=-1)


# Within `score_pairs`, the factorisation of each array is kept: the comparisons ask for
# several functions of the same pair arrays (and of arrays derived from them), and hashing
# hundreds of thousands of strings again for each was a third of the scoring time. Kept
# per thread (a Dask worker may run several chunks at once) and only for one call.
_FACTORISED = threading.local()


@contextmanager
def shared_factorisation() -> Iterator[None]:
    """Within this block (re-entrant), `per_unique` hashes each array once."""
    if getattr(_FACTORISED, "memo", None) is not None:
        yield
        return
    _FACTORISED.memo = {}
    try:
        yield
    finally:
        del _FACTORISED.memo


def _factorised(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    memo: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = getattr(
        _FACTORISED, "memo", None
    )
    known = memo.get(id(values)) if memo is not None else None
    # The array itself is kept in the memo, so its id cannot be reused while it lasts.
    if known is not None and known[0] is values:
        return known[1], known[2]
    codes, uniques = pd.factorize(values)
    if memo is not None:
        memo[id(values)] = (values, codes, np.asarray(uniques, dtype=object))
    return codes, np.asarray(uniques, dtype=object)


def take(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`values[positions]` for pairs gathered from per-row values (a contact's, a
    position's): hashed once per row, not once per pair, within `shared_factorisation`."""
    codes, uniques = _factorised(values)
    picked = codes[positions]
    result = uniques[picked]
    memo = getattr(_FACTORISED, "memo", None)
    if memo is not None:
        memo[id(result)] = (result, picked, uniques)
    return result


def per_unique(
    values: np.ndarray, function: Callable[[Any], Any], dtype: Any = object
) -> np.ndarray:
    """`function` of each value, computed once per distinct value: a file has far fewer
    distinct names than candidate pairs."""
    codes, uniques = _factorised(values)
    mapped = np.array([function(value) for value in uniques], dtype=dtype)
    result = mapped[codes]
    memo = getattr(_FACTORISED, "memo", None)
    if memo is not None and dtype is object:
        # The result groups like its source: a function of it needs no hashing either.
        memo[id(result)] = (result, codes, mapped)
    return result


def _first_word(values: np.ndarray) -> np.ndarray:
    return per_unique(values, lambda s: s.split(" ", 1)[0])


def _length(values: np.ndarray) -> np.ndarray:
    return per_unique(values, len, int)


def _one_edit(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """One typo apart (insert, delete, substitute or swap two letters), in names long
    enough for one letter not to be a different name."""
    distance = process.cpdist(ours, theirs, scorer=DamerauLevenshtein.distance, workers=-1)
    long_enough = np.minimum(_length(ours), _length(theirs))
    return (distance <= 1) & (long_enough >= 4)


class FirstName(Comparison):
    """Folded first names: short forms (Jussi/Juhani), a second given name present on one
    side only, and an initial for a name all agree, each a little less than exact."""

    levels = (
        Level("missing", "", 0.0),  # missing on either side
        Level("exact", "first name exact", 5.0),
        Level("short_form", "first name short form", 4.0),
        Level("given", "first given name", 4.0),
        Level("one_typo", "first name one typo", 3.5),
        Level("initial", "first name initial", 2.0),
        Level("similar", "first name similar", 2.0),
        Level("close", "first name close", 0.0),
        Level("differs", "first name differs", -5.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        ours_first, theirs_first = _first_word(ours), _first_word(theirs)
        # A second given name on one side only: "anna" and "anna maria", not "anna liisa"
        # and "anna maria".
        given = np.zeros(len(ours), dtype=bool)
        for i in np.flatnonzero((ours_first == theirs_first) & (ours != theirs)):
            shorter, longer = sorted((ours[i], theirs[i]), key=len)
            given[i] = longer.startswith(shorter + " ")
        initial = (_length(ours_first) == 1) & (per_unique(theirs, lambda s: s[:1]) == ours_first)
        similarity = _jaro_winkler(ours, theirs)
        short_form = np.zeros(len(ours), dtype=bool)
        unresolved = ~(missing | exact | given | initial)
        known = FORM_NAMES.__contains__
        in_table = per_unique(ours_first, known, bool) & per_unique(theirs_first, known, bool)
        for i in np.flatnonzero(unresolved & in_table):
            short_form[i] = same_first_name_by_form(ours_first[i], theirs_first[i])
        return self.choose(
            {
                "missing": missing,
                "exact": exact,
                "short_form": short_form,
                "given": given,
                "one_typo": _one_edit(ours, theirs),
                "initial": initial,
                "similar": similarity >= 0.90,
                "close": similarity >= 0.80,
            }
        )


class LastName(Comparison):
    """Folded surnames: one part of a double-barrelled surname, typos."""

    levels = (
        Level("missing", "", 0.0),
        Level("exact", "last name exact", 8.0),
        Level("part", "last name part", 6.0),
        Level("one_typo", "last name one typo", 5.5),
        Level("similar", "last name similar", 3.0),
        Level("close", "last name close", 0.5),
        Level("differs", "last name differs", -8.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        # token_set_ratio is 100 exactly when one side's words are a subset of the other's.
        part = process.cpdist(ours, theirs, scorer=fuzz.token_set_ratio, workers=-1) >= 100
        similarity = _jaro_winkler(ours, theirs)
        return self.choose(
            {
                "missing": missing,
                "exact": exact,
                "part": part,
                "one_typo": _one_edit(ours, theirs),
                "similar": similarity >= 0.92,
                "close": similarity >= 0.85,
            }
        )


class Email(Comparison):
    """Normalised addresses. Equal is near proof; the same local part at another domain is
    the person's address pattern at a renamed organisation; an address whose local part
    carries the register person's surname at another domain (`antero.makela@old.fi` for
    Mäkelä) is the person's earlier address; any other address is weak evidence against,
    since addresses change."""

    levels = (
        Level("missing", "", 0.0),
        Level("exact", "e-mail exact", 9.0),
        Level("local_part", "e-mail local part", 4.0),
        Level("names_person", "e-mail names the person", 2.0),
        Level("differs", "e-mail differs", -1.5),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray, surname: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        local_ours = per_unique(ours, lambda e: e.split("@", 1)[0])
        local_theirs = per_unique(theirs, lambda e: e.split("@", 1)[0])
        same_local = local_ours == local_theirs
        letters = per_unique(local_ours, lambda s: _NOT_LETTER.sub("", s))
        surname_letters = per_unique(surname, lambda s: s.replace(" ", ""))
        # Only at another domain: a different mailbox at the same one is a namesake colleague.
        domain_ours = per_unique(ours, lambda e: e.rpartition("@")[2])
        domain_theirs = per_unique(theirs, lambda e: e.rpartition("@")[2])
        names = np.zeros(len(ours), dtype=bool)
        for i in np.flatnonzero(~(missing | exact | same_local) & (domain_ours != domain_theirs)):
            names[i] = len(surname_letters[i]) >= 3 and surname_letters[i] in letters[i]
        return self.choose(
            {"missing": missing, "exact": exact, "local_part": same_local, "names_person": names}
        )


class Phone(Comparison):
    """Mobile numbers in E.164. An equal number is near proof, as an equal e-mail is: it
    finds a person whose surname changed. Another number says little: numbers change."""

    levels = (
        Level("missing", "", 0.0),
        Level("exact", "phone exact", 9.0),
        Level("differs", "phone differs", -0.5),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        return self.choose({"missing": missing, "exact": ours == theirs})


class Title(Comparison):
    """Titles by meaning (`matching.title_meaning`: area and level): supporting evidence
    only, since people change titles more often than names."""

    levels = (
        Level("missing", "", 0.0),
        Level("same", "title same", 1.0),
        Level("same_area", "title same area", 0.3),
        Level("differs", "title differs", -1.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        # Each title read once (`matching.title_meaning`), then compared as numbers: a
        # big file's pairs hold tens of thousands of distinct (title, title) combinations.
        missing = (ours == "") | (theirs == "")
        bits_ours, bits_theirs = (
            per_unique(ours, area_bits, int),
            per_unique(theirs, area_bits, int),
        )
        level_ours = per_unique(ours, level_number, int)
        level_theirs = per_unique(theirs, level_number, int)
        complete = (bits_ours != 0) & (level_ours != 0) & (bits_theirs != 0) & (level_theirs != 0)
        shared_area = (bits_ours & bits_theirs) != 0
        same = (per_unique(ours, compact_text) == per_unique(theirs, compact_text)) | (
            complete & same_level_numbers(level_ours, level_theirs) & shared_area
        )
        # A title the reader cannot place wholly: compared as text (a typo is the same).
        for i in np.flatnonzero(~missing & ~same & ~complete):
            same[i] = same_title(ours[i], theirs[i])
        return self.choose({"missing": missing, "same": same, "same_area": shared_area})


FIRST_NAME, LAST_NAME, EMAIL, PHONE, TITLE = FirstName(), LastName(), Email(), Phone(), Title()
# Names written into each other's columns lose this much against the right way round.
SWAPPED_PENALTY = 1.0


def score_pairs(
    first: tuple[np.ndarray, np.ndarray],
    last: tuple[np.ndarray, np.ndarray],
    email: tuple[np.ndarray, np.ndarray],
    title: tuple[np.ndarray, np.ndarray],
    phone: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Score and evidence for pairs given as (customer values, register values) per field
    (phones in E.164, "" where missing).

    Columns: `score` (bits), `email_exact`, `phone_exact`, `name_strong` (first and last
    name agree by a name-level test, not only by being close), `evidence` (the agreeing
    levels, in words).
    """
    if phone is None:
        empty = np.full(len(first[0]), "", dtype=object)
        phone = (empty, empty)
    with shared_factorisation():
        return _score_pairs(first, last, email, title, phone)


def _score_pairs(
    first: tuple[np.ndarray, np.ndarray],
    last: tuple[np.ndarray, np.ndarray],
    email: tuple[np.ndarray, np.ndarray],
    title: tuple[np.ndarray, np.ndarray],
    phone: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame:
    first_level = FIRST_NAME.level(*first)
    last_level = LAST_NAME.level(*last)
    straight = FIRST_NAME.weights(first_level) + LAST_NAME.weights(last_level)
    # The customer's first name in the surname column and vice versa.
    swapped_first = FIRST_NAME.level(first[0], last[1])
    swapped_last = LAST_NAME.level(last[0], first[1])
    swapped = FIRST_NAME.weights(swapped_first) + LAST_NAME.weights(swapped_last) - SWAPPED_PENALTY
    use_swapped = swapped > straight
    email_level = EMAIL.level(*email, surname=last[1])
    title_level = TITLE.level(*title)
    phone_level = PHONE.level(*phone)
    score = (
        np.where(use_swapped, swapped, straight)
        + EMAIL.weights(email_level)
        + PHONE.weights(phone_level)
        + TITLE.weights(title_level)
    )
    first_shown = np.where(use_swapped, swapped_first, first_level)
    last_shown = np.where(use_swapped, swapped_last, last_level)
    # The levels packed into one small integer: a file's pairs take a few hundred distinct
    # combinations, so each one's words are written once (`evidence_text`).
    code = (
        (((use_swapped.astype(np.int64) * 16 + last_shown) * 16 + first_shown) * 16 + email_level)
        * 16
        + phone_level
    ) * 16 + title_level
    return pd.DataFrame(
        {
            "score": score,
            "email_exact": np.isin(email_level, EMAIL.number("exact")),
            "phone_exact": np.isin(phone_level, PHONE.number("exact")),
            # The given name itself (exact, one typo, or one of two given names): a short
            # form or an initial could be another person's name.
            "given_agrees": np.isin(first_shown, FIRST_NAME.number("exact", "given", "one_typo")),
            # The title names the same role.
            "title_same": np.isin(title_level, TITLE.number("same")),
            "title_area": np.isin(title_level, TITLE.number("same", "same_area")),
            "title_differs": np.isin(title_level, TITLE.number("differs")),
            "name_strong": np.isin(first_shown, FIRST_NAME.number("exact", "short_form", "given"))
            & np.isin(last_shown, LAST_NAME.number("exact", "part")),
            "evidence": evidence_text(code),
        }
    )


def _code_text(code: int) -> str:
    code, title = divmod(code, 16)
    code, phone = divmod(code, 16)
    code, email = divmod(code, 16)
    code, first = divmod(code, 16)
    swapped, last = divmod(code, 16)
    parts = [
        "names swapped" if swapped else "",
        LAST_NAME.levels[last].label,
        FIRST_NAME.levels[first].label,
        EMAIL.levels[email].label,
        PHONE.levels[phone].label,
        TITLE.levels[title].label,
    ]
    return ", ".join(part for part in parts if part)


def evidence_text(codes: np.ndarray) -> np.ndarray:
    """The agreeing levels in words, e.g. `last name exact, first name short form`."""
    return per_unique(codes, _code_text)


__all__ = [
    "EMAIL",
    "FIRST_NAME",
    "LAST_NAME",
    "PHONE",
    "TITLE",
    "Comparison",
    "Level",
    "per_unique",
    "score_pairs",
    "shared_factorisation",
    "take",
]
