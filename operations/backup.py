"""Backup and restore of the whole knowledge base as one portable file.

The file is gzip-compressed JSON (UTF-8):

    {"format": "claims-kb-backup", "version": 1, "created": "...", "django": "6.1.3",
     "database": "postgresql", "migrations": [[app, name], ...],
     "counts": {"claims.claim": 12, "claims.claim.topics": 14, ...},
     "objects": [ ...Django's JSON serialization... ]}

"objects" is Django's JSON serialization of every row of every installed model but
content types, permissions and sessions: curated records, their history, users and
groups, the admin's log. It is what `manage.py dumpdata --all --natural-foreign` writes,
in the same order, but with times to the microsecond (dumpdata keeps milliseconds).
Content types and permissions are rebuilt by `migrate`, with other ids in another
database, so the rows that refer to them (group permissions, admin log entries) name
them by natural key; sessions are not worth keeping. Every other row keeps its primary key, so links and URLs survive.
Nothing in it depends on the database engine: a backup taken from SQLite restores into
PostgreSQL and the other way round.

Derived tables are not backed up: a model with a `derived_rebuild` attribute (the
dotted path of a function taking the database alias, such as the search documents of
claims/search_documents.py) is rebuilt by that function once the rows are loaded.

Restore loads into a database migrated to the same migrations as the backup (it names
the ones that differ), in one transaction: it clears the tables it restores, loads the
rows with Django's loaddata (which resets PostgreSQL's sequences), checks every count
against the backup's, and commits only if all of it succeeded.
"""

import datetime as dt
import gzip
import io
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import django
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.module_loading import import_string

from history.tracking import history_paused
from operations.http_cache import bump_site_version

FORMAT = "claims-kb-backup"
VERSION = 1
# Rebuilt by `migrate` (content types, permissions, the site's change counter) or not
# worth keeping (sessions). A restore raises the counter: every public page may change.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "operations.siteversion"]
# Rows that `migrate` itself creates (the analyst and editor groups, claims/migrations/
# 0002_groups.py): a freshly migrated database holding only these counts as empty.
CREATED_BY_MIGRATE = {"auth.group"}


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why."""


def backed_up_models() -> list:
    """Every concrete model whose rows a backup holds (auto-created m2m tables go with
    the model that declares the field)."""
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label for label in EXCLUDED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in excluded_models
        and not model._meta.proxy
        and model._meta.managed
        and not hasattr(model, "derived_rebuild")
    ]


def _rebuild_derived(using: str) -> None:
    """Rebuild the derived tables (not in a backup) from the rows just restored."""
    for path in sorted({model.derived_rebuild for model in apps.get_models() if hasattr(model, "derived_rebuild")}):
        import_string(path)(using)


def _applied_migrations(using: str) -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connections[using]).applied_migrations())


def _counts(objects: list[dict]) -> Counter:
    """Rows per model, and links per many-to-many field ("app.model.field")."""
    counts = Counter()
    for obj in objects:
        counts[obj["model"]] += 1
        for field, value in obj["fields"].items():
            if isinstance(value, list) and _is_many_to_many(obj["model"], field):
                counts[f"{obj['model']}.{field}"] += len(value)
    return +counts  # no zeros


def _many_to_many(model) -> list:
    """The many-to-many fields whose links the model's own rows carry (not those
    through a model of their own, which is backed up as a model)."""
    return [f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]


def _is_many_to_many(label: str, field: str) -> bool:
    return any(f.name == field for f in _many_to_many(apps.get_model(label)))


def database_counts(using: str = DEFAULT_DB_ALIAS) -> Counter:
    """The same counts, read from the database."""
    counts = Counter()
    for model in backed_up_models():
        label = model._meta.label_lower
        counts[label] = model._base_manager.using(using).count()
        for field in _many_to_many(model):
            through = field.remote_field.through
            counts[f"{label}.{field.name}"] = through._base_manager.using(using).count()
    return +counts  # drop zeros, as a backup's counts have none


class _FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (as JavaScript reads them); a backup
    keeps every digit the database holds."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _all_rows(using: str):
    """Every row a backup holds, model by model in dumpdata's order (models referred to
    by natural key first), each model's rows in primary key order."""
    by_app = {}
    for model in backed_up_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
        yield from model._base_manager.using(using).order_by(model._meta.pk.name).iterator()


