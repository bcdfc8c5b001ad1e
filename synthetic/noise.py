"""How real customers' CRM files differ from the register: the generator's own tables.

Written independently of the matcher on purpose (nothing here imports `matching`): the
noise must describe how people and systems really write Finnish names, not what the
matcher happens to normalise, or the accuracy figures would hold by construction.
Only synthetic data, ever.
"""

from __future__ import annotations

import random
import re
import unicodedata

from faker.providers.person.fi_FI import Provider as _FinnishNames

# -- person names ------------------------------------------------------------------------------

# Register (full, official) first name -> the short forms customers write instead. Only
# pairs genuinely used in Finland: Finnish hypocoristics (Jussi, Kati, Olli), the Finnish
# forms people go by (Mikael -> Mikko, Matias -> Matti) and Finland-Swedish pet names
# (Micke, Jocke, Stina). Ordered as written so that the generator stays deterministic.
NICKNAMES: dict[str, tuple[str, ...]] = {
    # men
    "Johannes": ("Juha", "Jussi", "Hannes", "Janne"),
    "Juhani": ("Jussi", "Juha"),
    "Juhana": ("Juha", "Jussi"),
    "Johan": ("Janne", "Jussi"),
    "Aleksanteri": ("Aleksi", "Santeri", "Ale"),
    "Alexander": ("Alex", "Aleksi"),
    "Mikael": ("Mika", "Mikko", "Micke"),
    "Matias": ("Matti",),
    "Tapani": ("Tapsa",),
    "Tapio": ("Tapsa",),
    "Henrik": ("Henkka", "Heikki"),
    "Henrikki": ("Henkka", "Heikki"),
    "Olavi": ("Olli",),
    "Oskari": ("Osku",),
    "Oskar": ("Osku",),
    "Kaarlo": ("Kalle",),
    "Karl": ("Kalle",),
    "Vilhelm": ("Ville",),
    "Viljami": ("Ville",),
    "Samuel": ("Samu", "Sami"),
    "Samuli": ("Samu", "Sami"),
    "Sakari": ("Sakke",),
    "Jaakko": ("Jaska",),
    "Rasmus": ("Rasse",),
    "Petteri": ("Pete",),
    "Lauri": ("Lasse",),
    "Tuomas": ("Tommi",),
    "Daniel": ("Dani",),
    "Joonatan": ("Joona",),
    "Valtteri": ("Valtsu",),
    "Artturi": ("Arttu",),
    "Aukusti": ("Kusti",),
    "Kustaa": ("Kusti",),
    "Iisakki": ("Iikka",),
    "Topias": ("Topi",),
    "Markus": ("Make",),
    "Markku": ("Make",),
    "Joakim": ("Jocke",),
    "Fredrik": ("Fredde",),
    # women
    "Katariina": ("Kati", "Katri", "Kaisa"),
    "Katriina": ("Kati", "Katri"),
    "Elisabet": ("Liisa", "Elisa", "Lisa"),
    "Elisabeth": ("Lisa", "Liisa", "Elisa"),
    "Kristiina": ("Kirsi", "Tiina", "Stiina"),
    "Kristina": ("Stina", "Tiina"),
    "Christina": ("Stina",),
    "Margareta": ("Maarit", "Reetta", "Greta"),
    "Margareeta": ("Maarit", "Reetta"),
    "Susanna": ("Sanna",),
    "Johanna": ("Hanna", "Jonna"),
    "Helena": ("Leena", "Heli", "Lena"),
    "Emilia": ("Emmi", "Milla"),
    "Maria": ("Maija", "Mari", "Mia"),
    "Anniina": ("Anni",),
    "Vilhelmiina": ("Miina",),
    "Aleksandra": ("Sandra",),
    "Alexandra": ("Sandra",),
    "Marjaana": ("Marja",),
    "Marjatta": ("Marja",),
    "Tuulikki": ("Tuuli",),
    "Birgitta": ("Britta",),
    "Matilda": ("Tilda",),
}
# Long forms missing from Faker's fi_FI pool, so that their short forms can occur too.
_EXTRA_MALE = ("Joakim", "Fredrik")
_EXTRA_FEMALE = ("Margareeta",)

