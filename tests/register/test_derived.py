"""The register's derived look-up keys are what matching's own normalisers make of the
stored values, however the values are written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.contact_points import normalise_phone
from register.derived import mobile_keys

_MOBILES = st.one_of(
    st.none(),
    # Shaped like the notations registers hold, some with blanks around or odd separators...
    st.from_regex(
        r"\s?(\+358|0|00358|358|\+46|)[ -]{0,2}[0-9]{1,3}([ -]?[0-9]{1,4}){0,4}\s?",
        fullmatch=True,
    ),
    # ...anything made of a phone number's characters, and text.
    st.text(alphabet="+0123456789 -()\t\u00a0", max_size=18),
    st.text(max_size=12),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_MOBILES, min_size=1, max_size=30))
def test_mobile_keys_are_normalise_phone_of_each_number(values: list[str | None]) -> None:
    assert mobile_keys(values) == [normalise_phone(v) or "" for v in values]
