"""The processor-only facts as they were computed before they went columnar: one Python
loop over the output rows, a dict per register row. Kept here, never in the product, as
the oracle the columnar `quality.processor` is tested against (test_processor_columnar).
A copy of quality/processor.py at commit dce83e3 (and of the refresh.apply.frame_records
it used), renamed; do not "improve" it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache, partial
from typing import Any

import pandas as pd

from crmfile import written_cell


def frame_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """refresh.apply.frame_records as it was then (copied, so that the oracle stands alone):
    the frame's rows as dicts, missing values as None."""
    columns = list(frame.columns)
    lists = [
        frame[c].astype(object).where(frame[c].notna(), None).tolist()
        if frame[c].hasnans
        else frame[c].tolist()
        for c in columns
    ]
    for values in zip(*lists, strict=True):
        yield dict(zip(columns, values, strict=True))


# Row number -> the values that row may carry.
RowValues = Callable[[int], frozenset[str]]

# Register person fields and the prohibitions that withhold them (channels concerned).
_PERSON_FIELDS = {
    "first_name": frozenset(),
    "last_name": frozenset(),
    "title": frozenset(),
    "email": frozenset({"direct_marketing", "email_marketing"}),
    "mobile": frozenset({"direct_marketing", "phone_marketing"}),
}
_ORG_FIELDS = {
    "name": frozenset(),
    "business_id": frozenset(),
    "successor_business_id": frozenset(),
    **{
        f"{kind}_{part}": frozenset({"direct_marketing"})
        for kind in ("postal", "visiting")
        for part in ("street", "postcode", "city")
    },
}
_OURS = 6  # the spec's appended columns: status, flags, changes, confidence, org id, person id


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def oracle_register_values(
    output: pd.DataFrame,
    organizations: pd.DataFrame,
    positions: pd.DataFrame,
    prohibitions: pd.DataFrame,
) -> tuple[RowValues, RowValues]:
    """Per output row, the register values it may carry: in the customer's columns, those
    of the person's positions in the organisation it names (never their positions
    elsewhere: where a person went is not the customer's business) and of that
    organisation, less the channels the person's prohibitions close; in the contract's
    organisation columns, that organisation's values. Nothing at all under a disclosure
    prohibition."""
    # Only the register rows the output names (a large file's candidates are many more).
    named_orgs = set(output["register_org_id"])
    named_persons = set(output["register_person_id"])
    organizations = organizations[organizations["org_id"].isin(named_orgs)]
    positions = positions[positions["person_id"].isin(named_persons)]
    orgs = {r["org_id"]: r for r in frame_records(organizations)}
    by_position: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in frame_records(positions):
        by_position.setdefault((record["person_id"], record["org_id"]), []).append(record)
    kinds: dict[str, set[str]] = {}
    for person_id, kind in zip(
        prohibitions.get("person_id", []), prohibitions.get("kind", []), strict=True
    ):
        kinds.setdefault(person_id, set()).add(kind)
    org_ids = output["register_org_id"].tolist()
    person_ids = output["register_person_id"].tolist()

    # Computed when first asked for, once per row: the checks ask only about rows with a
    # value that differs from what the customer sent, a few of a large file.
    @cache
    def allowed(number: int) -> frozenset[str]:
        org_id, person_id = org_ids[number], person_ids[number]
        closed = kinds.get(person_id, set())
        if "disclosure" in closed:
            return frozenset()
        values: set[str] = set()
        for record in by_position.get((person_id, org_id), []):
            values |= {
                _text(record.get(f)) for f, gate in _PERSON_FIELDS.items() if not gate & closed
            }
        org = orgs.get(org_id) if org_id else None
        if org is not None:
            values |= {_text(org.get(f)) for f, gate in _ORG_FIELDS.items() if not gate & closed}
        values.discard("")
        return frozenset(values)

    @cache
    def contract(number: int) -> frozenset[str]:
        org = orgs.get(org_ids[number]) if org_ids[number] else None
        if org is None or "disclosure" in kinds.get(person_ids[number], set()):
            return frozenset()
        return frozenset(_text(v) for v in org.values())

    return allowed, contract


def oracle_processor_frame(
    source_rows: Sequence[Sequence[str]],
    output_rows: Sequence[Sequence[str]],
    width: int,
    key_position: int | None,
    allowed: RowValues,
    contract: RowValues,
    *,
    file_kind: str = "csv",
) -> pd.DataFrame:
    """One row per output row, with the facts the processor-only suite checks.

    Cells are compared as the refreshed file of ``file_kind`` carries them
    (crmfile.written_cell, the writer's own rule): in a CSV a formula-like cell gets a
    leading "'" on every row, opted_out rows included, so "as sent" there means the
    customer's cells through that same rule. ``output_rows`` may be the rows before
    writing or the file as written: both give the same facts.
    """
    written = partial(written_cell, file_kind)
    facts: list[dict[str, Any]] = []
    for number, back in enumerate(output_rows):
        sent = list(source_rows[number]) if number < len(source_rows) else []
        padded = sent[:width] + [""] * (width - len(sent))
        key = str(number + 1) if key_position is None else None
        status = back[width] if len(back) > width else ""
        ours = back[width : width + _OURS]
        # Most rows come back with the customer's cells as sent: one list comparison.
        differs = [] if back[:width] == padded else _differing(back, padded, width, written)
        foreign = [i for i in differs if not _allowed(back[i], allowed(number), written)]
        foreign += [
            i
            for i in range(width + _OURS, len(back) - max(0, len(sent) - width))
            if back[i] and not _allowed(back[i], contract(number), written)
        ]
        facts.append(
            {
                "input_key": key if key is not None else padded[key_position or 0],
                "output_key": key if key is not None else back[key_position or 0],
                "values_from_customer_or_register": not foreign,
                "opted_out_as_sent": status != "opted_out" or (not differs and not any(ours[1:])),
            }
        )
    return pd.DataFrame(
        facts,
        columns=[
            "input_key",
            "output_key",
            "values_from_customer_or_register",
            "opted_out_as_sent",
        ],
    )


def _differing(
    back: Sequence[str], sent: Sequence[str], width: int, written: Callable[[str], str]
) -> list[int]:
    """The customer's columns whose cell in the file differs from the one sent, both as
    the file carries them (written_cell is idempotent, so an already written row compares
    the same as one before writing)."""
    return [i for i in range(width) if back[i] != sent[i] and written(back[i]) != written(sent[i])]


def _allowed(value: str, values: frozenset[str], written: Callable[[str], str]) -> bool:
    return value in values or any(written(v) == written(value) for v in values if v)
