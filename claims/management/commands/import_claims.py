from django.core.management.base import BaseCommand, CommandError

from claims.importer import ImportFailed, import_data, read_file, stored_records


class Command(BaseCommand):
    help = (
        "Load outlets, sources, actors, topics, materiel, claims and denials from a YAML or JSON file "
        "(format: docs/import-format.md). All or nothing; loading the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import, e.g. claims/data/seed_story.yaml.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report, write nothing.")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Import only into a database that holds none of the file's records yet; otherwise do "
            "nothing, so edits made since in the admin are kept (make run uses it for the demo data).",
        )

    def handle(self, *, path, dry_run, if_missing, **options):
        data = read_file_or_fail(path)
        if if_missing and (held := stored_records(data)):
            self.stdout.write(
                f"{path}: not imported, the database already holds {held} of its records "
                "(run without --if-missing to update them from the file)."
            )
            return
        try:
            counts = import_data(data, dry_run=dry_run)
        except ImportFailed as exc:
            raise CommandError(f"{path}: nothing was imported. {exc}") from None
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no records"
        verb = "would import" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"{path}: {verb} {summary}."))


def read_file_or_fail(path):
    try:
        return read_file(path)
    except ImportFailed as exc:
        raise CommandError(f"{path}: nothing was imported. {exc}") from None
