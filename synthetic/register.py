"""A synthetic master register: organisations, their decision-makers and prohibitions.

Realistic for Finland where it matters to matching: Faker `fi_FI` names and places, valid
business IDs (python-stdnum), Finnish and English titles from the matcher's own title
dictionary, many small firms and a few large ones, positions that ended, people who moved.
Only synthetic data, ever.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from stdnum.fi import alv

from matching.text import fold, org_name_key, person_name_key
from matching.titles import ROLES, Role
from synthetic import noise

_PLACE_PREFIXES = (
    "Pohjolan",
    "Lapin",
    "Savon",
    "Hämeen",
    "Kymen",
    "Etelä-Suomen",
    "Länsi-Suomen",
    "Pirkanmaan",
    "Keski-Suomen",
    "Uudenmaan",
    "Pohjanmaan",
    "Karjalan",
    "Kainuun",
    "Satakunnan",
    "Ahvenanmaan",
    "Nordic",
    "Baltic",
    "Suomen",
    "Saaristo",
    "Järvi-Suomen",
)
_INDUSTRY_WORDS = (
    "Rakennus",
    "Kuljetus",
    "Konepaja",
    "Sähkö",
    "LVI",
    "Ohjelmistot",
    "Konsultointi",
    "Tilitoimisto",
    "Metalli",
    "Puutuote",
    "Kiinteistöhuolto",
    "Logistiikka",
    "Elintarvike",
    "Teknologia",
    "Energia",
    "Lasi",
    "Paino",
    "Muovi",
    "Kemia",
    "Laboratoriot",
    "Media",
    "Mainos",
    "Terveys",
    "Hoiva",
    "Matkailu",
    "Ravintolat",
    "Kauppa",
    "Tukku",
    "Autotalo",
    "Maalaus",
    "Insinööritoimisto",
    "Arkkitehdit",
    "Lakitoimisto",
    "Vakuutus",
    "Data",
    "Robotiikka",
    "Optiikka",
    "Pakkaus",
    "Tekstiili",
    "Saha",
)
_LEGAL_FORMS = ("Oy", "Oy", "Oy", "Oy", "Oy", "Oyj", "Ky", "Ab", "Tmi", "Ay", "ry", "osk")
_INDUSTRY_CODES = (
    "41200",
    "49410",
    "25620",
    "43210",
    "43220",
    "62010",
    "70220",
    "69202",
    "24100",
    "16100",
    "81100",
    "52290",
    "10890",
    "71121",
    "35110",
    "23110",
    "18120",
    "22290",
    "20590",
    "71200",
)
_MOBILE_PREFIXES = ("40", "41", "44", "45", "46", "50")
_STATUS_WEIGHTS = (
    ("active", 0.925),
    ("merged", 0.025),
    ("ceased", 0.02),
    ("bankrupt", 0.015),
    ("liquidation", 0.015),
)


def personnel_class(size: int) -> str:
    for bound, label in (
        (4, "1-4"),
        (9, "5-9"),
        (19, "10-19"),
        (49, "20-49"),
        (99, "50-99"),
        (249, "100-249"),
        (499, "250-499"),
        (999, "500-999"),
    ):
        if size <= bound:
            return label
    return "1000+"


@dataclass
class Organisation:
    org_id: str
    business_id: str
    name: str
    status: str
    domain: str
    staff: int
    industry_code: str
    street: str
    postcode: str
    city: str
    phone: str
    updated_at: date
    aux_names: list[str] = field(default_factory=list)
    successor_business_id: str = ""
    # The address the customer's CRM still holds when the organisation moved since.
    old_address: tuple[str, str, str] | None = None


@dataclass
class Position:
    person_id: str
    org_id: str
    first_name: str
    last_name: str
    role: Role
    title: str
    email: str
    mobile: str
    valid_from: date
    verified_at: date
    valid_to: date | None = None
    # Dropped from the register (the person moved on): not written to the snapshot.
    dropped: bool = False


@dataclass
class Register:
    organisations: list[Organisation]
    positions: list[Position]
    prohibitions: dict[str, list[tuple[str, date]]]
    as_of: date

    def org(self, org_id: str) -> Organisation:
        return self._orgs_by_id[org_id]

    def __post_init__(self) -> None:
        self._orgs_by_id = {o.org_id: o for o in self.organisations}

    def reindex(self) -> None:
        self._orgs_by_id = {o.org_id: o for o in self.organisations}


def make_business_id(rng: random.Random, taken: set[str], leading_zero: bool = False) -> str:
    """A fresh valid business ID; stdnum's checksum decides the check digit."""
    while True:
        first = "0" if leading_zero else str(rng.randint(1, 3))
        base = first + "".join(str(rng.randint(0, 9)) for _ in range(6))
        for check in range(10):
            if alv.checksum(base + str(check)) == 0:
                candidate = f"{base}-{check}"
                if candidate not in taken:
                    taken.add(candidate)
                    return candidate
                break


