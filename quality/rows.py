"""Row-level validation: which rows are quarantined, and why (reasons hold no cell values)."""

from __future__ import annotations

import pandas as pd

NO_IDENTITY = "no name or e-mail to identify the contact"


def quarantine_reasons(contacts: pd.DataFrame) -> pd.Series:
    """The reader's problem where it had one; else a row with nothing to identify a person
    by. Empty string for a usable row."""
    reasons = contacts["problem"].astype(str).copy()
    identity = (
        contacts["first_name"].str.strip()
        + contacts["last_name"].str.strip()
        + contacts["full_name"].str.strip()
        + contacts["email"].str.strip()
    )
    reasons[(reasons == "") & (identity == "")] = NO_IDENTITY
    return reasons
