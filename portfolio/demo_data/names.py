"""Names for generated persons, staff and providers: common Norwegian names, and a modest set
of names from the largest immigrant groups (Poland, Lithuania, Sweden, Germany, Romania within
the EEA; Somalia, Syria, Eritrea, Afghanistan, Pakistan, Iraq, Ukraine, Vietnam, Thailand and
the Philippines outside it)."""

from __future__ import annotations

import random

from org.vocabulary import CountryBackground

NORWEGIAN_MEN = (
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas",
    "Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Martin", "Erik", "Andreas", "Rune",
    "Trond", "Anders", "Tore", "Jon", "Harald", "Kristian", "Stian", "Espen", "Magnus",
    "Henrik", "Jonas", "Sindre", "Eirik", "Even", "Sander", "Mathias", "Emil", "Tobias",
    "Elias", "Jakob", "Ola", "Vegard", "Øyvind", "Håkon", "Sigurd", "Aksel", "Eivind",
    "Frode", "Roar", "Ivar",
)  # fmt: skip
NORWEGIAN_WOMEN = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Elisabeth", "Kristin",
    "Heidi", "Silje", "Hanne", "Camilla", "Tone", "Linn", "Maria", "Ingvild", "Julie",
    "Thea", "Emma", "Nora", "Sara", "Sofie", "Ingeborg", "Mari", "Kristine", "Guro",
    "Ragnhild", "Siri", "Tuva", "Vilde", "Maren", "Turid", "Gunn", "Wenche", "Lene",
    "Torill", "Hege", "Mette", "Sigrid",
)  # fmt: skip
NORWEGIAN_SURNAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen",
    "Mathisen", "Lie", "Amundsen", "Rasmussen", "Lunde", "Solheim", "Berge", "Moe", "Nygård",
    "Bakke", "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Evensen", "Sæther", "Aas",
    "Myhre", "Haugland", "Thomassen", "Sivertsen", "Aune", "Rønning", "Stene", "Hoel", "Vik",
    "Ødegård", "Brekke", "Tangen", "Aasen", "Lyngstad",
)  # fmt: skip

# (men's first names, women's first names, surnames as (men's form, women's form))
_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "polish": (
        ("Piotr", "Tomasz", "Marek", "Krzysztof", "Paweł", "Michał", "Łukasz", "Grzegorz"),
        ("Anna", "Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Ewa", "Monika", "Marta"),
        (
            ("Kowalski", "Kowalska"), ("Nowak", "Nowak"), ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
        ),
    ),
    "lithuanian": (
        ("Tomas", "Mindaugas", "Darius", "Andrius", "Jonas"),
        ("Jurgita", "Rasa", "Inga", "Laura", "Agnė"),
        (
            ("Kazlauskas", "Kazlauskienė"), ("Jankauskas", "Jankauskienė"),
            ("Petrauskas", "Petrauskienė"), ("Stankevičius", "Stankevičienė"),
        ),
    ),
    "nordic_german": (
        ("Erik", "Johan", "Markus", "Stefan", "Jens", "Niklas"),
        ("Sara", "Johanna", "Katrin", "Lena", "Frida", "Julia"),
        (
            ("Lindqvist", "Lindqvist"), ("Nyström", "Nyström"), ("Andersson", "Andersson"),
            ("Schmidt", "Schmidt"), ("Müller", "Müller"), ("Wagner", "Wagner"),
        ),
    ),
    "romanian": (
        ("Andrei", "Ionuț", "Mihai", "Florin"),
        ("Elena", "Ioana", "Maria", "Andreea"),
        (("Popescu", "Popescu"), ("Ionescu", "Ionescu"), ("Dumitru", "Dumitru")),
    ),
    "somali": (
        ("Mohamed", "Abdirahman", "Ahmed", "Abdullahi", "Hassan", "Yusuf"),
        ("Hodan", "Fadumo", "Amina", "Sahra", "Hawa", "Ifrah"),
        (
            ("Abdi", "Abdi"), ("Hassan", "Hassan"), ("Warsame", "Warsame"), ("Ali", "Ali"),
            ("Farah", "Farah"), ("Osman", "Osman"),
        ),
    ),
    "arabic": (
        ("Mohammad", "Omar", "Khaled", "Ahmad", "Mahmoud", "Karwan"),
        ("Rana", "Lina", "Nour", "Fatima", "Shirin", "Hiba"),
        (
            ("Alhassan", "Alhassan"), ("Khalil", "Khalil"), ("Haddad", "Haddad"),
            ("Ibrahim", "Ibrahim"), ("Mahmoud", "Mahmoud"), ("Aziz", "Aziz"),
        ),
    ),
    "eritrean": (
        ("Yonas", "Filmon", "Dawit", "Mehari", "Tesfalem"),
        ("Selam", "Helen", "Senait", "Luwam", "Rahwa"),
        (("Tesfay", "Tesfay"), ("Ghebremedhin", "Ghebremedhin"), ("Kidane", "Kidane"),
         ("Tekle", "Tekle")),
    ),
    "afghan_pakistani": (
        ("Ahmad", "Mohammad", "Imran", "Bilal", "Ali", "Farhad"),
        ("Zahra", "Ayesha", "Maryam", "Sana", "Fatima", "Nargis"),
        (
            ("Rahimi", "Rahimi"), ("Hosseini", "Hosseini"), ("Karimi", "Karimi"),
            ("Khan", "Khan"), ("Butt", "Butt"), ("Iqbal", "Iqbal"),
        ),
    ),
    "ukrainian": (
        ("Oleksandr", "Andrii", "Serhii", "Dmytro", "Mykola"),
        ("Olena", "Tetiana", "Iryna", "Nataliia", "Oksana"),
        (("Kovalenko", "Kovalenko"), ("Shevchenko", "Shevchenko"), ("Bondarenko", "Bondarenko"),
         ("Melnyk", "Melnyk")),
    ),
    "east_asian": (
        ("Minh", "Tuan", "Somchai", "Jose"),
        ("Linh", "Siriporn", "Maria", "Kanya"),
        (("Nguyen", "Nguyen"), ("Tran", "Tran"), ("Santos", "Santos"), ("Reyes", "Reyes")),
    ),
}  # fmt: skip

