"""Matching the customer's contacts to register persons within the matched organisation
(and its successors), by name similarity with e-mail as strong evidence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

from matching.contact_points import normalise_email
from matching.text import person_name_key

PERSON_MATCH_COLUMNS = (
    "person_id",
    "position_org_id",
    "position_current",
    "person_score",
    "person_confidence",
    "person_method",
)


@dataclass(frozen=True)
class PersonThresholds:
    """Name similarity (0-100, token order ignored) needed to call two contacts one person."""

    name_accept: float = 88.0
    name_with_email: float = 50.0
    ambiguity_margin: float = 2.0


def contact_person_keys(contacts: pd.DataFrame) -> pd.DataFrame:
    """Folded name and normalised e-mail of each contact."""
    return pd.DataFrame(
        {
            "name_key": [
                person_name_key(first, last)
                for first, last in zip(contacts["first_name"], contacts["last_name"], strict=True)
            ],
            "email_key": contacts["email"].map(lambda e: normalise_email(e) or ""),
        },
        index=contacts.index,
    )


def _empty_result(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": "",
            "position_org_id": "",
            "position_current": False,
            "person_score": 0.0,
            "person_confidence": 0.0,
            "person_method": "",
        },
        index=index,
    )


def _confidence(score: float, email_agrees: bool) -> float:
    if email_agrees:
        return 0.99 if score >= 88 else 0.8
    if score >= 97:
        return 0.95
    return 0.85


def match_persons(
    contacts: pd.DataFrame,
    scope: pd.DataFrame,
    register_persons: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
) -> pd.DataFrame:
    """For each contact (same index): the register person and position it is.

    `scope` pairs each contact (`contact` = contact index) with the organisations to look in
    (`org_id`). `person_method` is `name`, `email`, `ambiguous` or empty. Current positions
    win over ended ones, so a person carried into a merger's successor is found there.
    """
    thresholds = thresholds or PersonThresholds()
    result = _empty_result(contacts.index)
    if scope.empty or register_persons.empty:
        return result
    keys = contact_person_keys(contacts)
    pairs = scope.merge(register_persons, on="org_id", how="inner", suffixes=("", "_reg"))
    if pairs.empty:
        return result
    contact_names = keys.loc[pairs["contact"], "name_key"].to_numpy()
    contact_emails = keys.loc[pairs["contact"], "email_key"].to_numpy()
    pairs["score"] = process.cpdist(
        contact_names, pairs["name_key"].to_numpy(), scorer=fuzz.token_sort_ratio, workers=1
    )
    register_emails = pairs["email_key"].fillna("").to_numpy()
    pairs["email_agrees"] = (contact_emails != "") & (contact_emails == register_emails)
    pairs["current"] = pairs["valid_to"].isna()
    accepted = (pairs["score"] >= thresholds.name_accept) | (
        pairs["email_agrees"] & (pairs["score"] >= thresholds.name_with_email)
    )
    pairs = pairs[accepted].sort_values(
        ["contact", "current", "email_agrees", "score"], ascending=[True, False, False, False]
    )
    if pairs.empty:
        return result
    best = pairs.drop_duplicates("contact", keep="first").set_index("contact")
    # A rival: another person as current as the best, scoring within the margin of it.
    joined = pairs.join(best[["person_id", "score", "current"]], on="contact", rsuffix="_best")
    rival = (
        (joined["person_id"] != joined["person_id_best"])
        & (joined["score"] >= joined["score_best"] - thresholds.ambiguity_margin)
        & (joined["current"] == joined["current_best"])
    )
    contested = best.index.isin(joined.loc[rival, "contact"].unique())
    ambiguous = contested & ~best["email_agrees"].to_numpy(dtype=bool)
    decided = best[~ambiguous]
    unsure = best[ambiguous]
    scores = decided["score"].astype(float)
    emails = decided["email_agrees"].astype(bool)
    result.loc[decided.index, "person_id"] = decided["person_id"].astype(str)
    result.loc[decided.index, "position_org_id"] = decided["org_id"].astype(str)
    result.loc[decided.index, "position_current"] = decided["current"].astype(bool)
    result.loc[decided.index, "person_score"] = scores
    result.loc[decided.index, "person_confidence"] = [
        _confidence(s, e) for s, e in zip(scores, emails, strict=True)
    ]
    result.loc[decided.index, "person_method"] = emails.map({True: "email", False: "name"})
    result.loc[unsure.index, "person_method"] = "ambiguous"
    result.loc[unsure.index, "person_score"] = unsure["score"].astype(float)
    return result


def find_elsewhere(contacts: pd.DataFrame, register_persons: pd.DataFrame) -> pd.DataFrame:
    """For contacts not found in their organisation: is there a register person with the
    same e-mail or exactly the same full name anywhere else? (`found`, and `person_id` when
    exactly one person fits.)

    This tells "left the organisation" from "never known"; where the person went is the
    register's business and never goes into the customer's file.
    """
    found = pd.DataFrame({"found": False, "person_id": ""}, index=contacts.index)
    if contacts.empty or register_persons.empty:
        return found
    keys = contact_person_keys(contacts)
    email_ids = (
        register_persons.dropna(subset=["email_key"])
        .groupby("email_key")["person_id"]
        .agg(lambda ids: sorted(set(ids)))
    )
    name_ids = register_persons.groupby("name_key")["person_id"].agg(lambda ids: sorted(set(ids)))
    for index in contacts.index:
        email, name = keys.at[index, "email_key"], keys.at[index, "name_key"]
        ids = email_ids.get(email, []) if email else []
        if not ids and name:
            ids = name_ids.get(name, [])
        if ids:
            found.loc[index, ["found", "person_id"]] = (True, ids[0] if len(ids) == 1 else "")
    return found
