"""Matching the customer's organisations to the register: business ID first, then name and
place. Works on DataFrames only; the caller fetches the register candidates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from matching.addresses import street_key
from matching.blocking import (
    OrganisationIndex,
    candidate_pairs,
    contact_block_keys,
    name_words,
    name_words_column,
    text_column,
    web_domain,
)
from matching.business_id import BusinessIdState, normalise_business_id
from matching.calibration import DEFAULT_CALIBRATION, Calibration
from matching.comparisons import per_unique
from matching.contact_points import email_domain, normalise_phone
from matching.schema import OrgMethod
from matching.text import fold, legal_form_family, org_name_key

# The register columns organisation matching reads (`match_organisations`,
# `contradicted_by_name`): a candidate query for it need fetch no other.
REGISTER_ORG_COLUMNS = (
    "org_id",
    "business_id",
    "name",
    "aux_names",
    "name_key",
    "name_words",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
    "phone",
    "www",
)
ORG_MATCH_COLUMNS = (
    "business_id_norm",
    "business_id_state",
    "org_name_key",
    "org_id",
    "org_method",
    "org_confidence",
    "org_candidates",
    "org_evidence",
    "org_similarity",
)
MAX_SUCCESSOR_HOPS = 10


@dataclass(frozen=True)
class OrganisationThresholds:
    """When a name without a usable business ID is taken to mean an organisation.

    Name similarity is 0-100 on folded names without legal form, word order ignored (the
    best of the official name and its `aux_names`). Agreement of place, web domain or phone
    adds points; two organisations within `ambiguity_margin` of each other are `ambiguous`.
    """

    name_accept: float = 88.0  # a name this close is enough on its own
    name_with_support: float = 75.0  # enough when place, web domain or phone agree too
    ambiguity_margin: float = 5.0
    # A switchboard number is the organisation's own; a web domain is derived from a name
    # that namesake organisations share; an address is where this one of them is.
    phone_points: float = 10.0
    domain_points: float = 6.0
    # The official name exactly as registered, legal form and word order included
    # ("Oy Kaskiis", not "Kaskiis Oy"): the customer copied it from this one.
    exact_name_points: float = 6.0
    street_points: float = 12.0
    postcode_points: float = 6.0
    city_points: float = 6.0
    # The same family of legal form (`Oy` = `Ab` = `Ltd`) says a little; another family
    # (`Ky` for `Oy`, `GmbH` for anything Finnish) says it is another organisation.
    form_points: float = 3.0
    other_form_points: float = -15.0
    # An e-mail under another country's domain (.se, .de, .ee) at an organisation the
    # register knows only by a similar name: most likely a foreign namesake.
    foreign_mail_points: float = -10.0
    # The row names a town and a postcode neither of which is the organisation's: a
    # namesake elsewhere more often than an organisation that moved.
    other_place_points: float = -10.0
    # Web domain and place agreeing find a renamed organisation as surely as a close name.
    renamed_similarity: float = 95.0


def organisation_keys(contacts: pd.DataFrame) -> pd.DataFrame:
    """The keys candidates are fetched by: canonical business ID, its state, folded name."""
    # Parsed once per distinct value: a big file repeats its organisations' IDs.
    codes, distinct = pd.factorize(contacts["business_id"].to_numpy(dtype=object))
    parsed = [normalise_business_id(value) for value in distinct]
    norm = np.array([canonical or "" for canonical, _ in parsed] + [""], dtype=object)
    state = np.array([s.value for _, s in parsed] + ["missing"], dtype=object)
    return pd.DataFrame(
        {
            # code -1 (a missing cell) takes the last element, the empty one.
            "business_id_norm": norm[codes],
            "business_id_state": state[codes],
            "org_name_key": per_unique(contacts["org_name"].to_numpy(dtype=object), org_name_key),
        },
        index=contacts.index,
    )


def _register_names(register_orgs: pd.DataFrame) -> pd.DataFrame:
    """(org_id, words): the official name and each aux name as folded words."""
    names = pd.DataFrame(
        {
            "org_id": register_orgs["org_id"].to_numpy(dtype=object),
            "words": [words.split("|") for words in name_words_column(register_orgs)],
        }
    ).explode("words")
    return names[names["words"].fillna("") != ""].drop_duplicates(ignore_index=True)


def _word_count(words: str) -> int:
    return len(words.split())


def _name_similarity(pairs: pd.DataFrame, contacts: pd.DataFrame, names: pd.DataFrame) -> pd.Series:
    """Best similarity of each (contact, org) pair over the organisation's names."""
    with_names = pairs[["contact", "org_id"]].merge(names, on="org_id", how="inner")
    contact_words = contacts["org_name"].map(_joined_words)
    ours = contact_words.loc[with_names["contact"]].to_numpy()
    theirs = with_names["words"].to_numpy()
    sorted_score = process.cpdist(ours, theirs, scorer=fuzz.token_sort_ratio, workers=-1)
    # A shortened name ("Virtanen Rakennus" for "Virtanen Rakennus ja Saneeraus") is a
    # subset of the full one; that counts, a little below an equal name. A longer name is
    # not: "Dataia Technologies" is another organisation than "Dataia".
    set_score = process.cpdist(ours, theirs, scorer=fuzz.token_set_ratio, workers=-1)
    shorter = per_unique(ours, _word_count, int) <= per_unique(theirs, _word_count, int)
    with_names["similarity"] = np.where(
        shorter, np.maximum(sorted_score, set_score - 8.0), sorted_score
    )
    best = with_names.groupby(["contact", "org_id"], sort=False)["similarity"].max()
    return pairs.join(best, on=["contact", "org_id"])["similarity"].fillna(0.0)


