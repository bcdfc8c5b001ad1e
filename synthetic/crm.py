"""A customer's CRM file as the register stood a year or two ago, and its ground truth.

Each CRM row is made from one scenario (the person stayed, left, moved, the organisation
merged or ceased, the contact was never known ...); the scenario also changes the register
where the story needs it (a new title, a new e-mail) so that the truth is known by
construction. Customer noise (notations, typos, lost diacritics) is laid on top.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta

from faker import Faker
from rapidfuzz import fuzz

from matching.text import fold, org_name_key, person_name_key, strip_diacritics
from matching.titles import ROLES
from refresh.dates import is_stale
from synthetic.register import (
    Organisation,
    Position,
    Register,
    email_local,
    make_business_id,
    make_mobile,
)

PROHIBITION_FLAGS = {
    "direct_marketing": "no_direct_marketing",
    "phone_marketing": "no_phone_marketing",
    "email_marketing": "no_email_marketing",
}


@dataclass(frozen=True)
class CrmRates:
    """How the customer's file drifted from the register; defaults are typical of a CRM
    that nobody has maintained for a year or two."""

    left: float = 0.06
    moved: float = 0.03
    title_changed: float = 0.08
    email_changed: float = 0.05
    phone_changed: float = 0.06
    unknown_contact: float = 0.04
    unknown_org: float = 0.02
    invalid_row: float = 0.01
    ambiguous_org: float = 0.008
    business_id_missing: float = 0.10
    business_id_invalid: float = 0.02
    business_id_other_notation: float = 0.25
    lost_diacritics: float = 0.10
    name_typo: float = 0.03
    title_synonym: float = 0.20
    email_case: float = 0.05
    phone_notation: float = 0.5


@dataclass
class CrmRow:
    values: dict[str, str]
    true_org_id: str
    true_person_id: str
    status: str
    flags: set[str] = field(default_factory=set)
    scenario: str = ""


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word + word[-1]
    index = rng.randint(1, len(word) - 2)
    replacement = rng.choice([c for c in "aeiklmnorstuv" if c != word[index].lower()])
    return word[:index] + replacement + word[index + 1 :]


def _phone_notation(rng: random.Random, mobile: str) -> str:
    """The same number as customers write it: `040 1234567`, `+358401234567`, ..."""
    digits = mobile.replace(" ", "").replace("+358", "")
    style = rng.randint(0, 3)
    if style == 0:
        return "0" + digits[:2] + " " + digits[2:5] + " " + digits[5:]
    if style == 1:
        return "+358" + digits
    if style == 2:
        return "0" + digits
    return mobile


def _business_id_notation(rng: random.Random, business_id: str) -> str:
    digits = business_id.replace("-", "")
    style = rng.randint(0, 2)
    if style == 0:
        return digits
    if style == 1:
        return "FI" + digits
    if digits.startswith("0"):
        return business_id[1:]  # Excel ate the leading zero
    return business_id.replace("-", " - ")


def _invalid_business_id(business_id: str) -> str:
    check = int(business_id[-1])
    return business_id[:-1] + str((check + 1) % 10)


def _org_name_variant(rng: random.Random, name: str) -> str:
    words = name.split()
    if len(words) > 1 and rng.random() < 0.3:
        return " ".join([words[-1], *words[:-1]])  # "Oy Virtanen Rakennus"
    if len(words) > 1 and rng.random() < 0.2:
        return " ".join(words[:-1])  # legal form left out
    return name


class CrmBuilder:
    """Turns register positions into CRM rows, one scenario each."""

    def __init__(
        self,
        rng: random.Random,
        faker: Faker,
        register: Register,
        rates: CrmRates,
        stale_after_months: int,
    ) -> None:
        self.rng, self.faker, self.register, self.rates = rng, faker, register, rates
        self.stale_after_months = stale_after_months
        self.orgs = {o.org_id: o for o in register.organisations}
        self.by_business_id = {o.business_id: o for o in register.organisations}
        self.active = [o for o in register.organisations if o.status == "active"]
        self.twins = self._twin_orgs()
        self.register_name_keys = {
            person_name_key(p.first_name, p.last_name) for p in register.positions
        }
        self.twin_names = {org_name_key(t.name) for t in self.twins}
        # Indexes kept up to date as scenarios move people, so that each row costs the
        # same whatever the register's size.
        self.names_by_org: dict[str, list[str]] = {}
        self.orgs_by_name: dict[str, set[str]] = {}
        for position in register.positions:
            self._index(position)

    def _index(self, position: Position) -> None:
        key = person_name_key(position.first_name, position.last_name)
        self.names_by_org.setdefault(position.org_id, []).append(key)
        self.orgs_by_name.setdefault(key, set()).add(position.org_id)

    def _add_position(self, position: Position) -> None:
        self.register.positions.append(position)
        self._index(position)

    def _twin_orgs(self) -> list[Organisation]:
        counts: dict[str, int] = {}
        for org in self.register.organisations:
            counts[org_name_key(org.name)] = counts.get(org_name_key(org.name), 0) + 1
        return [o for o in self.register.organisations if counts[org_name_key(o.name)] > 1]

    # -- the customer's view of one position -------------------------------------------------

    def _row_values(
        self, position: Position, org: Organisation, customer_id: str
    ) -> dict[str, str]:
        street, postcode, city = org.old_address or (org.street, org.postcode, org.city)
        return {
            "customer_row_id": customer_id,
            "first_name": position.first_name,
            "last_name": position.last_name,
            "title": position.title,
            "org_name": org.name,
            "business_id": org.business_id,
            "email": position.email,
            "mobile": position.mobile,
            "street": street,
            "postcode": postcode,
            "city": city,
        }

    def _prohibition_kinds(self, person_id: str) -> set[str]:
        return {kind for kind, _ in self.register.prohibitions.get(person_id, [])}

    def _finish(self, row: CrmRow, noise_names: bool = True) -> CrmRow:
        """Customer noise, then the truth's prohibition rules, which win over everything."""
        rng, rates, values = self.rng, self.rates, row.values
        kinds = self._prohibition_kinds(row.true_person_id) if row.true_person_id else set()
        if "disclosure" in kinds:
            row.status, row.flags = "opted_out", set()
        elif row.status in {"verified", "updated", "person_left", "org_inactive"} and kinds:
            row.flags |= {PROHIBITION_FLAGS[k] for k in kinds if k in PROHIBITION_FLAGS}
        if noise_names and rng.random() < rates.lost_diacritics:
            plain = strip_diacritics(values["last_name"])
            if plain != values["last_name"]:
                values["last_name"] = plain
                self._name_changed(row)
        if noise_names and rng.random() < rates.name_typo:
            values["last_name"] = _typo(rng, values["last_name"])
            self._name_changed(row)
        if rng.random() < rates.email_case and values["email"]:
            values["email"] = values["email"][0].upper() + values["email"][1:]
        if values["mobile"] and rng.random() < rates.phone_notation:
            values["mobile"] = _phone_notation(rng, values["mobile"])
        if values["title"] and rng.random() < rates.title_synonym:
            role = next((r for r in ROLES if values["title"] in (*r.finnish, *r.english)), None)
            if role is not None:
                values["title"] = rng.choice((*role.finnish, *role.english))
        if row.status in {"updated", "verified"}:
            row.status = "updated" if row.flags & _CHANGE_FLAGS else "verified"
        return row

    def _name_changed(self, row: CrmRow) -> None:
        if row.status in {"verified", "updated"}:
            row.flags.add("name_changed")

    def _identify_org(self, row: CrmRow, org: Organisation) -> None:
        """How the customer wrote the organisation's identity (business ID and name)."""
        rng, rates, values = self.rng, self.rates, row.values
        values["org_name"] = _org_name_variant(rng, org.name)
        roll = rng.random()
        twins = org_name_key(org.name) in self.twin_names
        if roll < rates.business_id_missing and not twins:
            values["business_id"] = ""
        elif roll < rates.business_id_missing + rates.business_id_invalid and not twins:
            values["business_id"] = _invalid_business_id(org.business_id)
            row.flags.add("business_id_invalid")
        elif roll < rates.business_id_missing + rates.business_id_invalid + (
            rates.business_id_other_notation
        ):
            values["business_id"] = _business_id_notation(rng, org.business_id)

    def _stale_flag(self, row: CrmRow, position: Position) -> None:
        if is_stale(position.verified_at, self.register.as_of, self.stale_after_months):
            row.flags.add("stale")

    # -- scenarios ---------------------------------------------------------------------------

    def stayed(self, position: Position, customer_id: str) -> CrmRow:
        """Still in the same position; the register may have news the customer lacks."""
        rng, rates = self.rng, self.rates
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        row = CrmRow(values, org.org_id, position.person_id, "verified", scenario="stayed")
        if rng.random() < rates.title_changed:
            new_role = rng.choice([r for r in ROLES[1:] if r.key != position.role.key])
            position.role, position.title = new_role, new_role.finnish[0]
            row.flags.add("title_changed")
        if rng.random() < rates.email_changed:
            initial = fold(position.first_name)[:1]
            position.email = f"{initial}{fold(position.last_name).replace(' ', '')}@{org.domain}"
            row.flags.add("email_changed")
        if rng.random() < rates.phone_changed:
            position.mobile = make_mobile(rng)
            row.flags.add("phone_changed")
        if org.old_address is not None:
            row.flags.add("address_changed")
        self._stale_flag(row, position)
        self._identify_org(row, org)
        return self._finish(row)

    def left(self, position: Position, customer_id: str) -> CrmRow:
        """The register keeps the ended position (valid_to set)."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        position.valid_to = self.register.as_of - timedelta(days=self.rng.randint(30, 500))
        row = CrmRow(values, org.org_id, position.person_id, "person_left", scenario="left")
        self._identify_org(row, org)
        return self._finish(row)

    def moved(self, position: Position, customer_id: str) -> CrmRow:
        """The register no longer lists the old position; the person holds one elsewhere."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        key = person_name_key(position.first_name, position.last_name)
        taken = self.orgs_by_name.get(key, set())
        # A namesake already there would make the old row truly ambiguous, not "left".
        destination = self.rng.choice(self.active)
        while destination.org_id in taken:
            destination = self.rng.choice(self.active)
        local = email_local(position.first_name, position.last_name)
        position.dropped = True  # the register no longer lists it
        self._add_position(
            replace(
                position,
                org_id=destination.org_id,
                email=f"{local}@{destination.domain}",
                mobile=make_mobile(self.rng),
                valid_from=self.register.as_of - timedelta(days=self.rng.randint(30, 400)),
            )
        )
        row = CrmRow(values, org.org_id, position.person_id, "person_left", scenario="moved")
        self._identify_org(row, org)
        # A typo in a mover's name would hide them from the register-wide name look-up.
        return self._finish(row, noise_names=False)

    def inactive_org(self, position: Position, customer_id: str) -> CrmRow:
        """The organisation ceased, went bankrupt or into liquidation; or merged and the
        person did not carry on in the successor."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        if org.status == "merged":
            position.valid_to = self.register.as_of - timedelta(days=self.rng.randint(30, 300))
        row = CrmRow(
            values, org.org_id, position.person_id, "org_inactive", scenario="org_inactive"
        )
        self._identify_org(row, org)
        has_valid_id = values["business_id"] and "business_id_invalid" not in row.flags
        if org.successor_business_id and has_valid_id:
            row.flags.add("business_id_changed")
        return self._finish(row)

    def merged_carried(self, position: Position, customer_id: str) -> CrmRow:
        """The organisation merged; the person carries on in the successor."""
        org = self.orgs[position.org_id]
        successor = self.by_business_id[org.successor_business_id]
        values = self._row_values(position, org, customer_id)
        position.valid_to = self.register.as_of - timedelta(days=self.rng.randint(30, 300))
        carried = replace(
            position,
            org_id=successor.org_id,
            email=f"{email_local(position.first_name, position.last_name)}@{successor.domain}",
            valid_from=position.valid_to + timedelta(days=1),
            valid_to=None,
        )
        self._add_position(carried)
        row = CrmRow(
            values, successor.org_id, position.person_id, "updated", scenario="merged_carried"
        )
        row.flags |= {"name_changed", "email_changed", "address_changed"}
        self._stale_flag(row, carried)
        self._identify_org(row, org)
        if values["business_id"] and "business_id_invalid" not in row.flags:
            row.flags.add("business_id_changed")
        return self._finish(row)

    def ambiguous_org(self, position: Position, customer_id: str) -> CrmRow:
        """No business ID and a name two organisations share, with no town to tell them apart."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        values.update(business_id="", street="", postcode="", city="")
        row = CrmRow(values, org.org_id, position.person_id, "ambiguous", scenario="ambiguous_org")
        return self._finish(row)

    def unknown_contact(self, org: Organisation, customer_id: str) -> CrmRow:
        """A contact the register never had, at an organisation it knows."""
        colleagues = self.names_by_org.get(org.org_id, [])
        while True:
            first, last = self.faker.first_name(), self.faker.last_name()
            key = person_name_key(first, last)
            if key not in self.register_name_keys and all(
                fuzz.ratio(key, other) < 75 for other in colleagues
            ):
                break
        ghost = Position(
            person_id="",
            org_id=org.org_id,
            first_name=first,
            last_name=last,
            role=ROLES[1],
            title=self.rng.choice(("Asiantuntija", "Project Manager", "Myyjä")),
            email=f"{email_local(first, last)}@{org.domain}",
            mobile=make_mobile(self.rng),
            valid_from=self.register.as_of,
            verified_at=self.register.as_of,
        )
        row = CrmRow(
            self._row_values(ghost, org, customer_id),
            org.org_id,
            "",
            "not_found",
            scenario="unknown_contact",
        )
        self._identify_org(row, org)
        return self._finish(row)

    def unknown_org(self, customer_id: str, taken_ids: set[str]) -> CrmRow:
        """An organisation the register does not have (abroad, or never registered)."""
        first, last = self.faker.first_name(), self.faker.last_name()
        name = f"{self.faker.last_name()} Trading Ltd"
        values = {
            "customer_row_id": customer_id,
            "first_name": first,
            "last_name": last,
            "title": "Sales Manager",
            "org_name": name,
            "business_id": make_business_id(self.rng, taken_ids),
            "email": f"{email_local(first, last)}@{fold(name).replace(' ', '')}.com",
            "mobile": make_mobile(self.rng),
            "street": self.faker.street_address(),
            "postcode": self.faker.postcode(),
            "city": self.faker.city(),
        }
        return CrmRow(values, "", "", "not_found", scenario="unknown_org")

    def invalid(self, customer_id: str) -> CrmRow:
        """A row with nothing to identify a person by (no name, no e-mail)."""
        org = self.rng.choice(self.active)
        values = {
            "customer_row_id": customer_id,
            "first_name": "",
            "last_name": "",
            "title": "",
            "org_name": org.name,
            "business_id": "",
            "email": "",
            "mobile": "",
            "street": "",
            "postcode": "",
            "city": "",
        }
        return CrmRow(values, "", "", "invalid", scenario="invalid")


