"""Applying the rules to a whole file and writing the verdicts into the customer's rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from refresh.rules import Decision, Evidence, RefreshSettings, decide
from refresh.suppression import EMPTY_SUPPRESSION, SuppressionList

# Rows that go back exactly as the customer sent them, with nothing of ours but the status.
_AS_SENT = frozenset({"opted_out", "invalid"})

APPENDED_COLUMNS = (
    "refresh_status",
    "refresh_flags",
    "refresh_changes",
    "refresh_confidence",
    "register_org_id",
    "register_person_id",
)


def frame_records(
    frame: pd.DataFrame, columns: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """The frame's rows as dicts, one at a time, missing values as None; built from column
    lists, which is several times faster than `to_dict("records")` on a large file, and
    never holds a million dicts at once."""
    columns = list(frame.columns) if columns is None else columns
    lists = [
        frame[c].astype(object).where(frame[c].notna(), None).tolist()
        if frame[c].hasnans
        else frame[c].tolist()
        for c in columns
    ]
    for values in zip(*lists, strict=True):
        yield dict(zip(columns, values, strict=True))


def _records(frame: pd.DataFrame, key: str | list[str]) -> dict[Any, dict[str, Any]]:
    if frame.empty:
        return {}
    if isinstance(key, list):
        return {tuple(r[k] for k in key): r for r in frame_records(frame)}
    return {r[key]: r for r in frame_records(frame)}


_EVIDENCE_DEFAULTS: dict[str, Any] = {
    "org_id": "",
    "org_method": "",
    "org_confidence": 0.0,
    "business_id_state": "missing",
    "person_id": "",
    "position_org_id": "",
    "position_current": False,
    "person_method": "",
    "person_confidence": 0.0,
    "found_elsewhere": False,
    "elsewhere_person_id": "",
    "duplicate": False,
    "org_evidence": "",
    "person_evidence": "",
    "role_held": False,
}


def complete_evidence(evidence: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Evidence for every row of the file: quarantined rows were never matched."""
    full = evidence.reindex(index)
    for column, default in _EVIDENCE_DEFAULTS.items():
        if column not in full:
            full[column] = default
        full[column] = full[column].astype(object).where(full[column].notna(), default)
    return full


def decide_file(
    contacts: pd.DataFrame,
    present: set[str],
    evidence: pd.DataFrame,
    organizations: pd.DataFrame,
    positions: pd.DataFrame,
    prohibitions: pd.DataFrame,
    settings: RefreshSettings,
    suppression: SuppressionList = EMPTY_SUPPRESSION,
) -> list[Decision]:
    """One Decision per contact, in file order, with the customer's suppression list and
    the organisation fields its contract allows."""
    # Only the register rows the evidence names: a large file's candidates are many more.
    wanted_orgs = set(evidence["org_id"]) | set(evidence["position_org_id"])
    wanted_persons = set(evidence["person_id"]) | set(evidence["elsewhere_person_id"])
    orgs = _records(organizations[organizations["org_id"].isin(wanted_orgs)], "org_id")
    positions = positions[positions["person_id"].isin(wanted_persons)]
    # Current positions last, so that they win where a person also has an ended one.
    by_position = _records(
        positions.sort_values("valid_to", na_position="last"), ["person_id", "org_id"]
    )
    kinds: dict[str, set[str]] = {}
    for person_id, kind in zip(
        prohibitions.get("person_id", []), prohibitions.get("kind", []), strict=True
    ):
        kinds.setdefault(person_id, set()).add(kind)
    fields = list(Evidence.__dataclass_fields__)
    proofs = evidence.loc[contacts.index, fields]
    decisions = []
    for contact, row in zip(frame_records(contacts), frame_records(proofs, fields), strict=True):
        proof = Evidence(**row)
        decision = decide(contact, present, proof, orgs, by_position, kinds, settings)
        if decision.status not in _AS_SENT:
            decision.evidence = proof.text
            if proof.duplicate and decision.person_id:
                decision.add_flag("duplicate")
            if len(suppression) and suppression.names(contact):
                decision.add_flag("customer_suppressed")
            if decision.org_id and settings.allowed_org_fields:
                org = orgs[decision.org_id]
                decision.org_fields = {
                    name: "" if org.get(name) is None else str(org.get(name))
                    for name in settings.allowed_org_fields
                }
        decisions.append(decision)
    return decisions


# The person's own fields: disclosing one of these is what the register's ledger records.
PERSON_FIELDS = frozenset(
    {"first_name", "last_name", "full_name", "title", "email", "mobile", "phone"}
)


def disclosed_fields(decisions: Sequence[Decision]) -> dict[str, list[str]]:
    """person_id -> the person fields whose register values a delivery writes; persons
    only matched (verified) or opted out disclose nothing and are left out."""
    disclosed: dict[str, set[str]] = {}
    for decision in decisions:
        fields = PERSON_FIELDS & set(decision.updates)
        if decision.person_id and fields:
            disclosed.setdefault(decision.person_id, set()).update(fields)
    return {person: sorted(fields) for person, fields in disclosed.items()}


def decisions_frame(
    decisions: Sequence[Decision],
    index: pd.Index,
    org_fields: Sequence[str] = (),
    column_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The appended columns, as text, exactly as they go into the file: the spec's six,
    then `register_<field>` for each organisation field the contract allows."""
    frame = pd.DataFrame(
        {
            "refresh_status": [d.status for d in decisions],
            "refresh_flags": [d.flags_text for d in decisions],
            "refresh_changes": [d.changes_text(column_names) for d in decisions],
            "refresh_confidence": [
                "" if d.confidence is None else f"{d.confidence:.2f}" for d in decisions
            ],
            "register_org_id": [d.org_id for d in decisions],
            "register_person_id": [d.person_id for d in decisions],
        },
        index=index,
    )
    for name in org_fields:
        frame[f"register_{name}"] = [d.org_fields.get(name, "") for d in decisions]
    return frame


def refreshed_rows(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    mapping: Mapping[str, str],
    decisions: Sequence[Decision],
    appended: pd.DataFrame,
) -> tuple[list[str], list[list[str]]]:
    """The customer's rows with register values in the columns they have, then ours.

    A row that gains no update keeps its cells exactly as sent. A ragged row keeps every
    cell too: a short one is padded and a long one has its surplus cells moved after ours,
    so that our columns stay under their headings in either case.
    """
    width = len(header)
    position = {canonical: header.index(name) for canonical, name in mapping.items()}
    out_rows: list[list[str]] = []
    for cells, decision, extra in zip(
        rows, decisions, appended.itertuples(index=False), strict=True
    ):
        new_cells = list(cells[:width]) + [""] * (width - len(cells))
        for canonical, value in decision.updates.items():
            new_cells[position[canonical]] = value
        out_rows.append(new_cells + list(extra) + list(cells[width:]))
    return [*header, *appended.columns], out_rows