def _values(frame: pd.DataFrame, name: str, function: Callable[[str], Any]) -> np.ndarray:
    return per_unique(text_column(frame, name).to_numpy(dtype=object), function)


def _support(
    pairs: pd.DataFrame,
    contacts: pd.DataFrame,
    orgs: pd.DataFrame,
    detailed: np.ndarray | None = None,
) -> pd.DataFrame:
    """What agrees for each (contact, org) pair besides the name: postcode, city, web
    domain, phone, and an e-mail under another country's domain; for the `detailed` pairs
    (default all) also the street, the legal form's family and the exact registered name,
    which cost more and matter only where the name is close."""
    reg = orgs.set_index("org_id").loc[pairs["org_id"]]
    con = contacts.loc[pairs["contact"]]
    postcode = _values(con, "postcode", str.strip)
    city = _values(con, "city", fold)
    domain = _values(con, "email", lambda e: email_domain(e) or "")
    phone = _values(con, "phone", lambda p: normalise_phone(p) or "")
    reg_domain = _values(reg, "www", web_domain)
    # Parsing phone numbers is the dear part: only for pairs whose row has one.
    reg_phone = np.full(len(pairs), "", dtype=object)
    has_phone = phone != ""
    if has_phone.any():
        reg_phone[has_phone] = per_unique(
            text_column(reg, "phone").to_numpy(dtype=object)[has_phone],
            lambda p: normalise_phone(p) or "",
        )
    domain_agrees = (domain != "") & (domain == reg_domain)
    support = pd.DataFrame(
        {
            "postcode": (postcode != "")
            & (
                (postcode == _values(reg, "visiting_postcode", str.strip))
                | (postcode == _values(reg, "postal_postcode", str.strip))
            ),
            "city": (city != "")
            & (
                (city == _values(reg, "visiting_city", fold))
                | (city == _values(reg, "postal_city", fold))
            ),
            "street": False,
            "exact_name": False,
            "domain": domain_agrees,
            "phone": (phone != "") & (phone == reg_phone),
            "form": False,
            "other_form": False,
            "foreign_mail": ~domain_agrees & _values(con, "email", _foreign_mail).astype(bool),
            "other_place": False,
        },
        index=pairs.index,
    )
    support["other_place"] = (
        (city != "") & (postcode != "") & ~support["postcode"] & ~support["city"]
    )
    detailed = np.ones(len(pairs), dtype=bool) if detailed is None else detailed
    if detailed.any():
        details = _name_support(con[detailed], reg[detailed])
        support.loc[support.index[detailed], details.columns] = details.to_numpy()
    return support.astype(bool)


