"""Audit actions for sharing a child's record and ending a share (people.PersonShare), and
the opening of another force's case ("break glass"): the choices of AuditEvent.action as
the model states them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0007_apitoken_expires_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "Read"),
                    ("export", "Export"),
                    ("open_restricted", "Opened a restricted record"),
                    ("break_glass", "Opened another force's case"),
                    ("denied", "Access refused"),
                    ("share", "Shared a child's record with another organisation"),
                    ("share_ended", "Ended the sharing of a child's record"),
                ],
                max_length=24,
            ),
        ),
    ]
