"""The generator's own title vocabulary: roles by responsibility area and level.

A role is one responsibility area (the register's `responsibility_area`) at one level. The
spec's rule: another area or another level is another role (`title_changed`); the same
role in other words, another language or an abbreviation is the same fact. Each role lists
how organisations write it in the register (Finnish, English, Swedish; word-order and
compound variants included) and how CRM users write it (abbreviations, slashes, lower
case). No two roles share an area and a level, so "same role" is never a judgement call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Levels, from the top. `manager` covers "päällikkö", "Manager", "Head of", "chef".
LEVELS = ("chair", "board", "ceo", "deputy", "director", "manager", "specialist")


@dataclass(frozen=True)
class Role:
    key: str
    area: str
    level: str
    finnish: tuple[str, ...]
    english: tuple[str, ...]
    swedish: tuple[str, ...]
    # Other ways a CRM user writes it (never in the register).
    customer: tuple[str, ...] = ()

    @property
    def written(self) -> tuple[str, ...]:
        return (*self.finnish, *self.english, *self.swedish)

    @property
    def all_forms(self) -> tuple[str, ...]:
        return (*self.written, *self.customer)


def _r(
    key: str,
    area: str,
    level: str,
    fi: str,
    en: str,
    sv: str,
    customer: str = "",
) -> Role:
    def split(text: str) -> tuple[str, ...]:
        return tuple(t.strip() for t in text.split("|") if t.strip())

    return Role(key, area, level, split(fi), split(en), split(sv), split(customer))


ROLES: tuple[Role, ...] = (
    # -- general management --------------------------------------------------------------
    _r(
        "ceo",
        "JOHTO",
        "ceo",
        "Toimitusjohtaja",
        "CEO|Managing Director|Chief Executive Officer",
        "Verkställande direktör|VD",
        "TJ|tj|toim.joht.|Toimitusjohtaja/CEO|CEO, toimitusjohtaja|MD|vd|Toimitusjohtaja, osakas",
    ),
    _r(
        "chair",
        "JOHTO",
        "chair",
        "Hallituksen puheenjohtaja|Hallituksen pj.",
        "Chairman of the Board|Chair of the Board",
        "Styrelseordförande|Styrelsens ordförande",
        "hall. pj|Hallituksen PJ|Chairman|Puheenjohtaja, hallitus|hallituksen puheenjohtaja",
    ),
    _r(
        "board",
        "JOHTO",
        "board",
        "Hallituksen jäsen",
        "Board Member|Member of the Board",
        "Styrelseledamot|Styrelsemedlem",
        "hall. jäsen|Hallituksen jäsen, osakas|board member",
    ),
    _r(
        "deputy_ceo",
        "JOHTO",
        "deputy",
        "Varatoimitusjohtaja",
        "Deputy CEO|Deputy Managing Director",
        "Vice verkställande direktör|Vice VD",
        "varatj|vara-TJ|Vara toimitusjohtaja|vice vd",
    ),
    _r(
        "coo",
        "JOHTO",
        "director",
        "Operatiivinen johtaja|Johtaja, operatiivinen toiminta",
        "COO|Chief Operating Officer|Operations Director",
        "Operativ direktör",
        "Operatiivinen joht.|Chief Operations Officer|COO / operatiivinen johtaja",
    ),
    # -- finance ---------------------------------------------------------------------------
    _r(
        "cfo",
        "TALOUS",
        "director",
        "Talousjohtaja|Talous- ja hallintojohtaja|Johtaja, talous|Talous- ja rahoitusjohtaja",
        "CFO|Chief Financial Officer|Finance Director|Director, Finance",
        "Ekonomidirektör|Finansdirektör|Ekonomi- och förvaltningsdirektör",
        "talousjoht.|Talousjohtaja (CFO)|CFO / talousjohtaja|Talous ja hallintojohtaja",
    ),
    _r(
        "finance_manager",
        "TALOUS",
        "manager",
        "Talouspäällikkö|Taloushallinnon päällikkö",
        "Finance Manager|Head of Finance",
        "Ekonomichef",
        "talouspääll.|Talous päällikkö|Taloushallintopäällikkö",
    ),
    _r(
        "controller",
        "TALOUS",
        "specialist",
        "Controlleri|Talousasiantuntija",
        "Controller|Business Controller|Financial Controller",
        "Controller|Ekonomispecialist",
        "controller|Business controller",
    ),
    # -- HR --------------------------------------------------------------------------------
    _r(
        "hr_director",
        "HENKILOSTO",
        "director",
        "Henkilöstöjohtaja|HR-johtaja|Johtaja, henkilöstö",
        "HR Director|Chief People Officer|CHRO|Chief Human Resources Officer",
        "Personaldirektör|HR-direktör",
        "HR johtaja|henkilöstöjoht.|HR-Director",
    ),
    _r(
        "hr_manager",
        "HENKILOSTO",
        "manager",
        "Henkilöstöpäällikkö|HR-päällikkö",
        "HR Manager|Head of HR|Head of People",
        "Personalchef|HR-chef",
        "HR päällikkö|henkilöstöpääll.|HR-manager",
    ),
    _r(
        "hr_specialist",
        "HENKILOSTO",
        "specialist",
        "HR-asiantuntija|Henkilöstöasiantuntija",
        "HR Specialist|HR Generalist",
        "HR-specialist|Personalspecialist",
        "HR asiantuntija|HR-spesialisti",
    ),
    # -- IT --------------------------------------------------------------------------------
    _r(
        "cio",
        "IT",
        "director",
        "Tietohallintojohtaja|IT-johtaja|Johtaja, tietohallinto",
        "CIO|Chief Information Officer|IT Director|Director, IT",
        "IT-direktör|Informationsdirektör",
        "IT johtaja|tietohallintojoht.|CIO / tietohallintojohtaja",
    ),
    _r(
        "it_manager",
        "IT",
        "manager",
        "IT-päällikkö|Tietohallintopäällikkö",
        "IT Manager|Head of IT",
        "IT-chef",
        "IT päällikkö|IT-pääll.|it-päällikkö",
    ),
    _r(
        "it_specialist",
        "IT",
        "specialist",
        "IT-asiantuntija|Järjestelmäasiantuntija",
        "IT Specialist|Systems Specialist",
        "IT-specialist|Systemspecialist",
        "IT asiantuntija|IT-tuki",
    ),
    # -- marketing -------------------------------------------------------------------------
    _r(
        "cmo",
        "MARKKINOINTI",
        "director",
        "Markkinointijohtaja|Johtaja, markkinointi",
        "CMO|Marketing Director|Chief Marketing Officer|Director, Marketing",
        "Marknadsdirektör|Marknadsföringsdirektör",
        "markkinointijoht.|Markkinoinnin johtaja",
    ),
    _r(
        "marketing_manager",
        "MARKKINOINTI",
        "manager",
        "Markkinointipäällikkö|Markkinoinnin päällikkö",
        "Marketing Manager|Head of Marketing",
        "Marknadschef|Marknadsföringschef",
        "markkinointipääll.|Markkinointi päällikkö",
    ),
    _r(
        "marketing_specialist",
        "MARKKINOINTI",
        "specialist",
        "Markkinointiasiantuntija|Markkinointikoordinaattori",
        "Marketing Specialist|Marketing Coordinator",
        "Marknadsföringsspecialist|Marknadskoordinator",
        "markkinoinnin asiantuntija",
    ),
    # -- sales -----------------------------------------------------------------------------
    _r(
        "sales_director",
        "MYYNTI",
        "director",
        "Myyntijohtaja|Johtaja, myynti|Myynnin johtaja|Myynti- ja markkinointijohtaja",
        "Sales Director|Chief Sales Officer|CSO|VP, Sales|Vice President, Sales|"
        "Sales and Marketing Director",
        "Försäljningsdirektör|Säljdirektör",
        "myyntijoht.|Myyntijohtaja / osakas|VP Sales",
    ),
    _r(
        "sales_manager",
        "MYYNTI",
        "manager",
        "Myyntipäällikkö|Myynnin päällikkö",
        "Sales Manager|Head of Sales",
        "Försäljningschef|Säljchef",
        "myyntipääll.|Myynti päällikkö|Sales manager",
    ),
    _r(
        "sales_rep",
        "MYYNTI",
        "specialist",
        "Myyntineuvottelija|Myyjä|Asiakkuuspäällikkö",
        "Account Manager|Key Account Manager|Sales Representative",
        "Säljare|Kundansvarig",
        "KAM|myyntineuv.|Account manager|Myyntiedustaja",
    ),
    # -- procurement -----------------------------------------------------------------------
    _r(
        "procurement_director",
        "HANKINTA",
        "director",
        "Hankintajohtaja|Johtaja, hankinnat|Ostojohtaja",
        "Procurement Director|Chief Procurement Officer|Purchasing Director",
        "Inköpsdirektör",
        "hankintajoht.|Hankintojen johtaja",
    ),
    _r(
        "procurement_manager",
        "HANKINTA",
        "manager",
        "Hankintapäällikkö|Ostopäällikkö",
        "Purchasing Manager|Procurement Manager|Head of Procurement",
        "Inköpschef",
        "hankintapääll.|Hankinta päällikkö|ostopääll.",
    ),
    _r(
        "buyer",
        "HANKINTA",
        "specialist",
        "Ostaja|Hankinta-asiantuntija",
        "Buyer|Purchaser|Procurement Specialist",
        "Inköpare",
        "ostaja|Hankinta asiantuntija",
    ),
    # -- production ------------------------------------------------------------------------
    _r(
        "production_director",
        "TUOTANTO",
        "director",
        "Tuotantojohtaja|Johtaja, tuotanto|Tehtaanjohtaja",
        "Production Director|Director, Production|Plant Director",
        "Produktionsdirektör|Fabriksdirektör",
        "tuotantojoht.|Tuotannon johtaja",
    ),
    _r(
        "production_manager",
        "TUOTANTO",
        "manager",
        "Tuotantopäällikkö|Tuotannon päällikkö",
        "Production Manager|Head of Production",
        "Produktionschef",
        "tuotantopääll.|Tuotanto päällikkö",
    ),
    _r(
        "production_engineer",
        "TUOTANTO",
        "specialist",
        "Tuotantoinsinööri|Tuotannonsuunnittelija",
        "Production Engineer|Production Planner",
        "Produktionsingenjör|Produktionsplanerare",
        "tuotantoins.|Tuotanto insinööri",
    ),
    # -- logistics -------------------------------------------------------------------------
    _r(
        "logistics_director",
        "LOGISTIIKKA",
        "director",
        "Logistiikkajohtaja|Toimitusketjujohtaja|Johtaja, logistiikka",
        "Logistics Director|Supply Chain Director|Director, Supply Chain",
        "Logistikdirektör",
        "logistiikkajoht.|Logistiikan johtaja",
    ),
    _r(
        "logistics_manager",
        "LOGISTIIKKA",
        "manager",
        "Logistiikkapäällikkö|Varastopäällikkö",
        "Logistics Manager|Head of Logistics|Warehouse Manager",
        "Logistikchef|Lagerchef",
        "logistiikkapääll.|Logistiikka päällikkö",
    ),
    _r(
        "logistics_coordinator",
        "LOGISTIIKKA",
        "specialist",
        "Logistiikkakoordinaattori|Logistiikka-asiantuntija",
        "Logistics Coordinator|Logistics Specialist",
        "Logistikkoordinator",
        "logistiikan asiantuntija",
    ),
    # -- communications --------------------------------------------------------------------
    _r(
        "communications_director",
        "VIESTINTA",
        "director",
        "Viestintäjohtaja|Johtaja, viestintä",
        "Communications Director|Director, Communications|Chief Communications Officer",
        "Kommunikationsdirektör",
        "viestintäjoht.|Viestinnän johtaja",
    ),
    _r(
        "communications_manager",
        "VIESTINTA",
        "manager",
        "Viestintäpäällikkö|Viestinnän päällikkö",
        "Communications Manager|Head of Communications",
        "Kommunikationschef|Informationschef",
        "viestintäpääll.|Viestintä päällikkö",
    ),
    _r(
        "communications_specialist",
        "VIESTINTA",
        "specialist",
        "Viestintäasiantuntija|Tiedottaja",
        "Communications Specialist|Communications Officer",
        "Kommunikatör|Informatör",
        "viestinnän asiantuntija",
    ),
    # -- facilities ------------------------------------------------------------------------
    _r(
        "real_estate_director",
        "KIINTEISTO",
        "director",
        "Kiinteistöjohtaja|Johtaja, kiinteistöt",
        "Real Estate Director|Director, Real Estate",
        "Fastighetsdirektör",
        "kiinteistöjoht.",
    ),
    _r(
        "facility_manager",
        "KIINTEISTO",
        "manager",
        "Kiinteistöpäällikkö",
        "Facility Manager|Facilities Manager|Head of Facilities",
        "Fastighetschef",
        "kiinteistöpääll.|Kiinteistö päällikkö",
    ),
    _r(
        "facility_specialist",
        "KIINTEISTO",
        "specialist",
        "Kiinteistöasiantuntija",
        "Facility Specialist|Facilities Coordinator",
        "Fastighetsspecialist",
        "kiinteistöjen asiantuntija",
    ),
    # -- R&D -------------------------------------------------------------------------------
    _r(
        "rd_director",
        "TUTKIMUS",
        "director",
        "Tutkimus- ja kehitysjohtaja|T&K-johtaja|Teknologiajohtaja|Kehitysjohtaja",
        "R&D Director|CTO|Chief Technology Officer|Director, R&D",
        "Forsknings- och utvecklingsdirektör|Teknikdirektör",
        "T&K johtaja|tk-johtaja|CTO / teknologiajohtaja",
    ),
    _r(
        "rd_manager",
        "TUTKIMUS",
        "manager",
        "Tuotekehityspäällikkö|Kehityspäällikkö|Tutkimuspäällikkö",
        "R&D Manager|Head of R&D|Development Manager",
        "Utvecklingschef|Forskningschef",
        "tuotekehityspääll.|T&K-päällikkö",
    ),
    _r(
        "researcher",
        "TUTKIMUS",
        "specialist",
        "Tutkija|Kehitysinsinööri|Tuotekehitysinsinööri",
        "Researcher|Development Engineer|R&D Engineer",
        "Forskare|Utvecklingsingenjör",
        "T&K-insinööri",
    ),
    # -- legal -----------------------------------------------------------------------------
    _r(
        "general_counsel",
        "LAKI",
        "director",
        "Lakiasiainjohtaja|Johtaja, lakiasiat",
        "General Counsel|Chief Legal Officer|Legal Director",
        "Chefsjurist|Juridisk direktör",
        "lakiasiainjoht.|GC",
    ),
    _r(
        "legal_manager",
        "LAKI",
        "manager",
        "Lakiasiainpäällikkö",
        "Legal Manager|Head of Legal",
        "Juridisk chef",
        "lakiasiainpääll.",
    ),
    _r(
        "lawyer",
        "LAKI",
        "specialist",
        "Lakimies|Yrityslakimies|Juristi",
        "Legal Counsel|Corporate Counsel",
        "Jurist|Bolagsjurist",
        "lakimies|Legal counsel",
    ),
    # -- other -----------------------------------------------------------------------------
    _r(
        "sustainability_director",
        "MUU",
        "director",
        "Kestävän kehityksen johtaja|Vastuullisuusjohtaja",
        "Sustainability Director|Chief Sustainability Officer",
        "Hållbarhetsdirektör",
        "vastuullisuusjoht.",
    ),
    _r(
        "quality_manager",
        "MUU",
        "manager",
        "Laatupäällikkö|Laatu- ja ympäristöpäällikkö",
        "Quality Manager|Head of Quality",
        "Kvalitetschef",
        "laatupääll.|Laatu päällikkö",
    ),
    _r(
        "assistant",
        "MUU",
        "specialist",
        "Johdon assistentti|Assistentti",
        "Executive Assistant|Assistant",
        "Direktionsassistent|Assistent",
        "assistentti|Johdon ass.",
    ),
)
ROLES_BY_KEY: dict[str, Role] = {role.key: role for role in ROLES}
CEO = ROLES_BY_KEY["ceo"]

# How often a position of each role is in the register (after the first seat, the CEO).
ROLE_WEIGHTS: dict[str, float] = {
    "ceo": 0.0,
    "chair": 3.0,
    "board": 3.0,
    "deputy_ceo": 0.6,
    "coo": 1.0,
    "cfo": 4.0,
    "finance_manager": 2.5,
    "controller": 1.5,
    "hr_director": 1.5,
    "hr_manager": 2.0,
    "hr_specialist": 1.0,
    "cio": 1.2,
    "it_manager": 2.0,
    "it_specialist": 1.0,
    "cmo": 1.5,
    "marketing_manager": 2.5,
    "marketing_specialist": 1.0,
    "sales_director": 3.0,
    "sales_manager": 4.0,
    "sales_rep": 3.0,
    "procurement_director": 0.8,
    "procurement_manager": 1.5,
    "buyer": 1.0,
    "production_director": 1.2,
    "production_manager": 2.0,
    "production_engineer": 0.8,
    "logistics_director": 0.6,
    "logistics_manager": 1.5,
    "logistics_coordinator": 0.6,
    "communications_director": 0.6,
    "communications_manager": 1.0,
    "communications_specialist": 0.6,
    "real_estate_director": 0.4,
    "facility_manager": 1.0,
    "facility_specialist": 0.4,
    "rd_director": 1.0,
    "rd_manager": 1.2,
    "researcher": 0.6,
    "general_counsel": 0.5,
    "legal_manager": 0.4,
    "lawyer": 0.6,
    "sustainability_director": 0.4,
    "quality_manager": 1.0,
    "assistant": 1.0,
}
_SEAT_ROLES = tuple(r for r in ROLES if ROLE_WEIGHTS[r.key] > 0)
_SEAT_WEIGHTS = tuple(ROLE_WEIGHTS[r.key] for r in _SEAT_ROLES)


def seat_role(rng: random.Random) -> Role:
    return rng.choices(_SEAT_ROLES, weights=_SEAT_WEIGHTS)[0]


def register_title(rng: random.Random, role: Role, language: str) -> str:
    """The title as the organisation writes it: mostly in its own language ('fi', 'en',
    'sv'), sometimes in English anyway, in any of its written forms."""
    forms = {"fi": role.finnish, "en": role.english, "sv": role.swedish}[language]
    if language != "en" and rng.random() < 0.15:
        forms = role.english
    return rng.choice(forms or role.finnish)


def _abbreviate(title: str) -> str | None:
    """A CRM user's short form of a Finnish compound: Myyntipäällikkö -> Myyntipääll."""
    for ending, short in (("päällikkö", "pääll."), ("johtaja", "joht.")):
        if title.endswith(ending) and len(title) > len(ending) + 2:
            return title[: -len(ending)] + short
    return None


