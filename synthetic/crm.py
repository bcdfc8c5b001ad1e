"""A customer's CRM file as the register stood a year or two ago, with its ground truth.

Each row is one base kind (the person stayed, left, moved on; the organisation went
inactive; a namesake, a contact or a company the register does not know; a duplicate; a
junk line ...). Stayed rows may carry real changes of fact (a married name, another role,
a new mailbox or number, a wrong business ID; the organisation renamed or moved), which
the generator makes in the register, so that the truth is known by construction. Then the
customer's own ways of writing the same facts are laid on (`noise`): case and spacing,
lost diacritics, a typo, a nickname, an initial, names swapped or in one column, the title
in other words or another language, phone and business ID notations, the company's
parallel name or legal form ... Each row's `cases` names everything done to it, and its
truth comes from `synthetic.truth.decide`, the spec's rules over those facts.

Where the customer's noise would leave a row undecidable (the written name fits two
colleagues and nothing else tells them apart; no business ID and a name two organisations
share), the noise is taken back: only the rows built to be ambiguous are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import ClassVar

from faker import Faker

from synthetic import text
from synthetic.names import NICKNAMES, NamePool
from synthetic.register import (
    FORM_WORDS,
    STREETS,
    Organisation,
    Position,
    Register,
    RegisterBuilder,
    email_local,
    is_valid_business_id,
    make_business_id,
    make_mobile,
    org_key,
)
from synthetic.titles import ROLES, changed_role, customer_title, register_title
from synthetic.truth import Facts, Truth, decide
from synthetic.vocab import INACTIVE_ORG_STATUSES, staleness

COLUMNS = (
    "customer_row_id",
    "first_name",
    "last_name",
    "title",
    "org_name",
    "business_id",
    "email",
    "mobile",
    "street",
    "postcode",
    "city",
)
FREE_MAIL = ("gmail.com", "hotmail.com", "outlook.com", "luukku.com", "yahoo.com")


@dataclass(frozen=True)
class CrmRates:
    """How a CRM file nobody has maintained for a year or two differs from the register.
    Base kinds are shares of rows; the rest are chances per row where they apply."""

    # -- base kinds (the rest: the person still holds the position) -------------------------
    left: float = 0.04  # position ended, the register keeps it (valid_to)
    left_forgotten: float = 0.012  # left, and the register no longer lists them at all
    moved: float = 0.03  # now at another organisation in the register
    namesake: float = 0.025  # unknown person whose name a register person elsewhere has
    unknown_contact: float = 0.025  # a person the register does not know, known org
    foreign_org: float = 0.015  # GmbH, AB, OÜ, AS, Ltd ... the register lacks
    unregistered_org: float = 0.008  # a Finnish firm the register lacks
    ambiguous_org: float = 0.003  # two same-named organisations, same-named people
    ambiguous_person: float = 0.003  # "M. Virtanen" where two colleagues fit
    duplicate: float = 0.015  # the same person again, written another way
    invalid_row: float = 0.008  # junk: no name, no e-mail, no organisation; ragged lines
    placeholder: float = 0.002  # a test record ("Testi Testaaja", Testiyritys Oy)
    # -- changes of fact on rows whose person stayed -------------------------------------
    title_changed: float = 0.08
    email_changed: float = 0.04
    email_personal: float = 0.01  # the customer has a personal address instead
    phone_changed: float = 0.05
    surname_changed: float = 0.025  # married name (mostly women)
    business_id_wrong: float = 0.01  # a valid ID, but another organisation's or none's
    # Of rows at an organisation renamed / moved since: the customer has the old one.
    customer_outdated_org: float = 0.85
    # -- the customer's ways of writing the same fact ----------------------------------
    name_case: float = 0.04
    name_spacing: float = 0.03
    lost_diacritics: float = 0.15  # of names with å, ä, ö
    digraph_diacritics: float = 0.04  # of names with å, ä, ö: ae, oe, aa
    name_typo: float = 0.03
    nickname: float = 0.3  # of first names with a common short form
    long_form: float = 0.05  # of short first names: the customer has the official one
    initial: float = 0.02
    second_name_dropped: float = 0.5  # of people registered with two given names
    second_name_added: float = 0.01
    double_surname_part: float = 0.4  # of double-barrelled surnames
    names_swapped: float = 0.015
    name_one_column: float = 0.015
    title_variant: float = 0.3
    email_case: float = 0.05
    phone_notation: float = 0.4
    street_variant: float = 0.12
    postal_address: float = 0.3  # of organisations with a PO box
    business_id_notation: float = 0.18
    business_id_missing: float = 0.12
    business_id_invalid: float = 0.015
    company_variant: float = 0.25
    parallel_name: float = 0.4  # of organisations with aux names, within company_variant
    company_typo: float = 0.015
    # -- empty cells ------------------------------------------------------------------------
    email_missing: float = 0.06
    phone_missing: float = 0.12
    title_missing: float = 0.04
    address_missing: float = 0.05


@dataclass
class CrmRow:
    values: dict[str, str]
    true_org_id: str = ""
    true_person_id: str = ""
    status: str = ""
    flags: set[str] = field(default_factory=set)
    scenario: str = ""
    # The customer's ways of writing the same fact laid on this row (truth `noise`).
    noise: set[str] = field(default_factory=set)
    alt_org_id: str = ""
    acceptable: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)
    dup_of: str = ""
    cases: list[str] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    ragged: bool = False

    def case(self, name: str, noise: bool = False) -> None:
        if name not in self.cases:
            self.cases.append(name)
        if noise:
            self.noise.add(name)

    def settle(self) -> None:
        truth: Truth = decide(self.facts)
        self.status = truth.status
        self.acceptable = set(truth.acceptable)
        self.flags = set(truth.flags)
        self.optional = set(truth.optional)
        self.true_org_id = truth.true_org_id
        self.true_person_id = truth.true_person_id
        self.alt_org_id = truth.alt_org_id


# -- name compatibility (the generator's own, deliberately generous) -------------------------

_NICK_PAIRS: set[tuple[str, str]] = set()
for _long, _shorts in NICKNAMES.items():
    for _s in _shorts:
        _NICK_PAIRS.add((text.fold(_long), text.fold(_s)))
        _NICK_PAIRS.add((text.fold(_s), text.fold(_long)))
    for _a in _shorts:
        for _b in _shorts:
            _NICK_PAIRS.add((text.fold(_a), text.fold(_b)))


def _undigraph(word: str) -> str:
    return word.replace("ae", "a").replace("oe", "o").replace("aa", "a")


def _given_fits(written: str, registered: str) -> bool:
    if written != _undigraph(written) and _given_fits(_undigraph(written), registered):
        return True
    if len(written) == 1 or len(registered) == 1:
        return written[:1] == registered[:1]
    return (
        text.edit_distance_at_most_one(written, registered)
        or (written, registered) in _NICK_PAIRS
        or (len(written) >= 3 and registered.startswith(written))
    )


def _surname_fits(written: str, registered: str) -> bool:
    return text.edit_distance_at_most_one(written, registered)


def name_fits(first: str, last: str, position: Position) -> bool:
    """Whether a written name could mean the registered person: any word fits one of the
    surname's parts (a typo allowed) and another fits a given name (typo, initial, short
    form), in either column. Generous on purpose: the generator keeps a row only when its
    name fits one person, so what this joins no matcher should have to tell apart."""
    written = text.tokens(f"{first} {last}")
    if not written:
        return False
    surnames = {*text.tokens(position.last_name), *text.tokens(text.digraphs(position.last_name))}
    givens = {*text.tokens(position.first_name), *text.tokens(text.digraphs(position.first_name))}
    for i, word in enumerate(written):
        if any(_surname_fits(word, s) for s in surnames):
            others = written[:i] + written[i + 1 :]
            if not others or any(_given_fits(o, g) for o in others for g in givens):
                return True
    return False


def canonical_business_id(value: str) -> str:
    """The customer's business ID in canonical form where it can be read as one."""
    digits = text.digits(value)
    if len(digits) == 7:
        digits = "0" + digits
    if len(digits) != 8:
        return ""
    return f"{digits[:7]}-{digits[7]}"


