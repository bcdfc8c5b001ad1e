"""Blocking for the organisation name fallback: which register organisations a customer row
is compared with when its business ID is missing, invalid or unknown.

The register is indexed once by short *block keys* derived from each organisation's names
(official and `aux_names`), place and web domain; a customer row is compared only with the
organisations that share a key with it — never all pairs. A key that too many organisations
share ("t:rakennus") says nothing and is skipped, so the cost per row stays bounded whatever
the register's size. The same keys are computed here for both sides, and the register store
keeps the register side in an indexed table, so the in-memory index and the database give the
same candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from matching.contact_points import email_domain
from matching.text import fold_name, org_name_key

# A key shared by more organisations than this is too common to block on.
MAX_BLOCK_SIZE = 100
# A row's organisations beyond this many, ranked by the keys they share with it, are not
# compared. In a country-sized register nearly every row without a business ID shares one
# key (a common word with its postcode, say) with dozens of organisations; the one it
# means shares most of its keys (at 600,000 organisations the right one ranked within the
# first five for every such row in 50,000).
MAX_CANDIDATES_PER_ROW = 20
# Only the first few words of a name carry its identity ("Virtanen Rakennus ja Saneeraus").
_WORDS_FOR_KEYS = 3
_MIN_TOKEN = 3
# Addresses of these domains say nothing about the organisation.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "hotmail.com",
        "hotmail.fi",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "luukku.com",
        "suomi24.fi",
        "kolumbus.fi",
        "elisanet.fi",
        "saunalahti.fi",
        "icloud.com",
        "me.com",
        "protonmail.com",
    }
)


def name_words(name: str) -> list[str]:
    """Folded words of an organisation name without its legal form (ä->a, ae->a)."""
    return [fold_name(word) for word in org_name_key(name).split()]


def name_keys(name: str, postcode: str = "") -> list[str]:
    """Block keys of one name: the whole name, each pair of its first words, each word, and
    each word within the postcode (which still finds a name with a typo in one word)."""
    return _word_keys(name_words(name), postcode)


def _word_keys(words: list[str], postcode: str) -> list[str]:
    if not words:
        return []
    keys = ["n:" + " ".join(words)]
    head = [w for w in words[:_WORDS_FOR_KEYS] if len(w) >= _MIN_TOKEN]
    keys += ["p:" + " ".join(sorted(pair)) for pair in combinations(head, 2)]
    keys += ["t:" + word for word in head]
    postcode = postcode.strip()
    if postcode:
        keys += [f"q:{postcode} {word}" for word in head]
    return keys


def web_domain(www: str | None) -> str:
    """`https://www.Example.fi/yhteystiedot` -> `example.fi`."""
    text = (www or "").strip().casefold()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    text = text.split("/", 1)[0].removeprefix("www.")
    return text if "." in text else ""


def mail_domain_key(email: str | None) -> str:
    domain = email_domain(email) or ""
    return "" if not domain or domain in FREE_MAIL_DOMAINS else "d:" + domain


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as text with "" for missing values, or all "" where the frame lacks it."""
    if name in frame:
        return frame[name].fillna("").astype(str)
    return pd.Series("", index=frame.index, dtype=object)


def register_name_words(name: object, aux_names: object) -> str:
    """The words the name fallback compares a row's name with, of an organisation's
    official name and each of its `aux_names` (`|`-separated): each name's words once,
    names joined by `|`, official first. The register keeps it as a derived column
    (`name_words`), made once per organisation instead of in every chunk that meets it."""
    kept: list[str] = []
    for one in [str(name or ""), *str(aux_names or "").split("|")]:
        words = " ".join(name_words(one))
        if words and words not in kept:
            kept.append(words)
    return "|".join(kept)


def name_words_column(register_orgs: pd.DataFrame) -> np.ndarray:
    """`register_name_words` of each organisation: the register's own column where the
    candidates carry it, else made here."""
    if "name_words" in register_orgs:
        return register_orgs["name_words"].fillna("").to_numpy(dtype=object)
    return np.array(
        [
            register_name_words(name, aux)
            for name, aux in zip(
                text_column(register_orgs, "name"),
                text_column(register_orgs, "aux_names"),
                strict=True,
            )
        ],
        dtype=object,
    )