def make_mobile(rng: random.Random) -> str:
    """A valid Finnish mobile number in the register's notation `+358 40 1234567`."""
    return f"+358 {rng.choice(_MOBILE_PREFIXES)} {rng.randint(1_000_000, 9_999_999)}"


def email_local(first: str, last: str) -> str:
    """`matti.virtanen`: work addresses carry the first given name only (`Anna Maria`
    is `anna.virtanen@`)."""
    return f"{fold(first.split(' ', maxsplit=1)[0])}.{fold(last).replace(' ', '')}"


def _staff_size(rng: random.Random) -> int:
    """Decision-makers per organisation: many micro firms, a long tail of large ones."""
    roll = rng.random()
    if roll < 0.55:
        return rng.randint(1, 2)
    if roll < 0.82:
        return rng.randint(3, 5)
    if roll < 0.96:
        return rng.randint(6, 14)
    return rng.randint(15, 45)


def _org_name(rng: random.Random, faker: Faker, taken: set[str], taken_words: set[str]) -> str:
    """A unique name (by its key, and by its words in any order, so that `&`/`ja` and word
    order never make two organisations' names one). The simple patterns run out at about
    17,000 names, so a whole country's register also gets the double-surname forms firms
    really use; partnerships are named `Virtanen & Korhonen` or `Virtanen ja Korhonen`."""
    for attempt in range(1000):
        word, form = rng.choice(_INDUSTRY_WORDS), rng.choice(_LEGAL_FORMS)
        roll = rng.random()
        if attempt < 5 and roll < 0.55:
            name = f"{faker.last_name()} {word} {form}"
        elif attempt < 5 and roll < 0.7:
            name = f"{rng.choice(_PLACE_PREFIXES)} {word} {form}"
        elif roll < 0.5 or (attempt < 5 and roll < 0.78):
            conjunction = "&" if rng.random() < 0.75 else "ja"
            name = f"{faker.last_name()} {conjunction} {faker.last_name()} {form}"
        else:
            name = f"{faker.last_name()}-{faker.last_name()} {word} {form}"
        key, words = org_name_key(name), noise.org_key(name)
        if key not in taken and words not in taken_words:
            taken.add(key)
            taken_words.add(words)
            return name
    raise RuntimeError("ran out of organisation names")


def _given_names(
    rng: random.Random, faker: Faker, long_form_share: float, second_name_share: float
) -> str:
    """First name(s) as the register holds them: official long forms (Johannes, Katariina)
    more often than Faker's pool has them, since customers know many of these people by a
    short form; and sometimes two given names (`Anna Maria`), as official records have."""
    male = rng.random() < 0.5
    long_forms = noise.LONG_FORMS_MALE if male else noise.LONG_FORMS_FEMALE
    pick = faker.first_name_male if male else faker.first_name_female
    first = rng.choice(long_forms) if rng.random() < long_form_share else pick()
    if rng.random() < second_name_share:
        second = pick()
        if second != first and "-" not in second and "-" not in first:
            first = f"{first} {second}"
    return first


def _surname(rng: random.Random, faker: Faker, double_share: float) -> str:
    """A surname; a double-barrelled one (`Virtanen-Korhonen`) for `double_share` people."""
    last = faker.last_name()
    if rng.random() < double_share:
        other = faker.last_name()
        if other != last:
            last = f"{last}-{other}"
    return last