# -- notations -----------------------------------------------------------------------------


def phone_notation(rng: random.Random, mobile: str) -> str:
    key = text.phone_key(mobile)
    prefix, rest = key[:2], key[2:]
    style = rng.randint(0, 6)
    if style == 0:
        return f"0{prefix} {rest[:3]} {rest[3:]}"
    if style == 1:
        return f"0{key}"
    if style == 2:
        return f"+358 {prefix} {rest}"
    if style == 3:
        return f"+358{key}"
    if style == 4:
        return f"0{prefix}-{rest}"
    if style == 5:
        return f"(0{prefix}) {rest[:3]} {rest[3:]}"
    return f"358{key}"


def business_id_notation(rng: random.Random, business_id: str) -> tuple[str, str]:
    digits = business_id.replace("-", "")
    if business_id.startswith("0") and rng.random() < 0.5:
        return business_id[1:], "bid_leading_zero_lost"
    style = rng.randint(0, 3)
    if style == 0:
        return digits, "bid_no_dash"
    if style == 1:
        return "FI" + digits, "bid_vat"
    if style == 2:
        return f"{business_id[:7]} - {business_id[8]}", "bid_spaces"
    return f"FI {digits}", "bid_vat"


def invalid_business_id(rng: random.Random, business_id: str) -> str:
    """Same shape, check digit wrong (a digit mistyped)."""
    if rng.random() < 0.5:
        wrong = (int(business_id[-1]) + rng.randint(1, 9)) % 10
        return business_id[:-1] + str(wrong)
    digits = list(business_id[:7])
    i = rng.randint(0, 5)
    digits[i], digits[i + 1] = digits[i + 1], digits[i]
    candidate = "".join(digits) + business_id[7:]
    if is_valid_business_id(candidate):
        wrong = (int(business_id[-1]) + 1) % 10
        candidate = business_id[:-1] + str(wrong)
    return candidate