def organisation_block_keys(register_orgs: pd.DataFrame) -> pd.DataFrame:
    """(org_id, key) for every register organisation: keys of its official name and of
    each of its `aux_names` (from their words, `name_words_column`), and its web domain."""
    org_ids: list[str] = []
    keys: list[str] = []
    for org_id, names, postcode, www in zip(
        register_orgs["org_id"],
        name_words_column(register_orgs),
        text_column(register_orgs, "visiting_postcode"),
        text_column(register_orgs, "www"),
        strict=True,
    ):
        own = {
            key
            for words in names.split("|")
            if words
            for key in _word_keys(words.split(" "), postcode)
        }
        domain = web_domain(www)
        if domain:
            own.add("d:" + domain)
        org_ids += [str(org_id)] * len(own)
        keys += sorted(own)
    return pd.DataFrame({"org_id": org_ids, "key": keys})


def contact_block_keys(contacts: pd.DataFrame) -> pd.DataFrame:
    """(contact, key) for each customer row: keys of its organisation name (with its
    postcode) and the domain of its e-mail address unless that is a free-mail domain."""
    contact_ids: list[object] = []
    keys: list[str] = []
    for contact, name, postcode, email in zip(
        contacts.index,
        text_column(contacts, "org_name"),
        text_column(contacts, "postcode"),
        text_column(contacts, "email"),
        strict=True,
    ):
        own = set(name_keys(name, postcode))
        domain_key = mail_domain_key(email)
        if domain_key:
            own.add(domain_key)
        contact_ids += [contact] * len(own)
        keys += sorted(own)
    return pd.DataFrame({"contact": contact_ids, "key": keys})


@dataclass(frozen=True)
class OrganisationIndex:
    """The register's block keys in memory (the store keeps the same in a table)."""

    keys: pd.DataFrame  # org_id, key

    @classmethod
    def from_register(cls, register_orgs: pd.DataFrame) -> OrganisationIndex:
        return cls(organisation_block_keys(register_orgs))

    def lookup(self, keys: pd.Series | list[str], max_block: int = MAX_BLOCK_SIZE) -> pd.DataFrame:
        """(key, org_id) for the wanted keys that at most `max_block` organisations share."""
        wanted = self.keys[self.keys["key"].isin(set(keys))]
        sizes = wanted.groupby("key")["org_id"].transform("size")
        return wanted.loc[sizes <= max_block, ["key", "org_id"]].reset_index(drop=True)


def candidate_pairs(
    contact_keys: pd.DataFrame,
    key_hits: pd.DataFrame,
    max_per_row: int = MAX_CANDIDATES_PER_ROW,
) -> pd.DataFrame:
    """(contact, org_id, shared_keys): the organisations each row shares a usable key with,
    at most `max_per_row` of them, those sharing the most keys (ties by org_id), in the
    order the pairs first meet in the join."""
    if contact_keys.empty or key_hits.empty:
        return pd.DataFrame({"contact": [], "org_id": [], "shared_keys": []})
    pairs = contact_keys.merge(key_hits, on="key", how="inner")
    if pairs.empty:
        return pd.DataFrame({"contact": [], "org_id": [], "shared_keys": []})
    # Counted and ranked on integer codes: the keys a row shares grow with the register
    # (more organisations per block), and sorting the pairs as text was two thirds of
    # ranking a 1M-row file's candidates. Organisation codes follow id order (ties).
    contact_codes, contacts = pd.factorize(pairs["contact"])
    org_codes, orgs = pd.factorize(pairs["org_id"], sort=True)
    width = np.int64(len(orgs))
    pair_codes, first, shared = np.unique(
        contact_codes.astype(np.int64) * width + org_codes, return_index=True, return_counts=True
    )
    contact, org = pair_codes // width, pair_codes % width
    ranked = np.lexsort((org, -shared, contact))
    grouped = contact[ranked]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    rank = np.arange(len(ranked)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
    kept = ranked[rank < max_per_row]
    kept = kept[np.argsort(first[kept], kind="stable")]
    return pd.DataFrame(
        {
            "contact": contacts.take(contact[kept]),
            "org_id": orgs.take(org[kept]),
            "shared_keys": shared[kept].astype(np.int64),
        }
    )


__all__ = [
    "FREE_MAIL_DOMAINS",
    "MAX_BLOCK_SIZE",
    "MAX_CANDIDATES_PER_ROW",
    "OrganisationIndex",
    "candidate_pairs",
    "contact_block_keys",
    "mail_domain_key",
    "name_keys",
    "name_words",
    "organisation_block_keys",
    "text_column",
    "web_domain",
]