MALE_GIVEN_NAMES: tuple[str, ...] = (*_FinnishNames.first_names_male, *_EXTRA_MALE)
FEMALE_GIVEN_NAMES: tuple[str, ...] = (*_FinnishNames.first_names_female, *_EXTRA_FEMALE)
_MALE_SET, _FEMALE_SET = frozenset(MALE_GIVEN_NAMES), frozenset(FEMALE_GIVEN_NAMES)
LONG_FORMS_MALE: tuple[str, ...] = tuple(n for n in NICKNAMES if n in _MALE_SET)
LONG_FORMS_FEMALE: tuple[str, ...] = tuple(n for n in NICKNAMES if n in _FEMALE_SET)

FREE_MAIL_DOMAINS = ("gmail.com", "hotmail.com", "luukku.com")

_DIGRAPHS = str.maketrans({"ä": "ae", "ö": "oe", "å": "aa", "Ä": "Ae", "Ö": "Oe", "Å": "Aa"})
_SCANDI = frozenset("äöåÄÖÅ")


def has_scandinavian_letters(text: str) -> bool:
    return any(c in _SCANDI for c in text)


def to_digraphs(text: str) -> str:
    """How systems without å, ä, ö wrote them (ä -> ae, ö -> oe, å -> aa)."""
    return text.translate(_DIGRAPHS)


_PLAIN = str.maketrans("äöåÄÖÅéèüÉÜ", "aoaAOAeeuEU")


def plain_letters(text: str) -> str:
    """Diacritics removed (Hämäläinen -> Hamalainen), as in a lossy export. The letters of
    Finnish names by table (the generator calls this for every name), the rest by Unicode."""
    text = text.translate(_PLAIN)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def gender_of(first_name: str) -> str | None:
    """'m', 'f' or None by the given-name pools; only to pick a plausible second name."""
    if first_name in _MALE_SET:
        return "m"
    if first_name in _FEMALE_SET:
        return "f"
    return None


def ascii_local(text: str) -> str:
    """A name as it goes into an e-mail address: lower case ASCII, no spaces."""
    return re.sub(r"[^a-z0-9-]", "", plain_letters(text).casefold())


def name_tokens(text: str) -> set[str]:
    """Tokens of a person's name for telling colleagues apart: case, diacritics, the digraph
    notation and hyphens all ignored, so that any written form meets the register's."""
    folded = plain_letters(text.casefold()).replace("ae", "a").replace("oe", "o")
    folded = folded.replace("aa", "a")
    return {t for t in re.split(r"[^a-z0-9]+", folded) if t}


def typo(rng: random.Random, word: str) -> str:
    """One wrong letter inside the word (short words get a doubled last letter)."""
    if len(word) < 5:
        return word + word[-1]
    index = rng.randint(1, len(word) - 2)
    replacement = rng.choice([c for c in "aeiklmnorstuv" if c != word[index].lower()])
    return word[:index] + replacement + word[index + 1 :]


# -- organisation names ------------------------------------------------------------------------

LEGAL_FORMS = frozenset({"Oy", "Oyj", "Ab", "Abp", "Ky", "Kb", "Ay", "Tmi", "ry", "rf", "osk"})
# Customers who spell the legal form out.
SPELLED_LEGAL_FORMS = {
    "Oy": "Osakeyhtiö",
    "Oyj": "Julkinen osakeyhtiö",
    "Ab": "Aktiebolag",
    "Ky": "Kommandiittiyhtiö",
    "Ay": "Avoin yhtiö",
    "Tmi": "Toiminimi",
    "ry": "rekisteröity yhdistys",
    "osk": "osuuskunta",
}
# Swedish and English legal forms of parallel names.
_SWEDISH_FORMS = {"Oy": "Ab", "Oyj": "Abp", "Ab": "Ab", "Ky": "Kb", "ry": "rf"}
_ENGLISH_FORMS = {"Oy": "Ltd", "Oyj": "Plc", "Ab": "Ltd"}
# Words that say what legal form or conjunction a name has, not which organisation it is.
_FORM_WORDS = frozenset(
    {
        *(f.casefold() for f in LEGAL_FORMS),
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
        "ja",
        "och",
        "and",
    }
)

