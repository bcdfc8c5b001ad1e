"""The evidence hand-over completed once: the rules read the evidence person matching made,
not a completed copy of it beside it (a large file's evidence is most of a gigabyte)."""

import numpy as np
import pandas as pd

from matching import EVIDENCE_COLUMNS, EVIDENCE_DEFAULTS, complete_evidence


def _partial() -> pd.DataFrame:
    # Two of four rows matched (rows 1 and 3 quarantined), some columns missing.
    return pd.DataFrame(
        {
            "org_id": ["o1", "o2"],
            "person_id": ["p1", np.nan],
            "person_confidence": [0.9, np.nan],
            "duplicate": [True, np.nan],
        },
        index=[0, 2],
    )


def test_completed_evidence_has_every_row_and_column_typed_without_missing_values() -> None:
    index = pd.RangeIndex(4)
    full = complete_evidence(_partial(), index)
    assert list(full.index) == [0, 1, 2, 3]
    assert set(EVIDENCE_COLUMNS) <= set(full.columns)
    assert list(full["person_id"]) == ["p1", "", "", ""]
    assert list(full["person_confidence"]) == [0.9, 0.0, 0.0, 0.0]
    assert list(full["duplicate"]) == [True, False, False, False]
    assert list(full["org_evidence"]) == [EVIDENCE_DEFAULTS["org_evidence"]] * 4
    assert not full[list(EVIDENCE_COLUMNS)].isna().any().any()


def test_complete_evidence_is_handed_back_as_it_is() -> None:
    index = pd.RangeIndex(4)
    full = complete_evidence(_partial(), index)
    assert complete_evidence(full, index) is full


def test_evidence_with_a_gap_is_completed_not_passed_through() -> None:
    index = pd.RangeIndex(4)
    full = complete_evidence(_partial(), index)
    for column, gap in (("person_id", None), ("person_confidence", np.nan)):
        broken = full.copy()
        broken[column] = broken[column].astype(object)
        broken.loc[1, column] = gap
        mended = complete_evidence(broken, index)
        assert mended is not broken
        assert mended.loc[1, column] == EVIDENCE_DEFAULTS[column]
    # Another file's rows (another index): realigned, not passed through.
    assert complete_evidence(full, pd.RangeIndex(5)) is not full
    assert len(complete_evidence(full, pd.RangeIndex(5))) == 5
