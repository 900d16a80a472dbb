"""On PostgreSQL, trigram indexes make substring search on normalised names fast at 250,000
cooperatives; SQLite (the embedded default, a few thousand rows) scans instead."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_cooperative_name_key_trgm ON registry_cooperative USING gin (name_key gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS registry_cooperative_name_key_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
