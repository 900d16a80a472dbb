"""Loading the provinces and counties of Iran from the bundled data file."""

import json
from pathlib import Path

from django.db import transaction

from .models import County, Province

DATA_FILE = Path(__file__).parent / "data" / "provinces.json"


@transaction.atomic
def load_provinces(path: Path = DATA_FILE) -> int:
    """Create or update every province and county in ``path``; returns the province count.

    Idempotent: running it again changes nothing but names that were corrected in the file.
    """
    rows = json.loads(path.read_text(encoding="utf-8"))
    for row in rows:
        province, _ = Province.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fa": row["name_fa"],
                "name_en": row["name_en"],
                "population_weight": row.get("population_weight", 1),
            },
        )
        for county in row["counties"]:
            County.objects.update_or_create(
                code=county["code"],
                defaults={"province": province, "name_fa": county["name_fa"], "name_en": county["name_en"]},
            )
    return len(rows)
