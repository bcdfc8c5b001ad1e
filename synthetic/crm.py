"""A customer's CRM file as the register stood a year or two ago, and its ground truth.

Each CRM row is made from one scenario (the person stayed, left, moved, the organisation
merged or ceased, the contact was never known ...); the scenario also changes the register
where the story needs it (a new title, a new e-mail) so that the truth is known by
construction. Customer noise is laid on top: notations, typos, lost diacritics, and the
harder kinds of `synthetic.noise` (short forms of first names, initials, one part of a
double surname, ae/oe for ä/ö, swapped columns, old or personal e-mail addresses, other or
shortened organisation names, missing postcode or city). Each row's truth names the noise
laid on it, and its flags stay exact: a name or e-mail differs exactly where the refresh's
rules will say so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta

from faker import Faker
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from matching.text import fold, org_name_key, person_name_key, strip_diacritics
from matching.titles import ROLES
from refresh.dates import is_stale
from synthetic import noise
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

    # -- how the register itself writes names (build_register) --------------------------------
    # Extra share of people whose register first name is an official long form with common
    # short forms (Johannes, Katariina, Margareeta), on top of the many in Faker's pool
    # (about a third of people then have one).
    register_long_first_name: float = 0.03
    # People registered with two given names ("Anna Maria"), as official records hold them.
    register_second_given_name: float = 0.05
    # People with a double-barrelled surname ("Virtanen-Korhonen"), as many married Finns
    # have; customers often know only one part.
    register_double_surname: float = 0.04
    # Organisations with other names: Swedish parallel, trade or English name.
    register_aux_names: float = 0.15

    # -- person-name noise: rows whose truth has a person, movers excepted (see `moved`) ------
    # Of rows whose register first name has a common short form (Johannes -> Jussi): the
    # customer knows the person by it. About 3 % of person rows.
    nickname: float = 0.12
    # First name only as an initial ("M." or "M"), as in signatures and old CRMs.
    first_name_initial: float = 0.015
    # A typo in the first name (the older `name_typo` is in the last name only).
    first_name_typo: float = 0.015
    # Of rows whose register person has a double-barrelled surname: only one part written.
    double_surname_part: float = 0.40
    # Of rows whose name has å, ä or ö: written by a system without them (ä -> ae, ö -> oe,
    # å -> aa), as records that went through an old system are; the plain-letter form is
    # `lost_diacritics`. About 3 % of person rows (a sixth of names have such a letter).
    diacritics_digraph: float = 0.18
    # First and last name in each other's columns.
    names_swapped: float = 0.01
    # Of rows whose register person has two given names: the customer has only the first.
    given_name_dropped: float = 0.25
    # Of rows whose register person has one given name: the customer has a second one too.
    given_name_added: float = 0.008
    # E-mail in an older format at the same domain (`m.virtanen@`, `mattiv@`, `matti@`).
    email_old_format: float = 0.015
    # A personal address at a free mail domain (gmail.com, hotmail.com, luukku.com).
    email_personal: float = 0.015

    # -- organisation noise: rows whose truth has an organisation, twins excepted ------------
    # One kind at most per row. Another registered name, `&`/`ja` and a spelled-out legal
    # form are the same name (no `name_changed`); a shortened or misspelt name is not, and
    # the refresh corrects it (`name_changed` on matched rows).
    # Of rows whose organisation has aux names: the customer writes one of them.
    org_aux_name: float = 0.15
    # The name without its generic industry word ("Virtanen Rakennus Oy" -> "Virtanen Oy").
    org_shortened: float = 0.015
    # One wrong letter in the organisation's name.
    org_typo: float = 0.015
    # Of rows whose organisation's name has "&" or "ja": the other one written.
    org_ampersand: float = 0.25
    # The legal form spelled out ("Oy" -> "Osakeyhtiö").
    org_legal_form_spelled: float = 0.01
    # Business ID missing where the name is noised (small CRMs keep no IDs), instead of
    # `business_id_missing`; kept wherever the noised name alone would not identify the
    # organisation.
    business_id_missing_noised_org: float = 0.40
    # Postcode or city left empty (the refresh never fills an empty cell, so this alone
    # changes no flag).
    address_part_missing: float = 0.05


@dataclass
class CrmRow:
    values: dict[str, str]
    true_org_id: str
    true_person_id: str
    status: str
    flags: set[str] = field(default_factory=set)
    scenario: str = ""
    # The kinds of customer noise laid on this row (truth.csv `noise`), for recall per kind.
    noise: set[str] = field(default_factory=set)


_typo = noise.typo


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


def _org_name_variant(rng: random.Random, name: str) -> tuple[str, str]:
    """(name, noise kind or '')."""
    words = name.split()
    if len(words) > 1 and rng.random() < 0.3:
        return " ".join([words[-1], *words[:-1]]), "org_legal_form_moved"  # "Oy Virtanen ..."
    if len(words) > 1 and rng.random() < 0.2:
        return " ".join(words[:-1]), "org_legal_form_dropped"
    return name, ""


# Organisation-name noise that makes the customer's name a different name, which the
# refresh corrects (`name_changed`); the other kinds are the same name in another notation
# or another of the organisation's registered names.
_ORG_NAME_CHANGES = frozenset({"org_shortened", "org_typo"})
_FREE_MAIL = noise.FREE_MAIL_DOMAINS


def _usable_business_id(value: str) -> bool:
    """Whether a matcher can go by this ID: eight digits after the notation is stripped."""
    return sum(c.isdigit() for c in value) == 8


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
        self.people_by_org: dict[str, list[Position]] = {}
        for position in register.positions:
            self._index(position)
        # The noise's own view of organisation names (see `noise.org_tokens`): which
        # organisations a name's words could mean, to keep noised names identifying.
        self.orgs_by_token: dict[str, set[str]] = {}
        self.org_token_sets: dict[str, list[frozenset[str]]] = {}
        for org in register.organisations:
            for name in (org.name, *org.aux_names):
                tokens = noise.org_tokens(name)
                self.org_token_sets.setdefault(org.org_id, []).append(tokens)
                for token in tokens:
                    self.orgs_by_token.setdefault(token, set()).add(org.org_id)

    def _index(self, position: Position) -> None:
        key = person_name_key(position.first_name, position.last_name)
        self.names_by_org.setdefault(position.org_id, []).append(key)
        self.orgs_by_name.setdefault(key, set()).add(position.org_id)
        self.people_by_org.setdefault(position.org_id, []).append(position)

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

    def _finish(
        self, row: CrmRow, noise_names: bool = True, position: Position | None = None
    ) -> CrmRow:
        """Customer noise, then the truth's prohibition rules, which win over everything.
        `position` is the register's position of the row's person (for a matched row, the
        one the refresh compares with); without it no person noise is laid on."""
        rng, rates, values = self.rng, self.rates, row.values
        # The register's name as the refresh will compare it: the row starts as a copy.
        register_name = (values["first_name"], values["last_name"])
        kinds = self._prohibition_kinds(row.true_person_id) if row.true_person_id else set()
        if "disclosure" in kinds:
            row.status, row.flags = "opted_out", set()
        elif row.status in {"verified", "updated", "person_left", "org_inactive"} and kinds:
            row.flags |= {PROHIBITION_FLAGS[k] for k in kinds if k in PROHIBITION_FLAGS}
        if noise_names and rng.random() < rates.lost_diacritics:
            plain = strip_diacritics(values["last_name"])
            if plain != values["last_name"]:
                values["last_name"] = plain
                row.noise.add("lost_diacritics")
        if noise_names and rng.random() < rates.name_typo:
            values["last_name"] = _typo(rng, values["last_name"])
            row.noise.add("last_name_typo")
        if noise_names and position is not None and row.true_person_id:
            self._person_noise(row, position)
        if rng.random() < rates.email_case and values["email"]:
            values["email"] = values["email"][0].upper() + values["email"][1:]
            row.noise.add("email_case")
        if values["mobile"] and rng.random() < rates.phone_notation:
            written = _phone_notation(rng, values["mobile"])
            if written != values["mobile"]:
                values["mobile"] = written
                row.noise.add("phone_notation")
        if values["title"] and rng.random() < rates.title_synonym:
            role = next((r for r in ROLES if values["title"] in (*r.finnish, *r.english)), None)
            if role is not None:
                synonym = rng.choice((*role.finnish, *role.english))
                if synonym != values["title"]:
                    values["title"] = synonym
                    row.noise.add("title_synonym")
        if row.true_org_id:
            self._address_noise(row)
        # The refresh's rule, exactly: a name differs when it differs case-insensitively.
        if any(
            written.strip().casefold() != register.strip().casefold()
            for written, register in zip(
                (values["first_name"], values["last_name"]), register_name, strict=True
            )
        ):
            self._name_changed(row)
        if row.status in {"updated", "verified"}:
            row.status = "updated" if row.flags & _CHANGE_FLAGS else "verified"
        return row

    def _name_changed(self, row: CrmRow) -> None:
        if row.status in {"verified", "updated"}:
            row.flags.add("name_changed")

    # -- noise on the person ----------------------------------------------------------------

    def _person_noise(self, row: CrmRow, position: Position) -> None:
        """How customers write a person's name and e-mail; undone where the written name
        could as well mean a colleague, so the noise never makes a row ambiguous."""
        rng, rates, values = self.rng, self.rates, row.values
        before = dict(values)
        added: set[str] = set()
        first, last = values["first_name"], values["last_name"]
        given = first.split(" ")
        if len(given) > 1:
            if rng.random() < rates.given_name_dropped:
                first = given[0]
                added.add("given_name_dropped")
        elif rng.random() < rates.given_name_added:
            gender = noise.gender_of(first)
            if gender is not None:
                pool = noise.MALE_GIVEN_NAMES if gender == "m" else noise.FEMALE_GIVEN_NAMES
                second = rng.choice(pool)
                if second != first and "-" not in second:
                    first = f"{first} {second}"
                    added.add("given_name_added")
        # One change to the first name's form at most, each kind at its own rate.
        roll = rng.random()
        short_forms = noise.NICKNAMES.get(first.split(" ")[0])
        if roll < rates.nickname:
            if short_forms:
                first = rng.choice(short_forms)
                added.add("nickname")
        elif roll < rates.nickname + rates.first_name_initial:
            first = first[0] + ("." if rng.random() < 0.7 else "")
            added.add("first_name_initial")
        elif roll < rates.nickname + rates.first_name_initial + rates.first_name_typo:
            first = _typo(rng, first)
            added.add("first_name_typo")
        if "-" in last and rng.random() < rates.double_surname_part:
            last = rng.choice(last.split("-"))
            added.add("double_surname_part")
        scandinavian = [
            column
            for column, text in (("first", first), ("last", last))
            if noise.has_scandinavian_letters(text)
        ]
        if scandinavian and rng.random() < rates.diacritics_digraph:
            if rng.choice(scandinavian) == "first":
                first = noise.to_digraphs(first)
            else:
                last = noise.to_digraphs(last)
            added.add("diacritics_digraph")
        if rng.random() < rates.names_swapped:
            first, last = last, first
            added.add("names_swapped")
        values["first_name"], values["last_name"] = first, last
        self._email_noise(row, position, added)
        if added and self._confusable(row, position):
            values.update(before)
            return
        row.noise |= added
        changed = values["email"].strip().casefold() != position.email.strip().casefold()
        if values["email"] != before["email"] and changed:
            self._flag_matched(row, "email_changed")

    def _flag_matched(self, row: CrmRow, flag: str) -> None:
        """A change flag, which the truth has only on matched rows (verified or updated)."""
        if row.status in {"verified", "updated"}:
            row.flags.add(flag)

    def _email_noise(self, row: CrmRow, position: Position, added: set[str]) -> None:
        """The person's address in an older format at the same domain, or a personal one."""
        rng, rates, values = self.rng, self.rates, row.values
        if "@" not in values["email"]:
            return
        first = noise.ascii_local(position.first_name.split(" ")[0])
        last = noise.ascii_local(position.last_name)
        roll = rng.random()
        if roll < rates.email_old_format:
            domain = values["email"].rsplit("@", 1)[1]
            local = rng.choice((f"{first[:1]}.{last}", f"{first}{last[:1]}", first))
            kind = "email_old_format"
        elif roll < rates.email_old_format + rates.email_personal:
            domain = rng.choice(_FREE_MAIL)
            local = rng.choice(
                (
                    f"{first}.{last}",
                    f"{first}{last}",
                    f"{last}.{first}",
                    f"{first}.{last}{rng.randint(1, 99)}",
                )
            )
            kind = "email_personal"
        else:
            return
        address = f"{local}@{domain}"
        if address.casefold() not in {values["email"].casefold(), position.email.casefold()}:
            values["email"] = address
            added.add(kind)

    def _confusable(self, row: CrmRow, position: Position) -> bool:
        """Whether the written name shares a surname (or a near one) with a colleague at the
        organisations the row concerns: then the noise could make the row mean them."""
        written = noise.name_tokens(row.values["first_name"]) | noise.name_tokens(
            row.values["last_name"]
        )
        for org_id in {position.org_id, row.true_org_id}:
            for other in self.people_by_org.get(org_id, []):
                if other.person_id == position.person_id:
                    continue
                for token in noise.name_tokens(other.last_name):
                    if token in written or any(
                        len(w) >= 4 and Levenshtein.distance(w, token, score_cutoff=1) <= 1
                        for w in written
                    ):
                        return True
        return False

    # -- noise on the organisation and address ----------------------------------------------

    def _address_noise(self, row: CrmRow) -> None:
        """Postcode or city left empty; the truth's `address_changed` then holds only where a
        column the customer still has differs (the refresh never fills an empty cell)."""
        values = row.values
        if not (values["postcode"] and values["city"]):
            return
        if self.rng.random() >= self.rates.address_part_missing:
            return
        column = "postcode" if self.rng.random() < 0.5 else "city"
        values[column] = ""
        row.noise.add(f"{column}_missing")
        if "address_changed" in row.flags:
            org = self.orgs[row.true_org_id]
            register = {"street": org.street, "postcode": org.postcode, "city": org.city}
            if not any(values[c] and values[c] != register[c] for c in register):
                row.flags.discard("address_changed")

    def _org_name_noise(self, org: Organisation) -> tuple[str, str] | None:
        """(name as the customer writes it, noise kind) or None. One kind at most; each kind
        has its rate among the rows where it can apply."""
        rng, rates = self.rng, self.rates
        roll = rng.random()
        if roll < rates.org_aux_name:
            return (rng.choice(org.aux_names), "org_aux_name") if org.aux_names else None
        roll -= rates.org_aux_name
        if roll < rates.org_shortened:
            short = noise.shortened_org_name(org.name)
            return (short, "org_shortened") if short else None
        roll -= rates.org_shortened
        if roll < rates.org_typo:
            typo = noise.org_name_typo(rng, org.name)
            return (typo, "org_typo") if typo else None
        roll -= rates.org_typo
        if roll < rates.org_ampersand:
            swapped = noise.ampersand_swapped(org.name)
            return (swapped, "org_ampersand") if swapped else None
        roll -= rates.org_ampersand
        if roll < rates.org_legal_form_spelled:
            spelled = noise.spelled_legal_form(org.name)
            return (spelled, "org_legal_form_spelled") if spelled else None
        return None

    def _org_name_identifies(self, name: str, kind: str, org: Organisation) -> bool:
        """Whether the noised name, with no business ID to go by, still means this one
        organisation: no other one has all its words (a shortened name is part of several
        longer ones), nor, for a typo, a word one letter off beside the same other words."""
        tokens = noise.org_tokens(name)
        if not tokens:
            return False
        candidates = set.intersection(*(self.orgs_by_token.get(t, set()) for t in tokens))
        if candidates - {org.org_id}:
            return False
        if kind != "org_typo":
            return True
        wrong = tokens - noise.org_tokens(org.name)
        others = tokens - wrong
        if not wrong or not others:
            return False
        near = set.intersection(*(self.orgs_by_token.get(t, set()) for t in others))
        for other_id in near - {org.org_id}:
            for other_tokens in self.org_token_sets[other_id]:
                if others <= other_tokens and any(
                    Levenshtein.distance(w, t, score_cutoff=1) <= 1
                    for w in wrong
                    for t in other_tokens - others
                ):
                    return False
        return True

    def _identify_org(self, row: CrmRow, org: Organisation) -> None:
        """How the customer wrote the organisation's identity (business ID and name)."""
        rng, rates, values = self.rng, self.rates, row.values
        twins = org_name_key(org.name) in self.twin_names
        noised = None if twins else self._org_name_noise(org)
        if noised is not None:
            values["org_name"], kind = noised
            row.noise.add(kind)
        else:
            values["org_name"], variant = _org_name_variant(rng, org.name)
            if variant:
                row.noise.add(variant)
        missing = rates.business_id_missing_noised_org if noised else rates.business_id_missing
        roll = rng.random()
        if roll < missing and not twins:
            values["business_id"] = ""
            row.noise.add("business_id_missing")
        elif roll < missing + rates.business_id_invalid and not twins:
            values["business_id"] = _invalid_business_id(org.business_id)
            row.flags.add("business_id_invalid")
            row.noise.add("business_id_invalid")
        elif roll < missing + rates.business_id_invalid + rates.business_id_other_notation:
            values["business_id"] = _business_id_notation(rng, org.business_id)
            row.noise.add("business_id_notation")
        if noised is not None:
            usable = _usable_business_id(values["business_id"]) and (
                "business_id_invalid" not in row.flags
            )
            if not usable and not self._org_name_identifies(*noised, org):
                # The name alone would not tell which organisation: the customer has the ID.
                values["business_id"] = org.business_id
                row.flags.discard("business_id_invalid")
                row.noise -= {"business_id_missing", "business_id_invalid", "business_id_notation"}
            if noised[1] in _ORG_NAME_CHANGES:
                self._name_changed(row)

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
        return self._finish(row, position=position)

    def left(self, position: Position, customer_id: str) -> CrmRow:
        """The register keeps the ended position (valid_to set)."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        position.valid_to = self.register.as_of - timedelta(days=self.rng.randint(30, 500))
        row = CrmRow(values, org.org_id, position.person_id, "person_left", scenario="left")
        self._identify_org(row, org)
        return self._finish(row, position=position)

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
                # `replace` would copy the old position's `dropped`: the new one is listed.
                dropped=False,
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
        return self._finish(row, position=position)

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
        return self._finish(row, position=carried)

    def ambiguous_org(self, position: Position, customer_id: str) -> CrmRow:
        """No business ID and a name two organisations share, with nothing to tell them apart:
        no town, and no work e-mail (its domain would name the organisation)."""
        org = self.orgs[position.org_id]
        values = self._row_values(position, org, customer_id)
        values.update(business_id="", street="", postcode="", city="", email="")
        row = CrmRow(values, org.org_id, position.person_id, "ambiguous", scenario="ambiguous_org")
        return self._finish(row, position=position)

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
