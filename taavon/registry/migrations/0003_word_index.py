"""The public register's word index, and name keys in code-point order on PostgreSQL.

1. On PostgreSQL ``registry_cooperative.name_key`` gets collation "C". The databases use
   C.UTF-8, which already sorts by code point (as SQLite's BINARY), but PostgreSQL turns
   ``LIKE 'x%'`` / ``>= 'x' AND < 'y'`` into an index range only for an index in collation "C".
   Changing the collation alone rewrites no row; PostgreSQL rebuilds the column's indexes (the
   b-tree and the trigram GIN index of 0002). The ``varchar_pattern_ops`` index Django added for
   ``LIKE`` is then redundant and dropped.
2. ``registry_cooperativeword``: one row per distinct word of each name key (see
   ``registry.models.CooperativeWord``), ``word`` and ``name_key`` in collation "C" on PostgreSQL.
3. The rows of the cooperatives already registered, split by ``core.persian.key_words`` (the
   splitter the application uses), written in batches: ``COPY`` on PostgreSQL with the walk
   index built once afterwards, ``bulk_create`` elsewhere.
"""

from django.db import migrations, models
import django.db.models.deletion

from taavon.core.persian import key_words

BATCH = 20_000
WALK_INDEX = models.Index(fields=["word", "name_key", "cooperative"], name="registry_coopword_walk")


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def name_key_in_code_point_order(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    schema_editor.execute('ALTER TABLE registry_cooperative ALTER COLUMN name_key TYPE varchar(250) COLLATE "C"')
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_cooperative' AND indexdef LIKE %s",
            ["%(name_key varchar_pattern_ops)%"],
        )
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def name_key_back_to_default_order(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    schema_editor.execute('ALTER TABLE registry_cooperative ALTER COLUMN name_key TYPE varchar(250) COLLATE "default"')
    model = apps.get_model("registry", "Cooperative")
    like = schema_editor._create_like_index_sql(model, model._meta.get_field("name_key"))
    if like is not None:
        schema_editor.execute(like)


def words_in_code_point_order(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    for column in ("word", "name_key"):
        schema_editor.execute(
            f'ALTER TABLE registry_cooperativeword ALTER COLUMN {column} TYPE varchar(250) COLLATE "C"'
        )
    # The search estimates how many names have a word from the planner's statistics: keep many.
    schema_editor.execute("ALTER TABLE registry_cooperativeword ALTER COLUMN word SET STATISTICS 1000")


def backfill_words(apps, schema_editor):
    Cooperative = apps.get_model("registry", "Cooperative")
    CooperativeWord = apps.get_model("registry", "CooperativeWord")
    db = schema_editor.connection.alias
    postgres = _postgres(schema_editor)
    if not Cooperative.objects.using(db).exists():
        return
    if postgres:
        schema_editor.remove_index(CooperativeWord, WALK_INDEX)
    last = 0
    while True:
        batch = list(
            Cooperative.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", "name_key")[:BATCH]
        )
        if not batch:
            break
        last = batch[-1][0]
        rows = [(pk, word, key) for pk, key in batch for word in key_words(key)]
        if postgres:
            with schema_editor.connection.cursor() as cursor:
                sql = "COPY registry_cooperativeword (cooperative_id, word, name_key) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            CooperativeWord.objects.using(db).bulk_create(
                [CooperativeWord(cooperative_id=c, word=w, name_key=k) for c, w, k in rows], batch_size=2_000
            )
    if postgres:
        schema_editor.add_index(CooperativeWord, WALK_INDEX)
        schema_editor.execute("ANALYZE registry_cooperative, registry_cooperativeword")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_trigram_search"),
    ]

    operations = [
        migrations.RunPython(name_key_in_code_point_order, name_key_back_to_default_order),
        migrations.CreateModel(
            name="CooperativeWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "cooperative", "word", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("word", models.CharField(max_length=250)),
                ("name_key", models.CharField(max_length=250)),
                (
                    "cooperative",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="name_words",
                        to="registry.cooperative",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["word", "name_key", "cooperative"], name="registry_coopword_walk"),
                ],
            },
        ),
        migrations.RunPython(words_in_code_point_order, migrations.RunPython.noop),
        migrations.RunPython(backfill_words, migrations.RunPython.noop),
    ]
