"""Person names with Finland's real skew, and the short forms people go by.

Surnames: Faker's `fi_FI` pool with its own population weights (Korhonen, Virtanen,
Mäkinen, Nieminen ... each about 1 % of people), so that namesakes across organisations
are as common as they are in a real register. First names: Faker's pool, with the names
that working-age Finns actually go by weighted up (Faker's weights count every given
name, so second names such as Juhani and Olavi lead them); Faker's weights pick second
given names. A small Finland-Swedish share. Only Faker's synthetic pools and the short
forms below; no real person's data.
"""

from __future__ import annotations

import random
from itertools import accumulate

from faker.providers.person.fi_FI import Provider as _Fi

# Names working-age Finns go by, most common first (first names used, not registered).
_USED_MALE = [
    "Juha",
    "Timo",
    "Matti",
    "Kari",
    "Mikko",
    "Jari",
    "Antti",
    "Jukka",
    "Mika",
    "Markku",
    "Pekka",
    "Hannu",
    "Heikki",
    "Janne",
    "Sami",
    "Petri",
    "Marko",
    "Tuomas",
    "Ville",
    "Jussi",
    "Tero",
    "Harri",
    "Kimmo",
    "Ari",
    "Seppo",
    "Pasi",
    "Jarmo",
    "Juho",
    "Lauri",
    "Olli",
]
_USED_FEMALE = [
    "Anne",
    "Päivi",
    "Tuula",
    "Minna",
    "Sari",
    "Tiina",
    "Marja",
    "Leena",
    "Riitta",
    "Pirjo",
    "Merja",
    "Anna",
    "Johanna",
    "Satu",
    "Hanna",
    "Katja",
    "Kirsi",
    "Laura",
    "Outi",
    "Susanna",
    "Sanna",
    "Heidi",
    "Jaana",
    "Tarja",
    "Elina",
    "Maria",
    "Kaisa",
    "Niina",
]
# Finland-Swedish given names and surnames (a few per cent of people).
SWEDISH_MALE = [
    "Johan",
    "Mikael",
    "Fredrik",
    "Joakim",
    "Henrik",
    "Anders",
    "Lars",
    "Karl",
    "Erik",
    "Patrik",
    "Jan",
    "Magnus",
    "Nils",
]
SWEDISH_FEMALE = [
    "Kristina",
    "Christina",
    "Charlotta",
    "Annika",
    "Birgitta",
    "Johanna",
    "Maria",
    "Katarina",
    "Ulrika",
    "Linda",
]
SWEDISH_SURNAMES = [
    "Lindholm",
    "Lindqvist",
    "Nyström",
    "Holmström",
    "Lindroos",
    "Sjöberg",
    "Forsman",
    "Öhman",
    "Westerlund",
    "Backman",
    "Eriksson",
    "Johansson",
    "Karlsson",
    "Nyman",
    "Lindström",
    "Grönroos",
    "Åberg",
    "Sundström",
    "Blomqvist",
    "Strömberg",
]

# Official (register) first name -> short forms or pet names its bearer goes by. Finnish
# hypocoristics, Finnish forms of international names, Finland-Swedish pet names.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Johannes": ("Juha", "Jussi", "Hannes", "Jukka", "Janne"),
    "Juhani": ("Jussi", "Juha"),
    "Juho": ("Jussi",),
    "Johan": ("Janne", "Jussi"),
    "Jan": ("Janne",),
    "Aleksanteri": ("Aleksi", "Santeri", "Ale"),
    "Aleksi": ("Ale",),
    "Mikael": ("Mika", "Mikko", "Micke"),
    "Mikko": ("Mikke",),
    "Matias": ("Matti",),
    "Matti": ("Masa",),
    "Tapani": ("Tapsa",),
    "Tapio": ("Tapsa",),
    "Henrik": ("Henkka", "Henke"),
    "Heikki": ("Hessu",),
    "Olavi": ("Olli",),
    "Oskari": ("Osku",),
    "Kaarlo": ("Kalle",),
    "Karl": ("Kalle",),
    "Vilhelm": ("Ville",),
    "Viljami": ("Ville",),
    "Samuli": ("Samu", "Sami"),
    "Samuel": ("Samu", "Sami"),
    "Sakari": ("Sakke",),
    "Jaakko": ("Jaska",),
    "Lauri": ("Lassi",),
    "Lars": ("Lasse",),
    "Tuomas": ("Tommi",),
    "Petteri": ("Pete",),
    "Petri": ("Pete",),
    "Pekka": ("Pekku",),
    "Antero": ("Antti",),
    "Artturi": ("Arttu",),
    "Valtteri": ("Valtsu",),
    "Kristian": ("Krisu",),
    "Joakim": ("Jocke",),
    "Fredrik": ("Fredde",),
    "Patrik": ("Patte",),
    "Magnus": ("Manne",),
    "Erik": ("Erkki",),
    "Timoteus": ("Timo",),
    "Topias": ("Topi",),
    "Markus": ("Makke",),
    "Katariina": ("Kati", "Katri", "Kaisa", "Katja"),
    "Katarina": ("Kaja", "Kata"),
    "Elisabet": ("Liisa", "Elisa", "Lisa"),
    "Kristiina": ("Kirsi", "Tiina", "Stiina"),
    "Kristina": ("Stina", "Kicki", "Tiina"),
    "Christina": ("Stina", "Kicki"),
    "Margareta": ("Maarit", "Reetta", "Marketta"),
    "Susanna": ("Sanna", "Susu"),
    "Johanna": ("Hanna", "Jonna"),
    "Helena": ("Leena", "Heli", "Elina"),
    "Emilia": ("Emmi", "Milla"),
    "Maria": ("Maija", "Mari", "Mia"),
    "Anniina": ("Anni",),
    "Annikki": ("Anni",),
    "Annika": ("Anni",),
    "Aleksandra": ("Sandra",),
    "Marjatta": ("Marja",),
    "Tuulikki": ("Tuuli",),
    "Birgitta": ("Pirkko", "Pirjo", "Britta"),
    "Charlotta": ("Lotta",),
    "Eveliina": ("Eve",),
    "Karoliina": ("Karo", "Liina"),
    "Kaarina": ("Kaija", "Kaisu"),
    "Riitta": ("Ripa",),
    "Päivi": ("Päikki",),
    "Ulrika": ("Ulla",),
}


