from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write the whole knowledge base (curated records, their history, users, groups, the admin log) "
        "to one gzip-compressed JSON file that `manage.py restore` loads into SQLite or PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write, e.g. claims-2026-11-22.json.gz (replaced if it exists).")

    def handle(self, *, path, **options):
        try:
            summary = write_backup(path)
        except (BackupError, OSError) as exc:
            raise CommandError(f"{path}: no backup written: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(f"{path}: {summary['objects']} rows, {summary['bytes']:,} bytes. {_highlights(summary)}")
        )


def _highlights(summary) -> str:
    counts = summary["counts"]
    parts = [f"{counts[label]} {name}" for label, name in _SHOWN if counts.get(label)]
    return ", ".join(parts) + "." if parts else ""


_SHOWN = [
    ("claims.claim", "claims"),
    ("claims.denial", "denials"),
    ("sources.source", "sources"),
    ("claims.actor", "actors"),
    ("auth.user", "users"),
]
