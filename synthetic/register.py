"""A synthetic master register: organisations, the people who decide in them, prohibitions.

Shaped like the real thing where it matters to matching: surnames and first names with
Finland's skew (many a Matti Virtanen across organisations), organisation names that share
words (`Virtanen Rakennus Oy`, `Virtasen Rakennus Oy`, `Rakennus-Virtanen Oy`), Swedish and
English parallel names, twins (one name, two towns), merged organisations with successors,
ceased and bankrupt ones, ended positions, positions with no e-mail or mobile, titles as
each organisation writes them. Only synthetic data (Faker's pools), ever.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker.providers.address.fi_FI import Provider as _FiAddress

from synthetic import text
from synthetic.names import NamePool
from synthetic.titles import CEO, Role, register_title, seat_role

# Industry words: Finnish -> (Swedish, English), with a TOL 2008 code.
INDUSTRIES: dict[str, tuple[str, str, str]] = {
    "Rakennus": ("Bygg", "Construction", "41200"),
    "Kuljetus": ("Transport", "Transport", "49410"),
    "Konepaja": ("Verkstad", "Engineering Works", "25620"),
    "Sähkö": ("El", "Electric", "43210"),
    "LVI": ("VVS", "HVAC", "43220"),
    "Ohjelmistot": ("Programvara", "Software", "62010"),
    "Konsultointi": ("Konsult", "Consulting", "70220"),
    "Tilitoimisto": ("Redovisningsbyrå", "Accounting", "69202"),
    "Metalli": ("Metall", "Metal", "24100"),
    "Puu": ("Trä", "Timber", "16100"),
    "Kiinteistöpalvelut": ("Fastighetstjänster", "Property Services", "81100"),
    "Logistiikka": ("Logistik", "Logistics", "52290"),
    "Elintarvike": ("Livsmedel", "Foods", "10890"),
    "Teknologia": ("Teknologi", "Technology", "71121"),
    "Energia": ("Energi", "Energy", "35110"),
    "Lasi": ("Glas", "Glass", "23110"),
    "Paino": ("Tryckeri", "Print", "18120"),
    "Muovi": ("Plast", "Plastics", "22290"),
    "Kemia": ("Kemi", "Chemicals", "20590"),
    "Mainostoimisto": ("Reklambyrå", "Advertising", "73110"),
    "Terveyspalvelut": ("Hälsotjänster", "Health Services", "86900"),
    "Matkailu": ("Turism", "Travel", "79900"),
    "Kauppa": ("Handel", "Trading", "46900"),
    "Autokorjaamo": ("Bilverkstad", "Car Repair", "45200"),
    "Maalaus": ("Måleri", "Painting", "43341"),
    "Insinööritoimisto": ("Ingenjörsbyrå", "Engineering", "71121"),
    "Arkkitehdit": ("Arkitekter", "Architects", "71110"),
    "Lakiasiaintoimisto": ("Advokatbyrå", "Legal", "69101"),
    "Automaatio": ("Automation", "Automation", "28990"),
    "Pakkaus": ("Förpackning", "Packaging", "17210"),
    "Tekstiili": ("Textil", "Textiles", "13990"),
    "Saha": ("Såg", "Sawmill", "16100"),
    "Siivous": ("Städ", "Cleaning", "81210"),
    "Kone": ("Maskin", "Machinery", "28920"),
    "Putki": ("Rör", "Pipe", "43220"),
}
_PLACES: dict[str, tuple[str, str]] = {
    "Pohjolan": ("Nordens", "Pohjola"),
    "Lapin": ("Lapplands", "Lapland"),
    "Savon": ("Savolax", "Savo"),
    "Hämeen": ("Tavastlands", "Häme"),
    "Kymen": ("Kymmene", "Kymi"),
    "Etelä-Suomen": ("Södra Finlands", "South Finland"),
    "Länsi-Suomen": ("Västra Finlands", "West Finland"),
    "Pirkanmaan": ("Birkalands", "Pirkanmaa"),
    "Keski-Suomen": ("Mellersta Finlands", "Central Finland"),
    "Uudenmaan": ("Nylands", "Uusimaa"),
    "Pohjanmaan": ("Österbottens", "Ostrobothnia"),
    "Karjalan": ("Karelens", "Karelia"),
    "Kainuun": ("Kajanalands", "Kainuu"),
    "Satakunnan": ("Satakunta", "Satakunta"),
    "Turun": ("Åbo", "Turku"),
    "Vaasan": ("Vasa", "Vaasa"),
}
# Made-up brand words of the kind Finnish firms take.
_BRANDS = [
    "Aurora",
    "Polaris",
    "Arktis",
    "Boreal",
    "Kide",
    "Revon",
    "Kaleva",
    "Sampo",
    "Ilves",
    "Karhu",
    "Kotka",
    "Haukka",
    "Joutsen",
    "Tähti",
    "Kuura",
    "Routa",
    "Helmi",
    "Kivi",
    "Virta",
    "Aalto",
    "Saari",
    "Lumi",
    "Tuuli",
    "Kallio",
    "Honka",
    "Petäjä",
    "Kaski",
    "Nova",
    "Vertex",
    "Optima",
    "Solvera",
    "Fennix",
    "Navitas",
    "Lumen",
    "Meridian",
    "Nordia",
    "Vireo",
    "Alvar",
    "Tessera",
]
_ENGLISH_TAILS = ("Solutions", "Group", "Systems", "Partners", "Services", "Tech", "Works")
# Finnish legal forms, by how common they are among the register's organisations.
_FORMS = (
    ("Oy", 0.74),
    ("Ky", 0.07),
    ("Oyj", 0.02),
    ("Tmi", 0.07),
    ("Ay", 0.02),
    ("osk", 0.02),
    ("ry", 0.03),
    ("Ab", 0.03),
)
_FORM_NAMES = [f for f, _ in _FORMS]
_FORM_WEIGHTS = [w for _, w in _FORMS]
SWEDISH_FORM = {"Oy": "Ab", "Oyj": "Abp", "Ky": "Kb", "ry": "rf", "Ab": "Ab"}
ENGLISH_FORM = {"Oy": "Ltd", "Oyj": "Plc", "Ab": "Ltd"}
# Words that say the legal form or join names, not which organisation it is (for the
# generator's own uniqueness key).
FORM_WORDS = frozenset(
    [
        "oy",
        "oyj",
        "ab",
        "abp",
        "ky",
        "kb",
        "ay",
        "tmi",
        "ry",
        "rf",
        "osk",
        "osakeyhtio",
        "julkinen",
        "aktiebolag",
        "kommandiittiyhtio",
        "avoin",
        "yhtio",
        "toiminimi",
        "rekisteroity",
        "yhdistys",
        "osuuskunta",
        "ltd",
        "plc",
        "limited",
        "ja",
        "och",
        "and",
        "co",
        "gmbh",
        "ou",
        "as",
        "aps",
        "inc",
        "llc",
        "oyab",
    ]
)
_STATUS_WEIGHTS = (
    ("active", 0.922),
    ("merged", 0.025),
    ("ceased", 0.02),
    ("bankrupt", 0.016),
    ("liquidation", 0.017),
)
_MOBILE_PREFIXES = ("40", "41", "44", "45", "46", "50")
_AREA_CODES = ("9", "2", "3", "5", "6", "8", "13", "14", "15", "16", "17", "19")


def org_key(name: str) -> str:
    """The generator's identity of an organisation name: case, diacritics, punctuation,
    word order, legal form and `&`/`ja` ignored. Two organisations never share one, twins
    (one name, two towns) excepted."""
    return " ".join(sorted(t for t in text.tokens(name.replace("&", " ")) if t not in FORM_WORDS))


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
    form: str
    language: str  # how it writes titles: fi, sv, en
    status: str
    domain: str
    email_pattern: str
    staff: int
    industry_code: str
    street: str
    postcode: str
    city: str
    postal: tuple[str, str, str] | None
    phone: str
    updated_at: date
    aux_names: list[str] = field(default_factory=list)
    successor_business_id: str = ""
    # What a customer's year-old CRM still holds: the name before a rename, the address
    # before a move (the register has the new ones).
    old_name: str = ""
    old_address: tuple[str, str, str] | None = None
    twin_of: str = ""


@dataclass
class Position:
    position_no: int
    person_id: str
    org_id: str
    male: bool
    first_name: str
    last_name: str
    role: Role
    title: str
    email: str
    mobile: str
    valid_from: date
    verified_at: date
    valid_to: date | None = None
    # Removed from the register (not written): the person left and the register forgot.
    removed: bool = False


@dataclass
class Register:
    organisations: list[Organisation]
    positions: list[Position]
    prohibitions: dict[str, list[tuple[str, date]]]
    as_of: date
    by_id: dict[str, Organisation] = field(default_factory=dict)
    by_business_id: dict[str, Organisation] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=dict)
    domains: set[str] = field(default_factory=set)
    mobiles: set[str] = field(default_factory=set)
    business_ids: set[str] = field(default_factory=set)
    next_person: int = 0

    def org(self, org_id: str) -> Organisation:
        return self.by_id[org_id]

    def index(self) -> None:
        self.by_id = {o.org_id: o for o in self.organisations}
        self.by_business_id = {o.business_id: o for o in self.organisations}
        self.by_key = {}
        for org in self.organisations:
            for name in (org.name, *org.aux_names):
                owners = self.by_key.setdefault(org_key(name), [])
                if org.org_id not in owners:
                    owners.append(org.org_id)

    def new_person_id(self) -> str:
        self.next_person += 1
        return f"P{self.next_person:08d}"


def business_id_check(base: str) -> int | None:
    """The Y-tunnus check digit of seven digits (weights 7 9 10 5 8 4 2, mod 11; remainder
    1 is never issued)."""
    total = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True))
    rest = total % 11
    if rest == 0:
        return 0
    if rest == 1:
        return None
    return 11 - rest


def is_valid_business_id(value: str) -> bool:
    if len(value) != 9 or value[7] != "-" or not (value[:7] + value[8]).isdigit():
        return False
    return business_id_check(value[:7]) == int(value[8])


def make_business_id(rng: random.Random, taken: set[str], leading_zero: bool = False) -> str:
    while True:
        first = "0" if leading_zero else str(rng.choice("1223"))
        base = first + "".join(rng.choice("0123456789") for _ in range(6))
        check = business_id_check(base)
        if check is None:
            continue
        candidate = f"{base}-{check}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def make_mobile(rng: random.Random, taken: set[str]) -> str:
    """A new mobile number, unique in the register, in one of the notations registers use."""
    while True:
        prefix = rng.choice(_MOBILE_PREFIXES)
        number = str(rng.randint(1_000_000, 9_999_999))
        key = prefix + number
        if key in taken:
            continue
        taken.add(key)
        style = rng.random()
        if style < 0.5:
            return f"+358 {prefix} {number[:3]} {number[3:]}"
        if style < 0.75:
            return f"0{prefix} {number}"
        if style < 0.9:
            return f"+358{prefix}{number}"
        return f"0{prefix}-{number}"


def email_local(pattern: str, first: str, last: str) -> str:
    """The local part by the organisation's pattern; first given name only, surname's
    hyphen kept, ä -> a."""
    f = text.ascii_slug(first.split(maxsplit=1)[0])
    surname = text.ascii_slug(last.replace(" ", ""))
    if pattern == "first.last":
        return f"{f}.{surname}"
    if pattern == "f.last":
        return f"{f[:1]}.{surname}"
    if pattern == "firstlast":
        return f"{f}{surname}"
    if pattern == "flast":
        return f"{f[:1]}{surname}"
    return f  # "first": tiny firms


def _pick(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def _genitive(surname: str) -> str | None:
    """Virtanen -> Virtasen, Mattila -> Mattilan (only the regular endings)."""
    if surname.endswith("nen"):
        return surname[:-3] + "sen"
    if surname[-1:] in "aeiouyäö" and "-" not in surname:
        return surname + "n"
    return None


class _Streets:
    def __init__(self) -> None:
        self.prefixes = [p.strip() for p in _FiAddress.street_prefixes]
        self.suffixes = list(_FiAddress.street_suffixes)
        self.cities = list(_FiAddress.cities)

    def street(self, rng: random.Random) -> str:
        prefix, suffix = rng.choice(self.prefixes), rng.choice(self.suffixes)
        joiner = " " if " " in prefix else ""
        return f"{prefix}{joiner}{suffix} {rng.randint(1, 60)}"

    def place(self, rng: random.Random) -> tuple[str, str, str]:
        return (
            self.street(rng),
            f"{rng.randint(0, 99):02d}{rng.randint(1, 9)}{rng.choice('0000057')}0",
            rng.choice(self.cities),
        )


STREETS = _Streets()


def _staff(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.45:
        return rng.randint(1, 2)
    if roll < 0.77:
        return rng.randint(3, 5)
    if roll < 0.94:
        return rng.randint(6, 12)
    return rng.randint(13, 40)


class RegisterBuilder:
    def __init__(self, rng: random.Random, names: NamePool, as_of: date) -> None:
        self.rng, self.names, self.as_of = rng, names, as_of
        self.taken_keys: set[str] = set()
        self.taken_domains: set[str] = set()
        self.taken_ids: set[str] = set()
        self.mobiles: set[str] = set()

    # -- organisations --------------------------------------------------------------------

    def _name(self) -> tuple[str, str]:
        rng, names = self.rng, self.names
        for _ in range(200):
            form = rng.choices(_FORM_NAMES, weights=_FORM_WEIGHTS)[0]
            industry = rng.choice(list(INDUSTRIES))
            roll = rng.random()
            surname = names.surname(rng)
            if form == "Tmi" and roll < 0.5:
                first = names.first(rng, rng.random() < 0.6)
                head = (
                    f"{industry}palvelu {first} {surname}"
                    if rng.random() < 0.3
                    else f"{first} {surname}"
                )
                name = f"Tmi {head}" if rng.random() < 0.5 else f"{head} Tmi"
            elif roll < 0.30:
                name = f"{surname} {industry} {form}"
            elif roll < 0.38 and _genitive(surname):
                name = f"{_genitive(surname)} {industry} {form}"
            elif roll < 0.46:
                name = f"{rng.choice(list(_PLACES))} {industry} {form}"
            elif roll < 0.56:
                joiner = "&" if rng.random() < 0.7 else "ja"
                name = f"{surname} {joiner} {names.surname(rng)} {form}"
            elif roll < 0.62:
                name = f"{surname}-{names.surname(rng)} {industry} {form}"
            elif roll < 0.70 and len(industry) <= 12:
                name = f"{industry}-{surname} {form}"
            elif roll < 0.92:
                brand = rng.choice(_BRANDS)
                tail = rng.choice(_ENGLISH_TAILS) if rng.random() < 0.4 else industry
                name = f"{brand} {tail} {form}"
            else:
                swedish = names.swedish(rng, True)[1]
                name = (
                    f"Oy {swedish} Ab"
                    if rng.random() < 0.5
                    else f"{swedish} {INDUSTRIES[industry][0]} Ab"
                )
                form = "Ab"
            key = org_key(name)
            if key and key not in self.taken_keys:
                self.taken_keys.add(key)
                return name, form
        raise RuntimeError("ran out of organisation names")

    def _domain(self, name: str) -> str:
        words = [
            text.ascii_slug(w)
            for w in name.replace("&", " ").replace("-", " ").split()
            if text.fold(w) not in FORM_WORDS
        ]
        words = [w for w in words if w]
        base = "-".join(words) if self.rng.random() < 0.4 else "".join(words)
        base = base[:30].strip("-") or "yritys"
        tld = ".fi" if self.rng.random() < 0.85 else ".com"
        domain, n = base + tld, 1
        while domain in self.taken_domains:
            n += 1
            domain = f"{base}{n}{tld}"
        self.taken_domains.add(domain)
        return domain

    def organisation(self, index: int, name: str, form: str) -> Organisation:
        rng = self.rng
        street, postcode, city = STREETS.place(rng)
        industry = next((w for w in INDUSTRIES if w in name), "")
        language = "sv" if form == "Ab" or name.startswith("Oy ") else "fi"
        if language == "fi" and rng.random() < 0.12:
            language = "en"
        return Organisation(
            org_id=f"ORG{index:07d}",
            business_id=make_business_id(rng, self.taken_ids, leading_zero=rng.random() < 0.07),
            name=name,
            form=form,
            language=language,
            status=_pick(rng, _STATUS_WEIGHTS),
            domain=self._domain(name),
            email_pattern=_pick(
                rng,
                (
                    ("first.last", 0.72),
                    ("f.last", 0.08),
                    ("firstlast", 0.06),
                    ("flast", 0.06),
                    ("first", 0.08),
                ),
            ),
            staff=_staff(rng),
            industry_code=INDUSTRIES[industry][2]
            if industry
            else rng.choice(("62010", "70220", "46900", "96090")),
            street=street,
            postcode=postcode,
            city=city,
            postal=(f"PL {rng.randint(1, 999)}", postcode[:3] + "01", city)
            if rng.random() < 0.2
            else None,
            phone=f"0{rng.choice(_AREA_CODES)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            updated_at=self.as_of - timedelta(days=rng.randint(0, 900)),
        )

    def _aux_names(self, org: Organisation) -> None:
        """Swedish parallel name, English name, or a trade name; unique by key."""
        rng = self.rng
        words = org.name.split()
        if words[-1] in SWEDISH_FORM and len(words) >= 2 and not org.name.startswith("Oy "):
            head = words[:-1]
            candidates: list[str] = []
            if rng.random() < 0.6 and org.form != "Ab":
                candidates.append(self._translated(head, 0) + " " + SWEDISH_FORM[org.form])
            if rng.random() < 0.35 and org.form in ENGLISH_FORM:
                candidates.append(self._translated(head, 1) + " " + ENGLISH_FORM[org.form])
            if rng.random() < 0.3:
                surname = next(
                    (
                        w
                        for w in head
                        if w[:1].isupper() and w not in INDUSTRIES and w not in _PLACES
                    ),
                    "",
                )
                if surname:
                    candidates.append(f"{surname}-{rng.choice(('palvelut', 'Group', 'Yhtiöt'))}")
            for aux in candidates:
                key = org_key(aux)
                if key and key not in self.taken_keys and aux != org.name:
                    self.taken_keys.add(key)
                    org.aux_names.append(aux)

    @staticmethod
    def _translated(head: list[str], language: int) -> str:
        out: list[str] = []
        for word in head:
            if word in INDUSTRIES:
                out.append(INDUSTRIES[word][language])
            elif word in _PLACES:
                out.append(_PLACES[word][language])
            elif word == "ja":
                out.append("&")
            else:
                out.append(word)
        return " ".join(out)

    def organisations(self, n: int) -> list[Organisation]:
        rng = self.rng
        orgs: list[Organisation] = []
        for index in range(1, n + 1):
            name, form = self._name()
            orgs.append(self.organisation(index, name, form))
        # Twins: one name, another town (branches registered apart, same-named firms).
        for original in rng.sample(orgs, max(1, n // 140)):
            twin = self.organisation(len(orgs) + 1, original.name, original.form)
            twin.status = "active"
            twin.twin_of = original.org_id
            orgs.append(twin)
        twins = {o.twin_of for o in orgs if o.twin_of}
        for org in orgs:
            if org.org_id not in twins and not org.twin_of and rng.random() < 0.14:
                self._aux_names(org)
        active = [o for o in orgs if o.status == "active" and not o.twin_of]
        for org in orgs:
            if org.status == "merged" or (org.status == "ceased" and rng.random() < 0.3):
                org.successor_business_id = rng.choice(active).business_id
        # Renamed since the customer's file was made (the customer has the old name), and
        # moved (the customer has the old address).
        for org in orgs:
            if org.twin_of or org.org_id in twins:
                continue
            if rng.random() < 0.03:
                new_name, form = self._name()
                org.old_name, org.name, org.form = org.name, new_name, form
            if rng.random() < 0.05:
                org.old_address = (org.street, org.postcode, org.city)
                org.street, org.postcode, _ = STREETS.place(rng)
                if rng.random() < 0.4:
                    org.city = rng.choice(STREETS.cities)
        return orgs

    # -- people ---------------------------------------------------------------------------

    def person_name(self, org: Organisation) -> tuple[bool, str, str]:
        rng, names = self.rng, self.names
        male = rng.random() < 0.62  # decision-makers lean male
        if rng.random() < (0.6 if org.language == "sv" else 0.04):
            first, last = names.swedish(rng, male)
        else:
            first, last = names.first(rng, male), names.surname(rng)
        if rng.random() < 0.07:
            second = names.second(rng, male)
            if second != first:
                first = f"{first} {second}"
        if rng.random() < 0.035 and not male:
            other = names.surname(rng)
            if other != last:
                last = f"{last}-{other}"
        return male, first, last

    def position(
        self,
        register: Register,
        org: Organisation,
        role: Role,
        person: tuple[str, bool, str, str] | None = None,
    ) -> Position:
        rng = self.rng
        if person is None:
            male, first, last = self.person_name(org)
            person_id = register.new_person_id()
        else:
            person_id, male, first, last = person
        stale = rng.random() < 0.22
        verified = self.as_of - timedelta(
            days=rng.randint(560, 1100) if stale else rng.randint(5, 520)
        )
        return Position(
            position_no=len(register.positions),
            person_id=person_id,
            org_id=org.org_id,
            male=male,
            first_name=first,
            last_name=last,
            role=role,
            title=register_title(rng, role, org.language),
            email=""
            if rng.random() < 0.07
            else f"{email_local(org.email_pattern, first, last)}@{org.domain}",
            mobile="" if rng.random() < 0.16 else make_mobile(rng, self.mobiles),
            valid_from=self.as_of - timedelta(days=rng.randint(400, 5000)),
            verified_at=verified,
        )

    def staff(self, register: Register) -> None:
        rng = self.rng
        for org in register.organisations:
            names_here: set[str] = set()
            locals_here: set[str] = set()
            taken_roles: set[str] = set()
            for seat in range(org.staff):
                role = CEO if seat == 0 and rng.random() < 0.93 else seat_role(rng)
                if role.level in {"ceo", "chair", "deputy", "director"} and role.key in taken_roles:
                    role = seat_role(rng)
                    if role.key in taken_roles and role.level != "specialist":
                        continue
                taken_roles.add(role.key)
                for _ in range(20):
                    position = self.position(register, org, role)
                    key = text.fold(f"{position.first_name} {position.last_name}")
                    local = position.email.split("@")[0]
                    if key not in names_here and (not local or local not in locals_here):
                        break
                else:
                    continue
                names_here.add(key)
                locals_here.add(local)
                register.positions.append(position)
            # A former decision-maker, position ended (valid_to), for some organisations.
            if rng.random() < 0.06:
                former = self.position(register, org, seat_role(rng))
                key = text.fold(f"{former.first_name} {former.last_name}")
                if key not in names_here:
                    former.valid_to = self.as_of - timedelta(days=rng.randint(200, 1500))
                    register.positions.append(former)


def build_register(
    rng: random.Random, names: NamePool, n_orgs: int, as_of: date
) -> tuple[Register, RegisterBuilder]:
    builder = RegisterBuilder(rng, names, as_of)
    orgs = builder.organisations(n_orgs)
    register = Register(organisations=orgs, positions=[], prohibitions={}, as_of=as_of)
    register.index()
    builder.staff(register)
    register.domains = builder.taken_domains
    register.mobiles = builder.mobiles
    register.business_ids = builder.taken_ids
    return register, builder


def assign_prohibitions(rng: random.Random, register: Register, rates: dict[str, float]) -> None:
    """Prohibitions the persons themselves notified, per person, at the given rates."""
    seen: set[str] = set()
    for position in register.positions:
        if position.person_id in seen:
            continue
        seen.add(position.person_id)
        kinds = [kind for kind, rate in rates.items() if rng.random() < rate]
        if kinds:
            notified = register.as_of - timedelta(days=rng.randint(1, 2000))
            register.prohibitions[position.person_id] = [(kind, notified) for kind in kinds]
