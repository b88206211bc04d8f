from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from claims.corpus import ForeignData, generate


class Command(BaseCommand):
    help = (
        "Replace the synthetic corpus (claims/corpus.py) by one of N claims: every model filled, "
        "a few huge topics and actors and a long tail, deterministic for a seed, no history. "
        "COPY-based on PostgreSQL. Refuses a database holding other records unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="How many claims, e.g. 100000.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same corpus (default 1).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Empty the claims, sources and history tables first, whatever they hold.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias to fill.")

    def handle(self, *, claims, seed, force, database, **options):
        if claims < 1:
            raise CommandError("--claims must be 1 or more.")
        try:
            counts = generate(claims, seed=seed, force=force, using=database, log=self.stdout.write)
        except ForeignData as exc:
            raise CommandError(f"{exc} Run with --force to empty them first.") from None
        summary = ", ".join(f"{count:,} {label}" for label, count in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Wrote {summary}."))
