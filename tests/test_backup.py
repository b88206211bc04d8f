"""Backup and restore: `manage.py backup FILE` writes the whole knowledge base to one
portable file, `manage.py restore FILE` loads it into an empty database, SQLite or
PostgreSQL, and the round trip loses nothing: every row of every table, history, users
and the admin log included, compared column by column."""

import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from claims.models import Claim
from operations.backup import FORMAT, database_counts, read_backup
from operations.models import SiteVersion
from tests.factories import make_claim, make_claim_citation, make_denial, make_quantity

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO = REPO_ROOT / "claims" / "data" / "seed_story.yaml"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SKIPPED_APPS = {"contenttypes", "sessions"}  # rebuilt by migrate / not backed up


# --- a canonical picture of a whole database ----------------------------------------------


def _plain(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def snapshot() -> dict:
    """Every row of every table but content types, permissions and sessions, as plain
    JSON values, with references to content types and permissions by natural key (their
    ids differ between databases) and the ids of auto-created many-to-many rows left out.
    Derived tables (search documents) by their keys only: each engine builds its own form."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in SKIPPED_APPS or meta.label_lower == "auth.permission" or meta.proxy:
            continue
        if meta.label_lower == "operations.siteversion":  # not in a backup: a restore raises it
            continue
        natural = {}
        for field in meta.concrete_fields:
            target = getattr(field, "related_model", None)
            if target is ContentType:
                natural[field.attname] = {ct.pk: list(ct.natural_key()) for ct in ContentType.objects.all()}
            elif target is Permission:
                natural[field.attname] = {p.pk: list(p.natural_key()) for p in Permission.objects.all()}
        if hasattr(model, "derived_rebuild"):  # rebuilt after a restore, in each engine's own form
            tables[meta.label_lower] = sorted(model._base_manager.values_list("pk", flat=True))
            continue
        rows = []
        for row in model._base_manager.values(*[f.attname for f in meta.concrete_fields]):
            if meta.auto_created:
                row.pop(meta.pk.attname)
            rows.append({k: natural[k].get(v, v) if k in natural else _plain(v) for k, v in row.items()})
        tables[meta.label_lower] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return tables


SNAPSHOT_CODE = (
    "import django, json; django.setup(); from tests.test_backup import snapshot; "
    "print(json.dumps(snapshot(), sort_keys=True, default=str))"
)
POPULATE_CODE = """
import django; django.setup()
from django.contrib.admin.models import LogEntry, CHANGE
from django.contrib.auth.models import Group, Permission, User
from claims.models import Claim, ClaimLink
analyst = User.objects.get(username="analyst")
analyst.first_name = "Ana Lyst — 분석가"
analyst.save()
analyst.user_permissions.add(Permission.objects.get(codename="view_claim"))
claim = Claim.objects.order_by("pk").first()
claim.notes = "Edited after the import: “quotes”, emoji 🧨, NUL-free."
claim.save()
ClaimLink.objects.order_by("pk").first().delete()
LogEntry.objects.log_actions(user_id=analyst.pk, queryset=[claim], action_flag=CHANGE, change_message="notes")
"""


# --- in process: the command's rules -----------------------------------------------------


@pytest.fixture
def story(db, django_user_model):
    claim = make_claim(proposition="Seoul says Pyongyang shipped “more than a million” shells 🧨")
    make_quantity(claim=claim, low=Decimal("1000000.5"))
    make_claim_citation(claim=claim)
    make_denial(claims=[claim])
    user = django_user_model.objects.create_user("analyst", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="analyst"))
    LogEntry.objects.log_actions(user_id=user.pk, queryset=[claim], action_flag=ADDITION, change_message="added")
    return claim


def test_backup_is_one_gzip_json_file_readable_only_by_its_owner(story, tmp_path):
    path = tmp_path / "kb.json.gz"

    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115

    envelope = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    assert envelope["format"] == FORMAT
    assert envelope["version"] == 1
    assert envelope["counts"]["claims.claim"] == 1
    assert envelope["counts"]["auth.user"] == 1
    assert envelope["counts"]["admin.logentry"] == 1
    assert envelope["counts"]["auth.group.permissions"] > 10
    assert {"auth.permission", "contenttypes.contenttype", "sessions.session"}.isdisjoint(envelope["counts"])
    entry = next(o for o in envelope["objects"] if o["model"] == "admin.logentry")
    assert entry["fields"]["content_type"] == ["claims", "claim"]  # by natural key
    assert path.stat().st_mode & 0o077 == 0
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_restore_replaces_everything_with_the_backup(story, tmp_path):
    path = tmp_path / "kb.json.gz"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = snapshot()
    story.proposition = "Changed after the backup."
    story.save()
    make_claim()

    version = SiteVersion.objects.get().version
    call_command("restore", str(path), "--replace", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert snapshot() == before
    assert SiteVersion.objects.get().version > version  # every public answer's validator changes


def test_restore_refuses_a_database_holding_data_and_changes_nothing(story, tmp_path):
    path = tmp_path / "kb.json.gz"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    make_claim()
    before = snapshot()

    with pytest.raises(CommandError, match="already holds data .*auth.user.*claims.claim.*--replace"):
        call_command("restore", str(path))

    assert snapshot() == before


def test_restore_of_a_backup_that_does_not_load_keeps_the_database_as_it_was(story, tmp_path):
    path = tmp_path / "kb.json.gz"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    envelope = read_backup(path)
    citation = next(o for o in envelope["objects"] if o["model"] == "claims.claimcitation")
    citation["fields"]["source"] = 999_999  # a source the backup does not hold
    path.write_bytes(gzip.compress(json.dumps(envelope).encode()))
    before = snapshot()

    with pytest.raises(CommandError, match="Nothing was restored.*could not be loaded"):
        call_command("restore", str(path), "--replace")

    assert snapshot() == before


def test_restore_refuses_a_backup_taken_at_other_migrations_naming_them(story, tmp_path):
    path = tmp_path / "kb.json.gz"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    envelope = read_backup(path)
    envelope["migrations"].append(["claims", "9999_from_the_future"])
    path.write_bytes(gzip.compress(json.dumps(envelope).encode()))

    with pytest.raises(CommandError) as excinfo:
        call_command("restore", str(path), "--replace")

    message = str(excinfo.value)
    assert "different migrations" in message
    assert "claims.9999_from_the_future" in message
    assert "manage.py migrate claims 9999_from_the_future" in message
    assert Claim.objects.get() == story


@pytest.mark.parametrize(
    ("content", "explained"),
    [
        (b"not gzip at all", "not a backup file"),
        (gzip.compress(b"{not json"), "not a backup file"),
        (gzip.compress(b"[]"), "not a backup file"),
        (gzip.compress(json.dumps({"format": "something-else"}).encode()), "not a backup file"),
        (gzip.compress(json.dumps({"format": FORMAT, "version": 99}).encode()), "format version 99"),
        (gzip.compress(json.dumps({"format": FORMAT, "version": 1, "objects": {}}).encode()), "damaged"),
        (gzip.compress(b"\xff\xfe"), "not a backup file"),
    ],
    ids=["not-gzip", "not-json", "a-list", "other-format", "newer-version", "damaged", "not-utf8"],
)
def test_restore_refuses_a_file_that_is_not_a_backup(story, tmp_path, content, explained):
    path = tmp_path / "kb.json.gz"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=explained):
        call_command("restore", str(path), "--replace")

    assert Claim.objects.get() == story


def test_restore_of_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nowhere.json.gz"))


def test_backup_to_a_folder_that_does_not_exist_fails_cleanly(story, tmp_path):
    with pytest.raises(CommandError, match="no backup written"):
        call_command("backup", str(tmp_path / "missing" / "kb.json.gz"))


def test_database_counts_match_the_backup_counts(story, tmp_path):
    path = tmp_path / "kb.json.gz"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert database_counts() == read_backup(path)["counts"]


# --- the round trip between engines, in separate processes ----------------------------------


def manage(database_url: str, *args: str, code: str | None = None) -> str:
    """Run manage.py (or Python code) against one database, as an operator would."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(DATABASE_URL=database_url, DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args or 'code'} on {database_url}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def take_snapshot(database_url: str) -> dict:
    return json.loads(manage(database_url, code=SNAPSHOT_CODE))


def postgres_problem() -> str:
    """Why PostgreSQL cannot be used, or "" when it can."""
    try:
        import psycopg

        psycopg.connect(POSTGRES_SERVER, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL is unreachable at 127.0.0.1:5432 ({exc})"
    return ""


def postgres_or_skip():
    if problem := postgres_problem():
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(f"{problem}: the PostgreSQL legs of the round trip need it.")


@pytest.fixture(scope="module")
def postgres_database():
    postgres_or_skip()
    import psycopg

    name = f"claims_backup_rt_{os.getpid()}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def demo_on_sqlite(tmp_path_factory):
    """The demo data on a fresh SQLite file, with users, group membership, an edit, a
    deletion (history rows) and an admin log entry; its snapshot and its backup."""
    folder = tmp_path_factory.mktemp("backup")
    manage(f"sqlite:///{folder / 'empty.sqlite3'}", "migrate", "--noinput")
    shutil.copy(folder / "empty.sqlite3", folder / "source.sqlite3")
    url = f"sqlite:///{folder / 'source.sqlite3'}"
    manage(url, "import_claims", str(DEMO))
    manage(url, "create_demo_users")
    manage(url, code=POPULATE_CODE)
    backup = folder / "from-sqlite.json.gz"
    manage(url, "backup", str(backup))
    return {"folder": folder, "url": url, "snapshot": take_snapshot(url), "backup": backup}


def test_demo_snapshot_holds_every_kind_of_row(demo_on_sqlite):
    tables = {label: rows for label, rows in demo_on_sqlite["snapshot"].items() if rows}

    for label in ("claims.claim", "claims.denial", "sources.source", "auth.user", "auth.group", "admin.logentry"):
        assert label in tables, label
    # One search document per claim and per denial: a restore rebuilds them (not backed up).
    assert tables["claims.claimsearchdocument"] == sorted(row["id"] for row in tables["claims.claim"])
    assert tables["claims.denialsearchdocument"] == sorted(row["id"] for row in tables["claims.denial"])
    assert "auth.user_groups" in tables and "auth.user_user_permissions" in tables
    assert "auth.group_permissions" in tables
    if apps.is_installed("simple_history"):
        assert any(label.startswith("history.") for label in tables), "no history rows to carry over"


def test_round_trip_sqlite_to_postgresql_to_sqlite_loses_nothing(demo_on_sqlite, postgres_database):
    source = demo_on_sqlite

    manage(postgres_database, "migrate", "--noinput")
    manage(postgres_database, "restore", str(source["backup"]))
    on_postgres = take_snapshot(postgres_database)
    assert on_postgres == source["snapshot"]

    again = source["folder"] / "from-postgres.json.gz"
    manage(postgres_database, "backup", str(again))
    shutil.copy(source["folder"] / "empty.sqlite3", source["folder"] / "target.sqlite3")  # migrated, empty
    target = f"sqlite:///{source['folder'] / 'target.sqlite3'}"
    manage(target, "restore", str(again))
    assert take_snapshot(target) == source["snapshot"]

    # PostgreSQL's sequences were moved past the restored ids: new rows can be added.
    manage(postgres_database, code=NEW_ROWS_CODE)


NEW_ROWS_CODE = """
import django; django.setup()
from django.contrib.auth.models import User
from claims.models import Claim, Topic
topic = Topic.objects.create(name="After the restore", slug="after-the-restore")
claim = Claim.objects.create(slug="after-the-restore", proposition="Added after the restore.")
claim.topics.add(topic)
User.objects.create_user("newcomer")
"""


def test_round_trip_sqlite_to_sqlite_when_postgresql_is_unreachable(demo_on_sqlite):
    """The round trip without PostgreSQL, so a round trip is shown wherever the suite runs."""
    if not postgres_problem():
        pytest.skip("PostgreSQL is reachable: the round trip through it covers SQLite too.")
    shutil.copy(demo_on_sqlite["folder"] / "empty.sqlite3", demo_on_sqlite["folder"] / "sqlite-only.sqlite3")
    target = f"sqlite:///{demo_on_sqlite['folder'] / 'sqlite-only.sqlite3'}"
    manage(target, "restore", str(demo_on_sqlite["backup"]))

    assert take_snapshot(target) == demo_on_sqlite["snapshot"]
    manage(target, code=NEW_ROWS_CODE)
