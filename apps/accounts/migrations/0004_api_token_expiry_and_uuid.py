"""API tokens get an expiry and a UUID (to revoke one from the settings page).

Tokens issued before expire MNEMO_API_TOKEN_DAYS after their creation; each gets its own UUID.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def fill_expiry_and_uuid(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.all():
        token.uuid = uuid.uuid4()
        token.expires_at = token.created_at + timedelta(days=settings.MNEMO_API_TOKEN_DAYS)
        token.save(update_fields=["uuid", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_cohort")]

    operations = [
        migrations.AddField(model_name="apitoken", name="uuid", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(fill_expiry_and_uuid, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="uuid", field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created_at", "-id"]}),
    ]
