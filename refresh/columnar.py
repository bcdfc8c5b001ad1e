"""The maintenance rules on a whole file at once: one frame of decisions, rules applied in
the order of precedence as masks over columns.

`refresh.rules.decide` is the reference, one row at a time and readable; this module must
agree with it row for row (status, flags, changes, ids, confidence), and a property test
holds it to that. Text is compared by meaning (`same_title`, `same_person_name`…) once per
distinct pair of values; everything else is array arithmetic.

The frame (`decide_columns`) holds, per row: `status`, `reason` (an `invalid` row's),
`confidence` (NaN where none), `org_id`, `person_id`, `evidence` (how the match was made,
in words), one boolean column per flag (`Flag`), `new_<column>` (the register's value
written into a customer column, "" where none) and `register_<field>` (organisation
fields the contract allows). `appended_text` renders the file's columns from it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matching.addresses import postcode_key, street_key
from matching.business_id import normalise_business_id
from matching.contact_points import normalise_email, normalise_phone
from matching.names import same_given_name, same_person_name
from matching.schema import EVIDENCE_COLUMNS, Flag, OrgMethod, PersonMethod, Status
from matching.text import fold
from matching.title_meaning import same_title
from refresh.dates import is_stale
from refresh.rules import (
    INACTIVE_ORG_STATUSES,
    PROHIBITION_FLAGS,
    WITHHELD_COLUMNS,
    RefreshSettings,
)
from refresh.suppression import EMPTY_SUPPRESSION, SuppressionList

# Customer columns a register value may be written into, in the order `refresh_changes`
# lists them (the order `decide` compares them in).
WRITABLE_COLUMNS = (
    "first_name",
    "last_name",
    "title",
    "email",
    "mobile",
    "phone",
    "business_id",
    "street",
    "postcode",
    "city",
)
# Rows that go back exactly as the customer sent them, with nothing of ours but the status.
AS_SENT = frozenset({Status.OPTED_OUT, Status.INVALID})
ADDRESS_COLUMNS = ("street", "postcode", "city")
POSITION_COLUMNS = (
    "first_name",
    "last_name",
    "title",
    "responsibility_area",
    "email",
    "mobile",
    "verified_at",
)

Strings = np.ndarray  # of Python str, "" where missing


def _strings(frame: pd.DataFrame, column: str, *, strip: bool = False) -> Strings:
    """A column as str values, "" where the frame lacks it or holds nothing."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[column]
    text = values.astype(object).where(values.notna(), "").astype(str)
    return (text.str.strip() if strip else text).to_numpy(dtype=object)


def _per_pair(function: Callable[..., Any], mask: np.ndarray, *columns: Strings) -> np.ndarray:
    """`function(*values)` for the rows of `mask`, computed once per distinct tuple of
    values; False elsewhere."""
    result = np.zeros(len(mask), dtype=bool)
    rows = np.flatnonzero(mask)
    if not len(rows):
        return result
    cache: dict[tuple[Any, ...], bool] = {}
    out = np.empty(len(rows), dtype=bool)
    for i, values in enumerate(zip(*(column[rows] for column in columns), strict=True)):
        known = cache.get(values)
        if known is None:
            known = cache[values] = bool(function(*values))
        out[i] = known
    result[rows] = out
    return result


