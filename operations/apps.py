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


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    """`migrate` also creates the database cache's table (CACHE_URL=db://...), so a
    deployment cannot forget it: login protection and the rate limits count there (in development;
    production uses Redis, see operations/checks.py)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
