from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from django.db.backends.signals import connection_created

        from operations import checks, database, throttle  # noqa: F401 (checks registers them)

        throttle.connect_signals()
        connection_created.connect(database.log_server_notices, dispatch_uid="operations.log_server_notices")
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="operations.create_cache_table")
        post_migrate.connect(bump_site_version, sender=self, dispatch_uid="operations.bump_site_version")


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    """`migrate` also creates the database cache's table (CACHE_URL=db://...), so a
    deployment cannot forget it: login protection and the rate limits count there (in development;
    production uses Redis, see operations/checks.py)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))


def bump_site_version(sender, using="default", **kwargs):
    """`migrate` raises the site's change counter: a release may change every page
    without changing a row, and must not be answered 304 with the old one."""
    from django.db import router

    from operations.http_cache import bump_site_version as bump
    from operations.models import SiteVersion

    if router.allow_migrate_model(using, SiteVersion):
        bump(using)