def write_backup(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the backup file (atomically: a failed backup leaves no file); return its summary."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table, so rows written meanwhile cannot half-appear.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        buffer = io.StringIO()
        serializers.serialize(
            "json", _all_rows(using), use_natural_foreign_keys=True, cls=_FullPrecisionEncoder, stream=buffer
        )
        migrations = _applied_migrations(using)
    objects = json.loads(buffer.getvalue())
    counts = _counts(objects)
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "django": django.get_version(),
        "database": connection.vendor,
        "migrations": migrations,
        "counts": dict(sorted(counts.items())),
        "objects": objects,
    }
    path = Path(path)
    # mkstemp creates the file readable by its owner only: a backup holds password hashes.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"objects": len(objects), "counts": counts, "bytes": path.stat().st_size}


def read_backup(path: str | Path) -> dict:
    try:
        with gzip.open(path, "rb") as gz:
            envelope = json.loads(gz.read().decode("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"{path}: not a backup file written by `manage.py backup` ({exc}).") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BackupError(f"{path}: not a backup file written by `manage.py backup`.")
    if envelope.get("version") != VERSION:
        raise BackupError(f"{path}: backup format version {envelope.get('version')!r}; this code reads {VERSION}.")
    for key, kind in (("migrations", list), ("counts", dict), ("objects", list)):
        if not isinstance(envelope.get(key), kind):
            raise BackupError(f"{path}: damaged backup file ({key!r} is missing or malformed).")
    return envelope


def _schema_differences(envelope: dict, using: str) -> str:
    theirs = {tuple(m) for m in envelope["migrations"]}
    ours = {tuple(m) for m in _applied_migrations(using)}
    if theirs == ours:
        return ""
    lines = []
    if missing := sorted(theirs - ours):
        lines.append("applied in the backup, not here: " + ", ".join(f"{a}.{n}" for a, n in missing))
    if extra := sorted(ours - theirs):
        lines.append("applied here, not in the backup: " + ", ".join(f"{a}.{n}" for a, n in extra))
    targets = {}
    for app, name in sorted(theirs):
        targets[app] = name  # names sort in order: 0001_..., 0002_...
    lines.append(
        "Migrate this database to the backup's state first ("
        + "; ".join(f"manage.py migrate {app} {name}" for app, name in sorted(targets.items()))
        + "), restore, then run manage.py migrate to bring it up to date."
    )
    return "\n".join(lines)


def occupied_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Models holding rows that a restore would discard (those `migrate` creates aside)."""
    return [
        model._meta.label_lower
        for model in backed_up_models()
        if model._meta.label_lower not in CREATED_BY_MIGRATE and model._base_manager.using(using).exists()
    ]


def _clear(using: str) -> None:
    """Delete every row a backup restores. Plain DELETEs in the caller's transaction:
    no model signals (no history rows for the deletion), foreign keys checked at commit."""
    connection = connections[using]
    tables = []
    for model in backed_up_models():
        tables += [f.remote_field.through._meta.db_table for f in _many_to_many(model)]
        tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names


def restore_backup(path: str | Path, *, replace: bool = False, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Load a backup into this database, all or nothing; return its summary."""
    envelope = read_backup(path)
    if problems := _schema_differences(envelope, using):
        raise BackupError(f"{path}: the backup and this database are at different migrations.\n{problems}")
    expected = Counter(envelope["counts"])
    with transaction.atomic(using=using):
        if not replace and (occupied := occupied_tables(using)):
            raise BackupError(
                "The database already holds data (" + ", ".join(occupied) + "). Restore into an empty, "
                "migrated database, or pass --replace to discard everything in it and load the backup instead."
            )
        _clear(using)
        fd, fixture = tempfile.mkstemp(suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(envelope["objects"], out, ensure_ascii=False)
            try:
                with history_paused():
                    call_command("loaddata", fixture, database=using, verbosity=0)
            except Exception as exc:  # loaddata wraps the database's and the deserializer's errors
                raise BackupError(f"{path}: the backup could not be loaded: {exc}") from exc
        finally:
            Path(fixture).unlink(missing_ok=True)
        _rebuild_derived(using)
        bump_site_version(using)
        found = database_counts(using)
        if found != expected:
            differences = sorted(
                f"{label}: {expected[label]} in the backup, {found[label]} loaded"
                for label in set(found) | set(expected)
                if found[label] != expected[label]
            )
            raise BackupError(
                f"{path}: the restore did not match the backup, nothing was kept:\n" + "\n".join(differences)
            )
    return {"objects": len(envelope["objects"]), "counts": expected, "created": envelope.get("created")}
