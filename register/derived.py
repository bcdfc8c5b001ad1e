"""Look-up keys a candidate row carries beside its stored columns, computed from them.

The register's positions are compared with every file's rows on their mobile number in
E.164; parsed per file, the same register numbers were parsed again in every chunk that
met them (at 1M rows, tens of millions of parses). A derived key is computed once where
the candidate rows are made: when the register image is written (it is rewritten whenever
the register changes, so a rectified number gets its key), or per query on the SQL path.
Both give the same frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


# derived column -> (the stored column it is made of, how).
DERIVED_COLUMNS: dict[str, tuple[str, Callable[[Sequence[Any]], list[str]]]] = {
    "mobile_key": ("mobile", mobile_keys),
}


def stored_columns(columns: Sequence[str]) -> list[str]:
    """`columns` with each derived one replaced by its source (once, in order)."""
    wanted: list[str] = []
    for name in columns:
        source = DERIVED_COLUMNS[name][0] if name in DERIVED_COLUMNS else name
        if source not in wanted:
            wanted.append(source)
    return wanted


def derive(name: str, source_values: Sequence[Any]) -> list[str]:
    """The derived column `name` of rows whose source column holds `source_values`."""
    return DERIVED_COLUMNS[name][1](source_values)


__all__ = ["DERIVED_COLUMNS", "derive", "mobile_keys", "stored_columns"]