def _per_value(function: Callable[[Any], Any], values: np.ndarray) -> np.ndarray:
    """`function` of each value, computed once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    # Filled one by one: `np.array` would make a 2-D array of a list of tuples.
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        mapped[i] = function(value)
    return mapped[codes] if len(uniques) else np.array([], dtype=object)


def _same_key(
    key: Callable[[str], Any], mask: np.ndarray, ours: Strings, theirs: Strings
) -> np.ndarray:
    """Where `key(ours) == key(theirs)`, for the rows of `mask` (False elsewhere): each
    side's keys computed once per distinct value, not once per pair, and not at all where
    the two are the same text (most rows of a file: a key of equal texts is equal)."""
    result = mask & (ours == theirs)
    rows = np.flatnonzero(mask & ~result)
    if len(rows):
        result[rows] = _per_value(key, ours[rows]) == _per_value(key, theirs[rows])
    return result


def _same_text_or(
    function: Callable[..., bool], mask: np.ndarray, ours: Strings, theirs: Strings, *more: Strings
) -> np.ndarray:
    """`function(ours, theirs, *more)` where the two texts differ; True where they are
    equal. Only for a sameness that holds of any text and itself (`same_title`,
    `same_given_name`), which the property test against `decide` checks."""
    equal = mask & (ours == theirs)
    return equal | _per_pair(function, mask & ~equal, ours, theirs, *more)


def _phone_key(value: str) -> tuple[bool, str]:
    """`same_phone` as a key: numbers compare in E.164 where both parse, else as written
    (a number that parses never equals, as written, one that does not)."""
    number = normalise_phone(value)
    return (True, number) if number is not None else (False, (value or "").strip())


def _lookup(
    frame: pd.DataFrame, keys: list[str], wanted: pd.DataFrame, columns: Sequence[str]
) -> pd.DataFrame:
    """`columns` of the `frame` row each `wanted` row names by `keys` (last one wins, as
    in a dict built row by row), "" where none; the index is `wanted`'s."""
    if frame.empty:
        found = pd.DataFrame(index=wanted.index, columns=list(columns), dtype=object)
    else:
        table = frame.drop_duplicates(keys, keep="last")
        # One text key (ids hold no control characters): a hash look-up, where a
        # MultiIndex would factorise both levels of both sides first.
        table = table[[c for c in columns if c in table]].set_axis(_joined_key(table, keys))
        found = table.reindex(_joined_key(wanted, keys))
        found.index = wanted.index
    for column in columns:
        if column not in found:
            found[column] = None
    return found


def _joined_key(frame: pd.DataFrame, keys: list[str]) -> pd.Index:
    key = frame[keys[0]].astype(str)
    for column in keys[1:]:
        key = key + "\x1f" + frame[column].astype(str)
    return pd.Index(key.to_numpy(dtype=object))


def _register_text(frame: pd.DataFrame, column: str) -> Strings:
    """A register column as `decide` reads it: str, stripped, "" for nothing."""
    values = frame[column]
    if pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}:
        # Text or nothing (the usual register column): pandas strips it in one pass.
        text = values.where(values.notna(), "").astype(object).str.strip()
        return text.to_numpy(dtype=object)
    return _per_value(_stripped, values.to_numpy(dtype=object))


def _stripped(value: object) -> str:
    # `factorize` hands a missing value over as NaN, whatever it was in the frame.
    return (
        ""
        if value is None or value is pd.NA or value is pd.NaT or _is_nan(value)
        else str(value).strip()
    )


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)


class _Writes:
    """The columnar `_Changes`: per column, whether the register's value differs (flag)
    and whether it is written (not withheld)."""

    def __init__(
        self,
        contacts: pd.DataFrame,
        present: set[str],
        withheld: Mapping[str, np.ndarray],
    ) -> None:
        self.present, self.withheld = present, withheld
        n = len(contacts)
        self.flags: dict[str, np.ndarray] = {}
        self.new: dict[str, Strings] = {c: np.full(n, "", dtype=object) for c in WRITABLE_COLUMNS}
        self._old = {c: _strings(contacts, c) for c in WRITABLE_COLUMNS}

    def old(self, column: str) -> Strings:
        return self._old[column]

    def candidates(self, column: str, rows: np.ndarray, new: Strings) -> np.ndarray:
        """Rows where a comparison can say anything: the customer has the column and a
        value in it, and the register has one."""
        if column not in self.present:
            return np.zeros(len(rows), dtype=bool)
        return rows & (self._old[column] != "") & (new != "")

    def compare(
        self, column: str, rows: np.ndarray, new: Strings, flag: str, same: np.ndarray
    ) -> None:
        differs = self.candidates(column, rows, new) & ~same
        self.flags[flag] = self.flags.get(flag, np.zeros(len(rows), dtype=bool)) | differs
        written = differs & ~self.withheld.get(column, np.zeros(len(rows), dtype=bool))
        self.new[column] = np.where(written, new, self.new[column])