_CHANGE_FLAGS = frozenset(
    {
        "business_id_changed",
        "name_changed",
        "title_changed",
        "email_changed",
        "phone_changed",
        "address_changed",
    }
)


def build_crm(
    rng: random.Random,
    faker: Faker,
    register: Register,
    n_rows: int,
    rates: CrmRates,
    stale_after_months: int,
) -> list[CrmRow]:
    """`n_rows` CRM rows in the customer's order, each with its ground truth."""
    builder = CrmBuilder(rng, faker, register, rates, stale_after_months)
    orgs = builder.orgs
    taken_ids = {o.business_id for o in register.organisations}
    twin_ids = {o.org_id for o in builder.twins}
    current = [p for p in register.positions if p.valid_to is None]
    rng.shuffle(current)
    twin_pool = iter([p for p in current if p.org_id in twin_ids])
    pool = iter([p for p in current if p.org_id not in twin_ids])
    rows: list[CrmRow] = []
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"C{counter:06d}"

    for _ in range(n_rows):
        roll = rng.random()
        if roll < rates.invalid_row:
            rows.append(builder.invalid(next_id()))
            continue
        roll -= rates.invalid_row
        if roll < rates.unknown_org:
            rows.append(builder.unknown_org(next_id(), taken_ids))
            continue
        roll -= rates.unknown_org
        if roll < rates.unknown_contact:
            rows.append(builder.unknown_contact(rng.choice(builder.active), next_id()))
            continue
        roll -= rates.unknown_contact
        if roll < rates.ambiguous_org:
            twin = next(twin_pool, None)
            if twin is not None:
                rows.append(builder.ambiguous_org(twin, next_id()))
                continue
        position = next(pool, None)
        if position is None:
            break
        org = orgs[position.org_id]
        if org.status == "merged" and rng.random() < 0.6:
            rows.append(builder.merged_carried(position, next_id()))
        elif org.status != "active":
            rows.append(builder.inactive_org(position, next_id()))
        elif roll < rates.left:
            rows.append(builder.left(position, next_id()))
        elif roll < rates.left + rates.moved:
            rows.append(builder.moved(position, next_id()))
        else:
            rows.append(builder.stayed(position, next_id()))
    return rows