def _typo(rng: random.Random, word: str) -> str:
    """One letter wrong, missing, doubled, or two swapped, inside the word."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randint(1, len(word) - 2)
    kind = rng.randint(0, 3)
    if kind == 0:
        letter = rng.choice([c for c in "aeiklmnorstuv" if c != word[i].lower()])
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    if word[i] == word[i + 1]:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


_STREET_SHORT = (("katu", "k."), ("tie", "t."), ("polku", "p."), ("kuja", "kj."))


def street_variant(rng: random.Random, street: str) -> str | None:
    words = street.split()
    if not words:
        return None
    if rng.random() < 0.5:
        for ending, short in _STREET_SHORT:
            for i, w in enumerate(words):
                if w.endswith(ending) and len(w) > len(ending) + 2:
                    words[i] = w[: -len(ending)] + short
                    return " ".join(words)
    return street.upper() if rng.random() < 0.5 else street.lower()


# -- the builder ---------------------------------------------------------------------------


class CrmBuilder:
    def __init__(
        self,
        rng: random.Random,
        faker: Faker,
        names: NamePool,
        register: Register,
        reg_builder: RegisterBuilder,
        rates: CrmRates,
        stale_after_months: int,
    ) -> None:
        self.rng, self.faker, self.names = rng, faker, names
        self.register, self.reg_builder, self.rates = register, reg_builder, rates
        self.stale_after_months = stale_after_months
        self.as_of = register.as_of
        self.orgs = register.by_id
        self.staff_by_org: dict[str, list[Position]] = {}
        self.by_full_name: dict[str, list[Position]] = {}
        self.positions_by_person: dict[str, list[Position]] = {}
        for position in register.positions:
            self._index(position)
        self.active = [o for o in register.organisations if o.status == "active" and not o.twin_of]
        self.twins = [o for o in register.organisations if o.twin_of]
        self.used_people: set[str] = set()
        self.foreign_faker = {
            "SE": Faker("sv_SE"),
            "EE": Faker("et_EE"),
            "DE": Faker("de_DE"),
            "NO": Faker("no_NO"),
            "GB": Faker("en_GB"),
        }
        for offset, fk in enumerate(self.foreign_faker.values()):
            fk.seed_instance(rng.randint(0, 2**31) + offset)

    def _index(self, position: Position) -> None:
        self.staff_by_org.setdefault(position.org_id, []).append(position)
        key = text.fold(f"{position.first_name} {position.last_name}")
        self.by_full_name.setdefault(key, []).append(position)
        self.positions_by_person.setdefault(position.person_id, []).append(position)

    def _add(self, position: Position) -> Position:
        position = replace(position, position_no=len(self.register.positions))
        self.register.positions.append(position)
        self._index(position)
        return position

    @staticmethod
    def _work_email(org: Organisation, first: str, last: str) -> str:
        return f"{email_local(org.email_pattern, first, last)}@{org.domain}"

    def staff(self, org_id: str) -> list[Position]:
        return [p for p in self.staff_by_org.get(org_id, []) if not p.removed]

    # -- evidence checks -------------------------------------------------------------------

    def person_decidable(
        self, values: dict[str, str], target: Position, org_id: str, married: bool = False
    ) -> bool:
        """The row's person is the target and no one else at the organisation: by e-mail or
        mobile, or by a name that fits the target alone; for a married name, by the first
        name no colleague shares."""
        email = values["email"].strip().casefold()
        phone = text.phone_key(values["mobile"]) if values["mobile"] else ""
        staff = self.staff(org_id)
        if target.org_id != org_id:
            staff = [*staff, target]
        by_email = [p for p in staff if email and p.email.casefold() == email]
        by_phone = [p for p in staff if phone and p.mobile and text.phone_key(p.mobile) == phone]
        strong = {id(p) for p in (*by_email, *by_phone)}
        if strong == {id(target)}:
            return True
        if strong:
            return False
        fits = [p for p in staff if name_fits(values["first_name"], values["last_name"], p)]
        if married and not fits:
            written = text.tokens(values["first_name"])
            fits = [
                p
                for p in staff
                if any(_given_fits(a, b) for a in written for b in text.tokens(p.first_name))
            ]
        return len(fits) == 1 and fits[0] is target

    def nobody_fits(self, values: dict[str, str], org_id: str) -> bool:
        """No one at the organisation (current or former) could be the row's person."""
        email = values["email"].strip().casefold()
        for p in self.staff(org_id):
            if name_fits(values["first_name"], values["last_name"], p):
                return False
            if email and p.email.casefold() == email:
                return False
        return not (values["mobile"] and text.phone_key(values["mobile"]) in self.register.mobiles)

    def org_decidable(self, values: dict[str, str], org: Organisation) -> bool:
        """The row names this organisation and no other: its business ID, a name only it
        has (or shares with a twin, with the town to tell them apart), or its mail domain."""
        bid = canonical_business_id(values["business_id"])
        by_bid = self.register.by_business_id.get(bid) if is_valid_business_id(bid) else None
        owners = self.register.by_key.get(org_key(values["org_name"]), [])
        if len(owners) > 1:
            town = text.fold(values["city"]) or values["postcode"]
            owners = [
                o
                for o in owners
                if town and town in (text.fold(self.orgs[o].city), self.orgs[o].postcode)
            ]
        by_name = owners == [org.org_id]
        domain = values["email"].rpartition("@")[2].casefold()
        by_domain = domain == org.domain
        if by_bid is not None and by_bid is not org:
            return by_name and by_domain
        return by_bid is org or by_name or by_domain

    # -- the customer's view of a position ---------------------------------------------------

    def base_values(
        self, row: CrmRow, position: Position, org: Organisation, key: str
    ) -> dict[str, str]:
        rng, rates = self.rng, self.rates
        street, postcode, city = org.street, org.postcode, org.city
        name = org.name
        if org.old_address and rng.random() < rates.customer_outdated_org:
            street, postcode, city = org.old_address
            row.facts.changes.add("address_changed")
            row.case("org_moved")
        elif org.postal and rng.random() < rates.postal_address:
            street, postcode, city = org.postal
            row.case("postal_address", noise=True)
        if org.old_name and rng.random() < rates.customer_outdated_org:
            name = org.old_name
            row.facts.optional.add("name_changed")
            row.case("org_renamed")
        mobile = position.mobile
        if not mobile and rng.random() < 0.3:
            mobile = make_mobile(rng, self.register.mobiles)  # a number the register never had
        return {
            "customer_row_id": key,
            "first_name": position.first_name,
            "last_name": position.last_name,
            "title": position.title,
            "org_name": name,
            "business_id": org.business_id,
            "email": position.email,
            "mobile": mobile,
            "street": street,
            "postcode": postcode,
            "city": city,
        }

    # -- changes of fact (in the register; the customer keeps the old value) -----------------

    def _recent(self, position: Position) -> None:
        if self.rng.random() < 0.7:
            position.verified_at = self.as_of - timedelta(days=self.rng.randint(5, 200))

    def change_title(self, row: CrmRow, position: Position, org: Organisation) -> None:
        new = changed_role(self.rng, position.role)
        position.role, position.title = new, register_title(self.rng, new, org.language)
        row.facts.changes.add("title_changed")
        row.case("title_changed")
        self._recent(position)

    def change_email(self, row: CrmRow, position: Position, org: Organisation) -> None:
        if not position.email:
            return
        old = position.email
        for pattern in ("f.last", "first.last", "flast", "firstlast"):
            local = email_local(pattern, position.first_name, position.last_name)
            candidate = (
                f"{local}@{org.domain}"
                if self.rng.random() < 0.6
                else f"{local}@group.{org.domain}"
            )
            if candidate.casefold() != old.casefold():
                position.email = candidate
                row.facts.changes.add("email_changed")
                row.case("email_changed")
                self._recent(position)
                return

    def change_phone(self, row: CrmRow, position: Position) -> None:
        position.mobile = make_mobile(self.rng, self.register.mobiles)
        if row.values["mobile"]:
            row.facts.changes.add("phone_changed")
            row.case("phone_changed")
        self._recent(position)

    def change_surname(self, row: CrmRow, position: Position, org: Organisation) -> bool:
        """Married: a new surname in the register; often a new e-mail with it. Kept only
        where the row still identifies the person within the organisation (the mobile,
        or the first name and role no colleague shares)."""
        old_last, old_email = position.last_name, position.email
        for _ in range(10):
            new = self.names.surname(self.rng)
            if not any(
                _surname_fits(w, n) for w in text.tokens(old_last) for n in text.tokens(new)
            ):
                break
        else:
            return False
        position.last_name = new
        new_email = ""
        if position.email and org.email_pattern != "first" and self.rng.random() < 0.7:
            new_email = f"{email_local(org.email_pattern, position.first_name, new)}@{org.domain}"
        if new_email:
            position.email = new_email
        values = row.values
        phone_ok = bool(values["mobile"] and position.mobile) and text.phone_key(
            values["mobile"]
        ) == text.phone_key(position.mobile)
        first_alone = [
            p
            for p in self.staff(org.org_id)
            if any(
                _given_fits(a, b)
                for a in text.tokens(values["first_name"])
                for b in text.tokens(p.first_name)
            )
        ] == [position]
        email_ok = bool(values["email"]) and values["email"].casefold() == position.email.casefold()
        if not (phone_ok or email_ok or first_alone):
            position.last_name, position.email = old_last, old_email
            return False
        row.facts.changes.add("name_changed")
        row.case("surname_changed")
        if new_email and values["email"]:
            row.facts.changes.add("email_changed")
            row.case("email_changed")
        self._recent(position)
        return True

    def wrong_business_id(self, row: CrmRow, org: Organisation) -> None:
        if self.rng.random() < 0.5:
            other = self.rng.choice(self.active)
            if other is org:
                return
            row.values["business_id"] = other.business_id
        else:
            row.values["business_id"] = make_business_id(self.rng, self.register.business_ids)
        row.facts.changes.add("business_id_changed")
        row.case("business_id_wrong")

    # -- the customer's writing of the same facts ---------------------------------------------

    def name_noise(self, row: CrmRow, position: Position) -> None:
        rng, rates, v = self.rng, self.rates, row.values
        applied = 0
        first, last = v["first_name"], v["last_name"]
        given = first.split()
        if len(given) > 1 and rng.random() < rates.second_name_dropped:
            first = given[0]
            row.case("second_name_missing", noise=True)
        elif len(given) == 1 and rng.random() < rates.second_name_added:
            second = self.names.second(rng, position.male)
            if text.fold(second) != text.fold(first):
                first = f"{first} {second}"
                row.case("second_name_present", noise=True)
        head = first.split()[0]
        if head in NICKNAMES and rng.random() < rates.nickname:
            first = rng.choice(NICKNAMES[head])
            row.case("nickname", noise=True)
            applied += 1
        elif rng.random() < rates.long_form:
            longs = [long for long, shorts in NICKNAMES.items() if head in shorts]
            if longs:
                first = rng.choice(longs)
                row.case("nickname_long_form", noise=True)
                applied += 1
        if "-" in last and rng.random() < rates.double_surname_part:
            last = rng.choice(last.split("-"))
            row.case("double_surname_part", noise=True)
            applied += 1
        if applied < 2 and first.split()[0] == head and rng.random() < rates.initial:
            first = first[0] + ("." if rng.random() < 0.6 else "")
            row.case("initial", noise=True)
            applied += 1
        if text.has_scandinavian(first + last):
            roll = rng.random()
            if roll < rates.lost_diacritics:
                first, last = text.plain(first), text.plain(last)
                row.case("diacritics_lost", noise=True)
            elif roll < rates.lost_diacritics + rates.digraph_diacritics:
                first, last = text.digraphs(first), text.digraphs(last)
                row.case("diacritics_digraph", noise=True)
        if applied < 2 and rng.random() < rates.name_typo:
            first_untouched = first == v["first_name"]
            if rng.random() < 0.7 or len(first) < 4 or not first_untouched:
                last = _typo(rng, last)
            else:
                first = _typo(rng, first)
            row.case("name_typo", noise=True)
        if rng.random() < rates.name_case:
            if rng.random() < 0.5:
                last = last.upper()
            else:
                first, last = first.lower(), last.lower()
            row.case("name_case", noise=True)
        if rng.random() < rates.name_spacing:
            style = rng.randint(0, 2)
            if style == 0:
                first, last = f" {first}", f"{last} "
            elif style == 1:
                first = f"{first}  " if " " not in first else first.replace(" ", "  ")
            else:
                last = f"{last},"
            row.case("name_spacing", noise=True)
        roll = rng.random()
        if roll < rates.names_swapped:
            first, last = last, first
            row.case("names_swapped", noise=True)
        elif roll < rates.names_swapped + rates.name_one_column:
            if rng.random() < 0.7:
                first, last = "", f"{first} {last}"
            else:
                first, last = f"{last} {first}", ""
            row.case("name_one_column", noise=True)
        v["first_name"], v["last_name"] = first, last

    def contact_noise(
        self, row: CrmRow, position: Position | None, org: Organisation | None
    ) -> None:
        rng, rates, v = self.rng, self.rates, row.values
        if v["title"] and position is not None and rng.random() < rates.title_variant:
            role = position.role if "title_changed" not in row.facts.changes else None
            old_role = role or next((r for r in ROLES if v["title"] in r.written), None)
            if old_role is not None:
                v["title"], how = customer_title(rng, old_role, v["title"])
                row.case(how, noise=True)
        if v["email"] and rng.random() < rates.email_case:
            local, _, domain = v["email"].partition("@")
            v["email"] = v["email"].upper() if rng.random() < 0.3 else f"{local.title()}@{domain}"
            row.case("email_case", noise=True)
        if v["mobile"] and rng.random() < rates.phone_notation:
            written = phone_notation(rng, v["mobile"])
            if written != v["mobile"]:
                v["mobile"] = written
                row.case("phone_notation", noise=True)
        if org is not None and v["street"] and rng.random() < rates.street_variant:
            street = street_variant(rng, v["street"])
            if street and street != v["street"]:
                v["street"] = street
                row.case("street_variant", noise=True)

    def company_noise(self, row: CrmRow, org: Organisation) -> None:
        rng, rates, v = self.rng, self.rates, row.values
        name = v["org_name"]
        if rng.random() < rates.company_variant:
            if org.aux_names and name == org.name and rng.random() < rates.parallel_name:
                v["org_name"] = rng.choice(org.aux_names)
                row.case("company_parallel_name", noise=True)
            else:
                v["org_name"], how = self._company_variant(name)
                if how:
                    row.case(how, noise=True)
        elif rng.random() < rates.company_typo:
            words = [w for w in name.split() if len(w) >= 5 and text.fold(w) not in FORM_WORDS]
            if words:
                word = max(words, key=len)
                typo = name.replace(word, _typo(rng, word), 1)
                if org_key(typo) not in self.register.by_key:
                    v["org_name"] = typo
                    row.facts.optional.add("name_changed")
                    row.case("company_typo", noise=True)
        roll = rng.random()
        if roll < rates.business_id_missing:
            v["business_id"] = ""
            row.facts.optional.add("business_id_changed")
            row.case("bid_missing", noise=True)
        elif roll < rates.business_id_missing + rates.business_id_invalid:
            v["business_id"] = invalid_business_id(rng, v["business_id"])
            row.facts.business_id_invalid = True
            row.facts.optional.add("business_id_changed")
            row.case("bid_invalid")
        elif (
            roll
            < rates.business_id_missing + rates.business_id_invalid + rates.business_id_notation
        ):
            v["business_id"], how = business_id_notation(rng, v["business_id"])
            row.case(how, noise=True)

    def _company_variant(self, name: str) -> tuple[str, str]:
        rng = self.rng
        words = name.split()
        form = words[-1] if words[-1].casefold() in FORM_WORDS else ""
        if name.startswith("Oy ") or name.startswith("Tmi "):
            form = ""
        kind = rng.randint(0, 5)
        if kind == 0 and form:
            return " ".join(words[:-1]), "company_no_legal_form"
        if kind == 1:
            return (name.upper() if rng.random() < 0.6 else name.lower()), "company_case"
        if kind == 2 and (" & " in name or " ja " in name):
            swapped = name.replace(" & ", " ja ") if " & " in name else name.replace(" ja ", " & ")
            return swapped, "company_ampersand"
        if kind == 3 and form in {"Oy", "Ab", "Oyj", "Ky"}:
            spelled = {
                "Oy": "Osakeyhtiö",
                "Ab": "Aktiebolag",
                "Oyj": "Oyj.",
                "Ky": "Kommandiittiyhtiö",
            }
            return " ".join([*words[:-1], spelled[form]]), "company_legal_form_spelled"
        if kind == 4 and form == "Oy":
            return " ".join(["Oy", *words[:-1]]), "company_legal_form_first"
        if form:
            return " ".join(words[:-1]) + f", {form}.", "company_punctuation"
        return name.upper(), "company_case"

    def empty_cells(self, row: CrmRow, position: Position) -> None:
        rng, rates, v = self.rng, self.rates, row.values
        if v["email"] and rng.random() < rates.email_missing:
            v["email"] = ""
            row.case("email_missing", noise=True)
        if v["mobile"] and rng.random() < rates.phone_missing:
            v["mobile"] = ""
            row.case("phone_missing", noise=True)
        if v["title"] and rng.random() < rates.title_missing:
            v["title"] = ""
            row.case("title_missing", noise=True)
        if v["street"] and rng.random() < rates.address_missing:
            v["street"] = ""
            if rng.random() < 0.5:
                v["postcode"] = ""
            row.case("address_missing", noise=True)

    def _fills(self, row: CrmRow, position: Position | None) -> None:
        """Cells the customer left empty and the register has: filling is allowed, not
        required; a change in an empty cell is no change the customer holds."""
        v, f = row.values, row.facts
        if position is None:
            return
        if not v["email"]:
            f.changes.discard("email_changed")
            if position.email:
                f.optional.add("email_changed")
        if not v["mobile"]:
            f.changes.discard("phone_changed")
            if position.mobile:
                f.optional.add("phone_changed")
        if not v["title"]:
            f.changes.discard("title_changed")
            f.optional.add("title_changed")
        if not v["street"] and not v["postcode"]:
            if "address_changed" in f.changes:
                f.changes.discard("address_changed")
            f.optional.add("address_changed")
        elif not v["street"] or not v["postcode"] or not v["city"]:
            f.optional.add("address_changed")

    # -- facts from the register -------------------------------------------------------------

    def _person_facts(self, row: CrmRow, person: Position) -> None:
        row.facts.prohibitions = {
            k for k, _ in self.register.prohibitions.get(person.person_id, [])
        }
        row.facts.staleness = staleness(person.verified_at, self.as_of, self.stale_after_months)

    # -- kinds of row --------------------------------------------------------------------------

    def stayed(self, position: Position, key: str) -> CrmRow:
        rng, rates = self.rng, self.rates
        org = self.orgs[position.org_id]
        row = CrmRow(values={}, scenario="stayed")
        row.values = self.base_values(row, position, org, key)
        snapshot = dict(row.values)
        f = row.facts
        f.org_id, f.org_status = org.org_id, org.status
        f.person_id, f.current_at_org = position.person_id, True
        roll = rng.random()
        if roll < rates.surname_changed * (1.6 if not position.male else 0.3):
            self.change_surname(row, position, org)
        if rng.random() < rates.title_changed:
            self.change_title(row, position, org)
        roll = rng.random()
        if "email_changed" not in f.changes and roll < rates.email_changed:
            self.change_email(row, position, org)
        elif roll < rates.email_changed + rates.email_personal and position.email:
            local = email_local("first.last", position.first_name, row.values["last_name"])
            row.values["email"] = f"{local}{rng.randint(1, 99)}@{rng.choice(FREE_MAIL)}"
            f.changes.add("email_changed")
            row.case("email_personal")
        if rng.random() < rates.phone_changed and "name_changed" not in f.changes:
            self.change_phone(row, position)
        if rng.random() < rates.business_id_wrong and not org.old_name:
            self.wrong_business_id(row, org)
        if "name_changed" not in f.changes:
            self.name_noise(row, position)
        self.contact_noise(row, position, org)
        if "business_id_changed" not in f.changes:
            self.company_noise(row, org)
        self.empty_cells(row, position)
        self._settle_person(row, position, org, snapshot)
        self._person_facts(row, position)
        self._fills(row, position)
        return row

    def _settle_person(
        self, row: CrmRow, target: Position, org: Organisation, snapshot: dict[str, str]
    ) -> None:
        """Take back the customer's noise where it would make the row undecidable: first the
        name's, then the organisation's."""
        v = row.values
        married = "name_changed" in row.facts.changes
        if not self.person_decidable(v, target, org.org_id, married):
            v["first_name"], v["last_name"] = snapshot["first_name"], snapshot["last_name"]
            row.cases = [c for c in row.cases if c not in _NAME_NOISE]
            row.noise -= _NAME_NOISE
            if not self.person_decidable(v, target, org.org_id, married):
                for column in ("email", "mobile"):
                    if not v[column] and snapshot[column]:
                        v[column] = snapshot[column]
                        row.cases = [
                            c for c in row.cases if c not in {"email_missing", "phone_missing"}
                        ]
                        row.noise -= {"email_missing", "phone_missing"}
        if not self.org_decidable(v, org):
            v["business_id"] = (
                snapshot["business_id"]
                if "business_id_changed" not in row.facts.changes
                else v["business_id"]
            )
            v["city"] = v["city"] or snapshot["city"]
            v["postcode"] = v["postcode"] or snapshot["postcode"]
            row.facts.business_id_invalid = False
            row.cases = [c for c in row.cases if c not in _BID_NOISE]
            row.noise -= _BID_NOISE
            if not self.org_decidable(v, org):
                v["org_name"] = org.name
                v["email"] = v["email"] or snapshot["email"]
                row.cases = [c for c in row.cases if not c.startswith("company_")]
                row.noise = {c for c in row.noise if not c.startswith("company_")}

    def left(self, position: Position, key: str, forgotten: bool) -> CrmRow | None:
        org = self.orgs[position.org_id]
        row = CrmRow(values={}, scenario="left_forgotten" if forgotten else "left")
        row.values = self.base_values(row, position, org, key)
        snapshot = dict(row.values)
        if forgotten:
            position.removed = True
            if position.mobile:
                self.register.mobiles.discard(text.phone_key(position.mobile))
        else:
            position.valid_to = self.as_of - timedelta(days=self.rng.randint(30, 500))
        self.name_noise(row, position)
        self.contact_noise(row, position, org)
        self.company_noise(row, org)
        self.empty_cells(row, position)
        f = row.facts
        f.org_id, f.org_status = org.org_id, org.status
        if forgotten:
            row.case("person_left")
            row.case("row_removed")
            if not self.nobody_fits(row.values, org.org_id):
                row.values.update(
                    first_name=snapshot["first_name"], last_name=snapshot["last_name"]
                )
                if not self.nobody_fits(row.values, org.org_id):
                    position.removed = False
                    return None
            self._settle_org(row, org, snapshot)
        else:
            row.case("person_left")
            row.case("row_kept")
            f.person_id = position.person_id
            self._settle_person(row, position, org, snapshot)
            self._person_facts(row, position)
        return row

    def _settle_org(self, row: CrmRow, org: Organisation, snapshot: dict[str, str]) -> None:
        v = row.values
        if not self.org_decidable(v, org):
            v["business_id"], v["org_name"] = snapshot["business_id"], snapshot["org_name"]
            v["city"] = v["city"] or snapshot["city"]
            row.facts.business_id_invalid = False
            row.cases = [
                c for c in row.cases if c not in _BID_NOISE and not c.startswith("company_")
            ]
            row.noise = {
                c for c in row.noise if c not in _BID_NOISE and not c.startswith("company_")
            }

    def moved(self, position: Position, key: str) -> CrmRow | None:
        """Now at another organisation; the old position ended (kept) or gone. The mobile
        (people keep their numbers), the new work e-mail, or the old position identifies."""
        rng = self.rng
        org = self.orgs[position.org_id]
        destination = rng.choice(self.active)
        if destination is org or any(
            name_fits(position.first_name, position.last_name, p)
            for p in self.staff(destination.org_id)
        ):
            return None
        row = CrmRow(values={}, scenario="moved")
        row.values = self.base_values(row, position, org, key)
        snapshot = dict(row.values)
        keep_old = rng.random() < 0.4
        new = self._add(
            replace(
                position,
                org_id=destination.org_id,
                role=position.role,
                title=register_title(rng, position.role, destination.language),
                email=self._work_email(destination, position.first_name, position.last_name),
                valid_from=self.as_of - timedelta(days=rng.randint(30, 400)),
                valid_to=None,
                verified_at=self.as_of - timedelta(days=rng.randint(5, 200)),
                removed=False,
            )
        )
        if keep_old:
            position.valid_to = new.valid_from - timedelta(days=1)
            row.case("person_moved")
            row.case("row_kept")
        else:
            position.removed = True
            row.case("person_moved")
            row.case("row_removed")
            if rng.random() < 0.25 and new.email:
                row.values["email"] = new.email
                row.case("email_is_new_work_address")
            elif not new.mobile:
                new.mobile = position.mobile = make_mobile(rng, self.register.mobiles)
                row.values["mobile"] = new.mobile
        self.name_noise(row, position)
        self.contact_noise(row, position, org)
        self.company_noise(row, org)
        if keep_old:
            self.empty_cells(row, position)
            self._settle_person(row, position, org, snapshot)
        else:
            # Evidence across the register: the mobile or the new address, as written.
            phone_ok = bool(row.values["mobile"]) and text.phone_key(
                row.values["mobile"]
            ) == text.phone_key(new.mobile)
            email_ok = row.values["email"].casefold() == new.email.casefold() and bool(new.email)
            if not (phone_ok or email_ok):
                row.values["mobile"] = phone_notation(rng, new.mobile)
            self._settle_org(row, org, snapshot)
            if not self.nobody_fits({**row.values, "email": "", "mobile": ""}, org.org_id):
                row.values["first_name"], row.values["last_name"] = (
                    position.first_name,
                    position.last_name,
                )
        f = row.facts
        f.org_id, f.org_status = org.org_id, org.status
        f.person_id = position.person_id
        f.current_at_org = False
        self._person_facts(row, new)
        return row

    def inactive(self, position: Position, key: str) -> CrmRow:
        """The organisation ceased, went bankrupt, is in liquidation or merged; in a merger
        the person may carry on in the successor."""
        rng = self.rng
        org = self.orgs[position.org_id]
        row = CrmRow(values={}, scenario=f"org_{org.status}")
        row.values = self.base_values(row, position, org, key)
        snapshot = dict(row.values)
        f = row.facts
        f.org_id, f.org_status = org.org_id, org.status
        f.person_id = position.person_id
        successor = self.register.by_business_id.get(org.successor_business_id)
        if successor is not None:
            f.successor_org_id = successor.org_id
        matched = position
        row.case(f"org_{org.status}")
        if (
            org.status == "merged"
            and successor is not None
            and rng.random() < 0.55
            and not any(
                name_fits(position.first_name, position.last_name, p)
                for p in self.staff(successor.org_id)
            )
        ):
            matched = self._add(
                replace(
                    position,
                    org_id=successor.org_id,
                    title=register_title(rng, position.role, successor.language),
                    email=self._work_email(successor, position.first_name, position.last_name),
                    valid_from=self.as_of - timedelta(days=rng.randint(30, 300)),
                    valid_to=None,
                    removed=False,
                )
            )
            row.case("carried_to_successor")
            f.optional |= {
                "email_changed",
                "address_changed",
                "name_changed",
                "business_id_changed",
            }
            if rng.random() < 0.5:
                position.removed = True
                row.case("row_removed")
            else:
                position.valid_to = matched.valid_from - timedelta(days=1)
        elif rng.random() < 0.4 or org.status == "merged":
            position.valid_to = self.as_of - timedelta(days=rng.randint(30, 400))
        self.name_noise(row, position)
        self.contact_noise(row, position, org)
        self.company_noise(row, org)
        self.empty_cells(row, position)
        if position.removed:
            self._settle_org(row, org, snapshot)
            if not self.person_decidable(row.values, matched, matched.org_id):
                row.values.update(
                    first_name=snapshot["first_name"], last_name=snapshot["last_name"]
                )
        else:
            self._settle_person(row, position, org, snapshot)
        f.current_at_org = position.valid_to is None and not position.removed
        self._person_facts(row, matched)
        return row

    def _new_contact(self, org: Organisation, first: str, last: str, male: bool) -> dict[str, str]:
        rng = self.rng
        role = rng.choice(ROLES)
        local = email_local(org.email_pattern, first, last)
        return {
            "first_name": first,
            "last_name": last,
            "title": customer_title(rng, role, register_title(rng, role, org.language))[0]
            if rng.random() < 0.5
            else register_title(rng, role, org.language),
            "email": f"{local}@{org.domain}" if rng.random() < 0.8 else "",
            "mobile": make_mobile(rng, self.register.mobiles) if rng.random() < 0.6 else "",
        }

    def unknown_person(self, org: Organisation, key: str, namesake: bool) -> CrmRow | None:
        """A person the register does not know at an organisation it knows; a namesake has
        the exact name of a register person at another organisation."""
        rng = self.rng
        for _ in range(20):
            if namesake:
                other = rng.choice(self.register.positions)
                if (
                    other.org_id == org.org_id
                    or other.removed
                    or other.person_id in self.used_people
                ):
                    continue
                first, last, male = other.first_name.split()[0], other.last_name, other.male
            else:
                male = rng.random() < 0.55
                first, last = self.names.first(rng, male), self.names.surname(rng)
                if text.fold(f"{first} {last}") in self.by_full_name:
                    continue
            contact = self._new_contact(org, first, last, male)
            if contact["email"] and any(
                p.email.casefold() == contact["email"] for p in self.staff(org.org_id)
            ):
                continue
            if self.nobody_fits({**contact, "mobile": ""}, org.org_id):
                if namesake:
                    # The namesake's register row stays as it is (no row of theirs changes it).
                    self.used_people.add(other.person_id)
                break
        else:
            return None
        row = CrmRow(values={}, scenario="namesake" if namesake else "unknown_contact")
        position_like = Position(
            0,
            "",
            org.org_id,
            male,
            first,
            last,
            ROLES[0],
            contact["title"],
            contact["email"],
            contact["mobile"],
            self.as_of,
            self.as_of,
        )
        row.values = self.base_values(row, position_like, org, key)
        row.values.update(contact)
        snapshot = dict(row.values)
        row.case("namesake_elsewhere" if namesake else "not_in_register_known_org")
        self.contact_noise(row, None, org)
        self.company_noise(row, org)
        f = row.facts
        f.org_id, f.org_status = org.org_id, org.status
        self._settle_org(row, org, snapshot)
        return row

    # -- organisations the register does not know ----------------------------------------------

    _FOREIGN: ClassVar[dict[str, tuple[str, str, tuple[str, ...], str]]] = {
        "SE": ("AB", ".se", ("Stockholm", "Göteborg", "Malmö", "Uppsala"), "+46 70"),
        "EE": ("OÜ", ".ee", ("Tallinn", "Tartu", "Pärnu"), "+372 5"),
        "DE": ("GmbH", ".de", ("Berlin", "Hamburg", "München", "Köln"), "+49 151"),
        "NO": ("AS", ".no", ("Oslo", "Bergen", "Trondheim"), "+47 9"),
        "GB": ("Ltd", ".co.uk", ("London", "Manchester", "Leeds"), "+44 7700"),
    }
    _FOREIGN_WORDS: ClassVar[list[str]] = [
        "Nordic",
        "Baltic",
        "Suomi",
        "Sisu",
        "Kaleva",
        "Arctic",
        "Polar",
        "Finn",
        "Sauna",
        "Lappi",
        "Karelia",
        "Aurora",
        "Kivi",
        "Sampo",
    ]

    def foreign(self, key: str) -> CrmRow:
        rng = self.rng
        country = rng.choice(list(self._FOREIGN))
        form, tld, cities, phone = self._FOREIGN[country]
        if country == "EE" and rng.random() < 0.3:
            form = "AS"
        fk = self.foreign_faker[country]
        for _ in range(50):
            style = rng.random()
            industry = rng.choice(
                (
                    "Trading",
                    "Consulting",
                    "Logistics",
                    "Engineering",
                    "Bygg",
                    "Metall",
                    "Ehitus",
                    "Handel",
                    "Solutions",
                    "Technik",
                    "Foods",
                )
            )
            if style < 0.4:
                name = f"{self.names.surname(rng)} {industry} {form}"
            elif style < 0.75:
                name = f"{rng.choice(self._FOREIGN_WORDS)} {industry} {form}"
            else:
                name = f"{fk.last_name()} {industry} {form}"
            if org_key(name) not in self.register.by_key:
                break
        finnish_person = rng.random() < 0.4
        if finnish_person:
            male = rng.random() < 0.6
            first, last = self.names.first(rng, male), self.names.surname(rng)
        else:
            first, last = fk.first_name(), fk.last_name()
        domain = text.ascii_slug(org_key(name).replace(" ", "-")) + (
            tld if rng.random() < 0.7 else ".com"
        )
        bid = ""
        roll = rng.random()
        if country == "SE" and roll < 0.5:
            bid = f"556{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        elif country == "EE" and roll < 0.5:
            bid = f"1{rng.randint(1000000, 9999999)}"  # registrikood: eight digits
            if (
                is_valid_business_id(canonical_business_id(bid))
                and canonical_business_id(bid) in self.register.business_ids
            ):
                bid = ""
        elif country == "DE" and roll < 0.4:
            bid = f"DE{rng.randint(100000000, 999999999)}"
        role = rng.choice(ROLES)
        row = CrmRow(
            values={
                "customer_row_id": key,
                "first_name": first,
                "last_name": last,
                "title": rng.choice(role.english) if role.english else role.finnish[0],
                "org_name": name,
                "business_id": bid,
                "email": f"{email_local('first.last', first, last)}@{domain}",
                "mobile": f"{phone}{rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else "",
                "street": fk.street_address().replace("\n", " "),
                "postcode": fk.postcode(),
                "city": rng.choice(cities),
            },
            scenario="foreign_org",
        )
        row.case("foreign_org")
        row.case(f"foreign_{country.lower()}")
        return row

    def unregistered(self, key: str) -> CrmRow:
        """A Finnish firm the register does not have (new, or never registered)."""
        rng = self.rng
        for _ in range(50):
            male = rng.random() < 0.6
            first, last = self.names.first(rng, male), self.names.surname(rng)
            industry = rng.choice(
                (
                    "Rakennuspalvelu",
                    "Kuljetus",
                    "Remontti",
                    "Konsultointi",
                    "Siivouspalvelu",
                    "Kiinteistöhuolto",
                )
            )
            name = f"{industry} {last} {rng.choice(('Oy', 'Tmi', 'Ky'))}"
            if org_key(name) not in self.register.by_key:
                break
        domain = text.ascii_slug(org_key(name).replace(" ", "")) + "2.fi"
        while domain in self.register.domains:
            domain = "uusi-" + domain
        bid = make_business_id(rng, self.register.business_ids) if rng.random() < 0.4 else ""
        street, postcode, city = self.reg_builder_place()
        role = rng.choice(ROLES)
        row = CrmRow(
            values={
                "customer_row_id": key,
                "first_name": first,
                "last_name": last,
                "title": register_title(rng, role, "fi"),
                "org_name": name,
                "business_id": bid,
                "email": f"{email_local('first.last', first, last)}@{domain}"
                if rng.random() < 0.6
                else f"{text.ascii_slug(first)}.{text.ascii_slug(last)}@{rng.choice(FREE_MAIL)}",
                "mobile": make_mobile(rng, self.register.mobiles) if rng.random() < 0.7 else "",
                "street": street,
                "postcode": postcode,
                "city": city,
            },
            scenario="unregistered_org",
        )
        row.case("not_in_register_unknown_org")
        return row

    def reg_builder_place(self) -> tuple[str, str, str]:
        return STREETS.place(self.rng)

    # -- undecidable on purpose ---------------------------------------------------------------

    def ambiguous_org(self, key: str) -> CrmRow | None:
        """Two organisations of one name in two towns, each with a person of one name in one
        role; the row has neither business ID, town, work e-mail nor mobile."""
        if not self.twins:
            return None
        twin = self.rng.choice(self.twins)
        original = self.orgs[twin.twin_of]
        if original.status != "active":
            return None
        staff = [p for p in self.staff(original.org_id) if p.valid_to is None]
        if not staff:
            return None
        target = self.rng.choice(staff)
        if any(name_fits(target.first_name, target.last_name, p) for p in self.staff(twin.org_id)):
            return None
        self._add(
            replace(
                target,
                person_id=self.register.new_person_id(),
                org_id=twin.org_id,
                email=self._work_email(twin, target.first_name, target.last_name),
                mobile=make_mobile(self.rng, self.register.mobiles),
                valid_to=None,
            )
        )
        row = CrmRow(values={}, scenario="ambiguous_org")
        row.values = self.base_values(row, target, original, key)
        row.values.update(business_id="", street="", postcode="", city="", mobile="", email="")
        row.cases = ["ambiguous_org"]
        row.facts.changes.clear()
        row.facts.optional.clear()
        f = row.facts
        f.org_id, f.org_status, f.person_id, f.undecidable = (
            original.org_id,
            original.status,
            target.person_id,
            True,
        )
        return row

    def ambiguous_person(self, key: str) -> CrmRow | None:
        """Two colleagues of one surname and one initial (a family firm); the row has the
        initial and the surname only."""
        rng = self.rng
        org = rng.choice(self.active)
        staff = [p for p in self.staff(org.org_id) if p.valid_to is None and "-" not in p.last_name]
        if not staff:
            return None
        target = rng.choice(staff)
        initial = target.first_name[0]
        pool = self.names.male if target.male else self.names.female
        others = [
            n
            for n in pool
            if n[0] == initial and text.fold(n) != text.fold(target.first_name.split()[0])
        ]
        if not others:
            return None
        sibling = rng.choice(others)
        if any(name_fits(sibling, target.last_name, p) for p in staff if p is not target):
            return None
        role = rng.choice([r for r in ROLES if r.key != target.role.key])
        self._add(
            replace(
                target,
                person_id=self.register.new_person_id(),
                first_name=sibling,
                role=role,
                title=register_title(rng, role, org.language),
                email="",
                mobile="",
            )
        )
        row = CrmRow(values={}, scenario="ambiguous_person")
        row.values = self.base_values(row, target, org, key)
        row.values.update(first_name=f"{initial}.", email="", mobile="", title="")
        row.cases = ["ambiguous_person"]
        row.facts.changes.clear()
        row.facts.optional.clear()
        if not self.org_decidable(row.values, org):
            row.values["business_id"] = org.business_id
        f = row.facts
        f.org_id, f.org_status, f.person_id, f.undecidable = (
            org.org_id,
            org.status,
            target.person_id,
            True,
        )
        return row

    # -- the rest -----------------------------------------------------------------------------

    def duplicate(self, first: CrmRow, key: str) -> CrmRow:
        """The same person entered again: the first row's values, written another way."""
        rng = self.rng
        row = CrmRow(values=dict(first.values), scenario="duplicate")
        row.values["customer_row_id"] = key
        row.facts = replace(
            first.facts,
            changes=set(first.facts.changes),
            optional=set(first.facts.optional),
            prohibitions=set(first.facts.prohibitions),
        )
        row.cases = ["duplicate", *[c for c in first.cases if c not in _NOISE_KINDS_ANY]]
        v = row.values
        kind = rng.randint(0, 3)
        if kind == 0 and v["last_name"]:
            v["last_name"] = v["last_name"].upper()
            row.case("name_case", noise=True)
        elif kind == 1 and v["mobile"]:
            v["mobile"] = phone_notation(rng, v["mobile"])
            row.case("phone_notation", noise=True)
        elif kind == 2 and v["email"]:
            v["email"] = (
                v["email"].lower() if v["email"] != v["email"].lower() else v["email"].title()
            )
            row.case("email_case", noise=True)
        else:
            v["org_name"] = v["org_name"].upper()
            row.case("company_case", noise=True)
        row.dup_of = first.values["customer_row_id"]
        row.facts.duplicate = first.facts.duplicate = True
        return row

    def junk(self, key: str) -> CrmRow:
        rng = self.rng
        style = rng.randint(0, 3)
        values = dict.fromkeys(COLUMNS, "")
        values["customer_row_id"] = key
        if style == 1:
            values["mobile"] = f"040 {rng.randint(1000000, 9999999)}"
        elif style == 2:
            values["title"] = rng.choice(("ks. muistiinpanot", "-", "???", "POISTETTU"))
        elif style == 3:
            values["city"] = rng.choice(STREETS_CITIES)
        row = CrmRow(values=values, scenario="invalid")
        row.case("junk")
        row.facts.junk = True
        return row

    def placeholder(self, key: str) -> CrmRow:
        rng = self.rng
        first, last = rng.choice(
            (
                ("Testi", "Testaaja"),
                ("Test", "Test"),
                ("Matti", "Meikäläinen"),
                ("Maija", "Meikäläinen"),
                ("Etunimi", "Sukunimi"),
            )
        )
        org = rng.choice(("Testiyritys Oy", "Esimerkki Oy", "Test Company Ltd", "Yritys Oy"))
        values = dict.fromkeys(COLUMNS, "")
        values.update(
            customer_row_id=key,
            first_name=first,
            last_name=last,
            org_name=org,
            email=rng.choice(("testi@testi.fi", "test@example.com", "", "noreply@example.fi")),
            business_id=rng.choice(("1234567-8", "0000000-0", "")),
        )
        row = CrmRow(values=values, scenario="junk_placeholder")
        row.case("placeholder")
        row.facts.placeholder = True
        return row