def decide_columns(
    contacts: pd.DataFrame,
    present: set[str],
    evidence: pd.DataFrame,
    organizations: pd.DataFrame,
    positions: pd.DataFrame,
    prohibitions: pd.DataFrame,
    settings: RefreshSettings,
    suppression: SuppressionList = EMPTY_SUPPRESSION,
    *,
    business_ids: Strings | None = None,
) -> pd.DataFrame:
    """The decision for every contact (same index), as columns; see the module docstring.
    `evidence` is complete (`matching.complete_evidence`). `business_ids`, where the caller
    has them, are the contacts' canonical business IDs ("" where none), as
    `matching.organisation_keys` gives them: parsing them again here cost a 1M-row file
    about a seventh of the rules' time, once the parser's cache no longer held them."""
    index = contacts.index
    n = len(contacts)
    # Read by column, never written: the file's own evidence needs no aligned copy.
    ev = evidence if evidence.index.equals(index) else evidence.loc[index, list(EVIDENCE_COLUMNS)]
    org_id = ev["org_id"].to_numpy(dtype=object)
    person_id = ev["person_id"].to_numpy(dtype=object)
    elsewhere_id = ev["elsewhere_person_id"].to_numpy(dtype=object)
    position_org_id = ev["position_org_id"].to_numpy(dtype=object)
    position_current = ev["position_current"].to_numpy(dtype=bool)
    has_person = person_id != ""

    # 1. invalid; then no organisation; then an organisation with two persons alike.
    problem = _strings(contacts, "problem")
    invalid = problem != ""
    no_org = ~invalid & (org_id == "")
    person_method = ev["person_method"].to_numpy(dtype=object)
    person_ambiguous = ~invalid & ~no_org & (person_method == PersonMethod.AMBIGUOUS)
    rest = ~invalid & ~no_org & ~person_ambiguous

    # 2. prohibitions of the identified person.
    pid = np.where(has_person, person_id, elsewhere_id)
    kinds = _prohibition_masks(prohibitions, pid)
    opted_out = rest & kinds["disclosure"]
    rest &= ~opted_out
    # What `decide` carries on with: a known organisation and a person not opted out.
    carried = rest.copy()

    # 3. the organisation (of the match, and of the position where the person is).
    position_org = np.where(position_org_id != "", position_org_id, org_id)
    org_columns = ["status", "successor_business_id", "business_id"] + [
        f"{prefix}_{column}" for prefix in ("postal", "visiting") for column in ADDRESS_COLUMNS
    ]
    org = _lookup(
        organizations, ["org_id"], pd.DataFrame({"org_id": org_id}, index=index), org_columns
    )
    at_position = _lookup(
        organizations, ["org_id"], pd.DataFrame({"org_id": position_org}, index=index), org_columns
    )
    inactive = rest & org["status"].isin(INACTIVE_ORG_STATUSES).to_numpy()
    rest &= ~inactive
    matched = rest & has_person & position_current
    known_elsewhere = ev["found_elsewhere"].to_numpy(dtype=bool)
    left = rest & ~matched & (has_person | known_elsewhere | ev["role_held"].to_numpy(dtype=bool))
    not_found_at_org = rest & ~matched & ~left

    status = np.full(n, "", dtype=object)
    status[invalid] = Status.INVALID.value
    status[no_org] = np.where(
        ev["org_method"].to_numpy(dtype=object)[no_org] == OrgMethod.AMBIGUOUS,
        Status.AMBIGUOUS.value,
        Status.NOT_FOUND.value,
    )
    status[person_ambiguous] = Status.AMBIGUOUS.value
    status[opted_out] = Status.OPTED_OUT.value
    status[inactive] = Status.ORG_INACTIVE.value
    status[left] = Status.PERSON_LEFT.value
    status[not_found_at_org] = Status.NOT_FOUND.value

    # Withheld channels: the prohibitions of the person, by column.
    withheld: dict[str, np.ndarray] = {}
    for kind, columns in WITHHELD_COLUMNS.items():
        for column in columns:
            withheld[column] = withheld.get(column, np.zeros(n, dtype=bool)) | kinds[kind]
    writes = _Writes(contacts, present, withheld)

    # 4. an inactive organisation: the successor's business ID where the person carried on.
    successor = _register_text(org, "successor_business_id")
    if business_ids is None:
        business_ids = _per_value(
            lambda raw: normalise_business_id(raw)[0] or "", _strings(contacts, "business_id")
        )
    bid_text = business_ids
    has_bid = bid_text != ""
    carried_on = position_current & (position_org_id != "") & (position_org_id != org_id)
    successor_rows = inactive & (successor != "") & has_bid & carried_on
    writes_inactive = _Writes(contacts, present, {})
    writes_inactive.compare(
        "business_id", successor_rows, successor, Flag.BUSINESS_ID_CHANGED, bid_text == successor
    )

    # 5. a person who holds a position there: compare what the customer has by meaning.
    position = _lookup(
        positions.sort_values("valid_to", na_position="last", kind="stable"),
        ["person_id", "org_id"],
        pd.DataFrame({"person_id": person_id, "org_id": position_org}, index=index),
        POSITION_COLUMNS,
    )
    _compare_matched(writes, present, matched, position, at_position, bid_text, has_bid)
    for column in WRITABLE_COLUMNS:
        writes.new[column] = np.where(
            successor_rows, writes_inactive.new[column], writes.new[column]
        )

    flags = {flag.value: np.zeros(n, dtype=bool) for flag in Flag}
    flags[Flag.BUSINESS_ID_INVALID] = (ev["business_id_state"] == "invalid").to_numpy() & ~(
        invalid | opted_out
    )
    for kind, flag in PROHIBITION_FLAGS.items():
        flags[flag] = kinds[kind] & carried
    for flag, values in writes.flags.items():
        flags[flag] |= values & matched
    flags[Flag.BUSINESS_ID_CHANGED] |= writes_inactive.flags.get(
        Flag.BUSINESS_ID_CHANGED, np.zeros(n, dtype=bool)
    )
    stale = _per_value(
        lambda day: is_stale(
            None if day is None or pd.isna(day) else day,
            settings.as_of,
            settings.stale_after_months,
        ),
        position["verified_at"].to_numpy(dtype=object),
    )
    flags[Flag.STALE] = matched & stale.astype(bool)
    changed = np.zeros(n, dtype=bool)
    for flag in writes.flags:
        changed |= writes.flags[flag] & matched
    status[matched] = np.where(changed[matched], Status.UPDATED.value, Status.VERIFIED.value)

    # Ids and confidence, as `decide` gives them per status.
    out_org = np.where(invalid | no_org | opted_out, "", org_id)
    out_org = np.where(matched, position_org, out_org)
    out_person = np.full(n, "", dtype=object)
    out_person[inactive | matched] = person_id[inactive | matched]
    out_person[left] = pid[left]
    org_confidence = ev["org_confidence"].to_numpy(dtype=float)
    both = org_confidence * ev["person_confidence"].to_numpy(dtype=float)
    raw = np.where(has_person & ~person_ambiguous, both, org_confidence)
    confidence = np.where(invalid | no_org | opted_out, np.nan, _rounded(raw))

    decided = ~pd.Series(status, dtype=object).isin(AS_SENT).to_numpy()
    flags[Flag.DUPLICATE] = decided & ev["duplicate"].to_numpy(dtype=bool) & (out_person != "")
    if len(suppression):
        flags[Flag.CUSTOMER_SUPPRESSED] = decided & _suppressed(contacts, suppression)
    evidence_text = np.where(decided, _evidence_text(ev["org_evidence"], ev["person_evidence"]), "")

    frame = pd.DataFrame(
        {
            "status": status,
            "reason": np.where(invalid, problem, ""),
            "confidence": confidence,
            "org_id": out_org,
            "person_id": out_person,
            "evidence": evidence_text,
            **{flag.value: flags[flag] for flag in Flag},
            **{f"new_{column}": writes.new[column] for column in WRITABLE_COLUMNS},
        },
        index=index,
    )
    for name in settings.allowed_org_fields:
        values = _lookup(
            organizations,
            ["org_id"],
            pd.DataFrame({"org_id": out_org}, index=index),
            [name],
        )[name]
        text = values.astype(object).where(values.notna(), "").astype(str)
        frame[f"register_{name}"] = np.where(decided & (out_org != ""), text, "")
    return frame


