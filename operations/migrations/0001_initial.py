from django.db import migrations, models
from django.utils import timezone


def create_counter(apps, schema_editor):
    apps.get_model("operations", "SiteVersion").objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"version": 1, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SiteVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "site version"},
        ),
        migrations.RunPython(create_counter, migrations.RunPython.noop, elidable=False),
    ]
