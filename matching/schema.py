"""The hand-over from matching to the refresh, defined once: what matching found for each
row (`Evidence`, and the frame of it), and the words both sides use for how a match was
made, what the refreshed file says (statuses) and what it flags.

Matching writes these columns, refresh reads them, quality and the report count them: a
column or a status added here is added for all of them. The enums are `StrEnum`s, so a
member equals its text (`Status.VERIFIED == "verified"`) and a frame may hold either.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa

from matching.business_id import BusinessIdState


class Status(StrEnum):
    """`refresh_status`, in the spec's order of the column's description."""

    VERIFIED = "verified"
    UPDATED = "updated"
    PERSON_LEFT = "person_left"
    ORG_INACTIVE = "org_inactive"
    OPTED_OUT = "opted_out"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    INVALID = "invalid"


class Flag(StrEnum):
    """`refresh_flags`, in the order they are written."""

    BUSINESS_ID_CHANGED = "business_id_changed"
    NAME_CHANGED = "name_changed"
    TITLE_CHANGED = "title_changed"
    EMAIL_CHANGED = "email_changed"
    PHONE_CHANGED = "phone_changed"
    ADDRESS_CHANGED = "address_changed"
    STALE = "stale"
    NO_DIRECT_MARKETING = "no_direct_marketing"
    NO_PHONE_MARKETING = "no_phone_marketing"
    NO_EMAIL_MARKETING = "no_email_marketing"
    CUSTOMER_SUPPRESSED = "customer_suppressed"
    BUSINESS_ID_INVALID = "business_id_invalid"
    # An extension of the spec's list: the row is one of the customer's duplicates of one
    # register person (the only case where a person is matched to more than one row).
    DUPLICATE = "duplicate"


CHANGE_FLAGS: tuple[Flag, ...] = (
    Flag.BUSINESS_ID_CHANGED,
    Flag.NAME_CHANGED,
    Flag.TITLE_CHANGED,
    Flag.EMAIL_CHANGED,
    Flag.PHONE_CHANGED,
    Flag.ADDRESS_CHANGED,
)


class OrgMethod(StrEnum):
    """How the organisation was found ("" where it was not)."""

    NONE = ""
    BUSINESS_ID = "business_id"
    NAME = "name"
    NAME_AND_PLACE = "name_and_place"
    AMBIGUOUS = "ambiguous"


class PersonMethod(StrEnum):
    """How the person was found within the organisation ("" where they were not)."""

    NONE = ""
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    # A changed surname: the only person there of that given name and role.
    RENAMED = "renamed"
    # Another of the customer's rows holds the same person more surely.
    SUPERSEDED = "superseded"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Evidence:
    """What matching found for one row (ids and scores, no customer data)."""

    org_id: str = ""
    org_method: str = OrgMethod.NONE
    org_confidence: float = 0.0
    business_id_state: str = BusinessIdState.MISSING
    person_id: str = ""
    position_org_id: str = ""
    position_current: bool = False
    person_method: str = PersonMethod.NONE
    person_confidence: float = 0.0
    found_elsewhere: bool = False
    elsewhere_person_id: str = ""
    duplicate: bool = False
    # Not found at the organisation, whose register lists another person in the area of
    # the customer's title: the contact was most likely replaced.
    role_held: bool = False
    org_evidence: str = ""  # which fields agreed, in words (no customer values)
    person_evidence: str = ""

    @property
    def text(self) -> str:
        """`organisation: business ID; person: last name exact, e-mail exact`."""
        return evidence_text(self.org_evidence, self.person_evidence)


def evidence_text(org_evidence: str, person_evidence: str) -> str:
    parts = [f"organisation: {org_evidence}"] if org_evidence else []
    if person_evidence:
        parts.append(f"person: {person_evidence}")
    return "; ".join(parts)


# The evidence frame's columns and each one's value where matching said nothing.
EVIDENCE_DEFAULTS: dict[str, Any] = {
    f.name: (f.default.value if isinstance(f.default, StrEnum) else f.default)
    for f in fields(Evidence)
}
EVIDENCE_COLUMNS: tuple[str, ...] = tuple(EVIDENCE_DEFAULTS)


def complete_evidence(evidence: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Evidence for every row of the file (quarantined rows were never matched), each
    column of `EVIDENCE_COLUMNS` present, typed and without missing values. Evidence that
    is so already is returned as it is (not copied: a large file's is most of a gigabyte);
    callers read it, never write into it."""
    if _is_complete(evidence, index):
        return evidence
    full = evidence.reindex(index)
    for column, default in EVIDENCE_DEFAULTS.items():
        if column not in full:
            full[column] = default
            continue
        values = full[column]
        if isinstance(default, bool):
            full[column] = values.astype(object).where(values.notna(), default).astype(bool)
        elif isinstance(default, float):
            full[column] = values.astype(object).where(values.notna(), default).astype(float)
        else:
            full[column] = values.astype(object).where(values.notna(), default).astype(str)
    return full


def _is_complete(evidence: pd.DataFrame, index: pd.Index) -> bool:
    if not evidence.index.equals(index):
        return False
    for column, default in EVIDENCE_DEFAULTS.items():
        if column not in evidence:
            return False
        values = evidence[column]
        if isinstance(default, bool):
            typed = values.dtype == bool
        elif isinstance(default, float):
            typed = values.dtype == float and not values.isna().any()
        else:
            # Text only, no missing value (a scan in C, not a copy).
            typed = values.dtype == object and (
                values.empty or pd.api.types.infer_dtype(values, skipna=False) == "string"
            )
        if not typed:
            return False
    return True


# The register rows the rules and the checks read (organisations, positions): a frame, or
# the same rows held as an Arrow table. A large file's are held from matching to the end of
# the run, and as Python objects they were a gigabyte at 1M rows (a quarter of that as
# Arrow); a reader turns into a frame only the rows or the column it reads.
RegisterRows: TypeAlias = pd.DataFrame | pa.Table


def register_frame(rows: RegisterRows) -> pd.DataFrame:
    """The rows as a frame: text and dates as Python objects, a missing value None, as the
    register store's own queries give them."""
    if isinstance(rows, pd.DataFrame):
        return rows
    return rows.to_pandas(date_as_object=True, timestamp_as_object=True)


def register_column(rows: RegisterRows, name: str) -> pd.Series:
    """One column of the rows, as `register_frame` would hold it."""
    if isinstance(rows, pd.DataFrame):
        return rows[name]
    return register_frame(rows.select([name]))[name]


def register_column_names(rows: RegisterRows) -> list[str]:
    return list(rows.columns) if isinstance(rows, pd.DataFrame) else rows.column_names


__all__ = [
    "CHANGE_FLAGS",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_DEFAULTS",
    "Evidence",
    "Flag",
    "OrgMethod",
    "PersonMethod",
    "RegisterRows",
    "Status",
    "complete_evidence",
    "evidence_text",
    "register_column",
    "register_column_names",
    "register_frame",
]
