"""Delete the snapshots of recall "now": their figures are not mastery at a horizon, and the next refresh writes new ones.

Snapshots are derived from the study logs; nothing is lost. This runs alone, before the
schema change, so PostgreSQL has no pending foreign-key checks when the tables change.
"""

from django.db import migrations


def forget_snapshots(apps, schema_editor):
    apps.get_model("dashboards", "CohortSnapshot").objects.all().delete()
    apps.get_model("dashboards", "RecallSnapshot").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0001_recall_and_cohort_snapshots"),
    ]

    operations = [
        migrations.RunPython(forget_snapshots, migrations.RunPython.noop),
    ]
