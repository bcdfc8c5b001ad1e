"""Order files in TOML and YAML: one schema, the same order, the same one-line refusals
naming the file (and the line, for a syntax error)."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from selection import OrderError, read_order
from selection.order_yaml import load_yaml_order

DOCS = Path(__file__).resolve().parents[2] / "docs"

_HEAD_TOML = 'order_id = "o-1"\ncustomer = "acme"\npurpose = "continuous"\nchannels = ["post"]\n'
_HEAD_YAML = "order_id: o-1\ncustomer: acme\npurpose: continuous\nchannels: [post]\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_yaml_example_is_the_toml_example_key_for_key() -> None:
    toml_path, yaml_path = DOCS / "selection-order.toml", DOCS / "selection-order.yaml"
    raw_toml = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    raw_yaml = load_yaml_order(yaml_path.read_text(encoding="utf-8"), yaml_path.name)
    assert raw_yaml == raw_toml
    order = read_order(yaml_path)
    assert order == read_order(toml_path)
    assert order.campaign_end == date(2027, 4, 30) and order.max_persons == 500
    assert order.organisation.industry_codes == ("62", "7112")


def _uncommented(text: str) -> str:
    """The example with its commented-out criteria switched on (not the prose comments)."""
    lines = []
    for line in text.splitlines():
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        key = body[2:].split("=")[0].split(":")[0].strip()
        criterion = key.replace("_", "").isalpha() and key.islower()
        if body.startswith("# ") and criterion and ("=" in body or ":" in body):
            lines.append(indent + body[2:])
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def test_the_commented_out_criteria_are_twins_too(tmp_path: Path) -> None:
    _write(tmp_path, "acme-customers.csv", "0112038-9\n0737546-2\n")
    toml_text = _uncommented((DOCS / "selection-order.toml").read_text(encoding="utf-8"))
    yaml_text = _uncommented((DOCS / "selection-order.yaml").read_text(encoding="utf-8"))
    from_toml = read_order(_write(tmp_path, "o.toml", toml_text))
    from_yaml = read_order(_write(tmp_path, "o.yaml", yaml_text))
    assert from_yaml == from_toml
    # Every optional criterion is on now: the uncommenting did reach them.
    assert from_toml.organisation.postcodes and from_toml.organisation.legal_forms
    assert from_toml.person.levels == ("ceo", "director")
    assert "0737546-2" in from_toml.exclude_business_ids


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".YAML"])
def test_yaml_values_mean_what_toml_says(tmp_path: Path, suffix: str) -> None:
    toml_order = read_order(
        _write(
            tmp_path,
            "o.toml",
            _HEAD_TOML + "max_persons = 1_000\n[organisation]\nindustry_codes = ['01', '62']\n"
            "postcodes = ['00100', '00200-00990']\nactive_only = false\n"
            "[person]\nlevels = ['ceo']\n",
        )
    )
    yaml_order = read_order(
        _write(
            tmp_path,
            f"o{suffix}",
            # Unquoted: a leading zero keeps the text (YAML 1.1 would read 01 as octal 1,
            # 00100 as 64); 1_000 is a thousand as in TOML.
            _HEAD_YAML + "max_persons: 1_000\norganisation:\n  industry_codes: [01, 62]\n"
            "  postcodes: [00100, 00200-00990]\n  active_only: false\n"
            "person:\n  levels: [ceo]\n",
        )
    )
    assert yaml_order == toml_order
    assert yaml_order.organisation.industry_codes == ("01", "62")
    assert yaml_order.organisation.postcodes == (("00100", "00100"), ("00200", "00990"))


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "bad.yaml",
            _HEAD_YAML + "organisation:\n  region: [Uusimaa]\n",
            "order file bad.yaml: unknown criterion 'organisation.region'",
        ),
        (
            "bad.toml",
            _HEAD_TOML + "[organisation]\nregion = ['Uusimaa']\n",
            "order file bad.toml: unknown criterion 'organisation.region'",
        ),
        ("bad.yml", _HEAD_YAML + "colour: red\nperson:\n  areas: [IT]\n", "criterion 'colour'"),
        (
            "syntax.yaml",
            _HEAD_YAML + "organisation:\n  regions: [Uusimaa\nperson:\n  areas: [IT]\n",
            "order file syntax.yaml: not valid YAML (",
        ),
        (
            "tab.yaml",
            _HEAD_YAML + "organisation:\n\tregions: [Uusimaa]\n",
            "order file tab.yaml: not valid YAML (",
        ),
        (
            "twice.yaml",
            _HEAD_YAML + "organisation:\n  regions: [Uusimaa]\n  regions: [Lappi]\n",
            "order file twice.yaml: 'regions' is given twice in one table (line 7)",
        ),
        (
            "yes.yaml",
            _HEAD_YAML + "organisation:\n  regions: [Uusimaa]\n  active_only: yes\n",
            "order file yes.yaml: organisation.active_only must be true or false",
        ),
        ("list.yaml", "- order_id: o-1\n", "order file list.yaml: an order is a table of keys"),
        ("empty.yaml", "# nothing yet\n", "order file empty.yaml: an order is a table of keys"),
        (
            "octal.yaml",
            _HEAD_YAML + "max_persons: 0500\norganisation:\n  regions: [Uusimaa]\n",
            "order file octal.yaml: max_persons must be a whole number",
        ),
        (
            "null.yaml",
            _HEAD_YAML + "organisation:\n  regions:\n",
            "order file null.yaml: organisation.regions must be a list of text values",
        ),
        (
            "object.yaml",
            _HEAD_YAML + "organisation: !!python/object:os.system {}\n",
            "order file object.yaml: not valid YAML (",
        ),
    ],
)
def test_bad_order_files_are_refused_in_one_line_naming_the_file(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    with pytest.raises(OrderError) as caught:
        read_order(_write(tmp_path, name, text))
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and len(message) < 400


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    # Line 6 opens a list that line 7 breaks.
    text = _HEAD_YAML + "organisation:\n  regions: [Uusimaa\nperson:\n  areas: [IT]\n"
    with pytest.raises(OrderError, match=r"^order file o\.yaml: not valid YAML \(.* line [67],"):
        read_order(_write(tmp_path, "o.yaml", text))
    # The text of the line is not echoed (an order may be pasted with anything in it).
    text = _HEAD_YAML + "organisation:\n  regions: 'Matti Virtanen\n"
    with pytest.raises(OrderError) as caught:
        read_order(_write(tmp_path, "o.yaml", text))
    assert "Virtanen" not in str(caught.value) and "line" in str(caught.value)


def test_a_yaml_order_reads_its_exclusion_file_beside_it(tmp_path: Path) -> None:
    _write(tmp_path, "customers.csv", "y-tunnus\n0112038-9\n")
    order = _write(
        tmp_path,
        "o.yaml",
        _HEAD_YAML + "exclude_business_ids_file: customers.csv\nperson:\n  areas: [IT]\n",
    )
    assert read_order(order).exclude_business_ids == frozenset({"0112038-9"})
