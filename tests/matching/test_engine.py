"""The matching engine's hard cases, each with why it matters to the customer, and the
invariants that must hold for every input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import find_elsewhere, link, match_organisations, match_persons
from matching.blocking import (
    MAX_CANDIDATES_PER_ROW,
    OrganisationIndex,
    candidate_pairs,
    contact_block_keys,
    name_keys,
    web_domain,
)
from matching.calibration import (
    DEFAULT_CALIBRATION,
    expected_calibration_error,
    fit_logistic,
    reliability_table,
)
from matching.comparisons import EMAIL, FIRST_NAME, LAST_NAME, PHONE, TITLE, score_pairs
from matching.names import same_first_name_by_form
from matching.text import fold_name
from tests.matching.test_linking import ORGS, contacts, org, person

PERSON_COLUMNS = ("first_name", "last_name", "email", "title", "mobile", "phone")


def people(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in PERSON_COLUMNS} for row in rows])


def pair_score(ours: dict[str, str], theirs: dict[str, str]) -> pd.Series:
    """Score of one customer contact against one register person."""
    fields = {
        name: (fold_name(ours.get(name, "")), fold_name(theirs.get(name, "")))
        for name in ("first_name", "last_name")
    }
    scored = score_pairs(
        first=(
            np.array([fields["first_name"][0]], dtype=object),
            np.array([fields["first_name"][1]], dtype=object),
        ),
        last=(
            np.array([fields["last_name"][0]], dtype=object),
            np.array([fields["last_name"][1]], dtype=object),
        ),
        email=(
            np.array([ours.get("email", "")], dtype=object),
            np.array([theirs.get("email", "")], dtype=object),
        ),
        title=(
            np.array([ours.get("title", "")], dtype=object),
            np.array([theirs.get("title", "")], dtype=object),
        ),
    )
    return scored.iloc[0]


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "formal"),
    [
        ("jussi", "juhani"),
        ("jussi", "johannes"),
        ("kati", "katariina"),
        ("liisa", "elisabet"),
        ("sanna", "susanna"),
        ("matias", "matti"),
    ],
)
def test_short_forms_of_finnish_first_names_agree(short: str, formal: str) -> None:
    # A salesperson writes down the name the contact introduced themself with.
    assert same_first_name_by_form(short, formal)
    assert same_first_name_by_form(formal, short)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jussi", "mikko"),
        ("kati", "liisa"),
        ("anna", "anne"),
        # Two short forms of one formal name are two people's registered names.
        ("mika", "mikko"),
        ("juha", "jussi"),
    ],
)
def test_unrelated_first_names_do_not_agree_by_form(a: str, b: str) -> None:
    assert not same_first_name_by_form(a, b)


@pytest.mark.parametrize(
    ("ours", "theirs", "label"),
    [
        (
            {"first_name": "Jussi", "last_name": "Mäkelä"},
            {"first_name": "Juhani", "last_name": "Mäkelä"},
            "first name short form",
        ),
        (
            {"first_name": "M.", "last_name": "Virtanen"},
            {"first_name": "Matti", "last_name": "Virtanen"},
            "first name initial",
        ),
        (
            {"first_name": "Anna", "last_name": "Koski"},
            {"first_name": "Anna Maria", "last_name": "Koski"},
            "first given name",
        ),
        (
            {"first_name": "Liisa", "last_name": "Virtanen"},
            {"first_name": "Liisa", "last_name": "Virtanen-Korhonen"},
            "last name part",
        ),
        (
            {"first_name": "Liisa", "last_name": "Maekinen"},
            {"first_name": "Liisa", "last_name": "Mäkinen"},
            "last name exact",
        ),
        (
            {"first_name": "Liisa", "last_name": "Makeela"},
            {"first_name": "Liisa", "last_name": "Mäkelä"},
            "last name one typo",
        ),
    ],
)
def test_each_name_variant_customers_write_is_recognised_and_named(
    ours: dict[str, str], theirs: dict[str, str], label: str
) -> None:
    scored = pair_score(ours, theirs)
    assert label in scored["evidence"]
    assert scored["score"] >= 7.0  # the default acceptance


def test_swapped_first_and_last_name_still_match() -> None:
    # CRM imports often put the surname first; the columns then hold each other's values.
    scored = pair_score(
        {"first_name": "Virtanen", "last_name": "Matti"},
        {"first_name": "Matti", "last_name": "Virtanen"},
    )
    assert "names swapped" in scored["evidence"]
    assert scored["score"] >= 7.0


def test_a_colleague_with_the_same_first_name_scores_below_acceptance() -> None:
    scored = pair_score(
        {"first_name": "Matti", "last_name": "Virtanen"},
        {"first_name": "Matti", "last_name": "Korhonen"},
    )
    assert scored["score"] < 7.0


def test_email_local_part_naming_the_person_is_evidence() -> None:
    # An older address format still names the person: antero.makela@ for Mäkelä.
    with_hint = pair_score(
        {"first_name": "Antero", "last_name": "Makeea", "email": "antero.makela@old.fi"},
        {"first_name": "Antero", "last_name": "Mäkelä", "email": "amakela@new.fi"},
    )
    assert "e-mail names the person" in with_hint["evidence"]
    # A different mailbox at the same domain is a namesake colleague's, not evidence.
    colleague = pair_score(
        {"first_name": "Tomi", "last_name": "Koski", "email": "tomi.koski@acme.fi"},
        {"first_name": "Tuomo", "last_name": "Koski", "email": "tuomo.koski@acme.fi"},
    )
    assert "e-mail differs" in colleague["evidence"]
    assert colleague["score"] < 7.0


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöå -", max_size=20),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöå -", max_size=20),
)
@settings(max_examples=200, deadline=None)
def test_name_comparisons_are_symmetric_where_they_should_be(a: str, b: str) -> None:
    # Surnames: whichever side wrote the double-barrelled form, the level is the same.
    x, y = fold_name(a), fold_name(b)
    left = LAST_NAME.level(np.array([x], dtype=object), np.array([y], dtype=object))
    right = LAST_NAME.level(np.array([y], dtype=object), np.array([x], dtype=object))
    assert left[0] == right[0]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöå -", max_size=20))
@settings(max_examples=200, deadline=None)
def test_a_name_always_agrees_with_itself(name: str) -> None:
    folded = np.array([fold_name(name)], dtype=object)
    level = FIRST_NAME.level(folded, folded)[0]
    assert level == (0 if not folded[0] else 1)


# -- persons within the organisation ----------------------------------------------------------


REGISTER = pd.DataFrame(
    [
        person(1, "P1", "O1", "Matti", "Virtanen", "matti.virtanen@virtanen.fi"),
        person(2, "P2", "O1", "Liisa", "Virtanen-Korhonen", "liisa.vk@virtanen.fi"),
        person(3, "P3", "O1", "Juhani", "Mäkelä", "juhani.makela@virtanen.fi"),
    ]
).assign(title="")
SCOPE_COLUMNS = ["contact", "org_id"]


def in_o1(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"contact": frame.index, "org_id": "O1"})[SCOPE_COLUMNS]


def test_one_register_person_goes_to_one_row_unless_the_rows_are_duplicates() -> None:
    rows = people(
        {"first_name": "Matti", "last_name": "Virtanen", "email": "matti.virtanen@virtanen.fi"},
        {"first_name": "Matti", "last_name": "Virtanen"},  # the customer's duplicate
        {"first_name": "M.", "last_name": "Virtanen", "email": "mv@other.fi"},  # someone else
    )
    result = match_persons(rows, in_o1(rows), REGISTER)
    assert list(result["person_id"]) == ["P1", "P1", ""]
    assert list(result["duplicate"]) == [True, True, False]
    # The third row loses the person to better evidence instead of sharing them.
    assert result.loc[2, "person_method"] == "superseded"


def test_rows_matched_to_different_persons_are_not_duplicates() -> None:
    rows = people(
        {"first_name": "Matti", "last_name": "Virtanen"},
        {"first_name": "Jussi", "last_name": "Mäkelä"},
    )
    result = match_persons(rows, in_o1(rows), REGISTER)
    assert list(result["person_id"]) == ["P1", "P3"]
    assert not result["duplicate"].any()


def test_match_carries_evidence_and_a_confidence_between_zero_and_one() -> None:
    rows = people({"first_name": "Jussi", "last_name": "Makela"})
    result = match_persons(rows, in_o1(rows), REGISTER)
    assert result.loc[0, "person_id"] == "P3"
    assert "first name short form" in result.loc[0, "person_evidence"]
    assert 0.0 < result.loc[0, "person_confidence"] < 1.0


def test_a_stranger_with_a_known_surname_is_not_given_a_colleagues_record() -> None:
    # Matching Pekka Virtanen to Matti would disclose Matti's e-mail to the wrong contact.
    rows = people({"first_name": "Pekka", "last_name": "Virtanen"})
    assert match_persons(rows, in_o1(rows), REGISTER).loc[0, "person_id"] == ""


# -- organisations by name and place ---------------------------------------------------------


FUZZY_ORGS = pd.DataFrame(
    [
        org(
            "O1",
            "2077474-0",
            "Virtanen Rakennus Oy",
            aux_names="Virtanen Bygg Ab",
            www="www.virtanenrakennus.fi",
        ),
        org("O2", "0112038-9", "Lahden Kuljetus Oy", www="lahdenkuljetus.fi"),
        org("O3", "1572860-0", "Pohjolan Logistiikka Oy"),
    ]
).assign(phone="")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"org_name": "Virtanen Bygg Ab"}, "O1"),  # the Swedish parallel name
        ({"org_name": "Oy Virtanen Rakenus"}, "O1"),  # legal form first, a typo
        ({"org_name": "Pohjolan Logistikka"}, "O3"),  # typo, no legal form
        ({"org_name": "Kuljetus", "email": "a.b@lahdenkuljetus.fi"}, "O2"),  # e-mail domain
    ],
)
def test_organisation_found_by_name_without_business_id(row: dict[str, str], expected: str) -> None:
    result = match_organisations(contacts(row), FUZZY_ORGS)
    assert result.loc[0, "org_id"] == expected
    assert result.loc[0, "org_method"] in {"name", "name_and_place"}
    assert result.loc[0, "org_evidence"]


def test_an_unrelated_name_finds_no_organisation() -> None:
    result = match_organisations(contacts({"org_name": "Kuopion Kukka ja Hautaus"}), FUZZY_ORGS)
    assert result.loc[0, "org_id"] == ""


def test_shared_name_without_place_stays_ambiguous_with_fuzzy_fallback() -> None:
    result = match_organisations(contacts({"org_name": "Saha"}), ORGS)
    assert result.loc[0, "org_method"] == "ambiguous"


def test_blocking_never_compares_a_row_with_organisations_sharing_only_common_words() -> None:
    # 150 organisations called "... Rakennus": the word alone must not pull them all in.
    many = pd.DataFrame(
        [org(f"R{i}", "", f"Nimi{i} Rakennus Oy", visiting_postcode=f"{i:05d}") for i in range(150)]
    )
    index = OrganisationIndex.from_register(many)
    hits = index.lookup(contact_block_keys(contacts({"org_name": "Jokin Rakennus"}))["key"])
    assert hits.empty
    hits = index.lookup(contact_block_keys(contacts({"org_name": "Nimi7 Rakennus"}))["key"])
    assert set(hits["org_id"]) == {"R7"}


def test_block_keys_ignore_legal_form_and_word_order() -> None:
    assert set(name_keys("Oy Virtanen Rakennus")) == set(name_keys("Virtanen Rakennus Oy"))


@pytest.mark.parametrize(
    ("www", "domain"),
    [("https://www.Example.fi/yhteys", "example.fi"), ("example.fi", "example.fi"), ("", "")],
)
def test_web_domain(www: str, domain: str) -> None:
    assert web_domain(www) == domain


# -- linking and confidence ----------------------------------------------------------------


def test_link_gives_evidence_and_confidence_for_both_matches() -> None:
    evidence = link(
        contacts({"first_name": "Matti", "last_name": "Virtanen", "business_id": "2077474-0"}),
        ORGS,
        REGISTER,
        REGISTER,
    )
    assert evidence.loc[0, "org_evidence"] == "business ID"
    assert evidence.loc[0, "person_id"] == "P1"
    assert "last name exact" in evidence.loc[0, "person_evidence"]
    assert 0.9 < evidence.loc[0, "org_confidence"] < 1.0
    assert 0.9 < evidence.loc[0, "person_confidence"] < 1.0


def test_calibration_fit_recovers_a_known_curve() -> None:
    rng = np.random.default_rng(3)
    score = rng.uniform(-5, 20, 20_000)
    truth = rng.uniform(size=score.size) < 1 / (1 + np.exp(-(0.5 * score - 3)))
    slope, intercept = fit_logistic(score, truth)
    assert slope == pytest.approx(0.5, abs=0.05)
    assert intercept == pytest.approx(-3, abs=0.3)


def test_reliability_table_shows_a_miscalibrated_confidence() -> None:
    confidence = np.full(1000, 0.95)
    right = np.arange(1000) < 700  # only 70 % right
    bins = reliability_table(confidence, right)
    assert expected_calibration_error(bins) == pytest.approx(0.25)


def test_confidences_stay_below_certainty() -> None:
    assert DEFAULT_CALIBRATION.person_confidence(np.array([1000.0]))[0] < 1.0


def test_a_mover_is_identified_by_mobile_or_e_mail_never_by_name_alone() -> None:
    # Two Matti Virtanens elsewhere. The row with P11's mobile is P11, moved; the row
    # with only the name (and the same address pattern at another domain, which is the
    # name again) is nobody the register can name.
    elsewhere = pd.DataFrame(
        [
            person(10, "P10", "O7", "Matti", "Virtanen", "matti.virtanen@uusi.fi"),
            person(11, "P11", "O8", "Matti", "Virtanen", "matti.virtanen@toinen.fi"),
        ]
    ).assign(mobile=["040 111 2222", "+358 50 333 4444"])
    rows = people(
        {"first_name": "Matti", "last_name": "Virtanen", "email": "matti.virtanen@vanha.fi"},
        {"first_name": "Matti", "last_name": "Virtanen", "mobile": "050-3334444"},
        {"first_name": "M", "last_name": "Virtanen", "email": "MATTI.VIRTANEN@uusi.fi"},
    )
    found = find_elsewhere(rows, elsewhere)
    assert list(found["found"]) == [False, True, True]
    assert list(found["person_id"]) == ["", "P11", "P10"]


def _blocks(contacts: int, orgs: int) -> st.SearchStrategy[tuple[pd.DataFrame, pd.DataFrame, int]]:
    """A file's block keys (contact, key), the register's key hits (key, org_id) and a
    per-row limit: `contacts` rows and `orgs` organisations sharing a few keys."""
    names = "abcdefgh"
    return st.tuples(
        st.lists(
            st.tuples(st.integers(0, contacts), st.sampled_from(names)), min_size=1, max_size=80
        ).map(lambda rows: pd.DataFrame(rows, columns=["contact", "key"]).drop_duplicates()),
        st.lists(
            st.tuples(st.sampled_from(names), st.sampled_from([f"O{i}" for i in range(orgs)])),
            min_size=1,
            max_size=200,
        ).map(lambda rows: pd.DataFrame(rows, columns=["key", "org_id"]).drop_duplicates()),
        st.integers(1, 8),
    )


@given(_blocks(contacts=3, orgs=30))
@settings(max_examples=300, deadline=None)
def test_candidate_limit_keeps_the_organisations_sharing_most_keys(
    blocks: tuple[pd.DataFrame, pd.DataFrame, int],
) -> None:
    keys, key_hits, limit = blocks
    every = candidate_pairs(keys, key_hits, max_per_row=10**6)
    kept = candidate_pairs(keys, key_hits, max_per_row=limit)
    for contact, all_of_row in every.groupby("contact"):
        mine = kept[kept["contact"] == contact]
        assert len(mine) == min(limit, len(all_of_row))
        # Nothing left out shares more keys with the row than something kept...
        left_out = all_of_row[~all_of_row["org_id"].isin(set(mine["org_id"]))]
        if not left_out.empty:
            assert left_out["shared_keys"].max() <= mine["shared_keys"].min()
        # ...and the counts are the row's own, not changed by the cut.
        counts = dict(zip(all_of_row["org_id"], all_of_row["shared_keys"], strict=True))
        assert all(counts[o] == n for o, n in zip(mine["org_id"], mine["shared_keys"], strict=True))


def _pairs_as_text(
    contact_keys: pd.DataFrame, key_hits: pd.DataFrame, max_per_row: int
) -> pd.DataFrame:
    """`candidate_pairs` as it was written on frames (counted and sorted as text): the
    reference the integer-coded one must equal, row for row and in the same order."""
    pairs = contact_keys.merge(key_hits, on="key", how="inner")
    counted = (
        pairs.groupby(["contact", "org_id"], sort=False).size().rename("shared_keys").reset_index()
    )
    ranked = counted.sort_values(
        ["contact", "shared_keys", "org_id"], ascending=[True, False, True], kind="stable"
    )
    kept = ranked[ranked.groupby("contact", sort=False).cumcount() < max_per_row]
    return kept.sort_index().reset_index(drop=True)


@given(_blocks(contacts=30, orgs=40))
@settings(max_examples=300, deadline=None)
def test_candidate_pairs_are_those_of_the_text_sort(
    blocks: tuple[pd.DataFrame, pd.DataFrame, int],
) -> None:
    keys, key_hits, limit = blocks
    expected = _pairs_as_text(keys, key_hits, limit)
    if expected.empty:
        assert candidate_pairs(keys, key_hits, max_per_row=limit).empty
        return
    pd.testing.assert_frame_equal(candidate_pairs(keys, key_hits, max_per_row=limit), expected)


def test_a_name_found_among_many_organisations_sharing_one_common_key() -> None:
    # Thirty builders in one postcode share the key "postcode + rakennus" with the row;
    # the organisation it means shares its whole name too and is still found.
    builders = [
        org(f"B{i}", "", f"{surname} Rakennus Oy")
        for i, surname in enumerate(
            f"{a}{b}" for a in ("Aalto", "Berg", "Hiltu", "Kivi", "Laine", "Mäki") for b in "ABCDE"
        )
    ]
    wanted = org("W1", "", "Virtanen Rakennus Oy")
    register = pd.DataFrame([*builders, wanted])
    row = contacts({"org_name": "Virtanen Rakennus", "postcode": "00100", "city": "Helsinki"})
    matched = match_organisations(row, register)
    assert matched.loc[0, "org_id"] == "W1"
    assert matched.loc[0, "org_candidates"] <= MAX_CANDIDATES_PER_ROW


def test_each_comparison_level_is_found_by_its_own_named_test() -> None:
    # A level is tied to its test by name, not by its place in a list: a test that names
    # no level, or a level left without a test, is refused at once.
    ours = np.array(["anna", "", "anna maria", "a", "anna"], dtype=object)
    theirs = np.array(["anna", "anna", "anna", "anna", "pekka"], dtype=object)
    levels = FIRST_NAME.level(ours, theirs)
    names = [FIRST_NAME.levels[n].name for n in levels]
    assert names == ["exact", "missing", "given", "initial", "differs"]
    for comparison in (EMAIL, FIRST_NAME, LAST_NAME, PHONE, TITLE):
        with pytest.raises(ValueError, match="do not name its levels"):
            comparison.choose({"missing": np.zeros(1, dtype=bool)})
    assert PHONE.number("exact") == (1,)