_EEA_GROUPS = (("polish", 5), ("lithuanian", 2), ("nordic_german", 2), ("romanian", 1))
_NON_EEA_GROUPS = (
    ("somali", 3),
    ("arabic", 3),
    ("eritrean", 2),
    ("afghan_pakistani", 2),
    ("ukrainian", 3),
    ("east_asian", 2),
)


def _group(rng: random.Random, groups: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in groups], [weight for _, weight in groups])[0]


def person_name(rng: random.Random, background: str, *, male: bool) -> tuple[str, str]:
    """(first name, last name). Some people born in Norway have parents from abroad."""
    if background == CountryBackground.NORGE and rng.random() >= 0.06:
        first = rng.choice(NORWEGIAN_MEN if male else NORWEGIAN_WOMEN)
        return first, rng.choice(NORWEGIAN_SURNAMES)
    pool = _EEA_GROUPS if background == CountryBackground.EOS else _NON_EEA_GROUPS
    men, women, surnames = _GROUPS[_group(rng, pool)]
    surname = rng.choice(surnames)
    return rng.choice(men if male else women), surname[0 if male else 1]


# Provider names: "<place> Vekst AS" and the like. The prefixes make names for a second
# provider in the same place.
SHELTERED_PROVIDER_PATTERNS = (
    "{place} Vekst AS",
    "{place} Arbeidssenter AS",
    "{place} Industrier AS",
    "{place} ASVO AS",
    "Attføringssenteret i {place} AS",
    "{place} Arbeid og Inkludering AS",
    "{prefix}vekst AS",
    "{prefix} Produkter AS",
    "{prefix}tun Arbeidssenter AS",
)
ORDINARY_PROVIDER_PATTERNS = (
    "{place} Kompetansesenter AS",
    "{place} Jobbsenter AS",
    "{place} Opplæring AS",
    "{prefix} Karriere AS",
    "{prefix} Kurs og Kompetanse AS",
    "Aktiv {place} AS",
    "{prefix}kompetanse AS",
    "{prefix} Rehabilitering AS",
)
PROVIDER_PREFIXES = (
    "Fjord", "Nord", "Dal", "Berg", "Elve", "Skog", "Kyst", "Midt", "Vest", "Sør", "Øst",
    "Hav", "Fjell", "Vik", "Nes", "Lia", "Sol", "Tinde", "Bru", "Mo", "Stein", "Tind",
    "Lyng", "Furu", "Bjørke", "Kvern", "Sjø", "Strand", "Ås", "Haug",
)  # fmt: skip
