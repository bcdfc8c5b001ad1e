"""Bad orders are refused with one clear line that names the problem and no data."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from register import RegisterStore
from selection import OrderError, SelectionError, parse_order, read_order, select_persons
from selection.regions import REGIONS
from tests.conftest import AS_OF

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "selection-order.toml"


def _order(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "order_id": "o-1",
        "customer": "acme",
        "purpose": "continuous",
        "channels": ["email"],
        "organisation": {"regions": ["Uusimaa"]},
        "person": {"areas": ["JOHTO"]},
    }
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def test_the_documented_example_is_a_valid_order() -> None:
    order = read_order(EXAMPLE)
    assert order.purpose == "campaign" and order.campaign_end == date(2027, 4, 30)
    assert order.person.areas == ("JOHTO", "MYYNTI") and order.person.top_of_area
    assert order.exclude_business_ids == frozenset({"0112038-9"})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (_order(colour="red"), "unknown criterion 'colour'"),
        (_order(organisation={"region": ["Uusimaa"]}), "unknown criterion 'organisation.region'"),
        (
            _order(person={"areas": ["JOHTO"], "seniority": 1}),
            "unknown criterion 'person.seniority'",
        ),
        (_order(max_persons=0), "a cap of 0 selects no one"),
        (_order(max_persons=-3), "max_persons must be at least 1"),
        (_order(max_persons=True), "max_persons must be a whole number"),
        (_order(organisation={}, person={}), "would select everyone"),
        (_order(person={"top_of_area": True}, organisation={}), "would select everyone"),
        (
            _order(organisation={"regions": list(REGIONS)}),
            "criterion organisation.regions lists every value",
        ),
        (_order(organisation={"postcodes": ["00000-99999"]}), "organisation.postcodes lists every"),
        (_order(organisation={"industry_codes": list("0123456789")}), "industry_codes lists every"),
        (_order(person={"areas": []}), "person.areas is empty"),
        (_order(person={"areas": ["SALES"]}), "person.areas: 1 unknown value"),
        (_order(organisation={"regions": ["Narnia"]}), "name no Finnish region"),
        (_order(organisation={"postcodes": ["0010"]}), "five digits"),
        (_order(channels=["fax"]), "channels: 1 unknown value"),
        (_order(channels=None), "channels is missing"),
        (_order(purpose="marketing"), "purpose must be one of campaign, continuous"),
        (_order(purpose="campaign"), "campaign_id is missing"),
        (_order(purpose="campaign", campaign_id="c1"), "campaign_end is missing"),
        (_order(campaign_id="c1"), "campaign_id is for purpose = 'campaign' only"),
        (_order(order_id="../etc"), "order_id must be one name"),
        (_order(customer="ACME Oy"), "customer must be one name"),
        (_order(exclude_business_ids=["1234567-8"]), "excluded business ID(s) are not valid"),
    ],
)
def test_bad_orders_are_refused_in_one_line(raw: dict[str, Any], says: str) -> None:
    with pytest.raises(OrderError) as caught:
        parse_order(raw)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and len(message) < 400


def test_a_key_that_is_no_plain_name_is_not_echoed() -> None:
    with pytest.raises(OrderError) as caught:
        parse_order(_order(**{"matti.virtanen@example.fi": 1}))
    assert "@" not in str(caught.value)


def test_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "order.toml"
    broken.write_text('order_id = "x"\ncustomer = \n', encoding="utf-8")
    with pytest.raises(OrderError, match=r"not valid TOML \(.*line 2"):
        read_order(broken)
    with pytest.raises(OrderError, match="no such file"):
        read_order(tmp_path / "missing.toml")


def test_exclusion_file_any_notation_and_a_bad_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(
        "y-tunnus;nimi\n0112038-9;A\nFI01120389;B\n\n# comment\n", encoding="utf-8"
    )
    order = tmp_path / "order.toml"
    order.write_text(
        'order_id = "o"\ncustomer = "acme"\npurpose = "continuous"\nchannels = ["post"]\n'
        'exclude_business_ids_file = "customers.csv"\n[person]\nareas = ["IT"]\n',
        encoding="utf-8",
    )
    assert read_order(order).exclude_business_ids == frozenset({"0112038-9"})
    (tmp_path / "customers.csv").write_text("0112038-9\n123\n", encoding="utf-8")
    with pytest.raises(OrderError, match=r"first at customers\.csv line 2"):
        read_order(order)


def test_empty_result_and_a_criterion_keeping_everyone_are_refused(
    sqlite_store: RegisterStore,
) -> None:
    nobody = parse_order(
        _order(organisation={"industry_codes": ["99999"]}, person={"areas": ["JOHTO"]})
    )
    with pytest.raises(SelectionError, match="the order selects no one"):
        select_persons(sqlite_store, nobody, AS_OF)
    # Every code of the register starts with one of these: the criterion limits nothing.
    everyone = parse_order(_order(organisation={"industry_codes": list("123456789")}))
    with pytest.raises(SelectionError, match=r"industry_codes keeps all .* it selects everyone"):
        select_persons(sqlite_store, everyone, AS_OF)
    ended = parse_order(_order(purpose="campaign", campaign_id="c", campaign_end=date(2026, 11, 1)))
    with pytest.raises(SelectionError, match="has passed"):
        select_persons(sqlite_store, ended, AS_OF)


def test_the_selection_package_runs_without_dagster() -> None:
    import subprocess
    import sys

    code = (
        "import sys, selection, selection.retention, selection.files; "
        "print('dagster' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
