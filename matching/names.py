"""Person names as customers' CRMs hold them: short forms of Finnish and Finland-Swedish
first names, initials, second given names, double-barrelled surnames.

A customer who met "Jussi" writes Jussi; the register lists Johannes. Both name the same
person, so first names are compared through the formal name they stand for.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein

from matching.text import fold, fold_name

# Short form -> the formal names it is used for, folded (ä->a, so "Hannu" and "Hannú" agree).
# Only forms in everyday use in Finland; a short form may stand for several formal names
# (Jussi: Juhani, Johannes), and each of those counts as agreeing.
_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "ale": ("aleksanteri", "aleksi"),
    "aleksi": ("aleksanteri",),
    "santeri": ("aleksanteri",),
    "sakari": ("zacharias",),
    "antti": ("anders", "andreas", "antero"),
    "atte": ("aatu", "aatami"),
    "eki": ("erkki",),
    "erkka": ("erkki",),
    "hannes": ("johannes",),
    "hanna": ("johanna",),
    "jonna": ("johanna",),
    "hanski": ("hannu", "johannes"),
    "henkka": ("henrik", "henrikki"),
    "heikki": ("henrik",),
    "jukka": ("juhani", "johannes"),
    "juha": ("juhani", "johannes"),
    "jussi": ("juhani", "johannes", "juho"),
    "juho": ("johannes",),
    "jari": ("jarmo",),
    "jani": ("janne", "jan"),
    "janne": ("jan", "johannes"),
    "kaisa": ("katariina", "kaija"),
    "kati": ("katariina", "katri"),
    "katja": ("katariina",),
    "katri": ("katariina",),
    "kaija": ("katariina",),
    "kirsi": ("kirsti", "kristiina"),
    "tiina": ("kristiina", "valentiina"),
    "krista": ("kristiina",),
    "liisa": ("elisabet", "elisabeth", "eliisa"),
    "elisa": ("elisabet", "elisabeth"),
    "essi": ("elisabet", "esteri"),
    "lissu": ("elisabet", "liisa"),
    "maarit": ("margareeta", "margaretha", "marketta"),
    "reetta": ("margareeta", "marketta"),
    "maija": ("maria",),
    "maiju": ("maria",),
    "mari": ("maria", "marjut"),
    "marja": ("maria",),
    "matias": ("matti",),
    "matti": ("matias", "mattias"),
    "mikko": ("mikael",),
    "mika": ("mikael",),
    "mikke": ("mikael",),
    "nina": ("annina",),
    "pekka": ("petri", "pietari"),
    "pete": ("petri", "petteri", "pekka"),
    "pertti": ("bertel",),
    "riku": ("rikhard", "richard"),
    "sanna": ("susanna", "susanne"),
    "susa": ("susanna",),
    "sami": ("samuel", "samuli"),
    "samu": ("samuel", "samuli"),
    "tapsa": ("tapani", "tapio"),
    "tapani": ("tapio",),
    "tuomo": ("tuomas",),
    "tomi": ("tuomas", "tomas"),
    "tommi": ("tuomas", "tomas"),
    "ville": ("vilhelm", "viljami", "vilho"),
    "villi": ("vilhelm",),
    "vilho": ("vilhelm",),
    "ulla": ("ulrika",),
    "ritva": ("birgitta",),
    "pirkko": ("birgitta",),
    "pirjo": ("birgitta",),
    "kalle": ("kaarlo", "karl", "kaarle"),
    "kaapo": ("kaapro", "gabriel"),
    "olli": ("olavi", "olof"),
    "ossi": ("oskari", "oskar"),
    "lasse": ("lauri", "lars"),
    "lauri": ("laurentius",),
    "timo": ("timoteus",),
    "topi": ("topias", "tobias"),
    "petu": ("petteri",),
    "jaska": ("jaakko",),
    "kimmo": ("kim",),
    "manu": ("emanuel",),
    "eetu": ("eero", "edvard"),
    "eero": ("erik",),
    "leena": ("helena", "magdaleena"),
    "lena": ("helena",),
    "elina": ("helena",),
    "anu": ("anna", "anneli"),
    "anni": ("anna", "anneli"),
    "annu": ("anna",),
    "minna": ("vilhelmiina", "wilhelmina"),
    "mimmi": ("vilhelmiina",),
    "sini": ("sinikka",),
    "tuija": ("tuulikki",),
    "heli": ("helena", "heljä"),
}


def _formal_forms() -> dict[str, frozenset[str]]:
    """Each folded first name -> the set of formal names it may stand for (itself included)."""
    forms: dict[str, set[str]] = {}
    for short, formals in _SHORT_FORMS.items():
        key = fold_name(short)
        forms.setdefault(key, {key}).update(fold_name(f) for f in formals)
    return {name: frozenset(group) for name, group in forms.items()}


_FORMS = _formal_forms()
# Every folded name the table knows, either as a short form or as a formal name.
FORM_NAMES = frozenset(_FORMS) | frozenset(name for group in _FORMS.values() for name in group)


def name_forms(first_name: str) -> frozenset[str]:
    """The formal names a folded first name may stand for, itself included."""
    return _FORMS.get(first_name, frozenset((first_name,)))


def same_first_name_by_form(customer: str, register: str) -> bool:
    """True when one folded first name is a short form of the other ("Jussi" for Juhani).
    Two short forms of one formal name are not taken as agreeing: Mika and Mikko are both
    Mikael's, but they are two different people's registered names."""
    if not customer or not register or customer == register:
        return False
    return customer in name_forms(register) or register in name_forms(customer)


def _parts(*texts: str | None) -> list[str]:
    """Folded name parts of each text (`_text_parts`), together."""
    return [part for text in texts for part in _text_parts(text)]


@lru_cache(maxsize=262_144)
def _text_parts(text: str | None) -> tuple[str, ...]:
    """Folded name parts: words and the halves of hyphenated names (`Anna-Liisa`), each
    also with ae/oe/aa read as ä/ö/å (`Haemaelaeinen`) where that differs: a typo such as
    `Ahoen` must not become `Ahon` and lose its likeness to `Ahonen`."""
    plain, undone = fold(text), fold_name(text)
    parts = plain.split()
    return tuple(parts + undone.split()) if undone != plain else tuple(parts)


def _one_slip(a: str, b: str) -> bool:
    """A typo: one edit (two in long names) between parts long enough to carry it."""
    shorter = min(len(a), len(b))
    if shorter < 4:
        return False
    return DamerauLevenshtein.distance(a, b) <= (2 if shorter >= 9 else 1)


@lru_cache(maxsize=262_144)
def same_person_name(
    customer_first: str | None,
    customer_last: str | None,
    register_first: str | None,
    register_last: str | None,
) -> bool:
    """Whether the customer's name is a way of writing the register person's name, not
    another name (`refreshed-file.md`, "What counts as a change").

    Once the person is identified, the surname decides: a given name written differently
    is a short form, a nickname, an initial or a second name far more often than a new
    name. The parts are compared wherever they stand, so names swapped between the columns
    or written whole in one column still agree, and one part of a double surname is
    enough. A surname none of whose parts the customer wrote, even with a typo, is another
    name: a surname changed at marriage is the change customers must hear of.
    """
    customer = _parts(customer_first, customer_last)
    surnames = _parts(register_last)
    if not customer or not surnames:
        return True  # nothing to compare: no fact said otherwise
    return any(part == s or _one_slip(part, s) for part in customer for s in surnames)


@lru_cache(maxsize=262_144)
def same_given_name(customer: str | None, register: str | None) -> bool:
    """A given name written another way: a short form, an initial, a typo, or one of two
    given names."""
    ours, theirs = _parts(customer), _parts(register)
    if not ours or not theirs:
        return True
    return any(
        a == b
        or _one_slip(a, b)
        or (len(a) == 1 and b.startswith(a))
        or same_first_name_by_form(a, b)
        for a in ours
        for b in theirs
    )


__all__ = [
    "FORM_NAMES",
    "name_forms",
    "same_first_name_by_form",
    "same_given_name",
    "same_person_name",
]
