"""A leaner roll, ballot and vote-record schema for the hot paths at a million.

The roll's assembly foreign key loses its database constraint (deferred, it ran one trigger per
roll row at the commit of a roll freeze); Django keeps cascading the deletion of an assembly to
its roll. Single-column indexes that a composite or unique index already serves are dropped:
roll entry ``assembly_id`` and ``membership_id``, ballot ``item_id``, vote record ``item_id``;
the ballot's unique ``receipt_hash`` becomes a constraint, without the pattern-matching index
``unique=True`` brings on PostgreSQL. See docs/PERFORMANCE.md, "General assemblies".
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("assemblies", "0003_roll_without_fk_locks"),
        ("registry", "0002_trigram_search"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rollentry",
            name="assembly",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="roll",
                to="assemblies.assembly",
            ),
        ),
        migrations.AlterField(
            model_name="rollentry",
            name="membership",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="registry.membership",
            ),
        ),
        migrations.AlterField(
            model_name="ballot",
            name="item",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ballots",
                to="assemblies.agendaitem",
            ),
        ),
        # The new unique index first, so receipt hashes are never without one.
        migrations.AddConstraint(
            model_name="ballot",
            constraint=models.UniqueConstraint(fields=("receipt_hash",), name="one_ballot_per_receipt"),
        ),
        migrations.AlterField(
            model_name="ballot",
            name="receipt_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="voterecord",
            name="item",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="vote_records",
                to="assemblies.agendaitem",
            ),
        ),
    ]