def _assign_aux_names(rng: random.Random, orgs: list[Organisation], share: float) -> None:
    """Swedish parallel names, trade names and English names for `share` of organisations;
    each unique across the whole register by `noise.org_key`, so that an aux name never
    points at two organisations. Organisations sharing a name (the twins) get none, so
    that only their place tells them apart, as before."""
    owner: dict[str, str] = {}
    shared: set[str] = set()
    for org in orgs:
        key = noise.org_key(org.name)
        if key in owner and owner[key] != org.org_id:
            shared.add(key)
        owner.setdefault(key, org.org_id)
    for org in orgs:
        if rng.random() >= share or noise.org_key(org.name) in shared:
            continue
        for aux in noise.aux_name_candidates(rng, org.name):
            key = noise.org_key(aux)
            if aux == org.name or aux in org.aux_names:
                continue
            if owner.setdefault(key, org.org_id) == org.org_id:
                org.aux_names.append(aux)


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _weighted(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def _choose_title(rng: random.Random, role: Role) -> str:
    return role.finnish[0] if rng.random() < 0.7 else role.english[0]


def build_register(
    rng: random.Random,
    faker: Faker,
    n_orgs: int,
    as_of: date,
    twin_rate: float = 0.01,
    *,
    aux_name_share: float = 0.15,
    long_first_name_share: float = 0.03,
    second_given_name_share: float = 0.05,
    double_surname_share: float = 0.04,
) -> Register:
    """Organisations with their current and ended positions, as the register holds them now.
    The shares say how the register itself writes names (see `CrmRates.register_*`)."""
    taken_ids: set[str] = set()
    taken_names: set[str] = set()
    taken_words: set[str] = set()
    orgs: list[Organisation] = []
    for index in range(n_orgs):
        name = _org_name(rng, faker, taken_names, taken_words)
        slug = fold(org_name_key(name)).replace(" ", "")[:24] or f"org{index}"
        status = _weighted(rng, _STATUS_WEIGHTS)
        org = Organisation(
            org_id=f"O{index + 1:07d}",
            business_id=make_business_id(rng, taken_ids, leading_zero=rng.random() < 0.08),
            name=name,
            status=status,
            domain=f"{slug}.fi",
            staff=_staff_size(rng),
            industry_code=rng.choice(_INDUSTRY_CODES),
            street=faker.street_address(),
            postcode=faker.postcode(),
            city=faker.city(),
            phone=f"0{rng.choice(('9', '2', '3', '8', '14', '17'))} {rng.randint(100000, 9999999)}",
            updated_at=_date_between(rng, as_of - timedelta(days=900), as_of),
        )
        if rng.random() < 0.05:
            org.old_address = (faker.street_address(), faker.postcode(), faker.city())
        orgs.append(org)
    # Same name, other town: the name-and-place fallback must not guess between these.
    for _ in range(max(1, int(n_orgs * twin_rate))):
        original = rng.choice(orgs)
        twin_index = len(orgs)
        orgs.append(
            Organisation(
                org_id=f"O{twin_index + 1:07d}",
                business_id=make_business_id(rng, taken_ids),
                name=original.name,
                status="active",
                domain=f"twin{twin_index}-{original.domain}",
                staff=_staff_size(rng),
                industry_code=rng.choice(_INDUSTRY_CODES),
                street=faker.street_address(),
                postcode=faker.postcode(),
                city=faker.city(),
                phone=f"09 {rng.randint(100000, 9999999)}",
                updated_at=_date_between(rng, as_of - timedelta(days=900), as_of),
            )
        )
    _assign_aux_names(rng, orgs, aux_name_share)
    active = [o for o in orgs if o.status == "active"]
    for org in orgs:
        if org.status == "merged" or (org.status == "ceased" and rng.random() < 0.3):
            org.successor_business_id = rng.choice(active).business_id

    positions: list[Position] = []
    person_counter = 0
    for org in orgs:
        used_names: set[str] = set()
        roles = list(ROLES)
        for seat in range(org.staff):
            person_counter += 1
            while True:
                first = _given_names(rng, faker, long_first_name_share, second_given_name_share)
                last = _surname(rng, faker, double_surname_share)
                if person_name_key(first, last) not in used_names:
                    used_names.add(person_name_key(first, last))
                    break
            role = ROLES[0] if seat == 0 else rng.choice(roles[1:])
            started = _date_between(
                rng, as_of - timedelta(days=365 * 12), as_of - timedelta(days=800)
            )
            positions.append(
                Position(
                    person_id=f"P{person_counter:08d}",
                    org_id=org.org_id,
                    first_name=first,
                    last_name=last,
                    role=role,
                    title=_choose_title(rng, role),
                    email=f"{email_local(first, last)}@{org.domain}",
                    mobile=make_mobile(rng),
                    valid_from=started,
                    # A fifth of positions were last confirmed more than 18 months ago.
                    verified_at=_date_between(
                        rng,
                        as_of - timedelta(days=(1000 if rng.random() < 0.2 else 500)),
                        as_of - timedelta(days=(600 if rng.random() < 0.2 else 10)),
                    ),
                )
            )
    return Register(organisations=orgs, positions=positions, prohibitions={}, as_of=as_of)


def assign_prohibitions(rng: random.Random, register: Register, rates: dict[str, float]) -> None:
    """Prohibitions the persons themselves notified, at the given per-kind rates."""
    for position in register.positions:
        kinds = [kind for kind, rate in rates.items() if rng.random() < rate]
        if kinds:
            notified = _date_between(rng, register.as_of - timedelta(days=2000), register.as_of)
            register.prohibitions[position.person_id] = [(kind, notified) for kind in kinds]