def _rounded(values: np.ndarray) -> np.ndarray:
    """Python's `round(x, 2)` (correctly rounded), once per distinct value."""
    uniques, codes = np.unique(values, return_inverse=True)
    return np.array([round(float(v), 2) for v in uniques], dtype=float)[codes]


def _prohibition_masks(prohibitions: pd.DataFrame, pid: Strings) -> dict[str, np.ndarray]:
    """Per prohibition kind, the rows whose identified person has it."""
    names = list(dict.fromkeys(("disclosure", *PROHIBITION_FLAGS, *WITHHELD_COLUMNS)))
    person = prohibitions["person_id"] if "person_id" in prohibitions else pd.Series([])
    kind = prohibitions["kind"] if "kind" in prohibitions else pd.Series([])
    # Each person's kinds as bits, looked up once per row by hash.
    bits: dict[str, int] = {}
    for person_id, name in zip(person.astype(str), kind.astype(str), strict=True):
        if name in names:
            bits[person_id] = bits.get(person_id, 0) | 1 << names.index(name)
    held = pd.Series(pid, dtype=object).map(bits).fillna(0).to_numpy(dtype=np.int64)
    held[pid == ""] = 0
    return {name: (held & 1 << number) != 0 for number, name in enumerate(names)}


def _evidence_text(org_evidence: pd.Series, person_evidence: pd.Series) -> np.ndarray:
    org = org_evidence.astype(str).to_numpy(dtype=object)
    person = person_evidence.astype(str).to_numpy(dtype=object)
    org_part = np.where(org != "", "organisation: " + org, "")
    person_part = np.where(person != "", "person: " + person, "")
    joined = np.where(
        (org_part != "") & (person_part != ""),
        org_part + "; " + person_part,
        org_part + person_part,
    )
    return joined


