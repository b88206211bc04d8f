from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Load a file written by `manage.py backup` into this database, all or nothing. The database must be "
        "migrated to the backup's migrations and hold no data, unless --replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Discard everything the database holds (records, history, users) and load the backup in its place.",
        )

    def handle(self, *, path, replace, **options):
        try:
            summary = restore_backup(path, replace=replace)
        except BackupError as exc:
            raise CommandError(f"Nothing was restored. {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(f"{path}: restored {summary['objects']} rows (backup of {summary['created']}).")
        )
