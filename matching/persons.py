"""Matching the customer's contacts to register persons within the matched organisation
(and its successors): every field compared (`matching.comparisons`), the evidence summed,
the best person taken when the evidence is enough and no rival comes close."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.blocking import text_column
from matching.calibration import DEFAULT_CALIBRATION, Calibration
from matching.comparisons import per_unique, score_pairs, shared_factorisation, take
from matching.contact_points import normalise_email, normalise_phone
from matching.schema import PersonMethod
from matching.text import fold_name, person_name_key

PERSON_MATCH_COLUMNS = (
    "person_id",
    "position_org_id",
    "position_current",
    "person_score",
    "person_confidence",
    "person_method",
    "person_evidence",
    "duplicate",
    "name_strong",
    "role_held",
)


@dataclass(frozen=True)
class PersonThresholds:
    """Evidence, in bits (`matching.comparisons`), needed to call a contact a register
    person. Exact first and last name give 13, an initial and the surname 10, the surname
    alone 8, an equal e-mail 9; a differing first name takes 5 away."""

    accept: float = 7.0
    # A second person within this many bits of the best is a rival: `ambiguous`.
    ambiguity_margin: float = 3.0


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


def _folded(text: pd.Series) -> np.ndarray:
    """fold_name over a text column, computed once per distinct value."""
    return per_unique(text.to_numpy(dtype=object), fold_name)


def _text(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=object)


def _empty_result(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": "",
            "position_org_id": "",
            "position_current": False,
            "person_score": 0.0,
            "person_confidence": 0.0,
            "person_method": "",
            "person_evidence": "",
            "duplicate": False,
            "name_strong": False,
            "role_held": False,
        },
        index=index,
    )


def score_candidates(
    contacts: pd.DataFrame, scope: pd.DataFrame, register_persons: pd.DataFrame
) -> pd.DataFrame:
    """Every (contact, register position) pair in scope with its score and evidence."""
    with shared_factorisation():
        return _score_candidates(contacts, scope, register_persons)


def _score_candidates(
    contacts: pd.DataFrame, scope: pd.DataFrame, register_persons: pd.DataFrame
) -> pd.DataFrame:
    # Pairs carry row numbers only; each field is prepared once per contact and once per
    # register position, then gathered into the pairs (`take`).
    rows = register_persons[["org_id", "person_id"]].assign(
        register_row=np.arange(len(register_persons)),
        # Persons as integers in the order of their ids: the sorts below compare these.
        person_rank=pd.factorize(register_persons["person_id"], sort=True)[0],
    )
    pairs = scope.merge(rows, on="org_id", how="inner")
    if pairs.empty:
        return pairs.assign(
            score=[],
            email_exact=[],
            phone_exact=[],
            given_agrees=[],
            title_same=[],
            title_area=[],
            title_differs=[],
            name_strong=[],
            evidence=[],
            current=[],
        )
    ours = contacts.index.get_indexer(pairs["contact"])
    theirs = pairs["register_row"].to_numpy()

    def fields(
        name: str, prepare: Callable[[pd.Series], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        return (
            take(prepare(text_column(contacts, name)), ours),
            take(prepare(text_column(register_persons, name)), theirs),
        )

    email_keys = per_unique(
        text_column(contacts, "email").to_numpy(dtype=object), lambda e: normalise_email(e) or ""
    )
    register_emails = text_column(
        register_persons, "email_key" if "email_key" in register_persons else "email"
    )
    scored = score_pairs(
        first=fields("first_name", _folded),
        last=fields("last_name", _folded),
        email=(
            take(email_keys, ours),
            take(per_unique(register_emails.to_numpy(dtype=object), str.casefold), theirs),
        ),
        title=fields("title", _text),
        phone=_pair_phones(contacts, register_persons, ours, theirs),
    )
    scored.index = pairs.index
    valid_to = (
        register_persons["valid_to"]
        if "valid_to" in register_persons
        else pd.Series(None, index=register_persons.index)
    )
    current = valid_to.isna() | (valid_to.astype(str).str.strip().isin(["", "None", "NaT"]))
    return pairs.join(scored).assign(current=current.to_numpy(dtype=bool)[theirs])


def _best_per_person(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per (contact, person). The score, evidence and e-mail agreement are those
    of the person's best-scoring position; the position used is a current one before an
    ended one, so that a person carried into a merger's successor is found there."""
    # Sorted on integer codes with numpy: pandas' multi-column sorts of a big file's pairs
    # took a third of person matching. Both orders group by (contact, person) the same way,
    # so their first rows line up group by group.
    contact = pd.factorize(pairs["contact"], sort=True)[0]  # row labels: cheap to hash
    person = pairs["person_rank"].to_numpy()
    score = pairs["score"].to_numpy(dtype=float)
    current = pairs["current"].to_numpy(dtype=bool)
    by_score = _first_per_group(np.lexsort((-score, person, contact)), contact, person)
    by_position = _first_per_group(np.lexsort((-score, ~current, person, contact)), contact, person)
    best = pairs.iloc[by_score]
    return pairs.iloc[by_position].assign(
        person_score=best["score"].to_numpy(),
        email_exact=best["email_exact"].to_numpy(),
        phone_exact=best["phone_exact"].to_numpy(),
        given_agrees=best["given_agrees"].to_numpy(),
        title_same=best["title_same"].to_numpy(),
        title_differs=best["title_differs"].to_numpy(),
        name_strong=best["name_strong"].to_numpy(),
        evidence=best["evidence"].to_numpy(),
    )


