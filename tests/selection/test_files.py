"""The selection file is safe to open in a spreadsheet and keeps phone numbers as sent."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from selection.files import selection_csv


def test_formula_cells_are_neutralised_and_phones_kept() -> None:
    rows = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "title": ['=HYPERLINK("x")', "Toimitusjohtaja; osakas", None],
            "phone": ["+358 40 123 4567", np.nan, "@SUM(A1)"],
        }
    )
    text = selection_csv(rows)
    assert text.startswith("person_id;title;phone\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert parsed[1] == ["P1", '\'=HYPERLINK("x")', "+358 40 123 4567"]
    assert parsed[2] == ["P2", "Toimitusjohtaja; osakas", ""]
    assert parsed[3] == ["P3", "", "'@SUM(A1)"]