def _name_support(con: pd.DataFrame, reg: pd.DataFrame) -> pd.DataFrame:
    """Street, legal form and exact registered name for aligned contact and org rows."""
    street = _values(con, "street", street_key)
    street_agrees = (street != "") & (
        (street == _values(reg, "visiting_street", street_key))
        | (street == _values(reg, "postal_street", street_key))
    )
    form = _values(con, "org_name", legal_form_family)
    reg_form = _values(reg, "name", legal_form_family)
    both_forms = (form != "") & (reg_form != "")
    ours = _values(con, "org_name", fold)
    exact_name = (ours != "") & (ours == _values(reg, "name", fold))
    aux = _values(reg, "aux_names", lambda names: frozenset(fold(n) for n in names.split("|")))
    for i in np.flatnonzero(~exact_name & _values(reg, "aux_names", bool).astype(bool)):
        exact_name[i] = ours[i] in aux[i]
    return pd.DataFrame(
        {
            "street": street_agrees,
            "exact_name": exact_name,
            "form": both_forms & (form == reg_form),
            "other_form": both_forms & (form != reg_form),
        }
    )


# Country-code domains of Finland and generic domains: anything else is another country's.
_HOME_DOMAINS = frozenset({"fi", "ax", "com", "net", "org", "eu", "io", "info", "biz", "co"})


def _foreign_mail(email: str) -> bool:
    domain = email_domain(email) or ""
    return bool(domain) and domain.rpartition(".")[2] not in _HOME_DOMAINS


def _evidence_text(similarity: pd.Series, support: pd.DataFrame) -> pd.Series:
    """`name 93, postcode, domain`: how the name compared and what else agreed."""
    text = pd.Series(
        np.where(
            similarity >= 100, "name exact", "name " + similarity.round().astype(int).astype(str)
        ),
        index=similarity.index,
    )
    for name in ("postcode", "city", "street", "domain", "phone"):
        text = text.where(~support[name].astype(bool), text + ", " + name)
    text = text.where(~support["other_form"].astype(bool), text + ", other legal form")
    return text


