"""Finland's regions (maakunnat) and their municipalities, as in force since 2021.

The register carries an organisation's municipality (its visiting or postal city), not
its region, so a `regions` criterion is a list of municipalities. Names are compared
folded (case and diacritics aside), so `Hameenlinna` finds `Hämeenlinna`.
"""

from __future__ import annotations

from functools import lru_cache

from matching.text import fold

REGIONS: dict[str, tuple[str, ...]] = {
    "Uusimaa": (
        "Askola", "Espoo", "Hanko", "Helsinki", "Hyvinkää", "Inkoo", "Järvenpää", "Karkkila",
        "Kauniainen", "Kerava", "Kirkkonummi", "Lapinjärvi", "Lohja", "Loviisa", "Myrskylä",
        "Mäntsälä", "Nurmijärvi", "Pornainen", "Porvoo", "Pukkila", "Raasepori", "Sipoo",
        "Siuntio", "Tuusula", "Vantaa", "Vihti",
    ),
    "Varsinais-Suomi": (
        "Aura", "Kaarina", "Kemiönsaari", "Koski Tl", "Kustavi", "Laitila", "Lieto", "Loimaa",
        "Marttila", "Masku", "Mynämäki", "Naantali", "Nousiainen", "Oripää", "Paimio",
        "Parainen", "Pyhäranta", "Pöytyä", "Raisio", "Rusko", "Salo", "Sauvo", "Somero",
        "Taivassalo", "Turku", "Uusikaupunki", "Vehmaa",
    ),
    "Satakunta": (
        "Eura", "Eurajoki", "Harjavalta", "Huittinen", "Jämijärvi", "Kankaanpää", "Karvia",
        "Kokemäki", "Merikarvia", "Nakkila", "Pomarkku", "Pori", "Rauma", "Siikainen",
        "Säkylä", "Ulvila",
        # Merged into Kankaanpää in 2021; registers still write it.
        "Honkajoki",
    ),
    "Kanta-Häme": (
        "Forssa", "Hattula", "Hausjärvi", "Humppila", "Hämeenlinna", "Janakkala", "Jokioinen",
        "Loppi", "Riihimäki", "Tammela", "Ypäjä",
    ),
    "Pirkanmaa": (
        "Akaa", "Hämeenkyrö", "Ikaalinen", "Juupajoki", "Kangasala", "Kihniö", "Kuhmoinen",
        "Lempäälä", "Mänttä-Vilppula", "Nokia", "Orivesi", "Parkano", "Pirkkala",
        "Punkalaidun", "Pälkäne", "Ruovesi", "Sastamala", "Tampere", "Urjala", "Valkeakoski",
        "Vesilahti", "Virrat", "Ylöjärvi",
    ),
    "Päijät-Häme": (
        "Asikkala", "Hartola", "Heinola", "Hollola", "Iitti", "Kärkölä", "Lahti", "Orimattila",
        "Padasjoki", "Sysmä",
    ),
    "Kymenlaakso": ("Hamina", "Kotka", "Kouvola", "Miehikkälä", "Pyhtää", "Virolahti"),
    "Etelä-Karjala": (
        "Imatra", "Lappeenranta", "Lemi", "Luumäki", "Parikkala", "Rautjärvi", "Ruokolahti",
        "Savitaipale", "Taipalsaari",
    ),
    "Etelä-Savo": (
        "Enonkoski", "Hirvensalmi", "Juva", "Kangasniemi", "Mikkeli", "Mäntyharju",
        "Pertunmaa", "Pieksämäki", "Puumala", "Rantasalmi", "Savonlinna", "Sulkava",
    ),
    "Pohjois-Savo": (
        "Iisalmi", "Joroinen", "Kaavi", "Keitele", "Kiuruvesi", "Kuopio", "Lapinlahti",
        "Leppävirta", "Pielavesi", "Rautalampi", "Rautavaara", "Siilinjärvi", "Sonkajärvi",
        "Suonenjoki", "Tervo", "Tuusniemi", "Varkaus", "Vesanto", "Vieremä",
    ),
    "Pohjois-Karjala": (
        "Heinävesi", "Ilomantsi", "Joensuu", "Juuka", "Kitee", "Kontiolahti", "Lieksa",
        "Liperi", "Nurmes", "Outokumpu", "Polvijärvi", "Rääkkylä", "Tohmajärvi", "Valtimo",
    ),
    "Keski-Suomi": (
        "Hankasalmi", "Joutsa", "Jyväskylä", "Jämsä", "Kannonkoski", "Karstula", "Keuruu",
        "Kinnula", "Kivijärvi", "Konnevesi", "Kyyjärvi", "Laukaa", "Luhanka", "Multia",
        "Muurame", "Petäjävesi", "Pihtipudas", "Saarijärvi", "Toivakka", "Uurainen",
        "Viitasaari", "Äänekoski",
    ),
    "Etelä-Pohjanmaa": (
        "Alajärvi", "Alavus", "Evijärvi", "Ilmajoki", "Isojoki", "Karijoki", "Kauhajoki",
        "Kauhava", "Kuortane", "Kurikka", "Lappajärvi", "Lapua", "Seinäjoki", "Soini",
        "Teuva", "Vimpeli", "Ähtäri",
    ),
    "Pohjanmaa": (
        "Isokyrö", "Kaskinen", "Korsnäs", "Kristiinankaupunki", "Kruunupyy", "Laihia",
        "Luoto", "Maalahti", "Mustasaari", "Närpiö", "Pedersören kunta", "Pietarsaari",
        "Uusikaarlepyy", "Vaasa", "Vöyri",
    ),
    "Keski-Pohjanmaa": (
        "Halsua", "Kannus", "Kaustinen", "Kokkola", "Lestijärvi", "Perho", "Toholampi",
        "Veteli",
    ),
    "Pohjois-Pohjanmaa": (
        "Alavieska", "Haapajärvi", "Haapavesi", "Hailuoto", "Ii", "Kalajoki", "Kempele",
        "Kuusamo", "Kärsämäki", "Liminka", "Lumijoki", "Merijärvi", "Muhos", "Nivala",
        "Oulainen", "Oulu", "Pudasjärvi", "Pyhäjoki", "Pyhäjärvi", "Pyhäntä", "Raahe",
        "Reisjärvi", "Sievi", "Siikajoki", "Siikalatva", "Taivalkoski", "Tyrnävä",
        "Utajärvi", "Vaala", "Ylivieska",
    ),
    "Kainuu": (
        "Hyrynsalmi", "Kajaani", "Kuhmo", "Paltamo", "Puolanka", "Ristijärvi", "Sotkamo",
        "Suomussalmi",
    ),
    "Lappi": (
        "Enontekiö", "Inari", "Kemi", "Kemijärvi", "Keminmaa", "Kittilä", "Kolari", "Muonio",
        "Pelkosenniemi", "Pello", "Posio", "Ranua", "Rovaniemi", "Salla", "Savukoski", "Simo",
        "Sodankylä", "Tervola", "Tornio", "Utsjoki", "Ylitornio",
    ),
    "Ahvenanmaa": (
        "Brändö", "Eckerö", "Finström", "Föglö", "Geta", "Hammarland", "Jomala", "Kumlinge",
        "Kökar", "Lemland", "Lumparland", "Maarianhamina", "Saltvik", "Sottunga", "Sund",
        "Vårdö",
    ),
}  # fmt: skip

