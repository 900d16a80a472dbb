import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "provinces.json"


def load(apps, schema_editor):
    Province = apps.get_model("geo", "Province")
    County = apps.get_model("geo", "County")
    for row in json.loads(DATA_FILE.read_text(encoding="utf-8")):
        province, _ = Province.objects.update_or_create(
            code=row["code"],
            defaults={"name_fa": row["name_fa"], "name_en": row["name_en"], "population_weight": row.get("population_weight", 1)},
        )
        for county in row["counties"]:
            County.objects.update_or_create(
                code=county["code"], defaults={"province": province, "name_fa": county["name_fa"], "name_en": county["name_en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
