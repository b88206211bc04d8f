from django.core.management.base import BaseCommand, CommandError

from claims.importer import ImportFailed, import_data, read_file


class Command(BaseCommand):
    help = (
        "Load outlets, sources, actors, topics, materiel, claims and denials from a YAML or JSON file "
        "(format: docs/import-format.md). All or nothing; loading the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import, e.g. claims/data/seed_story.yaml.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")

    def handle(self, *, path, dry_run, **options):
        try:
            counts = import_data(read_file(path), dry_run=dry_run)
        except ImportFailed as exc:
            raise CommandError(f"{path}: nothing was imported. {exc}") from None
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no records"
        verb = "would import" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"{path}: {verb} {summary}."))
