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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from matching.names import FORM_NAMES, same_first_name_by_form
from matching.titles import title_role


@dataclass(frozen=True)
class Level:
    label: str  # shown in the evidence text ("" for a level that says nothing)
    weight: float  # bits of evidence for "same person"


def _jaro_winkler(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return process.cpdist(ours, theirs, scorer=JaroWinkler.normalized_similarity, workers=-1)


def _first_word(values: np.ndarray) -> np.ndarray:
    return pd.Series(values, dtype=object).str.split(" ", n=1).str[0].fillna("").to_numpy()


def _one_edit(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """One typo apart (insert, delete, substitute or swap two letters), in names long
    enough for one letter not to be a different name."""
    distance = process.cpdist(ours, theirs, scorer=DamerauLevenshtein.distance, workers=-1)
    long_enough = np.minimum(
        pd.Series(ours, dtype=object).str.len().to_numpy(),
        pd.Series(theirs, dtype=object).str.len().to_numpy(),
    )
    return (distance <= 1) & (long_enough >= 4)


class FirstName:
    """Folded first names: short forms (Jussi/Juhani), a second given name present on one
    side only, and an initial for a name all agree, each a little less than exact."""

    levels = (
        Level("", 0.0),  # missing on either side
        Level("first name exact", 5.0),
        Level("first name short form", 4.0),
        Level("first given name", 4.0),
        Level("first name one typo", 3.5),
        Level("first name initial", 2.0),
        Level("first name similar", 2.0),
        Level("first name close", 0.0),
        Level("first name differs", -5.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        ours_first, theirs_first = _first_word(ours), _first_word(theirs)
        given = ours_first == theirs_first
        initial = (pd.Series(ours_first).str.len().to_numpy() == 1) & (
            pd.Series(theirs).str[:1].to_numpy() == ours_first
        )
        similarity = _jaro_winkler(ours, theirs)
        short_form = np.zeros(len(ours), dtype=bool)
        unresolved = ~(missing | exact | given | initial)
        in_table = np.isin(ours_first, list(FORM_NAMES)) & np.isin(theirs_first, list(FORM_NAMES))
        for i in np.flatnonzero(unresolved & in_table):
            short_form[i] = same_first_name_by_form(ours_first[i], theirs_first[i])
        return np.select(
            [
                missing,
                exact,
                short_form,
                given,
                _one_edit(ours, theirs),
                initial,
                similarity >= 0.90,
                similarity >= 0.80,
            ],
            [0, 1, 2, 3, 4, 5, 6, 7],
            default=8,
        )


class LastName:
    """Folded surnames: one part of a double-barrelled surname, typos."""

    levels = (
        Level("", 0.0),
        Level("last name exact", 8.0),
        Level("last name part", 6.0),
        Level("last name one typo", 5.5),
        Level("last name similar", 3.0),
        Level("last name close", 0.5),
        Level("last name differs", -8.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        # token_set_ratio is 100 exactly when one side's words are a subset of the other's.
        part = process.cpdist(ours, theirs, scorer=fuzz.token_set_ratio, workers=-1) >= 100
        similarity = _jaro_winkler(ours, theirs)
        return np.select(
            [missing, exact, part, _one_edit(ours, theirs), similarity >= 0.92, similarity >= 0.85],
            [0, 1, 2, 3, 4, 5],
            default=6,
        )


class Email:
    """Normalised addresses. Equal is near proof; the same local part at another domain is
    the person's address pattern at a renamed organisation; an address whose local part
    carries the register person's surname (`antero.makela@` for Mäkelä) is the person's
    older format; any other address is weak evidence against, since addresses change."""

    levels = (
        Level("", 0.0),
        Level("e-mail exact", 9.0),
        Level("e-mail local part", 4.0),
        Level("e-mail names the person", 2.0),
        Level("e-mail differs", -1.5),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray, surname: np.ndarray) -> np.ndarray:
        missing = (ours == "") | (theirs == "")
        exact = ours == theirs
        local_ours = pd.Series(ours, dtype=object).str.split("@").str[0].fillna("")
        local_theirs = pd.Series(theirs, dtype=object).str.split("@").str[0].to_numpy()
        letters = local_ours.str.replace(r"[^a-z]", "", regex=True).to_numpy(dtype=object)
        surname_letters = pd.Series(surname, dtype=object).str.replace(" ", "").to_numpy()
        names = np.array(
            [len(s) >= 3 and s in local for local, s in zip(letters, surname_letters, strict=True)],
            dtype=bool,
        )
        return np.select(
            [missing, exact, local_ours.to_numpy() == local_theirs, names], [0, 1, 2, 3], default=4
        )


class Title:
    """Titles by meaning through the title dictionary: supporting evidence only, since
    people change titles more often than names."""

    levels = (
        Level("", 0.0),
        Level("title same", 1.0),
        Level("title same area", 0.3),
        Level("title differs", -1.0),
    )

    def level(self, ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        ours_s, theirs_s = pd.Series(ours, dtype=object), pd.Series(theirs, dtype=object)
        roles = {t: title_role(t) for t in set(ours_s) | set(theirs_s)}
        role_ours = ours_s.map(lambda t: r.key if (r := roles[t]) else "").to_numpy()
        role_theirs = theirs_s.map(lambda t: r.key if (r := roles[t]) else "").to_numpy()
        area_ours = ours_s.map(lambda t: r.area if (r := roles[t]) else "").to_numpy()
        area_theirs = theirs_s.map(lambda t: r.area if (r := roles[t]) else "").to_numpy()
        missing = (ours == "") | (theirs == "")
        same_role = (role_ours != "") & (role_ours == role_theirs)
        same_text = (role_ours == "") & (
            ours_s.str.casefold().to_numpy() == theirs_s.str.casefold().to_numpy()
        )
        same_area = (area_ours != "") & (area_ours == area_theirs)
        return np.select([missing, same_role | same_text, same_area], [0, 1, 2], default=3)


FIRST_NAME, LAST_NAME, EMAIL, TITLE = FirstName(), LastName(), Email(), Title()
# Names written into each other's columns lose this much against the right way round.
SWAPPED_PENALTY = 1.0


def _weights(comparison: FirstName | LastName | Email | Title, levels: np.ndarray) -> np.ndarray:
    return np.array([level.weight for level in comparison.levels])[levels]


def _labels(comparison: FirstName | LastName | Email | Title, levels: np.ndarray) -> np.ndarray:
    return np.array([level.label for level in comparison.levels], dtype=object)[levels]


def score_pairs(
    first: tuple[np.ndarray, np.ndarray],
    last: tuple[np.ndarray, np.ndarray],
    email: tuple[np.ndarray, np.ndarray],
    title: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame:
    """Score and evidence for pairs given as (customer values, register values) per field.

    Columns: `score` (bits), `email_exact`, `name_strong` (first and last name agree by a
    name-level test, not only by being close), `evidence` (the agreeing levels, in words).
    """
    first_level = FIRST_NAME.level(*first)
    last_level = LAST_NAME.level(*last)
    straight = _weights(FIRST_NAME, first_level) + _weights(LAST_NAME, last_level)
    # The customer's first name in the surname column and vice versa.
    swapped_first = FIRST_NAME.level(first[0], last[1])
    swapped_last = LAST_NAME.level(last[0], first[1])
    swapped = (
        _weights(FIRST_NAME, swapped_first) + _weights(LAST_NAME, swapped_last) - SWAPPED_PENALTY
    )
    use_swapped = swapped > straight
    email_level = EMAIL.level(*email, surname=last[1])
    title_level = TITLE.level(*title)
    score = (
        np.where(use_swapped, swapped, straight)
        + _weights(EMAIL, email_level)
        + _weights(TITLE, title_level)
    )
    first_shown = np.where(use_swapped, swapped_first, first_level)
    last_shown = np.where(use_swapped, swapped_last, last_level)
    parts = [
        np.where(use_swapped, "names swapped", ""),
        _labels(LAST_NAME, last_shown),
        _labels(FIRST_NAME, first_shown),
        _labels(EMAIL, email_level),
        _labels(TITLE, title_level),
    ]
    evidence = pd.Series([""] * len(score), dtype=object)
    for part in parts:
        piece = pd.Series(part, dtype=object)
        joiner = np.where((evidence != "") & (piece != ""), ", ", "")
        evidence = evidence + joiner + piece
    return pd.DataFrame(
        {
            "score": score,
            "email_exact": email_level == 1,
            "name_strong": np.isin(first_shown, (1, 2, 3)) & np.isin(last_shown, (1, 2)),
            "evidence": evidence.to_numpy(),
        }
    )


__all__ = ["EMAIL", "FIRST_NAME", "LAST_NAME", "TITLE", "Level", "score_pairs"]
