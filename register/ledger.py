"""The disclosure ledger: which fields of which register person went to which customer.

A data subject may ask who received their data; the ledger answers with the customer, the
delivery, the date and the *names* of the fields — never their values. Rows older than
the retention period (`LEDGER_RETENTION_MONTHS`, the caller schedules the purge) are
deleted by `purge_ledger`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, delete, insert, select

from register.history import utc
from register.store import RegisterStore
from register.tables import disclosures
from register.tombstones import erased_ids, erased_marker

LEDGER_RETENTION_MONTHS = 24
# Person ids per DELETE … IN: under SQLite's and PostgreSQL's bound-parameter limits.
_IN_CHUNK = 10_000
# What a selection's disclosure is for (a refresh delivery records none).
PURPOSES = ("campaign", "continuous")

# Field names are identifiers (`email`, `mobile`, `title`, `register_www`…): anything else
# could be a value that slipped in, and values never go into the ledger.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class LedgerError(ValueError):
    """A ledger entry refused: nothing was written."""


def _text(value: str, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{what} is empty")
    if len(value) > limit:
        raise LedgerError(f"{what} is longer than {limit} characters")
    return value.strip()


def record_disclosures(
    store: RegisterStore,
    customer: str,
    delivery_id: str,
    snapshot_id: str,
    disclosed: Mapping[str, Iterable[str]],
    at: datetime | None = None,
    *,
    purpose: str | None = None,
    campaign_id: str | None = None,
    replace_delivery: bool = True,
) -> int:
    """Record one delivery: for each person_id, the names of the fields disclosed about
    them (persons with none are skipped). Returns the rows written.

    Recording the same customer's delivery again replaces its earlier rows, so a re-run of
    a delivery stays one disclosure. A person erased meanwhile is recorded under their
    tombstone marker, never their id. Refuses (LedgerError, nothing written) an empty
    customer, delivery or snapshot id, or a field name that is not an identifier.

    A selection (`selection/`) also records its `purpose` (`campaign`, with its
    `campaign_id`, or `continuous`); a refresh delivery leaves both empty. A selection run
    again may select other persons than before, and the earlier file may have been
    fetched already: with `replace_delivery=False` the earlier rows stay, and a person in
    both runs keeps one row, with the fields of both.
    """
    if purpose is not None and purpose not in PURPOSES:
        raise LedgerError(f"purpose must be one of {', '.join(PURPOSES)}")
    if (campaign_id is not None) != (purpose == "campaign"):
        raise LedgerError("a campaign id goes with purpose 'campaign', and only with it")
    if campaign_id is not None:
        campaign_id = _text(campaign_id, "campaign_id", 100)
    customer = _text(customer, "customer")
    delivery_id = _text(delivery_id, "delivery_id")
    snapshot_id = _text(snapshot_id, "snapshot_id", 100)
    disclosed_at = utc(at or datetime.now(UTC))
    entries: list[tuple[str, str]] = []
    for person_id, fields in disclosed.items():
        names = sorted({str(name) for name in fields})
        if not names:
            continue
        bad = [name for name in names if not _FIELD_NAME.match(name)]
        if bad:
            raise LedgerError(
                f"{len(bad)} field name(s) are not identifiers (lower-case letters, digits, "
                "underscores): the ledger takes field names, never values"
            )
        entries.append((_text(person_id, "person_id", 64), ",".join(names)))
    store.create_schema()
    with store.engine.begin() as conn:
        erased = erased_ids(conn, (person_id for person_id, _ in entries))
        this_delivery = (disclosures.c.customer == customer) & (
            disclosures.c.delivery_id == delivery_id
        )
        if replace_delivery:
            conn.execute(delete(disclosures).where(this_delivery))
        else:
            entries = _merged_with_earlier(conn, this_delivery, entries, erased)
        if entries:
            conn.execute(
                insert(disclosures),
                [
                    {
                        "customer": customer,
                        "delivery_id": delivery_id,
                        "person_id": erased_marker(pid) if pid in erased else pid,
                        "fields": fields,
                        "disclosed_at": disclosed_at,
                        "snapshot_id": snapshot_id,
                        "purpose": purpose,
                        "campaign_id": campaign_id,
                    }
                    for pid, fields in entries
                ],
            )
    return len(entries)


def _merged_with_earlier(
    conn: Connection,
    this_delivery: ColumnElement[bool],
    entries: list[tuple[str, str]],
    erased: set[str],
) -> list[tuple[str, str]]:
    """The entries with the fields their persons already have in this delivery added;
    those earlier rows are deleted (the entries replace them), every other row stays."""
    stored = {pid: erased_marker(pid) if pid in erased else pid for pid, _ in entries}
    earlier: dict[str, str] = {}
    for person_id, fields in conn.execute(
        select(disclosures.c.person_id, disclosures.c.fields).where(this_delivery)
    ):
        earlier[person_id] = fields
    merged = []
    for pid, fields in entries:
        before = earlier.get(stored[pid], "")
        names = sorted({*fields.split(","), *before.split(",")} - {""})
        merged.append((pid, ",".join(names)))
    again = sorted({stored[pid] for pid, _ in entries} & set(earlier))
    for start in range(0, len(again), _IN_CHUNK):
        conn.execute(
            delete(disclosures).where(
                this_delivery & disclosures.c.person_id.in_(again[start : start + _IN_CHUNK])
            )
        )
    return merged


def ledger_cutoff(months: int = LEDGER_RETENTION_MONTHS, now: datetime | None = None) -> datetime:
    """`now` (default: this moment, UTC) less `months` calendar months; the day is clamped
    to the month's length (31 March less one month is 28/29 February)."""
    now = utc(now or datetime.now(UTC))
    total = now.year * 12 + (now.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return now.replace(year=year, month=month, day=min(now.day, days_in_month[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def purge_ledger(store: RegisterStore, older_than: datetime) -> int:
    """Delete ledger rows disclosed before `older_than`; returns how many went.

    The period is the caller's (`ledger_cutoff()` gives the default 24 months)."""
    store.create_schema()
    with store.engine.begin() as conn:
        result = conn.execute(
            delete(disclosures).where(disclosures.c.disclosed_at < utc(older_than))
        )
    return int(result.rowcount or 0)