_NAME_NOISE = frozenset(
    {
        "second_name_missing",
        "second_name_present",
        "nickname",
        "nickname_long_form",
        "double_surname_part",
        "initial",
        "diacritics_lost",
        "diacritics_digraph",
        "name_typo",
        "name_case",
        "name_spacing",
        "names_swapped",
        "name_one_column",
    }
)
_BID_NOISE = frozenset(
    {
        "bid_missing",
        "bid_invalid",
        "bid_no_dash",
        "bid_vat",
        "bid_spaces",
        "bid_leading_zero_lost",
        "address_missing",
    }
)
_NOISE_KINDS_ANY = frozenset({"name_case", "phone_notation", "email_case", "company_case"})
STREETS_CITIES = ("Helsinki", "Espoo", "Tampere", "Oulu", "Turku", "Jyväskylä")


def build_crm(
    rng: random.Random,
    faker: Faker,
    names: NamePool,
    register: Register,
    reg_builder: RegisterBuilder,
    n_rows: int,
    rates: CrmRates,
    stale_after_months: int,
) -> list[CrmRow]:
    """`n_rows` CRM rows in the customer's order, each with its ground truth."""
    builder = CrmBuilder(rng, faker, names, register, reg_builder, rates, stale_after_months)
    current = [p for p in register.positions if p.valid_to is None]
    rng.shuffle(current)
    pool = iter(current)
    rows: list[CrmRow] = []
    firsts: list[CrmRow] = []
    kinds = (
        ("invalid", rates.invalid_row),
        ("placeholder", rates.placeholder),
        ("foreign", rates.foreign_org),
        ("unregistered", rates.unregistered_org),
        ("namesake", rates.namesake),
        ("unknown", rates.unknown_contact),
        ("ambiguous_org", rates.ambiguous_org),
        ("ambiguous_person", rates.ambiguous_person),
        ("duplicate", rates.duplicate),
        ("left", rates.left),
        ("left_forgotten", rates.left_forgotten),
        ("moved", rates.moved),
    )
    while len(rows) < n_rows:
        key = f"C{len(rows) + 1:06d}"
        roll = rng.random()
        kind = "stayed"
        for name, rate in kinds:
            if roll < rate:
                kind = name
                break
            roll -= rate
        row: CrmRow | None = None
        if kind == "invalid":
            row = builder.junk(key)
            row.ragged = rng.random() < 0.5
            if row.ragged:
                row.scenario = "invalid_ragged"
        elif kind == "placeholder":
            row = builder.placeholder(key)
        elif kind == "foreign":
            row = builder.foreign(key)
        elif kind == "unregistered":
            row = builder.unregistered(key)
        elif kind in {"namesake", "unknown"}:
            org = rng.choice(builder.active if rng.random() < 0.9 else register.organisations)
            row = builder.unknown_person(org, key, namesake=kind == "namesake")
        elif kind == "ambiguous_org":
            row = builder.ambiguous_org(key)
        elif kind == "ambiguous_person":
            row = builder.ambiguous_person(key)
        elif kind == "duplicate" and firsts:
            first = firsts[rng.randrange(len(firsts))]
            if not first.facts.duplicate:
                row = builder.duplicate(first, key)
        if row is None and kind in {
            "invalid",
            "placeholder",
            "foreign",
            "unregistered",
            "namesake",
            "unknown",
            "ambiguous_org",
            "ambiguous_person",
            "duplicate",
        }:
            kind = "stayed"
        if row is None:
            position = next(pool, None)
            if position is None:
                break
            if (
                position.person_id in builder.used_people
                or position.removed
                or position.valid_to is not None
            ):
                continue
            org = builder.orgs[position.org_id]
            if org.status in INACTIVE_ORG_STATUSES:
                row = builder.inactive(position, key)
            elif kind in {"left", "left_forgotten"}:
                row = builder.left(position, key, forgotten=kind == "left_forgotten")
            elif kind == "moved":
                row = builder.moved(position, key)
            if row is None:
                row = builder.stayed(position, key)
                if row.facts.person_id and row.scenario == "stayed":
                    firsts.append(row)
            builder.used_people.add(position.person_id)
        rows.append(row)
    for row in rows:
        if row.scenario not in row.cases and row.scenario not in {
            "stayed",
            "invalid",
            "invalid_ragged",
            "junk_placeholder",
            "duplicate",
        }:
            row.cases.insert(0, row.scenario)
        if not row.cases:
            row.cases.append("clean")
        row.settle()
    return rows
