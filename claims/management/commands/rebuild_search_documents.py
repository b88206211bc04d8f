from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from claims.search_documents import rebuild_all_search_documents
from operations.http_cache import bump_site_version


class Command(BaseCommand):
    help = (
        "Rebuild the search document of every claim and denial from the records (after rows were "
        "loaded without saves, e.g. by COPY). Saves keep them current on their own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to rebuild them in.")

    def handle(self, *, database, **options):
        with transaction.atomic(using=database):
            counts = rebuild_all_search_documents(database)
            bump_site_version(database)  # search results may change: no 304 for the old ones
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rebuilt")