def customer_title(rng: random.Random, role: Role, register_written: str) -> tuple[str, str]:
    """The same role as a CRM user writes it, other than `register_written`:
    (title, how) where how is `title_language`, `title_abbreviation`, `title_wording` or
    `title_case`."""
    roll = rng.random()
    if roll < 0.12:
        short = _abbreviate(register_written)
        if short:
            return short, "title_abbreviation"
    if roll < 0.22:
        changed = register_written.lower() if rng.random() < 0.6 else register_written.upper()
        if changed != register_written:
            return changed, "title_case"
    pool = [t for t in role.all_forms if t != register_written]
    title = rng.choice(pool)
    if title in role.customer:
        how = "title_abbreviation" if len(title) <= 6 or "." in title else "title_wording"
    elif (title in role.english) != (register_written in role.english) or (
        title in role.swedish
    ) != (register_written in role.swedish):
        how = "title_language"
    else:
        how = "title_wording"
    return title, how


def changed_role(rng: random.Random, role: Role) -> Role:
    """Another role: a promotion or step within the area (another level), or a move to
    another area at the same level, sometimes anything else."""
    roll = rng.random()
    if roll < 0.5:
        pool = [r for r in ROLES if r.area == role.area and r.level != role.level]
    elif roll < 0.8:
        pool = [r for r in ROLES if r.level == role.level and r.area != role.area]
    else:
        pool = []
    if not pool:
        pool = [r for r in ROLES if (r.area, r.level) != (role.area, role.level)]
    return rng.choice(pool)


def role_of(title: str) -> Role | None:
    """The role whose forms include `title` exactly (case-insensitively), for tests."""
    folded = title.strip().casefold()
    for role in ROLES:
        if any(folded == t.casefold() for t in role.all_forms):
            return role
    return None
