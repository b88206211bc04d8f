"""The two curation groups, with their permissions.

analyst: view, add and change every record of the sources and claims apps; delete only
the parts of a record edited inline on its page (relay chain links, quantities,
citations, claim links, derivations, aliases); never delete a whole record, never
publish.
editor: everything, including delete and the publish_claim / publish_denial permissions.

Permissions are normally created by the post_migrate signal, after every migration has
run, so on a fresh database they do not exist yet here: create them first.
Running this again is harmless: groups are fetched or created, permissions only added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED_APPS = ("sources", "claims")
ANALYST_ACTIONS = ("view", "add", "change")
# Models an analyst edits as inlines of a larger record, so may delete rows of.
PARTS = (
    "attribution",
    "quantity",
    "claimcitation",
    "denialcitation",
    "denialotherkind",
    "citationfigure",
    "claimlink",
    "derivation",
    "actoralias",
)
PUBLISH = ("publish_claim", "publish_denial")
GROUP_NAMES = ("analyst", "editor")


def create_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in ("auth", "contenttypes", *CURATED_APPS):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    curated = list(
        Permission.objects.using(db).filter(content_type__app_label__in=CURATED_APPS).select_related("content_type")
    )

    def analyst_may(permission):
        action, _, model = permission.codename.partition("_")
        if permission.codename != f"{action}_{permission.content_type.model}":
            return False  # a custom permission such as publish_claim
        return action in ANALYST_ACTIONS or (action == "delete" and model in PARTS)

    analyst, _ = Group.objects.using(db).get_or_create(name="analyst")
    analyst.permissions.add(*[p for p in curated if analyst_may(p)])
    editor, _ = Group.objects.using(db).get_or_create(name="editor")
    editor.permissions.add(*curated)
    missing = set(PUBLISH) - {p.codename for p in curated}
    if missing:
        raise RuntimeError(f"Permissions {sorted(missing)} were not created.")


def delete_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=GROUP_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("claims", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