_BY_FOLDED_REGION = {fold(name): name for name in REGIONS}
_BY_FOLDED_MUNICIPALITY = {fold(m): m for towns in REGIONS.values() for m in towns}
_REGION_OF = {fold(m): region for region, towns in REGIONS.items() for m in towns}
# Spellings seen in registers besides the municipality's own (Faker's fi_FI pool, and so
# the generated register, writes Vårdö as `Värdö`): folded alike, but SQL compares exactly.
_OTHER_SPELLINGS = {"Vårdö": ("Värdö",)}


def canonical_region(name: str) -> str | None:
    """The region's own spelling, or None where `name` names no region."""
    return _BY_FOLDED_REGION.get(fold(name))


def canonical_municipality(name: str) -> str | None:
    """The municipality's own spelling, or None where `name` names none."""
    return _BY_FOLDED_MUNICIPALITY.get(fold(name))


@lru_cache(maxsize=4096)
def region_of(city: str | None) -> str:
    """The region of a municipality as the register writes it; "" where unknown."""
    return _REGION_OF.get(fold(city), "") if city else ""


def spellings(municipalities: set[str]) -> set[str]:
    """Every spelling the register may use for these municipalities (for pushing a city
    filter down to SQL, which compares exactly); the folded check afterwards decides."""
    wanted = {fold(m) for m in municipalities}
    names = {m for m in _BY_FOLDED_MUNICIPALITY.values() if fold(m) in wanted}
    names |= set(municipalities)
    names |= {other for name in list(names) for other in _OTHER_SPELLINGS.get(name, ())}
    upper = {n.upper() for n in names}
    return names | upper


__all__ = [
    "REGIONS",
    "canonical_municipality",
    "canonical_region",
    "region_of",
    "spellings",
]
