"""Loading the counties, municipalities and offices shipped in `org/data/`.

Called from the data migration with the historical models, so it takes the model classes as
arguments. Rows are updated in place by their codes: loading twice changes nothing.
"""

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

# Municipalities whose official SSB name puts a Sámi or Kven form first.
NORWEGIAN_NAMES = {
    "1826": "Hattfjelldal",
    "1875": "Hamarøy",
    "5041": "Snåsa",
    "5043": "Røyrvik",
    "5512": "Tjeldsund",
    "5518": "Lavangen",
    "5540": "Kåfjord",
    "5610": "Karasjok",
    "5612": "Kautokeino",
    "5628": "Tana",
    "5636": "Nesseby",
}


def norwegian_name(number: str, official_name: str) -> str:
    return NORWEGIAN_NAMES.get(number, official_name.split(" - ")[0])


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_reference_data(County: Any, Municipality: Any, Office: Any) -> None:
    for row in _rows("fylker.csv"):
        County.objects.update_or_create(
            number=row["fylkesnummer"], defaults={"name": row["fylkesnavn"]}
        )
    for row in _rows("kommuner.csv"):
        Municipality.objects.update_or_create(
            number=row["kommunenummer"],
            defaults={
                "name": row["kommunenavn"],
                "norwegian_name": norwegian_name(row["kommunenummer"], row["kommunenavn"]),
                "county_id": row["fylkesnummer"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "population": int(row["folketall"]),
            },
        )
    for row in _rows("nav_kontorer.csv"):
        office, _ = Office.objects.update_or_create(
            number=row["enhetsnummer"],
            defaults={"name": row["navn"], "county_id": row["fylkesnummer"]},
        )
        office.municipalities.set(row["kommunenumre"].split(";"))
