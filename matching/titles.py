"""Job titles in Finnish, Swedish and English mapped to one role and the register's
responsibility area (asemavaltuus), so that `TJ`, `toimitusjohtaja` and `CEO` are one title."""

from __future__ import annotations

from dataclasses import dataclass

from matching.text import fold


@dataclass(frozen=True)
class Role:
    key: str
    area: str
    # Spellings in use; the first Finnish and first English ones are what the generator writes.
    finnish: tuple[str, ...]
    english: tuple[str, ...]
    swedish: tuple[str, ...] = ()


ROLES: tuple[Role, ...] = (
    Role(
        "ceo",
        "JOHTO",
        ("toimitusjohtaja", "TJ", "toimitusjohtaja, hallituksen jäsen"),
        ("CEO", "Chief Executive Officer", "Managing Director"),
        ("verkställande direktör", "VD"),
    ),
    Role(
        "deputy_ceo",
        "JOHTO",
        ("varatoimitusjohtaja", "toimitusjohtajan sijainen"),
        ("Deputy CEO", "Deputy Managing Director"),
        ("vice verkställande direktör",),
    ),
    Role(
        "chair",
        "JOHTO",
        ("hallituksen puheenjohtaja", "hallituksen pj"),
        ("Chairman of the Board", "Chair of the Board"),
        ("styrelseordförande",),
    ),
    Role(
        "cfo",
        "TALOUS",
        ("talousjohtaja", "talous- ja hallintojohtaja"),
        ("CFO", "Chief Financial Officer", "Finance Director"),
        ("ekonomidirektör",),
    ),
    Role(
        "controller",
        "TALOUS",
        ("controller", "talouspäällikkö"),
        ("Financial Controller", "Finance Manager"),
        ("ekonomichef",),
    ),
    Role(
        "hr_director",
        "HENKILOSTO",
        ("henkilöstöjohtaja", "HR-johtaja"),
        ("HR Director", "Chief Human Resources Officer", "CHRO"),
        ("personaldirektör",),
    ),
    Role(
        "hr_manager",
        "HENKILOSTO",
        ("henkilöstöpäällikkö", "HR-päällikkö"),
        ("HR Manager", "Human Resources Manager"),
        ("personalchef",),
    ),
    Role(
        "cio",
        "IT",
        ("tietohallintojohtaja", "IT-johtaja"),
        ("CIO", "Chief Information Officer", "IT Director"),
        ("IT-direktör",),
    ),
    Role(
        "it_manager",
        "IT",
        ("IT-päällikkö", "tietohallintopäällikkö"),
        ("IT Manager", "Head of IT"),
        ("IT-chef",),
    ),
    Role(
        "cmo",
        "MARKKINOINTI",
        ("markkinointijohtaja",),
        ("CMO", "Marketing Director", "Chief Marketing Officer"),
        ("marknadsdirektör",),
    ),
    Role(
        "marketing_manager",
        "MARKKINOINTI",
        ("markkinointipäällikkö",),
        ("Marketing Manager", "Head of Marketing"),
        ("marknadschef",),
    ),
    Role(
        "sales_director",
        "MYYNTI",
        ("myyntijohtaja", "kaupallinen johtaja"),
        ("Sales Director", "Chief Sales Officer", "CSO"),
        ("försäljningsdirektör",),
    ),
    Role(
        "sales_manager",
        "MYYNTI",
        ("myyntipäällikkö",),
        ("Sales Manager", "Head of Sales"),
        ("försäljningschef",),
    ),
    Role(
        "procurement",
        "HANKINTA",
        ("hankintajohtaja", "ostojohtaja", "hankintapäällikkö"),
        ("Procurement Director", "Purchasing Manager", "Head of Procurement"),
        ("inköpschef",),
    ),
    Role(
        "production",
        "TUOTANTO",
        ("tuotantojohtaja", "tehtaanjohtaja", "tuotantopäällikkö"),
        ("Production Director", "Plant Manager", "Head of Production"),
        ("produktionschef",),
    ),
    Role(
        "logistics",
        "LOGISTIIKKA",
        ("logistiikkajohtaja", "logistiikkapäällikkö"),
        ("Logistics Director", "Logistics Manager", "Supply Chain Manager"),
        ("logistikchef",),
    ),
    Role(
        "communications",
        "VIESTINTA",
        ("viestintäjohtaja", "viestintäpäällikkö"),
        ("Communications Director", "Head of Communications"),
        ("kommunikationschef",),
    ),
    Role(
        "facilities",
        "KIINTEISTO",
        ("kiinteistöpäällikkö", "kiinteistöjohtaja"),
        ("Facilities Manager", "Head of Facilities"),
        ("fastighetschef",),
    ),
    Role(
        "rnd",
        "TUTKIMUS",
        ("tutkimus- ja kehitysjohtaja", "tuotekehitysjohtaja", "T&K-johtaja"),
        ("R&D Director", "Head of R&D", "CTO", "Chief Technology Officer"),
        ("forskningschef",),
    ),
    Role(
        "legal",
        "LAKI",
        ("lakiasiainjohtaja", "lakimies", "yrityslakimies"),
        ("General Counsel", "Legal Counsel", "Head of Legal"),
        ("chefsjurist",),
    ),
    Role(
        "office_manager",
        "MUU",
        ("toimistopäällikkö", "hallintopäällikkö"),
        ("Office Manager", "Administrative Manager"),
        ("kontorschef",),
    ),
)

_BY_SPELLING: dict[str, Role] = {
    fold(spelling): role
    for role in ROLES
    for spelling in (*role.finnish, *role.english, *role.swedish, role.key)
}
ROLES_BY_KEY: dict[str, Role] = {role.key: role for role in ROLES}


def title_role(title: str | None) -> Role | None:
    """The role a title names, or None for a title the dictionary does not know."""
    return _BY_SPELLING.get(fold(title))


def same_title(a: str | None, b: str | None) -> bool:
    """Equal by meaning: the same known role, or the same folded text for unknown titles."""
    role_a, role_b = title_role(a), title_role(b)
    if role_a is not None and role_b is not None:
        return role_a.key == role_b.key
    return fold(a) == fold(b)
