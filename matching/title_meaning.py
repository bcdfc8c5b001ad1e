"""What a job title says, whatever the language or wording: the responsibility area
(asemavaltuus) and the level of the role.

Customers and organisations write one role in many ways: `TJ`, `toimitusjohtaja`, `CEO`,
`Managing Director`, `verkställande direktör`; `Head of Marketing`, `Marketing Lead`,
`markkinointijohtaja`. A dictionary of whole titles misses most of them, so the title is
read as words: Finnish compounds by their stems (`myynti|päällikkö`), English and Swedish
by their words, abbreviations by a short list. Two titles name the same role when area
and level agree; a new area or a new level is a new role (`myyntipäällikkö` ->
`myyntijohtaja`, CFO -> CEO).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein

from matching.text import fold

# Levels, from the board down. `owner` and `accountant` are roles of their own: an owner
# is not the CEO, an accountant keeps the books (a controller is a finance specialist).
LEVELS = (
    "board_chair",
    "board_member",
    "owner",
    "ceo",
    "country",
    "coo",
    "deputy_ceo",
    "director",
    "head",
    "manager",
    "accountant",
    "specialist",
    "assistant",
)

# Whole titles (or a title's first part) that are abbreviations or fixed phrases, folded.
_FIXED: dict[str, tuple[str, str]] = {
    "tj": ("JOHTO", "ceo"),
    "toimitusjohtaja": ("JOHTO", "ceo"),
    "ceo": ("JOHTO", "ceo"),
    "md": ("JOHTO", "ceo"),
    "vd": ("JOHTO", "ceo"),
    "managing director": ("JOHTO", "ceo"),
    "chief executive officer": ("JOHTO", "ceo"),
    "chief executive": ("JOHTO", "ceo"),
    "verkstallande direktor": ("JOHTO", "ceo"),
    "general manager": ("JOHTO", "ceo"),
    "plant manager": ("TUOTANTO", "director"),
    "factory manager": ("TUOTANTO", "director"),
    "mill manager": ("TUOTANTO", "director"),
    "country manager": ("JOHTO", "country"),
    "maajohtaja": ("JOHTO", "country"),
    "landschef": ("JOHTO", "country"),
    "vtj": ("JOHTO", "deputy_ceo"),
    "varatoimitusjohtaja": ("JOHTO", "deputy_ceo"),
    "toimitusjohtajan sijainen": ("JOHTO", "deputy_ceo"),
    "deputy ceo": ("JOHTO", "deputy_ceo"),
    "deputy managing director": ("JOHTO", "deputy_ceo"),
    "vice vd": ("JOHTO", "deputy_ceo"),
    "vice verkstallande direktor": ("JOHTO", "deputy_ceo"),
    "coo": ("JOHTO", "coo"),
    "chief operating officer": ("JOHTO", "coo"),
    "operatiivinen johtaja": ("JOHTO", "coo"),
    "operativ direktor": ("JOHTO", "coo"),
    "operations director": ("JOHTO", "coo"),
    "director of operations": ("JOHTO", "coo"),
    "hallituksen puheenjohtaja": ("JOHTO", "board_chair"),
    "hallituksen pj": ("JOHTO", "board_chair"),
    "hall pj": ("JOHTO", "board_chair"),
    "pj": ("JOHTO", "board_chair"),
    "puheenjohtaja": ("JOHTO", "board_chair"),
    "chairman": ("JOHTO", "board_chair"),
    "chairman of the board": ("JOHTO", "board_chair"),
    "chair of the board": ("JOHTO", "board_chair"),
    "chairperson": ("JOHTO", "board_chair"),
    "board chair": ("JOHTO", "board_chair"),
    "styrelseordforande": ("JOHTO", "board_chair"),
    "ordforande": ("JOHTO", "board_chair"),
    "hallituksen jasen": ("JOHTO", "board_member"),
    "board member": ("JOHTO", "board_member"),
    "member of the board": ("JOHTO", "board_member"),
    "styrelseledamot": ("JOHTO", "board_member"),
    "omistaja": ("JOHTO", "owner"),
    "yrittaja": ("JOHTO", "owner"),
    "owner": ("JOHTO", "owner"),
    "entrepreneur": ("JOHTO", "owner"),
    "founder": ("JOHTO", "owner"),
    "perustaja": ("JOHTO", "owner"),
    "agare": ("JOHTO", "owner"),
    "foretagare": ("JOHTO", "owner"),
    "osakas": ("JOHTO", "owner"),
    "partner": ("JOHTO", "owner"),
    "cfo": ("TALOUS", "director"),
    "chief financial officer": ("TALOUS", "director"),
    "cio": ("IT", "director"),
    "chief information officer": ("IT", "director"),
    "cto": ("TUTKIMUS", "director"),
    "chief technology officer": ("TUTKIMUS", "director"),
    "teknologiajohtaja": ("TUTKIMUS", "director"),
    "cmo": ("MARKKINOINTI", "director"),
    "chief marketing officer": ("MARKKINOINTI", "director"),
    "cco": ("MYYNTI", "director"),
    "chief commercial officer": ("MYYNTI", "director"),
    "cso": ("MYYNTI", "director"),
    "chief sales officer": ("MYYNTI", "director"),
    "chro": ("HENKILOSTO", "director"),
    "chief human resources officer": ("HENKILOSTO", "director"),
    "chief people officer": ("HENKILOSTO", "director"),
    "cpo": ("HANKINTA", "director"),
    "chief procurement officer": ("HANKINTA", "director"),
    "clo": ("LAKI", "director"),
    "general counsel": ("LAKI", "director"),
    "kam": ("MYYNTI", "specialist"),
    "key account manager": ("MYYNTI", "specialist"),
    "asiakkuuspaallikko": ("MYYNTI", "specialist"),
    "account manager": ("MYYNTI", "specialist"),
    "controller": ("TALOUS", "specialist"),
    "controlleri": ("TALOUS", "specialist"),
    "business controller": ("TALOUS", "specialist"),
    "financial controller": ("TALOUS", "specialist"),
    "kirjanpitaja": ("TALOUS", "accountant"),
    "accountant": ("TALOUS", "accountant"),
    "bookkeeper": ("TALOUS", "accountant"),
    "tilintarkastaja": ("TALOUS", "accountant"),
    "lakimies": ("LAKI", "specialist"),
    "lawyer": ("LAKI", "specialist"),
    "legal counsel": ("LAKI", "specialist"),
    "jurist": ("LAKI", "specialist"),
    "isannoitsija": ("KIINTEISTO", "manager"),
    "gc": ("LAKI", "director"),
    "chefsjurist": ("LAKI", "director"),
    "chief legal officer": ("LAKI", "director"),
    "office manager": ("MUU", "manager"),
    "styrelsens ordforande": ("JOHTO", "board_chair"),
    "styrelsemedlem": ("JOHTO", "board_member"),
    "chief operations officer": ("JOHTO", "coo"),
    "johtaja operatiivinen toiminta": ("JOHTO", "coo"),
    "property manager": ("KIINTEISTO", "manager"),
}

# Stems of Finnish and Swedish compounds and English words that name an area, folded.
# Searched in order: the first hit decides (`tietohallinto` before `hallinto`).
_AREA_STEMS: tuple[tuple[str, str], ...] = (
    ("informationschef", "VIESTINTA"),  # Swedish: the communications manager
    ("tietohallinto", "IT"),
    ("tietotekniikka", "IT"),
    ("jarjestelma", "IT"),
    ("system", "IT"),
    ("information", "IT"),
    ("ict", "IT"),
    ("it", "IT"),
    ("digi", "IT"),
    ("henkilosto", "HENKILOSTO"),
    ("human resources", "HENKILOSTO"),
    ("hr", "HENKILOSTO"),
    ("people", "HENKILOSTO"),
    ("personal", "HENKILOSTO"),
    ("palkka", "HENKILOSTO"),
    ("payroll", "HENKILOSTO"),
    ("talous", "TALOUS"),
    ("finans", "TALOUS"),
    ("finance", "TALOUS"),
    ("controller", "TALOUS"),
    ("financial", "TALOUS"),
    ("ekonomi", "TALOUS"),
    ("rahoitus", "TALOUS"),
    ("laskenta", "TALOUS"),
    ("kirjanpito", "TALOUS"),
    ("accounting", "TALOUS"),
    ("treasury", "TALOUS"),
    ("markkinointi", "MARKKINOINTI"),
    ("markkinoinn", "MARKKINOINTI"),
    ("marketing", "MARKKINOINTI"),
    ("marknad", "MARKKINOINTI"),
    ("brand", "MARKKINOINTI"),
    ("myynti", "MYYNTI"),
    ("myynn", "MYYNTI"),
    ("myyja", "MYYNTI"),
    ("sales", "MYYNTI"),
    ("forsaljning", "MYYNTI"),
    ("salj", "MYYNTI"),
    ("kundansvarig", "MYYNTI"),
    ("kaupallinen", "MYYNTI"),
    ("commercial", "MYYNTI"),
    ("asiakkuus", "MYYNTI"),
    ("account", "MYYNTI"),
    ("export", "MYYNTI"),
    ("vienti", "MYYNTI"),
    ("hankin", "HANKINTA"),
    ("osto", "HANKINTA"),
    ("ostaja", "HANKINTA"),
    ("buyer", "HANKINTA"),
    ("purchaser", "HANKINTA"),
    ("procurement", "HANKINTA"),
    ("purchasing", "HANKINTA"),
    ("sourcing", "HANKINTA"),
    ("inkop", "HANKINTA"),
    ("tuotanto", "TUOTANTO"),
    ("tuotann", "TUOTANTO"),
    ("fabrik", "TUOTANTO"),
    ("production", "TUOTANTO"),
    ("produktion", "TUOTANTO"),
    ("tehdas", "TUOTANTO"),
    ("tehtaan", "TUOTANTO"),
    ("plant", "TUOTANTO"),
    ("factory", "TUOTANTO"),
    ("manufacturing", "TUOTANTO"),
    ("laatu", "TUOTANTO"),
    ("quality", "TUOTANTO"),
    ("kvalitet", "TUOTANTO"),
    ("logistiik", "LOGISTIIKKA"),
    ("logistics", "LOGISTIIKKA"),
    ("logistik", "LOGISTIIKKA"),
    ("varasto", "LOGISTIIKKA"),
    ("warehouse", "LOGISTIIKKA"),
    ("lager", "LOGISTIIKKA"),
    ("supply chain", "LOGISTIIKKA"),
    ("toimitusketju", "LOGISTIIKKA"),
    ("kuljetus", "LOGISTIIKKA"),
    ("transport", "LOGISTIIKKA"),
    ("viestinta", "VIESTINTA"),
    ("viestinn", "VIESTINTA"),
    ("tiedottaja", "VIESTINTA"),
    ("kommunikator", "VIESTINTA"),
    ("informator", "VIESTINTA"),
    ("communication", "VIESTINTA"),
    ("kommunikation", "VIESTINTA"),
    ("tiedotus", "VIESTINTA"),
    ("kiinteisto", "KIINTEISTO"),
    ("facilit", "KIINTEISTO"),
    ("facility", "KIINTEISTO"),
    ("real estate", "KIINTEISTO"),
    ("property", "KIINTEISTO"),
    ("fastighet", "KIINTEISTO"),
    ("tutkimus", "TUTKIMUS"),
    ("kehitys", "TUTKIMUS"),
    ("tuotekehitys", "TUTKIMUS"),
    ("t k", "TUTKIMUS"),
    ("r d", "TUTKIMUS"),
    ("research", "TUTKIMUS"),
    ("development", "TUTKIMUS"),
    ("technology", "TUTKIMUS"),
    ("teknologia", "TUTKIMUS"),
    ("forskning", "TUTKIMUS"),
    ("forskare", "TUTKIMUS"),
    ("tutkija", "TUTKIMUS"),
    ("researcher", "TUTKIMUS"),
    ("teknik", "TUTKIMUS"),
    ("utveckling", "TUTKIMUS"),
    ("engineering", "TUTKIMUS"),
    ("laki", "LAKI"),
    ("legal", "LAKI"),
    ("jurist", "LAKI"),
    ("counsel", "LAKI"),
    ("juridi", "LAKI"),
    ("compliance", "LAKI"),
    ("liiketoiminta", "JOHTO"),
    ("business", "JOHTO"),
    ("affars", "JOHTO"),
    ("hallinto", "MUU"),
    ("toimisto", "MUU"),
    ("administrat", "MUU"),
    ("vastuullisuus", "MUU"),
    ("sustainability", "MUU"),
    ("hallbarhet", "MUU"),
    ("kestavan kehityksen", "MUU"),
    ("assistent", "MUU"),
    ("assistant", "MUU"),
    ("projekti", "MUU"),
    ("project", "MUU"),
    ("turvallisuus", "MUU"),
    ("security", "MUU"),
)

# Level words: Finnish compound heads, English and Swedish words, folded. Order matters:
# `varatoimitusjohtaja` holds `johtaja`. `Head of` says no level: Finnish companies write
# it for a päällikkö and for a johtaja alike (see `same_level`).
_LEVEL_WORDS: tuple[tuple[str, str], ...] = (
    ("johtaja", "director"),
    ("director", "director"),
    ("direktor", "director"),
    ("head of", "head"),
    ("head", "head"),
    ("chief", "director"),
    ("lead", "director"),
    ("vice president", "director"),
    ("vp", "director"),
    ("paallikko", "manager"),
    ("manager", "manager"),
    ("chef", "manager"),
    ("esimies", "manager"),
    ("vastaava", "manager"),
    ("supervisor", "manager"),
    ("foreman", "manager"),
    ("mestari", "manager"),
    ("asiantuntija", "specialist"),
    ("specialist", "specialist"),
    ("spesialisti", "specialist"),
    ("generalist", "specialist"),
    ("officer", "specialist"),
    ("representative", "specialist"),
    ("edustaja", "specialist"),
    ("neuvottelija", "specialist"),
    ("myyja", "specialist"),
    ("saljare", "specialist"),
    ("kundansvarig", "specialist"),
    ("ostaja", "specialist"),
    ("buyer", "specialist"),
    ("purchaser", "specialist"),
    ("inkopare", "specialist"),
    ("tutkija", "specialist"),
    ("researcher", "specialist"),
    ("forskare", "specialist"),
    ("juristi", "specialist"),
    ("lakimies", "specialist"),
    ("jurist", "specialist"),
    ("counsel", "specialist"),
    ("tiedottaja", "specialist"),
    ("kommunikator", "specialist"),
    ("informator", "specialist"),
    ("tuki", "specialist"),
    ("support", "specialist"),
    ("ingenjor", "specialist"),
    ("planerare", "specialist"),
    ("koordinator", "specialist"),
    ("expert", "specialist"),
    ("specialist", "specialist"),
    ("analyytikko", "specialist"),
    ("analyst", "specialist"),
    ("insinoori", "specialist"),
    ("engineer", "specialist"),
    ("suunnittelija", "specialist"),
    ("planner", "specialist"),
    ("koordinaattori", "specialist"),
    ("coordinator", "specialist"),
    ("sihteeri", "assistant"),
    ("assistent", "assistant"),
    ("assistentti", "assistant"),
    ("assistant", "assistant"),
    ("secretary", "assistant"),
)

# Abbreviations CRM users type, on folded words (dots and hyphens are spaces by then):
# `toim.joht.`, `talousjoht.`, `henkilöstöpääll.`, `vara-TJ`, `hall. jäsen`, `T&K`.
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\btoim joht\b"), "toimitusjohtaja"),
    (re.compile(r"\bvara ?tj\b"), "varatoimitusjohtaja"),
    (re.compile(r"\bvara ?toimitusjohtaja\b"), "varatoimitusjohtaja"),
    (re.compile(r"\bhall\b"), "hallituksen"),
    (re.compile(r"\bt ?k\b"), "tutkimus ja kehitys"),
    (re.compile(r"\bass\b"), "assistentti"),
    (re.compile(r"joht\b"), "johtaja"),
    (re.compile(r"paall\b"), "paallikko"),
    (re.compile(r"\b(\w+)ins\b"), r"\1insinoori"),
    (re.compile(r"neuv\b"), "neuvottelija"),
    (re.compile(r"\bstyrelsens ordforande\b"), "styrelseordforande"),
)


def _expanded(words: str) -> str:
    for pattern, replacement in _ABBREVIATIONS:
        words = pattern.sub(replacement, words)
    return words


_SEPARATORS = re.compile(r"\s*(?:,|/|;|\(|\band\b|\bja\b|\boch\b)\s*")


@dataclass(frozen=True)
class TitleMeaning:
    """The role a title names: responsibility area and level ("" where the title does not
    say)."""

    areas: frozenset[str]
    level: str

    @property
    def complete(self) -> bool:
        return bool(self.areas and self.level)

    def same_role(self, other: TitleMeaning) -> bool:
        """The same level in a shared area (`Myynti- ja markkinointijohtaja` is a sales
        director and a marketing director)."""
        return same_level(self.level, other.level) and bool(self.areas & other.areas)


# `Head of Sales` is the English a Finnish company writes for its myyntipäällikkö as often
# as for its myyntijohtaja: against either it is no evidence of a new level, so no
# `title_changed` (a flag must name a fact, and this one is not known).
_EITHER_LEVEL = {"head": frozenset({"head", "director", "manager"})}


def same_level(a: str, b: str) -> bool:
    """The same level, or one that `Head of` may mean."""
    return a == b or b in _EITHER_LEVEL.get(a, ()) or a in _EITHER_LEVEL.get(b, ())


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _has(words: str, stem: str) -> bool:
    """A stem at the start of a word (Finnish compounds: `myynti` in `myyntipaallikko`), or
    a multi-word phrase; two-letter stems (`it`, `hr`) only as whole words."""
    if " " in stem:
        return f" {stem} " in f" {words} "
    if len(stem) <= 3:
        return stem in words.split()
    return any(word.startswith(stem) or stem in word for word in words.split())


def _read(words: str) -> TitleMeaning:
    fixed = _FIXED.get(words) or _FIXED.get(_compact(words))
    if fixed:
        return TitleMeaning(frozenset({fixed[0]}), fixed[1])
    areas: set[str] = set()
    rest = words
    for stem, area in _AREA_STEMS:
        if _has(rest, stem):
            areas.add(area)
            # Taken out, so that `hallinto` is not found again in `tietohallinto`.
            rest = rest.replace(stem, " ")
    level = next((lv for word, lv in _LEVEL_WORDS if _has(words, word)), "")
    if level in {"director", "head"} and "operat" in words and areas <= {"MUU"}:
        areas, level = {"JOHTO"}, "coo"
    if level == "" and ("styrelse" in words or "hallituksen" in words):
        level = "board_member" if re.search(r"medlem|ledamot|jasen|member", words) else ""
        areas = {"JOHTO"} if level else areas
    return TitleMeaning(frozenset(areas), level)


@lru_cache(maxsize=65_536)
def title_meaning(title: str | None) -> TitleMeaning:
    """The area and level a title names. A title with several roles
    (`Toimitusjohtaja, osakas`) is read by its first."""
    if not title or not title.strip():
        return TitleMeaning(frozenset(), "")
    parts = [_expanded(fold(part)) for part in _SEPARATORS.split(title) if fold(part)]
    whole = _expanded(fold(title))
    meaning = _read(whole)
    if meaning.complete or not parts:
        return meaning
    first = _read(parts[0])
    return first if first.complete else meaning


@lru_cache(maxsize=262_144)
def same_title(a: str | None, b: str | None, b_area: str | None = None) -> bool:
    """Equal by meaning: the same text however spaced or spelled (a typo), or the same area
    and level. `b_area` is the register's own responsibility area of the position, which
    decides where title `b` alone does not say."""
    folded_a, folded_b = fold(a), fold(b)
    if _compact(folded_a) == _compact(folded_b):
        return True
    meaning_a, meaning_b = title_meaning(a), title_meaning(b)
    if b_area and not meaning_b.areas:
        meaning_b = TitleMeaning(frozenset({b_area}), meaning_b.level)
    if meaning_a.complete and meaning_b.complete:
        return meaning_a.same_role(meaning_b)
    return _nearly_equal(_compact(folded_a), _compact(folded_b))


# Areas as bits and levels as numbers, for comparing the titles of many pairs at once.
_AREA_BITS = {
    area: 1 << bit
    for bit, area in enumerate(
        sorted({area for area, _ in _FIXED.values()} | {area for _, area in _AREA_STEMS})
    )
}
_LEVEL_NUMBERS = {
    level: number
    for number, level in enumerate(
        sorted({level for _, level in _FIXED.values()} | {lv for _, lv in _LEVEL_WORDS}), 1
    )
}


def area_bits(title: str | None) -> int:
    """The title's areas as bits: two titles share an area when `a & b` is not 0."""
    bits = 0
    for area in title_meaning(title).areas:
        bits |= _AREA_BITS[area]
    return bits


def level_number(title: str | None) -> int:
    """The title's level as a number, 0 where it names none."""
    return _LEVEL_NUMBERS.get(title_meaning(title).level, 0)


def same_level_numbers(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """`same_level` on arrays of `level_number`s."""
    same = ours == theirs
    for level, others in _EITHER_LEVEL.items():
        number = _LEVEL_NUMBERS[level]
        numbers = [_LEVEL_NUMBERS[other] for other in others]
        same |= ((ours == number) & np.isin(theirs, numbers)) | (
            (theirs == number) & np.isin(ours, numbers)
        )
    return same


def compact_text(title: str | None) -> str:
    """The folded title without spaces: equal for the same text however spaced."""
    return _compact(fold(title))


def _nearly_equal(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= 6 and DamerauLevenshtein.distance(a, b) <= 1


__all__ = [
    "LEVELS",
    "TitleMeaning",
    "area_bits",
    "compact_text",
    "level_number",
    "same_level",
    "same_level_numbers",
    "same_title",
    "title_meaning",
]
