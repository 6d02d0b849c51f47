"""API tokens expire. A token created before this migration expires 90 days after it was
created (already expired if that is in the past)."""

from datetime import timedelta

from django.db import migrations, models

EXISTING_TOKEN_DAYS = 90


def set_expiry(apps, schema_editor):
    ApiToken = apps.get_model("agencies", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=token.created_at + timedelta(days=EXISTING_TOKEN_DAYS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0006_deadline_retry_after"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(set_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
