"""The per-row reference for the columnar rules: `refresh.rules.decide` applied one row at
a time, as the file's rules were applied before they ran on columns. Tests hold
`refresh.columnar` to it row for row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from matching.schema import Evidence, Flag
from refresh.apply import frame_records
from refresh.columnar import WRITABLE_COLUMNS
from refresh.rules import Decision, RefreshSettings, decide
from refresh.suppression import EMPTY_SUPPRESSION, SuppressionList

_AS_SENT = frozenset({"opted_out", "invalid"})


def _records(frame: pd.DataFrame, key: str | list[str]) -> dict[Any, dict[str, Any]]:
    if frame.empty:
        return {}
    if isinstance(key, list):
        return {tuple(r[k] for k in key): r for r in frame_records(frame)}
    return {r[key]: r for r in frame_records(frame)}


def decide_rows(
    contacts: pd.DataFrame,
    present: set[str],
    evidence: pd.DataFrame,
    organizations: pd.DataFrame,
    positions: pd.DataFrame,
    prohibitions: pd.DataFrame,
    settings: RefreshSettings,
    suppression: SuppressionList = EMPTY_SUPPRESSION,
) -> list[Decision]:
    """One Decision per contact, in file order, with the suppression list, duplicates and
    the contract's organisation fields, as the per-row refresh gave them."""
    orgs = _records(organizations, "org_id")
    # Current positions last, so that they win where a person also has an ended one.
    by_position = _records(
        positions.sort_values("valid_to", na_position="last", kind="stable"),
        ["person_id", "org_id"],
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


def frame_of(decisions: Iterable[Decision], index: pd.Index | None = None) -> pd.DataFrame:
    """Decisions as the columnar rules' frame (for tests that build decisions by hand)."""
    decisions = list(decisions)
    frame = pd.DataFrame(
        {
            "status": [d.status for d in decisions],
            "reason": [d.reason for d in decisions],
            "confidence": [np.nan if d.confidence is None else d.confidence for d in decisions],
            "org_id": [d.org_id for d in decisions],
            "person_id": [d.person_id for d in decisions],
            "evidence": [d.evidence for d in decisions],
            **{flag.value: [flag in d.flags for d in decisions] for flag in Flag},
            **{
                f"new_{column}": [d.updates.get(column, "") for d in decisions]
                for column in WRITABLE_COLUMNS
            },
        },
        index=index,
    )
    return frame
