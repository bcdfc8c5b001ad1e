"""Normalisers: the notations customers' CRMs hold reduce to one comparable form."""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fi import alv, ytunnus

from matching import (
    BusinessIdState,
    fold,
    fold_name,
    normalise_business_id,
    normalise_email,
    normalise_phone,
    org_name_key,
    person_name_key,
    same_title,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2077474-0", "2077474-0"),
        ("20774740", "2077474-0"),
        ("FI20774740", "2077474-0"),
        ("fi 2077474-0", "2077474-0"),
        (" 2077474 - 0 ", "2077474-0"),
        ("0112038-9", "0112038-9"),
        ("112038-9", "0112038-9"),  # Excel dropped the leading zero
        ("1120389", "0112038-9"),
    ],
)
def test_business_id_notations_normalise_to_canonical(raw: str, expected: str) -> None:
    assert normalise_business_id(raw) == (expected, BusinessIdState.VALID)


@pytest.mark.parametrize("raw", ["2077474-1", "12345", "abc", "2077474-00"])
def test_invalid_business_ids_are_flagged_not_guessed(raw: str) -> None:
    assert normalise_business_id(raw) == (None, BusinessIdState.INVALID)


def test_missing_business_id() -> None:
    assert normalise_business_id("  ") == (None, BusinessIdState.MISSING)


@st.composite
def valid_business_ids(draw: st.DrawFn) -> str:
    base = draw(st.integers(min_value=0, max_value=9_999_999))
    digits = f"{base:07d}"
    check = next((c for c in range(10) if alv.checksum(f"{digits}{c}") == 0), None)
    from hypothesis import assume

    assume(check is not None)
    return f"{digits}-{check}"


@given(valid_business_ids(), st.sampled_from(["{d}", "{c}", "FI{c}", "FI {d}", " {d} "]))
def test_any_notation_of_a_valid_business_id_gives_the_canonical_form(
    business_id: str, notation: str
) -> None:
    raw = notation.format(d=business_id, c=business_id.replace("-", ""))
    assert normalise_business_id(raw) == (business_id, BusinessIdState.VALID)


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert org_name_key(org_name_key(text)) == org_name_key(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Mäkinen", "Makinen"), ("Mäkinen", "Maekinen"), ("Åström", "Astrom"), ("Öhman", "Oehman")],
)
def test_lost_or_transliterated_diacritics_fold_together(a: str, b: str) -> None:
    assert fold_name(a) == fold_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Virtanen Rakennus Oy", "Oy Virtanen Rakennus"),
        ("Virtanen Rakennus Oy", "VIRTANEN RAKENNUS"),
        ("Kone Oyj", "kone oyj."),
        ("Åbo Trä Ab", "Abo Tra"),
    ],
)
def test_legal_form_position_case_and_punctuation_do_not_change_the_org_key(a: str, b: str) -> None:
    assert org_name_key(a) == org_name_key(b)


def test_person_name_key_orders_first_then_last() -> None:
    assert person_name_key("Märta", "Åström") == "marta astrom"


@pytest.mark.parametrize(
    "notation", ["040 123 4567", "+358401234567", "0401234567", "+358 40 1234567", "(040) 1234567"]
)
def test_finnish_phone_notations_normalise_to_e164(notation: str) -> None:
    assert normalise_phone(notation) == "+358401234567"


def test_email_is_compared_case_insensitively_and_syntax_checked() -> None:
    assert normalise_email(" Matti.Virtanen@Example.FI ") == "matti.virtanen@example.fi"
    assert normalise_email("not an address") is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("TJ", "CEO", True),
        ("toimitusjohtaja", "Managing Director", True),
        ("verkställande direktör", "toimitusjohtaja", True),
        ("talousjohtaja", "CFO", True),
        ("CFO", "CEO", False),
        ("myyntipäällikkö", "myyntijohtaja", False),
        ("Asiantuntija", "asiantuntija", True),
    ],
)
def test_titles_compare_by_meaning(a: str, b: str, same: bool) -> None:
    assert same_title(a, b) is same


def test_importing_matching_does_not_import_dagster() -> None:
    code = "import sys, matching, refresh, register, quality; print('dagster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@given(
    st.from_regex(
        r"[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9-]{1,15}(\.[A-Za-z0-9-]{1,10}){0,2}\.(fi|com|se|xyz|test)",
        fullmatch=True,
    )
)
@settings(max_examples=500, deadline=None)
def test_fast_path_for_plain_addresses_agrees_with_email_validator(address: str) -> None:
    # The fast path must never accept what email-validator refuses, nor change the result.
    try:
        expected: str | None = validate_email(
            address, check_deliverability=False
        ).normalized.casefold()
    except EmailNotValidError:
        expected = None
    assert normalise_email(address) == expected


def _phonenumbers_e164(raw: str) -> str | None:
    """What phonenumbers itself makes of a number, without our fast path."""
    try:
        number = phonenumbers.parse(raw, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@given(
    st.one_of(
        # Shaped like the notations CRMs hold, lengths around the possible ones...
        st.from_regex(
            r"\s?(\+358|0|00358|358|\+46|)[ -]?[0-9]{1,3}([ -]?[0-9]{1,4}){0,4}\s?", fullmatch=True
        ),
        # ...and anything made of a phone number's characters.
        st.text(alphabet="+0123456789 -()", min_size=1, max_size=18),
    )
)
@settings(max_examples=1500, deadline=None)
def test_fast_path_for_plain_finnish_numbers_agrees_with_phonenumbers(raw: str) -> None:
    assert normalise_phone(raw) == _phonenumbers_e164(raw)


@given(st.integers(min_value=0, max_value=9_999_999), st.integers(min_value=0, max_value=9))
@settings(max_examples=2000, deadline=None)
def test_canonical_business_id_fast_path_agrees_with_stdnum(body: int, check: int) -> None:
    # The fast path for `1234567-8` must say exactly what stdnum says of the same ID.
    raw = f"{body:07d}-{check}"
    expected = (
        (ytunnus.format(raw), BusinessIdState.VALID)
        if ytunnus.is_valid(raw)
        else (
            None,
            BusinessIdState.INVALID,
        )
    )
    assert normalise_business_id(raw) == expected