def match_by_name(
    contacts: pd.DataFrame,
    register_orgs: pd.DataFrame,
    key_hits: pd.DataFrame,
    thresholds: OrganisationThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> pd.DataFrame:
    """Name-and-place fallback for `contacts` (those without a usable business ID), over
    the organisations that share a block key with them (`key_hits`: key, org_id).

    One row per contact: org_id, org_method (`name`, `name_and_place`, `ambiguous` or
    empty), org_confidence, org_candidates, org_evidence.
    """
    t = thresholds or OrganisationThresholds()
    result = pd.DataFrame(
        {
            "org_id": "",
            "org_method": "",
            "org_confidence": 0.0,
            "org_candidates": 0,
            "org_evidence": "",
            "org_similarity": 0.0,
        },
        index=contacts.index,
    )
    if contacts.empty or register_orgs.empty or key_hits.empty:
        return result
    pairs = candidate_pairs(contact_block_keys(contacts), key_hits)
    pairs = pairs[pairs["org_id"].isin(set(register_orgs["org_id"]))].reset_index(drop=True)
    if pairs.empty:
        return result
    in_pairs = register_orgs[register_orgs["org_id"].isin(set(pairs["org_id"]))]
    pairs["similarity"] = _name_similarity(pairs, contacts, _register_names(in_pairs))
    # Street, legal form and exact name only where the name could carry the match.
    support = _support(
        pairs, contacts, in_pairs, (pairs["similarity"] >= t.name_with_support).to_numpy()
    )
    points = (
        support["domain"] * t.domain_points
        + support["phone"] * t.phone_points
        + support["street"] * t.street_points
        + support["postcode"] * t.postcode_points
        + support["city"] * t.city_points
        + support["exact_name"] * t.exact_name_points
    )
    pairs["supported"] = points > 0
    against = (
        support["form"] * t.form_points
        + support["other_form"] * t.other_form_points
        + support["foreign_mail"] * t.foreign_mail_points
        + support["other_place"] * t.other_place_points
    )
    # A renamed organisation keeps its web domain and its place (or its switchboard)
    # while the customer still writes the old name: that finds it whatever the name.
    renamed = (
        support["domain"] & (support["postcode"] | support["city"] | support["street"])
    ) | support["phone"]
    pairs["similarity"] = (
        np.where(
            renamed, np.maximum(pairs["similarity"], t.renamed_similarity), pairs["similarity"]
        )
        + against
    )
    pairs["score"] = pairs["similarity"] + points
    eligible = (
        (pairs["similarity"] >= t.name_accept)
        | (pairs["supported"] & (pairs["similarity"] >= t.name_with_support))
        | renamed
    )
    pairs = pairs[eligible].join(support)
    if pairs.empty:
        return result
    pairs = pairs.sort_values(["contact", "score", "org_id"], ascending=[True, False, True])
    counts = pairs.groupby("contact", sort=False).size()
    best = pairs.drop_duplicates("contact", keep="first").set_index("contact")
    runner_up = pairs[pairs.duplicated("contact", keep="first")].drop_duplicates("contact")
    runner_score = runner_up.set_index("contact")["score"].reindex(best.index)
    contested = (runner_score >= best["score"] - t.ambiguity_margin).fillna(False)
    decided = best[~contested]
    result.loc[best.index, "org_candidates"] = counts.loc[best.index].astype(int)
    result.loc[best.index[contested.to_numpy()], "org_method"] = OrgMethod.AMBIGUOUS.value
    result.loc[decided.index, "org_id"] = decided["org_id"].astype(str)
    method = np.where(decided["supported"], OrgMethod.NAME_AND_PLACE.value, OrgMethod.NAME.value)
    result.loc[decided.index, "org_method"] = method
    result.loc[decided.index, "org_confidence"] = calibration.organisation_confidence(
        method, decided["similarity"].to_numpy()
    )
    result.loc[decided.index, "org_evidence"] = _evidence_text(decided["similarity"], decided)
    result.loc[decided.index, "org_similarity"] = decided["similarity"].astype(float)
    return result


def _supported(
    contacts: pd.DataFrame, matches: pd.DataFrame, register_orgs: pd.DataFrame
) -> pd.Series:
    """Whether place, street, web domain or phone agree between each contact and the
    organisation `matches` gives it (same index as `contacts`)."""
    if contacts.empty:
        return pd.Series(False, index=contacts.index, dtype=bool)
    pairs = pd.DataFrame({"contact": contacts.index, "org_id": matches["org_id"].to_numpy()})
    support = _support(pairs, contacts, register_orgs)
    agrees = support[["postcode", "city", "street", "domain", "phone"]].any(axis=1)
    return pd.Series(agrees.to_numpy(dtype=bool), index=contacts.index)


def _joined_words(name: object) -> str:
    return _words_of(str(name))


# A file's organisation names recur from row to row and from one step to the next (the
# name fallback, the contradicted-ID check): their words are made once. The register's
# names come with theirs (`name_words_column`).
@lru_cache(maxsize=262_144)
def _words_of(name: str) -> str:
    return " ".join(name_words(name))


def contradicted_by_name(
    contacts: pd.DataFrame, keys: pd.DataFrame, by_business_id: pd.DataFrame
) -> pd.Series:
    """Rows whose valid business ID finds an organisation none of whose names is like the
    row's organisation name: the ID may be another account's, typed or copied by mistake
    (or the organisation was renamed). Such rows are also looked for by name and place.
    `by_business_id` holds the register organisations found, indexed by business ID."""
    found = keys["business_id_norm"].isin(by_business_id.index) & (keys["org_name_key"] != "")
    contradicted = pd.Series(False, index=contacts.index)
    if not found.any():
        return contradicted
    registered_keys = by_business_id.get("name_key")
    if registered_keys is not None:
        # The same name key as the organisation's official name: no contradiction, and
        # no comparison needed (most rows).
        same_key = keys["business_id_norm"].map(registered_keys) == keys["org_name_key"]
        found &= ~same_key.fillna(False).astype(bool)
        if not found.any():
            return contradicted
    rows = contacts.index[found.to_numpy()]
    registered = by_business_id.loc[keys.loc[rows, "business_id_norm"]]
    # (row, the words of one of the organisation's names) pairs, compared at C speed.
    names = pd.DataFrame(
        {
            "row": np.arange(len(rows)),
            "words": [words.split("|") for words in name_words_column(registered)],
        }
    ).explode("words")
    names = names[names["words"].fillna("") != ""]
    ours = per_unique(contacts.loc[rows, "org_name"].to_numpy(dtype=object), _joined_words)
    theirs = names["words"].to_numpy(dtype=object)
    similarity = process.cpdist(
        ours[names["row"].to_numpy(dtype=int)], theirs, scorer=fuzz.token_set_ratio, workers=-1
    )
    best = pd.Series(similarity).groupby(names["row"].to_numpy(dtype=int)).max()
    best = best.reindex(range(len(rows)), fill_value=0.0).to_numpy()
    contradicted.loc[rows] = (ours != "") & (best < CONTRADICTING_NAME)
    return contradicted


# Below this similarity (0-100, words without legal form) a name is another organisation's.
CONTRADICTING_NAME = 60.0


def match_organisations(
    contacts: pd.DataFrame,
    register_orgs: pd.DataFrame,
    key_hits: pd.DataFrame | None = None,
    thresholds: OrganisationThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
    keys: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per contact (same index): the register organisation the customer means.

    `org_method` is `business_id`, `name`, `name_and_place`, `ambiguous` (several
    organisations fit and nothing tells them apart) or empty (none found). `key_hits`
    (key, org_id) are the register's block keys the file's rows share, as the store
    returns them; without it they are computed from `register_orgs` in memory. `keys` are
    the contacts' `organisation_keys` where the caller has them already.
    """
    if not contacts.index.is_unique:
        raise ValueError("contacts need a unique index: results are joined back by it")
    keys = organisation_keys(contacts) if keys is None else keys.loc[contacts.index]
    result = keys.assign(
        org_id="",
        org_method="",
        org_confidence=0.0,
        org_candidates=0,
        org_evidence="",
        org_similarity=0.0,
    )
    if register_orgs.empty:
        return result
    by_business_id = register_orgs.drop_duplicates("business_id").set_index("business_id")
    valid = keys["business_id_state"] == BusinessIdState.VALID.value
    found = valid & keys["business_id_norm"].isin(by_business_id.index)
    result.loc[found, "org_id"] = keys.loc[found, "business_id_norm"].map(by_business_id["org_id"])
    result.loc[found, "org_method"] = OrgMethod.BUSINESS_ID.value
    result.loc[found, "org_candidates"] = 1
    result.loc[found, "org_confidence"] = calibration.organisation_confidence(
        np.full(int(found.sum()), OrgMethod.BUSINESS_ID.value), np.full(int(found.sum()), 100.0)
    )
    result.loc[found, "org_evidence"] = "business ID"
    result.loc[found, "org_similarity"] = 100.0

    contradicted = found & contradicted_by_name(contacts, keys, by_business_id)
    supports_business_id = _supported(
        contacts[contradicted], result.loc[contradicted], register_orgs
    )
    fallback = (~found & (keys["org_name_key"] != "")) | contradicted
    if fallback.any():
        wanted = contacts[fallback]
        if key_hits is None:
            index = OrganisationIndex.from_register(register_orgs)
            key_hits = index.lookup(contact_block_keys(wanted)["key"])
        t = thresholds or OrganisationThresholds()
        # A valid business ID the register does not hold names an organisation it does not
        # know (abroad, new, never registered): a similar name is then most likely another
        # organisation, so only the exact name with place, domain or phone agreeing will do.
        unknown_id = (valid & ~found)[fallback].to_numpy()
        strict = replace(t, name_accept=101.0, name_with_support=100.0)
        for rows, limits in ((~unknown_id, t), (unknown_id, strict)):
            if rows.any():
                by_name = match_by_name(wanted[rows], register_orgs, key_hits, limits, calibration)
                # A contradicted business ID gives way only to an organisation found by name
                # and place, and only where nothing but the name speaks for the ID's own
                # (a renamed organisation keeps its town, street, domain and phone).
                keep_id = contradicted.loc[by_name.index] & (
                    (by_name["org_method"] != OrgMethod.NAME_AND_PLACE)
                    | supports_business_id.reindex(by_name.index, fill_value=False)
                )
                by_name = by_name[~keep_id]
                result.loc[by_name.index, by_name.columns] = by_name
                overruled = by_name.index[contradicted.loc[by_name.index].to_numpy()]
                result.loc[overruled, "org_evidence"] = (
                    result.loc[overruled, "org_evidence"] + "; business ID names another"
                )
    result["org_candidates"] = result["org_candidates"].astype(int)
    result["org_confidence"] = result["org_confidence"].astype(float)
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
