"""Search by compound words, brands, activity and description.

1. ``Cooperative.search_key``: the words of the name, brands, activity and description
   (``registry.models.search_key_of``), with a trigram index on PostgreSQL for
   ``search_key LIKE '% word%'``.
2. The normaliser now writes compound words whole («دانش بنیان» = «دانش‌بنیان»), so the name keys,
   the word index and the people's name keys are recomputed. Cooperatives (250,000) are read in
   batches by primary key and only changed rows are written; people (millions) are recomputed
   only where the stored key has a space before a word the change can glue, which the database
   finds in one pass per batch.
"""

from django.db import migrations, models
from django.db.models import Q

from taavon.core.persian import COMPOUNDS, ZWNJ, key_words, normalize
from taavon.registry.models import search_key_of

BATCH = 2_000
TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS registry_cooperative_search_key_trgm "
    "ON registry_cooperative USING gin (search_key gin_trgm_ops)"
)


def _glue_candidates() -> Q:
    """Keys a new rule can change: a space before a bound suffix or inside a compound."""
    needles = {" " + suffix for suffix in ("کننده", "کنندگان", "داران", "پروری", "پروران")}
    for compound in COMPOUNDS:
        parts = compound.split(ZWNJ)
        needles |= {" " + part for part in parts[1:]}
    condition = Q()
    for needle in sorted(needles):
        condition |= Q(name_key__contains=needle)
    return condition


def recompute(apps, schema_editor):
    Cooperative = apps.get_model("registry", "Cooperative")
    CooperativeWord = apps.get_model("registry", "CooperativeWord")
    Person = apps.get_model("registry", "Person")
    db = schema_editor.connection.alias

    last = 0
    while True:
        batch = list(Cooperative.objects.using(db).filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        renamed = []
        for coop in batch:
            key = normalize(coop.name)
            if key != coop.name_key:
                coop.name_key = key
                renamed.append(coop)
            coop.search_key = search_key_of(
                name=coop.name, brands=coop.brands, activity=coop.activity, description=coop.description
            )
        Cooperative.objects.using(db).bulk_update(batch, ["name_key", "search_key"])
        if renamed:
            ids = [coop.pk for coop in renamed]
            CooperativeWord.objects.using(db).filter(cooperative_id__in=ids).delete()
            CooperativeWord.objects.using(db).bulk_create(
                [CooperativeWord(cooperative_id=c.pk, word=w, name_key=c.name_key) for c in renamed for w in key_words(c.name_key)]
            )

    candidates = Person.objects.using(db).filter(_glue_candidates())
    last = 0
    while True:
        batch = list(candidates.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        changed = []
        for person in batch:
            key = normalize(f"{person.first_name} {person.last_name}".strip())
            if key != person.name_key:
                person.name_key = key
                changed.append(person)
        Person.objects.using(db).bulk_update(changed, ["name_key"])


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM)
        schema_editor.execute("ANALYZE registry_cooperative")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_cooperative_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_import_mapping")]

    operations = [
        migrations.AddField(
            model_name="cooperative",
            name="search_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
