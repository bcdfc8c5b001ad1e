"""A selection order: which of the register's decision-makers a customer receives, for
what purpose, by which criteria. Read from TOML or YAML (one schema; `.yaml` / `.yml` are
YAML, any other name TOML) and refused, in one line that names the file, when it is not
a precise order (an unknown criterion, a cap of 0, a criterion that keeps everyone).

An order names no person and carries no personal data; its exclusion list holds
business IDs (organisations), which are normalised (`matching.business_id`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from matching.business_id import BusinessIdState, normalise_business_id
from register.snapshot import AREA_CODES
from selection.regions import REGIONS, canonical_municipality, canonical_region

PURPOSES = ("campaign", "continuous")
CHANNELS = ("post", "email", "phone")
AREAS = AREA_CODES
# Every title level `matching.title_meaning` reads, most senior first *for a selection*:
# the person who runs the organisation or the area operationally first. The CEO /
# managing director (toimitusjohtaja), a country manager (who runs a subsidiary), the COO
# and the deputy CEO; an owner-entrepreneur (who runs the firm where no one has those
# titles); the area's directors, heads (`Head of …`, a director or a manager) and
# managers. The board (chair, then member) governs rather than runs, so it follows them:
# the top of the management area is its CEO, not its board chair. Then the accountant,
# specialist and assistant; a title with no level ("") ranks last. This order decides the
# top of an area, a person's one position and who a cap keeps.
SENIORITY = (
    "ceo",
    "country",
    "coo",
    "deputy_ceo",
    "owner",
    "director",
    "head",
    "manager",
    "board_chair",
    "board_member",
    "accountant",
    "specialist",
    "assistant",
)
PERSONNEL_CLASSES = (
    "1-4",
    "5-9",
    "10-19",
    "20-49",
    "50-99",
    "100-249",
    "250-499",
    "500-999",
    "1000+",
)
# Families of `matching.text.legal_form_family`, and the abbreviations customers write.
LEGAL_FORMS = (
    "company",
    "limited_partnership",
    "partnership",
    "sole_trader",
    "association",
    "cooperative",
    "foundation",
)
_LEGAL_FORM_ALIASES = {
    "oy": "company",
    "oyj": "company",
    "ab": "company",
    "abp": "company",
    "ky": "limited_partnership",
    "ay": "partnership",
    "tmi": "sole_trader",
    "ry": "association",
    "osk": "cooperative",
    "sr": "foundation",
}
MAX_ORDER_BYTES = 10 << 20
_CUSTOMER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# The order id names the outbox folder `selection-<id>` (at most 128 characters).
_ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_INDUSTRY_PREFIX = re.compile(r"^\d{1,5}$")
_POSTCODE = re.compile(r"^\d{5}$")
_SIZE_CLASS = re.compile(r"^\d+(-\d+|\+)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,60}$")

TOP_LEVEL_KEYS = (
    "order_id",
    "customer",
    "purpose",
    "campaign_id",
    "campaign_end",
    "channels",
    "max_persons",
    "exclude_business_ids",
    "exclude_business_ids_file",
    "organisation",
    "person",
)
ORGANISATION_KEYS = (
    "industry_codes",
    "regions",
    "municipalities",
    "postcodes",
    "personnel_classes",
    "revenue_classes",
    "legal_forms",
    "active_only",
)
PERSON_KEYS = ("areas", "levels", "top_of_area")


class OrderError(ValueError):
    """A selection order refused; the message is one line and names no personal data."""


@dataclass(frozen=True)
class OrganisationCriteria:
    """Organisation-level criteria; an empty tuple is "not restricted"."""

    industry_codes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    postcodes: tuple[tuple[str, str], ...] = ()
    personnel_classes: tuple[str, ...] = ()
    revenue_classes: tuple[str, ...] = ()
    legal_forms: tuple[str, ...] = ()
    active_only: bool = True

    @property
    def places(self) -> frozenset[str]:
        """The municipalities the regions and municipalities name together (one criterion:
        `regions = ["Uusimaa"], municipalities = ["Tampere"]` is Uusimaa or Tampere)."""
        towns = {m for region in self.regions for m in REGIONS[region]}
        return frozenset(towns | set(self.municipalities))


@dataclass(frozen=True)
class PersonCriteria:
    areas: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    top_of_area: bool = False


@dataclass(frozen=True)
class SelectionOrder:
    order_id: str
    customer: str
    purpose: str
    channels: tuple[str, ...]
    campaign_id: str | None = None
    campaign_end: date | None = None
    max_persons: int | None = None
    exclude_business_ids: frozenset[str] = field(default_factory=frozenset)
    organisation: OrganisationCriteria = field(default_factory=OrganisationCriteria)
    person: PersonCriteria = field(default_factory=PersonCriteria)

    @property
    def key(self) -> str:
        """The Dagster partition key: `customer/order-id`."""
        return f"{self.customer}/{self.order_id}"

    @property
    def folder_name(self) -> str:
        """The outbox folder (and the ledger's delivery id) of the selection."""
        return f"selection-{self.order_id}"


YAML_SUFFIXES = frozenset({".yaml", ".yml"})


def read_order(path: str | Path) -> SelectionOrder:
    """Read and validate an order file: YAML for `.yaml` / `.yml`, TOML otherwise, with
    the same schema. Every refusal names the file. A business-ID file the order names is
    read relative to the order's folder."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise OrderError(f"order file {path.name}: no such file") from None
    if not path.is_file():
        raise OrderError(f"order file {path.name}: not a regular file")
    if size > MAX_ORDER_BYTES:
        raise OrderError(f"order file {path.name}: larger than {MAX_ORDER_BYTES >> 20} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise OrderError(f"order file {path.name}: not UTF-8 text") from None
    if path.suffix.casefold() in YAML_SUFFIXES:
        from selection.order_yaml import load_yaml_order  # noqa: PLC0415 - YAML orders only

        raw = load_yaml_order(text, path.name)
    else:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # tomllib names line and column, never the text it read.
            raise OrderError(f"order file {path.name}: not valid TOML ({exc})") from None
    if not isinstance(raw, dict):
        raise OrderError(
            f"order file {path.name}: an order is a table of keys (order_id, customer, "
            "purpose, channels, [organisation], [person])"
        )
    try:
        return parse_order(raw, base=path.parent)
    except OrderError as exc:
        raise OrderError(f"order file {path.name}: {exc}") from None


def parse_order(raw: dict[str, Any], base: Path | None = None) -> SelectionOrder:
    """Validate an order already read into a mapping (TOML's shape)."""
    _known(raw, TOP_LEVEL_KEYS, "")
    org_raw = _table(raw, "organisation")
    person_raw = _table(raw, "person")
    _known(org_raw, ORGANISATION_KEYS, "organisation.")
    _known(person_raw, PERSON_KEYS, "person.")

    order_id = _required_text(raw, "order_id", _ORDER_ID, "letters, digits, '.', '-', '_'")
    if ".." in order_id:
        raise OrderError("order_id: '..' is not allowed (it names a folder)")
    customer = _required_text(raw, "customer", _CUSTOMER, "lower-case letters, digits, '-', '_'")
    purpose = _required_text(raw, "purpose", None, "")
    if purpose not in PURPOSES:
        raise OrderError(f"purpose must be one of {', '.join(PURPOSES)}")
    campaign_id, campaign_end = _campaign(raw, purpose)
    channels = _choices(raw, "channels", CHANNELS, required=True)
    max_persons = _cap(raw)
    excluded = _exclusions(raw, base)

    organisation = OrganisationCriteria(
        industry_codes=_patterned(org_raw, "organisation.industry_codes", _INDUSTRY_PREFIX),
        regions=_named(org_raw, "organisation.regions", canonical_region, "region"),
        municipalities=_named(
            org_raw, "organisation.municipalities", canonical_municipality, "municipality"
        ),
        postcodes=_postcodes(org_raw),
        personnel_classes=_patterned(org_raw, "organisation.personnel_classes", _SIZE_CLASS),
        revenue_classes=_patterned(org_raw, "organisation.revenue_classes", _SIZE_CLASS),
        legal_forms=_legal_forms(org_raw),
        active_only=_flag(org_raw, "active_only", "organisation.", default=True),
    )
    person = PersonCriteria(
        areas=_choices(person_raw, "areas", AREAS, prefix="person."),
        levels=_choices(person_raw, "levels", SENIORITY, prefix="person."),
        top_of_area=_flag(person_raw, "top_of_area", "person.", default=False),
    )
    order = SelectionOrder(
        order_id=order_id,
        customer=customer,
        purpose=purpose,
        channels=channels,
        campaign_id=campaign_id,
        campaign_end=campaign_end,
        max_persons=max_persons,
        exclude_business_ids=excluded,
        organisation=organisation,
        person=person,
    )
    _refuse_everyone(order)
    return order


# -- the parts ------------------------------------------------------------------------------


def _shown(name: object) -> str:
    """A key as it may appear in a message: identifier-like and short, else described."""
    text = str(name)
    return repr(text) if _NAME.match(text) else "(a key that is not a plain name)"


def _known(raw: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise OrderError(
            f"unknown criterion {_shown(prefix + unknown[0])}{more}; "
            f"known: {', '.join(prefix + k for k in allowed)}"
        )


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise OrderError(f"[{name}] must be a table of criteria")
    return value


def _required_text(
    raw: dict[str, Any], name: str, pattern: re.Pattern[str] | None, rule: str
) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise OrderError(f"{name} is missing (a text value is required)")
    value = value.strip()
    if pattern is not None and not pattern.fullmatch(value):
        raise OrderError(f"{name} must be one name of {rule} (it names a folder or key)")
    return value


def _campaign(raw: dict[str, Any], purpose: str) -> tuple[str | None, date | None]:
    if purpose == "continuous":
        for name in ("campaign_id", "campaign_end"):
            if name in raw:
                raise OrderError(f"{name} is for purpose = 'campaign' only")
        return None, None
    campaign_id = _required_text(raw, "campaign_id", _CAMPAIGN_ID, "letters, digits, '.', '-', '_'")
    end = raw.get("campaign_end")
    if isinstance(end, str):
        try:
            end = date.fromisoformat(end.strip())
        except ValueError:
            raise OrderError("campaign_end must be a date, YYYY-MM-DD") from None
    if not isinstance(end, date) or hasattr(end, "hour"):
        raise OrderError("campaign_end is missing: a campaign's data is used until its end date")
    return campaign_id, end


def _listed(raw: dict[str, Any], name: str, label: str) -> list[str] | None:
    """A list of text values, or None where the key is absent. An empty list is refused:
    leaving a criterion out says "not restricted" unambiguously."""
    if name not in raw:
        return None
    value = raw[name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise OrderError(f"{label} must be a list of text values")
    values = [str(v).strip() for v in value if str(v).strip()]
    if not values:
        raise OrderError(f"{label} is empty: leave it out, or name at least one value")
    return values


def _choices(
    raw: dict[str, Any],
    name: str,
    allowed: tuple[str, ...],
    *,
    prefix: str = "",
    required: bool = False,
) -> tuple[str, ...]:
    label = prefix + name
    values = _listed(raw, name, label)
    if values is None:
        if required:
            raise OrderError(f"{label} is missing: name at least one of {', '.join(allowed)}")
        return ()
    lookup = {a.casefold(): a for a in allowed}
    bad = [v for v in values if v.casefold() not in lookup]
    if bad:
        raise OrderError(f"{label}: {len(bad)} unknown value(s); known: {', '.join(allowed)}")
    return tuple(sorted({lookup[v.casefold()] for v in values}, key=allowed.index))


def _patterned(raw: dict[str, Any], label: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    values = _listed(raw, label.rpartition(".")[2], label)
    if values is None:
        return ()
    bad = [v for v in values if not pattern.fullmatch(v)]
    if bad:
        examples = {
            _INDUSTRY_PREFIX: "TOL 2008 codes or their prefixes, 1 to 5 digits (e.g. '62', '4321')",
            _SIZE_CLASS: "size classes like '10-19' or '1000+'",
        }
        raise OrderError(f"{label}: {len(bad)} value(s) are not {examples[pattern]}")
    return tuple(sorted(set(values)))


def _named(raw: dict[str, Any], label: str, canonical: Any, kind: str) -> tuple[str, ...]:
    values = _listed(raw, label.rpartition(".")[2], label)
    if values is None:
        return ()
    found = [canonical(v) for v in values]
    missing = sum(1 for f in found if f is None)
    if missing:
        hint = f" (regions: {', '.join(REGIONS)})" if kind == "region" else ""
        raise OrderError(f"{label}: {missing} value(s) name no Finnish {kind}{hint}")
    return tuple(sorted(set(found)))


def _postcodes(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    values = _listed(raw, "postcodes", "organisation.postcodes")
    if values is None:
        return ()
    ranges = []
    for value in values:
        low, _, high = value.partition("-")
        low, high = low.strip(), (high.strip() or low.strip())
        if not (_POSTCODE.fullmatch(low) and _POSTCODE.fullmatch(high)) or low > high:
            raise OrderError(
                "organisation.postcodes: each is a postcode '00100' or a range '00100-00990' "
                "(five digits, low to high)"
            )
        ranges.append((low, high))
    return tuple(sorted(set(ranges)))


def _legal_forms(raw: dict[str, Any]) -> tuple[str, ...]:
    values = _listed(raw, "legal_forms", "organisation.legal_forms")
    if values is None:
        return ()
    families = []
    for value in values:
        key = value.casefold()
        family = _LEGAL_FORM_ALIASES.get(key, key)
        if family not in LEGAL_FORMS:
            raise OrderError(
                f"organisation.legal_forms: unknown legal form; known: {', '.join(LEGAL_FORMS)} "
                f"or {', '.join(sorted(_LEGAL_FORM_ALIASES))}"
            )
        families.append(family)
    return tuple(sorted(set(families), key=LEGAL_FORMS.index))


def _flag(raw: dict[str, Any], name: str, prefix: str, *, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise OrderError(f"{prefix}{name} must be true or false")
    return value


def _cap(raw: dict[str, Any]) -> int | None:
    if "max_persons" not in raw:
        return None
    value = raw["max_persons"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise OrderError("max_persons must be a whole number")
    if value == 0:
        raise OrderError("max_persons is 0: a cap of 0 selects no one")
    if value < 0:
        raise OrderError("max_persons must be at least 1")
    return value


def _exclusions(raw: dict[str, Any], base: Path | None) -> frozenset[str]:
    entries: list[tuple[str, str]] = []
    listed = raw.get("exclude_business_ids", [])
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise OrderError("exclude_business_ids must be a list of business IDs as text")
    entries += [("exclude_business_ids", v) for v in listed]
    if "exclude_business_ids_file" in raw:
        name = raw["exclude_business_ids_file"]
        if not isinstance(name, str) or not name.strip():
            raise OrderError("exclude_business_ids_file must name a file")
        path = Path(name) if base is None else base / name
        if path.is_symlink() or not path.is_file():
            raise OrderError(
                f"exclude_business_ids_file {path.name}: no such regular file (links are not "
                "followed)"
            )
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise OrderError(f"exclude_business_ids_file {path.name}: not UTF-8 text") from None
        for number, line in enumerate(lines, 1):
            # One ID per line, or the first cell of a CSV row; a header line (no digit) and
            # comments are skipped.
            cell = re.split(r"[;,\t]", line, maxsplit=1)[0].strip().strip('"')
            if not cell or cell.startswith("#") or (number == 1 and not re.search(r"\d", cell)):
                continue
            entries.append((f"{path.name} line {number}", cell))
    ids: set[str] = set()
    bad: list[str] = []
    for where, value in entries:
        canonical, state = normalise_business_id(value)
        if state is BusinessIdState.VALID and canonical:
            ids.add(canonical)
        else:
            bad.append(where)
    if bad:
        raise OrderError(
            f"{len(bad)} excluded business ID(s) are not valid (first at {bad[0]}): an "
            "exclusion that silently misses would disclose the customer's own customers"
        )
    return frozenset(ids)


def _refuse_everyone(order: SelectionOrder) -> None:
    """An order must narrow: at least one organisation or person criterion, and none that
    lists every value there is (the register-wide counts are checked when it runs)."""
    org, person = order.organisation, order.person
    narrowing = (
        org.industry_codes
        or org.places
        or org.postcodes
        or org.personnel_classes
        or org.revenue_classes
        or org.legal_forms
        or person.areas
        or person.levels
    )
    if not narrowing:
        raise OrderError(
            "the order has no organisation or person criterion: it would select everyone "
            "(name industries, places, postcodes, sizes, legal forms, areas or levels)"
        )
    everything = {
        "organisation.regions": set(org.regions) == set(REGIONS),
        "organisation.personnel_classes": set(PERSONNEL_CLASSES) <= set(org.personnel_classes),
        "organisation.legal_forms": set(org.legal_forms) == set(LEGAL_FORMS),
        "organisation.industry_codes": {c for c in org.industry_codes if len(c) == 1}
        == set("0123456789"),
        "organisation.postcodes": any(r == ("00000", "99999") for r in org.postcodes),
        "person.areas": set(person.areas) == set(AREAS),
        "person.levels": set(person.levels) == set(SENIORITY),
    }
    for name, everyone in everything.items():
        if everyone:
            raise OrderError(
                f"criterion {name} lists every value: it selects everyone; narrow it or leave "
                "it out"
            )


__all__ = [
    "AREAS",
    "CHANNELS",
    "LEGAL_FORMS",
    "PERSONNEL_CLASSES",
    "PURPOSES",
    "SENIORITY",
    "YAML_SUFFIXES",
    "OrderError",
    "OrganisationCriteria",
    "PersonCriteria",
    "SelectionOrder",
    "parse_order",
    "read_order",
]