# Industry words in names: Finnish -> (Swedish, English). The Finnish words are the
# register's; a name that drops one of them is the customer's shortened form.
INDUSTRY_WORDS: dict[str, tuple[str, str]] = {
    "Rakennus": ("Bygg", "Construction"),
    "Kuljetus": ("Transport", "Transport"),
    "Konepaja": ("Verkstad", "Machine Works"),
    "Sähkö": ("El", "Electric"),
    "LVI": ("VVS", "HVAC"),
    "Ohjelmistot": ("Programvara", "Software"),
    "Konsultointi": ("Konsult", "Consulting"),
    "Tilitoimisto": ("Bokföringsbyrå", "Accounting"),
    "Metalli": ("Metall", "Metal"),
    "Puutuote": ("Träprodukter", "Wood Products"),
    "Kiinteistöhuolto": ("Fastighetsservice", "Property Services"),
    "Logistiikka": ("Logistik", "Logistics"),
    "Elintarvike": ("Livsmedel", "Foods"),
    "Teknologia": ("Teknologi", "Technology"),
    "Energia": ("Energi", "Energy"),
    "Lasi": ("Glas", "Glass"),
    "Paino": ("Tryckeri", "Printing"),
    "Muovi": ("Plast", "Plastics"),
    "Kemia": ("Kemi", "Chemicals"),
    "Laboratoriot": ("Laboratorier", "Laboratories"),
    "Media": ("Media", "Media"),
    "Mainos": ("Reklam", "Advertising"),
    "Terveys": ("Hälsa", "Health"),
    "Hoiva": ("Omsorg", "Care"),
    "Matkailu": ("Turism", "Travel"),
    "Ravintolat": ("Restauranger", "Restaurants"),
    "Kauppa": ("Handel", "Trading"),
    "Tukku": ("Partihandel", "Wholesale"),
    "Autotalo": ("Bilhus", "Motors"),
    "Maalaus": ("Måleri", "Painting"),
    "Insinööritoimisto": ("Ingenjörsbyrå", "Engineering"),
    "Arkkitehdit": ("Arkitekter", "Architects"),
    "Lakitoimisto": ("Advokatbyrå", "Law Office"),
    "Vakuutus": ("Försäkring", "Insurance"),
    "Data": ("Data", "Data"),
    "Robotiikka": ("Robotik", "Robotics"),
    "Optiikka": ("Optik", "Optics"),
    "Pakkaus": ("Förpackning", "Packaging"),
    "Tekstiili": ("Textil", "Textiles"),
    "Saha": ("Såg", "Sawmill"),
}
# Regional prefixes: Finnish genitive -> (Swedish, English) as parallel names use them.
PLACE_NAMES: dict[str, tuple[str, str]] = {
    "Pohjolan": ("Nordens", "Pohjola"),
    "Lapin": ("Lapplands", "Lapland"),
    "Savon": ("Savolax", "Savo"),
    "Hämeen": ("Tavastlands", "Häme"),
    "Kymen": ("Kymmene", "Kymi"),
    "Etelä-Suomen": ("Södra Finlands", "Southern Finland"),
    "Länsi-Suomen": ("Västra Finlands", "Western Finland"),
    "Pirkanmaan": ("Birkalands", "Pirkanmaa"),
    "Keski-Suomen": ("Mellersta Finlands", "Central Finland"),
    "Uudenmaan": ("Nylands", "Uusimaa"),
    "Pohjanmaan": ("Österbottens", "Ostrobothnia"),
    "Karjalan": ("Karelens", "Karelia"),
    "Kainuun": ("Kajanalands", "Kainuu"),
    "Satakunnan": ("Satakunta", "Satakunta"),
    "Ahvenanmaan": ("Ålands", "Åland"),
    "Nordic": ("Nordic", "Nordic"),
    "Baltic": ("Baltic", "Baltic"),
    "Suomen": ("Finlands", "Finnish"),
    "Saaristo": ("Skärgårdens", "Archipelago"),
    "Järvi-Suomen": ("Insjöfinlands", "Lakeland"),
}