def _group_starts(order: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Along `order` (which sorts by `keys`): True where a run of equal keys begins."""
    starts = np.ones(len(order), dtype=bool)
    for key in keys:
        ordered = key[order]
        starts[1:] &= ordered[1:] == ordered[:-1]
    starts[1:] = ~starts[1:]
    return starts


def _first_per_group(order: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """The first position in `order` of each run of equal `keys`."""
    return order[_group_starts(order, *keys)]


def resolve_shared_persons(result: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """One register person to one row of the file: where several rows took the same
    person, the best-scoring row keeps them; the others are the customer's duplicates of it
    (names agree by a name-level test, e-mails do not contradict) and are flagged, or lose
    the match (`superseded`). Runs over the whole file, after every chunk is matched."""
    result = result.copy()
    taken = result[
        (result["person_id"] != "")
        & result["person_method"].isin(
            [PersonMethod.EMAIL, PersonMethod.PHONE, PersonMethod.NAME, PersonMethod.RENAMED]
        )
    ]
    shared = taken[taken.duplicated("person_id", keep=False)]
    if shared.empty:
        return result
    email_keys = text_column(contacts.loc[shared.index], "email").map(
        lambda e: normalise_email(e) or ""
    )
    shared = shared.assign(email_key=email_keys.to_numpy(), row=range(len(shared)))
    ordered = shared.sort_values(
        ["person_id", "person_score", "row"], ascending=[True, False, True]
    )
    winner_rows = ordered.drop_duplicates("person_id", keep="first")
    winners = winner_rows.set_index("person_id")
    others = ordered[ordered.duplicated("person_id", keep="first")]
    winner_email = others["person_id"].map(winners["email_key"])
    compatible = (
        others["name_strong"].astype(bool)
        & (
            (others["email_key"] == "")
            | (winner_email == "")
            | (others["email_key"] == winner_email)
        )
    ).to_numpy(dtype=bool)
    duplicates = others.index[compatible]
    lost = others.index[~compatible]
    with_copies = set(others.loc[duplicates, "person_id"])
    duplicates = duplicates.append(winner_rows.index[winner_rows["person_id"].isin(with_copies)])
    result.loc[duplicates, "duplicate"] = True
    cleared = _empty_result(lost)
    result.loc[lost, cleared.columns] = cleared
    result.loc[lost, "person_method"] = PersonMethod.SUPERSEDED.value
    result["position_current"] = result["position_current"].astype(bool)
    result["duplicate"] = result["duplicate"].astype(bool)
    result["name_strong"] = result["name_strong"].astype(bool)
    return result


def match_persons(
    contacts: pd.DataFrame,
    scope: pd.DataFrame,
    register_persons: pd.DataFrame,
    thresholds: PersonThresholds | None = None,
    calibration: Calibration = DEFAULT_CALIBRATION,
    *,
    resolve_shared: bool = True,
) -> pd.DataFrame:
    """For each contact (same index): the register person and position it is.

    `scope` pairs each contact (`contact` = contact index) with the organisations to look in
    (`org_id`). `person_method` is `email` (the e-mail agreed), `name`, `ambiguous`,
    `superseded` (another row of the file is that person, with better evidence) or empty.
    A caller matching a file in chunks passes `resolve_shared=False` and calls
    `resolve_shared_persons` once over the whole file.
    """
    if not contacts.index.is_unique:
        raise ValueError("contacts need a unique index: results are joined back by it")
    thresholds = thresholds or PersonThresholds()
    result = _empty_result(contacts.index)
    if scope.empty or register_persons.empty:
        return result
    pairs = score_candidates(contacts, scope, register_persons)
    if pairs.empty:
        return result
    persons = _best_per_person(pairs)
    # Each contact's persons best first (ties by person id), the best and the runner-up.
    contact = pd.factorize(persons["contact"], sort=True)[0]  # row labels: cheap to hash
    person = persons["person_rank"].to_numpy()
    order = np.lexsort((person, -persons["person_score"].to_numpy(dtype=float), contact))
    starts = _group_starts(order, contact)
    seconds = ~starts & np.concatenate(([False], starts[:-1]))
    best = persons.iloc[order[starts]].set_index("contact")
    runner_up = persons.iloc[order[seconds]]
    rival_score = runner_up.set_index("contact")["person_score"].reindex(best.index)
    accepted = best["person_score"] >= thresholds.accept
    contested = (
        accepted
        & (rival_score >= thresholds.accept).fillna(False)
        & (rival_score >= best["person_score"] - thresholds.ambiguity_margin).fillna(False)
        & ~best["email_exact"].astype(bool)
        & ~best["phone_exact"].astype(bool)
    )
    kept = best[accepted & ~contested]
    result.loc[kept.index, "person_id"] = kept["person_id"].astype(str)
    result.loc[kept.index, "position_org_id"] = kept["org_id"].astype(str)
    result.loc[kept.index, "position_current"] = kept["current"].astype(bool)
    result.loc[kept.index, "person_score"] = kept["person_score"].astype(float)
    result.loc[kept.index, "person_confidence"] = calibration.person_confidence(
        kept["person_score"].to_numpy()
    )
    result.loc[kept.index, "person_method"] = np.select(
        [kept["email_exact"].astype(bool), kept["phone_exact"].astype(bool)],
        [PersonMethod.EMAIL.value, PersonMethod.PHONE.value],
        default=PersonMethod.NAME.value,
    )
    result.loc[kept.index, "person_evidence"] = kept["evidence"].astype(str)
    result.loc[kept.index, "name_strong"] = kept["name_strong"].astype(bool)
    renamed = _renamed(persons, best.index[~accepted])
    result.loc[renamed.index, "person_id"] = renamed["person_id"].astype(str)
    result.loc[renamed.index, "position_org_id"] = renamed["org_id"].astype(str)
    result.loc[renamed.index, "position_current"] = True
    result.loc[renamed.index, "person_score"] = thresholds.accept
    result.loc[renamed.index, "person_confidence"] = calibration.person_confidence(
        np.full(len(renamed), thresholds.accept)
    )
    result.loc[renamed.index, "person_method"] = PersonMethod.RENAMED.value
    result.loc[renamed.index, "person_evidence"] = (
        renamed["evidence"].astype(str) + "; the only one of that given name and role"
    )
    # Not found, and the role the customer lists (its area) is held by someone else there
    # now: the contact was most likely replaced, not never known (`person_left` without
    # an id, which the spec allows for a person the register does not know).
    unmatched = best.index[~accepted].difference(renamed.index)
    holders = pairs[
        pairs["contact"].isin(unmatched)
        & pairs["current"].astype(bool)
        & pairs["title_area"].astype(bool)
    ]
    result.loc[pd.unique(holders["contact"]), "role_held"] = True
    unsure = best[contested]
    result.loc[unsure.index, "person_method"] = PersonMethod.AMBIGUOUS.value
    result.loc[unsure.index, "person_score"] = unsure["person_score"].astype(float)
    result.loc[unsure.index, "person_evidence"] = "rival within margin"
    result["position_current"] = result["position_current"].astype(bool)
    result["name_strong"] = result["name_strong"].astype(bool)
    result["role_held"] = result["role_held"].astype(bool)
    return resolve_shared_persons(result, contacts) if resolve_shared else result


def _renamed(persons: pd.DataFrame, unmatched: pd.Index) -> pd.DataFrame:
    """Contacts whose surname changed (at marriage, most often with a new e-mail): the
    surname test speaks against the person, but within the organisation the given name
    with the same role, the same mobile or the same mailbox still names them (a title that
    says another role does not), when exactly one person holding a current position there
    fits. One row per contact found."""
    fits = persons[
        persons["contact"].isin(unmatched)
        & persons["current"].astype(bool)
        & persons["given_agrees"].astype(bool)
        # Another role as well as another surname: another person (a mailbox such as
        # eveliina@ passes from one Eveliina to the next).
        & ~persons["title_differs"].astype(bool)
        & (
            persons["title_same"].astype(bool)
            | persons["phone_exact"].astype(bool)
            | persons["email_exact"].astype(bool)
        )
    ]
    count = fits.groupby("contact")["person_id"].nunique()
    single = count.index[count.to_numpy() == 1]
    return fits.drop_duplicates("contact").set_index("contact").loc[single]


def find_elsewhere(contacts: pd.DataFrame, register_persons: pd.DataFrame) -> pd.DataFrame:
    """For contacts not found in their organisation: is the contact a register person who
    is now elsewhere? (`found`, and `person_id` when exactly one person fits.)

    Only evidence that names the person will do: the same e-mail address, or the same full
    name with the same mobile number. A name alone never does: Finnish names repeat (the
    register holds many a Matti Virtanen), and calling a namesake at another organisation
    "the person who left" tells the customer something false about a real person.
    Where the person went is the register's business and never goes into the file.
    """
    found = pd.DataFrame({"found": False, "person_id": ""}, index=contacts.index)
    if contacts.empty or register_persons.empty:
        return found
    keys = contact_person_keys(contacts).assign(
        contact=contacts.index, phone_key=contact_phone_keys(contacts)
    )
    people = register_persons[["person_id", "name_key"]].assign(
        email_key=text_column(register_persons, "email_key"),
        phone_key=_register_phones(register_persons),
    )
    people = people[people["name_key"].fillna("") != ""]
    tiers = [
        keys[keys["email_key"] != ""].merge(people[people["email_key"] != ""], on="email_key"),
        keys[(keys["phone_key"] != "") & (keys["name_key"] != "")].merge(
            people[people["phone_key"] != ""], on=["name_key", "phone_key"]
        ),
    ]
    settled: set[object] = set()
    for tier in tiers:
        hits = tier[~tier["contact"].isin(settled)]
        if hits.empty:
            continue
        settled |= set(hits["contact"])
        ids = hits[["contact", "person_id"]].drop_duplicates()
        count = ids.groupby("contact")["person_id"].nunique()
        found.loc[count.index, "found"] = True
        single = count.index[count.to_numpy() == 1]
        only = ids.drop_duplicates("contact").set_index("contact")["person_id"]
        found.loc[single, "person_id"] = only.loc[single].astype(str)
    return found


def _pair_phones(
    contacts: pd.DataFrame, register_persons: pd.DataFrame, ours: np.ndarray, theirs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(contact's, position's) mobile of each pair in E.164; the positions' numbers are
    parsed only where the contact has one to compare with."""
    contact_phones = take(contact_phone_keys(contacts), ours)
    register_phones = np.full(len(theirs), "", dtype=object)
    wanted = contact_phones != ""
    if wanted.any():
        if "mobile_key" in register_persons:
            keys = text_column(register_persons, "mobile_key").to_numpy(dtype=object)
            register_phones[wanted] = keys[theirs[wanted]]
        else:
            mobiles = text_column(register_persons, "mobile").to_numpy(dtype=object)
            register_phones[wanted] = per_unique(mobiles[theirs[wanted]], _e164)
    return contact_phones, register_phones


def _e164(phone: str) -> str:
    return normalise_phone(phone) or ""


def _register_phones(register_persons: pd.DataFrame) -> np.ndarray:
    """The positions' mobiles in E.164: the register's own key where the candidate rows
    carry it (`mobile_key`, parsed once when the register image was written)."""
    if "mobile_key" in register_persons:
        return text_column(register_persons, "mobile_key").to_numpy(dtype=object)
    return per_unique(
        text_column(register_persons, "mobile").to_numpy(dtype=object),
        _e164,
    )


def contact_phone_keys(contacts: pd.DataFrame) -> np.ndarray:
    """The contact's mobile in E.164, else its phone."""
    mobile = per_unique(text_column(contacts, "mobile").to_numpy(dtype=object), _e164)
    phone = per_unique(text_column(contacts, "phone").to_numpy(dtype=object), _e164)
    return np.where(mobile != "", mobile, phone)