def _weights(
    pool: dict[str, float], used: list[str], share: float
) -> tuple[list[str], list[float]]:
    """`pool`'s names with `used` boosted so that they take `share` of the draws, in the
    order of `used` (the first about three times the last)."""
    names = list(pool)
    # Faker's weights count every given name: cap the typical second names (Juhani,
    # Olavi, Maria) so that they do not lead the names people go by.
    pool = {n: min(w, 0.006) for n, w in pool.items()}
    base_total = sum(pool.values())
    boosts = {name: 3.0 - 2.0 * i / max(1, len(used) - 1) for i, name in enumerate(used)}
    boost_total = sum(boosts.values())
    scale = share / (1 - share) * base_total / boost_total
    weights = [pool[n] + boosts.get(n, 0.0) * scale for n in names]
    return names, weights


class NamePool:
    """Draws names quickly (cumulative weights, one random number each)."""

    def __init__(self) -> None:
        extra_m = {n: 0.001 for n in (*SWEDISH_MALE, *NICKNAMES) if n not in _Fi.first_names_male}
        male_pool = {**dict(_Fi.first_names_male), **{n: w for n, w in extra_m.items() if _male(n)}}
        female_pool = {**dict(_Fi.first_names_female)}
        for n in (*SWEDISH_FEMALE, *NICKNAMES):
            if not _male(n) and n not in female_pool and n not in male_pool:
                female_pool[n] = 0.001
        self.male, male_w = _weights(male_pool, _USED_MALE, 0.45)
        self.female, female_w = _weights(female_pool, _USED_FEMALE, 0.45)
        self._male_cum = list(accumulate(male_w))
        self._female_cum = list(accumulate(female_w))
        # Second given names: Faker's own weights (Juhani, Olavi, Maria, Helena lead).
        self.second_male = list(_Fi.first_names_male)
        self._second_male_cum = list(accumulate(_Fi.first_names_male.values()))
        self.second_female = list(_Fi.first_names_female)
        self._second_female_cum = list(accumulate(_Fi.first_names_female.values()))
        self.surnames = list(_Fi.last_names)
        self._surname_cum = list(accumulate(_Fi.last_names.values()))
        self.male_set = frozenset(self.male)
        self.female_set = frozenset(self.female)

    def first(self, rng: random.Random, male: bool) -> str:
        if male:
            return rng.choices(self.male, cum_weights=self._male_cum)[0]
        return rng.choices(self.female, cum_weights=self._female_cum)[0]

    def second(self, rng: random.Random, male: bool) -> str:
        if male:
            return rng.choices(self.second_male, cum_weights=self._second_male_cum)[0]
        return rng.choices(self.second_female, cum_weights=self._second_female_cum)[0]

    def surname(self, rng: random.Random) -> str:
        return rng.choices(self.surnames, cum_weights=self._surname_cum)[0]

    def swedish(self, rng: random.Random, male: bool) -> tuple[str, str]:
        first = rng.choice(SWEDISH_MALE if male else SWEDISH_FEMALE)
        return first, rng.choice(SWEDISH_SURNAMES)

    def all_names(self) -> frozenset[str]:
        """Every name token the generator may write for a person."""
        short = {s for forms in NICKNAMES.values() for s in forms}
        return frozenset(
            {
                *self.male,
                *self.female,
                *self.surnames,
                *SWEDISH_SURNAMES,
                *short,
                *NICKNAMES,
            }
        )


_MALE_EXTRA = frozenset(
    {
        *SWEDISH_MALE,
        *[
            "Johannes",
            "Juhani",
            "Juho",
            "Johan",
            "Jan",
            "Aleksanteri",
            "Aleksi",
            "Mikael",
            "Mikko",
            "Matias",
            "Matti",
            "Tapani",
            "Tapio",
            "Henrik",
            "Heikki",
            "Olavi",
            "Oskari",
            "Kaarlo",
            "Karl",
            "Vilhelm",
            "Viljami",
            "Samuli",
            "Samuel",
            "Sakari",
            "Jaakko",
            "Lauri",
            "Lars",
            "Tuomas",
            "Petteri",
            "Petri",
            "Pekka",
            "Antero",
            "Artturi",
            "Valtteri",
            "Kristian",
            "Joakim",
            "Fredrik",
            "Patrik",
            "Magnus",
            "Erik",
            "Timoteus",
            "Topias",
            "Markus",
        ],
    }
)


def _male(name: str) -> bool:
    return name in _Fi.first_names_male or name in _MALE_EXTRA


def short_forms(first: str) -> tuple[str, ...]:
    return NICKNAMES.get(first, ())


def long_forms(first: str) -> tuple[str, ...]:
    return tuple(long for long, shorts in NICKNAMES.items() if first in shorts)
