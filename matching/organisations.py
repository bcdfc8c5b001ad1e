"""Matching the customer's organisations to the register: business ID first, then name and
place. Works on DataFrames only; the caller fetches the register candidates."""

from __future__ import annotations

import pandas as pd

from matching.business_id import BusinessIdState, normalise_business_id
from matching.text import fold, org_name_key

ORG_MATCH_COLUMNS = (
    "business_id_norm",
    "business_id_state",
    "org_name_key",
    "org_id",
    "org_method",
    "org_confidence",
    "org_candidates",
)

# Confidence of each way of finding the organisation. A valid business ID is a checked key;
# a unique official name is strong but names are reused across towns.
_CONFIDENCE = {"business_id": 0.99, "name": 0.9, "name_and_place": 0.85}
MAX_SUCCESSOR_HOPS = 10


def organisation_keys(contacts: pd.DataFrame) -> pd.DataFrame:
    """The keys candidates are fetched by: canonical business ID, its state, folded name."""
    parsed = contacts["business_id"].map(normalise_business_id)
    return pd.DataFrame(
        {
            "business_id_norm": parsed.map(lambda p: p[0] or ""),
            "business_id_state": parsed.map(lambda p: p[1].value),
            "org_name_key": contacts["org_name"].map(org_name_key),
        },
        index=contacts.index,
    )


def _by_name_and_place(contact: pd.Series, candidates: pd.DataFrame) -> tuple[str, str, int]:
    """(org_id, method, candidate count) for one contact whose name several orgs share."""
    postcode = str(contact.get("postcode", "") or "").strip()
    city = fold(str(contact.get("city", "") or ""))
    if postcode or city:
        same_place = candidates[
            ((candidates["postal_postcode"] == postcode) & (postcode != ""))
            | ((candidates["visiting_postcode"] == postcode) & (postcode != ""))
            | ((candidates["postal_city"].map(fold) == city) & (city != ""))
            | ((candidates["visiting_city"].map(fold) == city) & (city != ""))
        ]
        if len(same_place) == 1:
            return str(same_place["org_id"].iloc[0]), "name_and_place", len(candidates)
    return "", "ambiguous", len(candidates)


def match_organisations(contacts: pd.DataFrame, register_orgs: pd.DataFrame) -> pd.DataFrame:
    """One row per contact (same index): the register organisation the customer means.

    `org_method` is `business_id`, `name`, `name_and_place`, `ambiguous` (several
    organisations fit and nothing tells them apart) or empty (none found).
    """
    keys = organisation_keys(contacts)
    result = keys.assign(org_id="", org_method="", org_confidence=0.0, org_candidates=0)
    if register_orgs.empty:
        return result
    by_business_id = register_orgs.drop_duplicates("business_id").set_index("business_id")
    valid = keys["business_id_state"] == BusinessIdState.VALID.value
    found = valid & keys["business_id_norm"].isin(by_business_id.index)
    result.loc[found, "org_id"] = keys.loc[found, "business_id_norm"].map(by_business_id["org_id"])
    result.loc[found, "org_method"] = "business_id"
    result.loc[found, "org_candidates"] = 1

    by_name = register_orgs.groupby("name_key")
    names = set(by_name.groups)
    fallback = ~found & keys["org_name_key"].isin(names) & (keys["org_name_key"] != "")
    for index in result.index[fallback]:
        candidates = by_name.get_group(keys.at[index, "org_name_key"])
        if len(candidates) == 1:
            result.loc[index, ["org_id", "org_method", "org_candidates"]] = (
                str(candidates["org_id"].iloc[0]),
                "name",
                1,
            )
        else:
            org_id, method, count = _by_name_and_place(contacts.loc[index], candidates)
            result.loc[index, ["org_id", "org_method", "org_candidates"]] = (
                org_id,
                method,
                count,
            )
    result["org_confidence"] = result["org_method"].map(_CONFIDENCE).fillna(0.0)
    return result


def successor_links(register_orgs: pd.DataFrame) -> dict[str, str]:
    """org_id -> the org_id of its successor, for organisations whose successor is known."""
    by_business_id = dict(zip(register_orgs["business_id"], register_orgs["org_id"], strict=True))
    return {
        str(org_id): str(by_business_id[successor])
        for org_id, successor in zip(
            register_orgs["org_id"], register_orgs["successor_business_id"], strict=True
        )
        if successor and successor in by_business_id
    }


def successor_chain(
    org_id: str, register_orgs: pd.DataFrame, links: dict[str, str] | None = None
) -> list[str]:
    """`org_id` followed by the organisations that carry it on (merger successors), in
    order; a loop in the register's successor links ends the chain instead of hanging."""
    links = successor_links(register_orgs) if links is None else links
    chain = [org_id]
    for _ in range(MAX_SUCCESSOR_HOPS):
        successor = links.get(chain[-1])
        if successor is None or successor in chain:
            break
        chain.append(successor)
    return chain