def _suppressed(contacts: pd.DataFrame, suppression: SuppressionList) -> np.ndarray:
    columns = ("row_key", "email", "phone", "mobile")
    frame = pd.DataFrame({c: _strings(contacts, c) for c in columns})
    present = [c for c in columns if c in contacts]

    def names(*values: str) -> bool:
        return suppression.names(dict(zip(present, values, strict=True)))

    return _per_pair(
        names, np.ones(len(frame), dtype=bool), *(frame[c].to_numpy() for c in present)
    )


def _compare_matched(
    writes: _Writes,
    present: set[str],
    matched: np.ndarray,
    position: pd.DataFrame,
    org: pd.DataFrame,
    bid_text: Strings,
    has_bid: np.ndarray,
) -> None:
    """`decide`'s `_refresh_matched` comparisons, each over the matched rows at once."""
    first, last = _register_text(position, "first_name"), _register_text(position, "last_name")
    c_first, c_last = writes.old("first_name"), writes.old("last_name")
    first_rows = writes.candidates("first_name", matched, first)
    last_rows = writes.candidates("last_name", matched, last)
    # The name is one fact, however the customer split it over the two columns. The same
    # surname as written is the same name whatever the given name (`same_person_name`).
    name_rows = first_rows | last_rows
    same_surname = name_rows & (c_last == last)
    same_name = same_surname | _per_pair(
        same_person_name, name_rows & ~same_surname, c_first, c_last, first, last
    )
    same_first = _same_text_or(same_given_name, first_rows & ~same_name, c_first, first)
    same_last = _same_key(fold, last_rows & ~same_name, c_last, last)
    writes.compare("first_name", matched, first, Flag.NAME_CHANGED, same_name | same_first)
    writes.compare("last_name", matched, last, Flag.NAME_CHANGED, same_name | same_last)
    title = _register_text(position, "title")
    area = _register_text(position, "responsibility_area")
    writes.compare(
        "title",
        matched,
        title,
        Flag.TITLE_CHANGED,
        _same_text_or(
            same_title, writes.candidates("title", matched, title), writes.old("title"), title, area
        ),
    )
    email = _register_text(position, "email")
    writes.compare(
        "email",
        matched,
        email,
        Flag.EMAIL_CHANGED,
        _same_key(
            normalise_email, writes.candidates("email", matched, email), writes.old("email"), email
        ),
    )
    mobile = _register_text(position, "mobile")
    phone_column = "mobile" if "mobile" in present else "phone"
    writes.compare(
        phone_column,
        matched,
        mobile,
        Flag.PHONE_CHANGED,
        _same_key(
            _phone_key,
            writes.candidates(phone_column, matched, mobile),
            writes.old(phone_column),
            mobile,
        ),
    )
    register_bid = _register_text(org, "business_id")
    writes.compare(
        "business_id",
        matched & has_bid,
        register_bid,
        Flag.BUSINESS_ID_CHANGED,
        bid_text == register_bid,
    )
    _compare_address(writes, present, matched, org)


