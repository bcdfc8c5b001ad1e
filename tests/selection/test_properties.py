"""Property tests: whatever the order, no prohibited person or channel leaves the register,
every row meets every criterion, and the ledger has one entry per disclosed person with
their fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from register import RegisterStore, record_disclosures
from selection import SelectionError, parse_order, select_persons
from selection.order import AREAS, PERSONNEL_CLASSES, SENIORITY
from selection.regions import REGIONS
from tests.conftest import AS_OF
from tests.selection.checks import check_ledger, check_selection
from tests.selection.conftest import Snapshot

_INDUSTRY_PREFIXES = ["4", "43", "432", "62", "7", "71", "711", "1", "2", "46", "69", "81"]
_FORMS = ["company", "limited_partnership", "sole_trader", "association", "oy", "tmi"]


def _subset(values: list[str], most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=most, unique=True)


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    organisation: dict[str, Any] = {}
    person: dict[str, Any] = {}
    if draw(st.booleans()):
        organisation["industry_codes"] = draw(_subset(_INDUSTRY_PREFIXES, 3))
    if draw(st.booleans()):
        organisation["regions"] = draw(_subset(list(REGIONS), 5))
    if draw(st.integers(0, 3)) == 0:
        organisation["municipalities"] = draw(_subset(["Helsinki", "Tampere", "Oulu", "Vårdö"], 2))
    if draw(st.integers(0, 3)) == 0:
        low = draw(st.integers(0, 80_000))
        organisation["postcodes"] = [f"{low:05d}-{low + draw(st.integers(0, 40_000)):05d}"]
    if draw(st.integers(0, 2)) == 0:
        organisation["personnel_classes"] = draw(_subset(list(PERSONNEL_CLASSES), 4))
    if draw(st.integers(0, 3)) == 0:
        organisation["legal_forms"] = draw(_subset(_FORMS, 2))
    organisation["active_only"] = draw(st.booleans())
    if draw(st.booleans()):
        person["areas"] = draw(_subset(list(AREAS), 4))
    if draw(st.integers(0, 2)) == 0:
        person["levels"] = draw(_subset(list(SENIORITY), 5))
    person["top_of_area"] = draw(st.booleans())
    raw: dict[str, Any] = {
        "order_id": "hyp",
        "customer": "acme",
        "channels": draw(_subset(["post", "email", "phone"], 3)),
        "organisation": organisation,
        "person": person,
    }
    if draw(st.booleans()):
        raw |= {"purpose": "campaign", "campaign_id": "c-1", "campaign_end": date(2027, 1, 31)}
    else:
        raw["purpose"] = "continuous"
    if draw(st.booleans()):
        raw["max_persons"] = draw(st.integers(1, 60))
    return raw


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=orders(), exclude=st.integers(0, 12))
def test_any_order_honours_prohibitions_criteria_and_ledger(
    sqlite_store: RegisterStore, snapshot_rows: Snapshot, raw: dict[str, Any], exclude: int
) -> None:
    # The customer's existing customers: some business IDs of the register, in odd notations.
    ids = sorted(o["business_id"] for o in snapshot_rows.organisations.values())[: exclude * 7]
    raw["exclude_business_ids"] = [i.replace("-", "") if n % 2 else i for n, i in enumerate(ids)]
    if not any(raw["organisation"].get(k) for k in raw["organisation"] if k != "active_only") and (
        not raw["person"].get("areas") and not raw["person"].get("levels")
    ):
        raw["person"]["areas"] = ["MYYNTI"]
    order = parse_order(raw)
    try:
        selection = select_persons(sqlite_store, order, AS_OF)
    except SelectionError:
        event("refused: selects no one, or a criterion keeps everyone")
        return  # selects no one (or a criterion kept everyone): refused, nothing disclosed
    event("selected someone")
    check_selection(snapshot_rows, order, selection, AS_OF)
    snapshot = sqlite_store.current_snapshot()
    assert snapshot is not None
    record_disclosures(
        sqlite_store,
        order.customer,
        order.folder_name,
        snapshot.snapshot_id,
        selection.disclosed,
        purpose=order.purpose,
        campaign_id=order.campaign_id,
    )
    check_ledger(sqlite_store, selection, order.folder_name)
    # The counts add up: everyone who met the criteria is selected or removed for a reason.
    summary = selection.summary
    removed = summary["removed"]
    assert summary["persons_meeting_criteria"] == summary["persons_selected"] + sum(
        v for k, v in removed.items() if k != "another_position_of_the_same_person"
    )
