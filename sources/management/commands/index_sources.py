import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from sources.intake.signatures import rebuild_all_bands


class Command(BaseCommand):
    help = (
        "Rebuild the signature bands of every source's text, which intake searches for copies (after rows "
        "were loaded without saves, e.g. by COPY). Saves keep them current on their own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to rebuild them in.")

    def handle(self, *, database, **options):
        started = time.monotonic()
        indexed = rebuild_all_bands(database)
        self.stdout.write(f"{indexed:,} sources with a text indexed in {time.monotonic() - started:.1f} s")