def _compare_address(
    writes: _Writes,
    present: set[str],
    matched: np.ndarray,
    org: pd.DataFrame,
) -> None:
    """Equal to the postal or the visiting address in every address column the customer
    has, or else each address column compared with the register's (postal first)."""
    street, postcode, city = (writes.old(c) for c in ADDRESS_COLUMNS)
    same_address = np.zeros(len(matched), dtype=bool)
    for prefix in ("postal", "visiting"):
        r_street = _register_text(org, f"{prefix}_street")
        r_postcode = _register_text(org, f"{prefix}_postcode")
        r_city = _register_text(org, f"{prefix}_city")
        same = matched & ~same_address
        for column, ours, theirs in (
            ("street", street, r_street),
            ("postcode", postcode, r_postcode),
            ("city", city, r_city),
        ):
            if column in present:
                same &= _same_key(_ADDRESS_KEYS[column], same, ours, theirs)
        same_address |= same
    moved = matched & ~same_address
    for column in ADDRESS_COLUMNS:
        postal = _register_text(org, f"postal_{column}")
        new = np.where(postal != "", postal, _register_text(org, f"visiting_{column}"))
        rows = writes.candidates(column, moved, new)
        writes.compare(
            column,
            moved,
            new,
            Flag.ADDRESS_CHANGED,
            _same_key(_ADDRESS_KEYS[column], rows, writes.old(column), new),
        )


# `same_street`, postcodes and cities as keys: equal keys, the same address part.
_ADDRESS_KEYS: dict[str, Callable[[str], str]] = {
    "street": street_key,
    "postcode": postcode_key,
    "city": fold,
}


def flags_text(decisions: pd.DataFrame) -> pd.Series:
    """`refresh_flags`: the row's flags in the schema's order, `;`-separated."""
    return _joined(
        decisions.index,
        [np.where(decisions[flag.value].to_numpy(), flag.value, "") for flag in Flag],
    )


def changes_text(
    decisions: pd.DataFrame, contacts: pd.DataFrame, column_names: Mapping[str, str] | None
) -> pd.Series:
    """`refresh_changes`: `column: old -> new` per written column under the customer's own
    column name; an invalid row's reason."""
    names = column_names or {}
    parts = []
    for column in WRITABLE_COLUMNS:
        new = decisions[f"new_{column}"].to_numpy(dtype=object)
        written = new != ""
        if not written.any():
            continue
        label = names.get(column, column)
        text = np.full(len(decisions), "", dtype=object)
        old = _strings(contacts, column)[written]
        text[written] = [f"{label}: {o} -> {v}" for o, v in zip(old, new[written], strict=True)]
        parts.append(text)
    changes = _joined(decisions.index, parts)
    reason = decisions["reason"].to_numpy(dtype=object)
    return changes.where(reason == "", "reason: " + decisions["reason"])


def _joined(index: pd.Index, parts: list[np.ndarray]) -> pd.Series:
    joined = np.full(len(index), "", dtype=object)
    for part in parts:
        has = part != ""
        both = has & (joined != "")
        joined = np.where(both, joined + ";" + part, np.where(has, part, joined))
    return pd.Series(joined, index=index, dtype=object)


def appended_text(
    decisions: pd.DataFrame,
    contacts: pd.DataFrame,
    org_fields: Sequence[str] = (),
    column_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The appended columns exactly as they go into the file: the spec's six, then
    `register_<field>` for each organisation field the contract allows."""
    confidence = decisions["confidence"]
    frame = pd.DataFrame(
        {
            "refresh_status": decisions["status"].astype(str),
            "refresh_flags": flags_text(decisions),
            "refresh_changes": changes_text(decisions, contacts, column_names),
            "refresh_confidence": [
                "" if np.isnan(value) else f"{value:.2f}" for value in confidence.to_numpy()
            ],
            "register_org_id": decisions["org_id"],
            "register_person_id": decisions["person_id"],
        },
        index=decisions.index,
    )
    for name in org_fields:
        frame[f"register_{name}"] = decisions[f"register_{name}"]
    return frame


def row_updates(decisions: pd.DataFrame) -> list[dict[str, str]]:
    """Per row, the customer columns the register's value is written into."""
    updates: list[dict[str, str]] = [{} for _ in range(len(decisions))]
    for column in WRITABLE_COLUMNS:
        new = decisions[f"new_{column}"].to_numpy(dtype=object)
        for row in np.flatnonzero(new != ""):
            updates[row][column] = new[row]
    return updates
