"""The processor-only guarantees as plain rule functions returning (passed, metadata)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def same_rows(input_keys: Sequence[str], output_keys: Sequence[str]) -> tuple[bool, dict[str, Any]]:
    """One output row per input row, the customer's row keys in the same order."""
    misplaced = sum(1 for a, b in zip(input_keys, output_keys, strict=False) if a != b)
    passed = len(input_keys) == len(output_keys) and misplaced == 0
    return passed, {
        "input_rows": len(input_keys),
        "output_rows": len(output_keys),
        "rows_out_of_place": misplaced,
    }


def same_columns(
    input_header: Sequence[str], output_header: Sequence[str], appended: Sequence[str]
) -> tuple[bool, dict[str, Any]]:
    """The customer's columns first, unchanged in name and order, then exactly ours."""
    expected = [*input_header, *appended]
    passed = list(output_header) == expected
    return passed, {"input_columns": len(input_header), "output_columns": len(output_header)}


def opted_out_rows_untouched(
    input_rows: Sequence[Sequence[str]], output_rows: Sequence[Sequence[str]], width: int
) -> tuple[bool, dict[str, Any]]:
    """A `disclosure` prohibition: the row goes back as sent, with no flag or register id.

    `width` is the customer's column count: our columns start there, in the spec's order
    (status, flags, changes, confidence, org id, person id)."""
    opted = [i for i, row in enumerate(output_rows) if row[width] == "opted_out"]
    leaks = 0
    for position in opted:
        sent = list(input_rows[position])
        back = list(output_rows[position])
        ours = back[width : width + 6]
        if back[: min(len(sent), width)] != sent[:width] or any(ours[1:]):
            leaks += 1
    return leaks == 0, {"opted_out_rows": len(opted), "opted_out_rows_changed": leaks}