def org_tokens(name: str) -> frozenset[str]:
    """The words that say which organisation a name means: case, diacritics, punctuation,
    word order, the legal form and `&`/`ja` ignored (coarser than any matcher needs, so that
    a name unique by it is unique by any sensible comparison)."""
    folded = plain_letters(name.casefold())
    return frozenset(t for t in re.split(r"[^a-z0-9]+", folded) if t and t not in _FORM_WORDS)


def org_key(name: str) -> str:
    return " ".join(sorted(org_tokens(name)))


def org_name_parts(name: str) -> tuple[list[str], str, str]:
    """(distinctive words, industry word or '', legal form or '') of a register name."""
    words = name.split()
    form = words.pop() if words and words[-1] in LEGAL_FORMS else ""
    industry = words.pop() if words and words[-1] in INDUSTRY_WORDS else ""
    return words, industry, form


def _parallel(name: str, language: int) -> str | None:
    """A Swedish (0) or English (1) parallel name, or None where the form has none."""
    head, industry, form = org_name_parts(name)
    forms = _ENGLISH_FORMS if language else _SWEDISH_FORMS
    if form not in forms or not head:
        return None
    joined = " ".join(head)
    head_text = PLACE_NAMES[joined][language] if joined in PLACE_NAMES else joined
    head_text = head_text.replace(" ja ", " & ")
    words = [head_text]
    if industry:
        words.append(INDUSTRY_WORDS[industry][language])
    return " ".join([*words, forms[form]])


def _trade_name(rng: random.Random, name: str) -> str | None:
    """A trade name (aputoiminimi) of the kinds Finnish firms register: `Sähkö-Virtanen`,
    `Virtanen-palvelut`, `VK-Rakennus`."""
    head, industry, _ = org_name_parts(name)
    if len(head) != 1 or head[0] in PLACE_NAMES or not industry:
        return None
    surnames = head[0].split("-")
    if len(surnames) == 2:
        return f"{surnames[0][0]}{surnames[1][0]}-{industry}"
    if rng.random() < 0.6 and len(industry) <= 9 and industry != "LVI":
        return f"{industry}-{head[0]}"
    return f"{head[0]}-palvelut"


def aux_name_candidates(rng: random.Random, name: str) -> list[str]:
    """Other names the register may hold for an organisation, most likely first: the
    Swedish parallel name, a trade name, the English name; sometimes two of them."""
    kinds = [
        _parallel(name, 0) if rng.random() < 0.5 else None,
        _trade_name(rng, name) if rng.random() < 0.5 else None,
        _parallel(name, 1) if rng.random() < 0.35 else None,
    ]
    found = [k for k in kinds if k]
    if not found:  # at least one where the name allows any
        found = [k for k in (_parallel(name, 0), _trade_name(rng, name)) if k][:1]
    return found[:2] if rng.random() < 0.25 else found[:1]


def shortened_org_name(name: str) -> str | None:
    """The name without its generic industry word: `Virtanen Rakennus Oy` -> `Virtanen Oy`."""
    head, industry, form = org_name_parts(name)
    if not industry or not head:
        return None
    return " ".join([*head, form]) if form else " ".join(head)


def spelled_legal_form(name: str) -> str | None:
    head, industry, form = org_name_parts(name)
    if form not in SPELLED_LEGAL_FORMS:
        return None
    return " ".join([*head, *([industry] if industry else []), SPELLED_LEGAL_FORMS[form]])


def ampersand_swapped(name: str) -> str | None:
    """`Virtanen & Korhonen Oy` <-> `Virtanen ja Korhonen Oy`."""
    if " & " in name:
        return name.replace(" & ", " ja ", 1)
    if " ja " in name:
        return name.replace(" ja ", " & ", 1)
    return None


def org_name_typo(rng: random.Random, name: str) -> str | None:
    """The name with one wrong letter in its longest distinctive word (never in the legal
    form)."""
    head, industry, _ = org_name_parts(name)
    words = [w for part in head for w in part.split("-") if len(w) >= 4]
    if industry and len(industry) >= 4:
        words.append(industry)
    if not words:
        return None
    word = max(words, key=len)
    wrong = typo(rng, word)
    return name.replace(word, wrong, 1)
