"""Look-up keys a candidate row carries beside its stored columns, computed from them.

Matching compares every file's rows with register values it must first normalise: a
position's mobile number in E.164, an organisation's names as folded words. Made per file,
the same register values were made again in every chunk that met them (at 1M rows, tens of
millions of times). A derived column is computed once where the candidate rows are made:
when the register image is written (it is rewritten whenever the register changes, so a
rectified value gets its key), or per query on the SQL path. Both give the same frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from matching import register_name_words
from matching.contact_points import normalise_phone

# `matching.contact_points._PLAIN_FINNISH_PHONE` in RE2 (Arrow's regex engine), anchored,
# for a number with no blanks around it (Python's and RE2's ideas of a blank differ: a
# number with any goes the slow way).
_PLAIN_FINNISH_PHONE_RE2 = r"^(?:\+358|0)[ -]?[1-9](?:[ -]?[0-9]){4,11}$"


def mobile_keys(mobiles: Sequence[Any]) -> list[str]:
    """`normalise_phone` of each mobile, "" where it is none (missing or not a number).

    The plain Finnish notations (nearly all of a register's numbers) are decided in Arrow
    as `normalise_phone`'s own fast path decides them: `+358` and the digits after the
    trunk prefix. The rest go through `normalise_phone` itself."""
    text = pa.array(mobiles, type=pa.string())
    plain = pc.match_substring_regex(text, _PLAIN_FINNISH_PHONE_RE2).fill_null(False)
    digits = pc.replace_substring_regex(
        pc.replace_substring_regex(text, r"^(?:\+358|0)", ""), "[ -]", ""
    )
    keys: list[str] = pc.if_else(
        plain, pc.binary_join_element_wise("+358", digits, ""), ""
    ).to_pylist()
    # Past the function's cache: a register's numbers are nearly all distinct, and
    # churning the cache would evict the numbers a refresh parses meanwhile.
    parse = getattr(normalise_phone, "__wrapped__", normalise_phone)
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        keys[i] = parse(mobiles[i]) or ""
    return keys


def name_words_keys(names: Sequence[Any], aux_names: Sequence[Any]) -> list[str]:
    """`matching.register_name_words` of each organisation."""
    return [register_name_words(n, a) for n, a in zip(names, aux_names, strict=True)]


# derived column -> (the stored columns it is made of, how).
DERIVED_COLUMNS: dict[str, tuple[tuple[str, ...], Callable[..., list[str]]]] = {
    "mobile_key": (("mobile",), mobile_keys),
    "name_words": (("name", "aux_names"), name_words_keys),
}
# Those an organisation carries (the rest are a position's).
ORGANISATION_DERIVED = ("name_words",)


def stored_columns(columns: Sequence[str]) -> list[str]:
    """`columns` with each derived one replaced by its sources (each once, in order)."""
    wanted: list[str] = []
    for name in columns:
        for source in DERIVED_COLUMNS[name][0] if name in DERIVED_COLUMNS else (name,):
            if source not in wanted:
                wanted.append(source)
    return wanted


def derive(name: str, source_values: Callable[[str], Sequence[Any]]) -> list[str]:
    """The derived column `name` of rows whose stored columns `source_values` gives by
    name."""
    sources, function = DERIVED_COLUMNS[name]
    return function(*(source_values(source) for source in sources))


__all__ = [
    "DERIVED_COLUMNS",
    "ORGANISATION_DERIVED",
    "derive",
    "mobile_keys",
    "name_words_keys",
    "stored_columns",
]
