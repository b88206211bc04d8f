"""Probes and the database's bad days: /healthz answers without the database, /readyz
checks the database, the cache and the migrations; with the database unreachable every
page answers 503 (a real server on a closed port); time limits on connecting and on a
web request's statements, lifted for a streamed export."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from claims.models import Claim
from operations import health
from tests.factories import make_claim
from web.export import data, records


def latest_claims_migration() -> str:
    """The newest claims migration: unrecording it leaves one migration to apply."""
    from django.db.migrations.loader import MigrationLoader

    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("claims")
    return leaf[1]


REPO_ROOT = Path(__file__).resolve().parent.parent
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")


# --- /healthz and /readyz -------------------------------------------------------------------


def test_healthz_answers_ok_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db: a query would fail the test

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "migrations": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert health._migrations_applied is True  # remembered for the life of the process


@pytest.mark.django_db
def test_readyz_answers_503_naming_unapplied_migrations(client, monkeypatch, caplog):
    monkeypatch.setattr(health, "_migrations_applied", False)
    latest = latest_claims_migration()
    MigrationRecorder(connection).record_unapplied("claims", latest)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", "migrations": "1 unapplied"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert f"1 unapplied migrations: claims.{latest}" in caplog.text
    assert health._migrations_applied is False


@pytest.mark.django_db
def test_readyz_looks_at_the_migrations_once_per_process(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    assert client.get("/readyz").status_code == 200
    MigrationRecorder(connection).record_unapplied("claims", latest_claims_migration())

    assert client.get("/readyz").status_code == 200  # a release starts new processes


@pytest.mark.django_db
def test_readyz_answers_503_when_the_cache_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(cache, "set", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed"
    assert "cache server gone" not in response.content.decode()  # the reason goes to the log only


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_readyz_reports_the_task_queue_in_one_query(client, monkeypatch):
    """With django-tasks-db's backend (production's), /readyz says how the background
    tasks' queue stands: one more query, and a late worker is reported, never a 503."""
    import datetime as dt

    from django.tasks import TaskResultStatus
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(health, "_migrations_applied", True)
    with CaptureQueriesContext(connection) as without:
        assert "tasks" not in client.get("/readyz").json()  # the suite's immediate backend: nothing to report
    with override_settings(TASKS=DATABASE_TASKS):
        with CaptureQueriesContext(connection) as with_tasks:
            response = client.get("/readyz")
        assert response.json()["tasks"] == {"waiting": 0, "oldest_waiting_seconds": 0, "worker": "ok"}
        assert len(with_tasks) == len(without) + 1

        fetch_task = "sources.intake.tasks.fetch_intake"
        waiting = DBTaskResult.objects.create(
            args_kwargs={"args": [1], "kwargs": {}},
            task_path=fetch_task,
            backend_name="default",
            run_after=timezone.now(),
        )
        DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=timezone.now() - dt.timedelta(minutes=5))
        DBTaskResult.objects.create(  # done long ago: not waiting
            args_kwargs={"args": [2], "kwargs": {}},
            task_path=fetch_task,
            backend_name="default",
            run_after=timezone.now(),
            status=TaskResultStatus.SUCCESSFUL,
        )
        response = client.get("/readyz")

    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert (tasks["waiting"], tasks["worker"]) == (1, "late")
    assert 299 < tasks["oldest_waiting_seconds"] < 400


@pytest.mark.django_db
def test_probes_answer_plain_http_when_pages_redirect_to_https(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/claims/").status_code == 301


# --- the database unreachable: a real server, pointed at a closed port ------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVE = """
import sys, wsgiref.simple_server as simple
import config.wsgi
server = simple.make_server("127.0.0.1", int(sys.argv[1]), config.wsgi.application)
server.serve_forever()
"""


def fetch(url: str, headers=None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server_without_database(tmp_path):
    """config.wsgi (the production entry point, DEBUG off) served on a free port, its
    DATABASE_URL and its cache on a port of 127.0.0.1 where nothing listens."""
    port, closed_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LOG_", "CLAIMS_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-enough-test-secret-for-the-server-subprocess",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/h2_unreachable",
        DATABASE_CONNECT_TIMEOUT="2",
        CACHE_URL="db://django_cache",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_SSL_REDIRECT="1",
        LOG_FORMAT="json",
    )
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SERVE, str(port)], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("the server did not start:\n" + log.read())
                time.sleep(0.2)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_with_the_database_unreachable_probes_tell_and_pages_answer_503(server_without_database):
    base, log = server_without_database
    https = {"X-Forwarded-Proto": "https"}  # as the TLS proxy says; the probes need no such header

    live = fetch(base + "/healthz")
    ready = fetch(base + "/readyz")
    page = fetch(base + "/claims/", https)
    api = fetch(base + "/api/claims/", https)

    assert (live[0], json.loads(live[2])) == (200, {"status": "ok"})
    assert ready[0] == 503
    assert json.loads(ready[2]) == {
        "status": "unavailable",
        "checks": {"database": "failed", "cache": "failed", "migrations": "skipped"},
    }
    assert ready[1]["Cache-Control"] == "no-store"
    status, headers, body = page
    assert status == 503
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Retry-After"] == "30"
    assert "Temporarily unavailable" in body.decode()
    assert "127.0.0.1" not in body.decode()  # nothing about the database leaks to readers
    assert api[0] == 503
    assert json.loads(api[2]) == {"detail": "Temporarily unavailable: try again in a minute."}
    assert api[1]["Retry-After"] == "30"

    log.seek(0)
    records = [json.loads(line) for line in log if line.startswith("{")]
    request_id = headers["X-Request-ID"]
    [failure] = [r for r in records if r["logger"] == "operations.database" and r["request_id"] == request_id]
    assert failure["level"] == "ERROR"
    assert failure["message"] == "Database unavailable on GET /claims/: OperationalError"
    assert "Traceback" in failure["exc_info"]
    assert "Connection refused" in failure["exc_info"]
    [access] = [r for r in records if r["logger"] == "operations.access" and r["request_id"] == request_id]
    assert (access["path"], access["status"]) == ("/claims/", 503)


# --- time limits ----------------------------------------------------------------------------


def run_django(args: list[str], **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "LOG_", "CLAIMS_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY="a-long-enough-test-secret", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def last_line(result) -> str:
    return result.stdout.splitlines()[-1]  # after any warning logged on the way


SHOW_OPTIONS = (
    "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
)


def test_connect_timeout_reaches_the_driver_and_statement_timeout_only_web_processes():
    url = "postgres://claims@db.example.org:5432/claims"  # never connected to
    command = run_django(["-c", SHOW_OPTIONS], DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="7")
    web = run_django(["-c", "import config.wsgi; " + SHOW_OPTIONS], DATABASE_URL=url)
    asgi = run_django(["-c", "import config.asgi; " + SHOW_OPTIONS], DATABASE_URL=url)
    off = run_django(["-c", "import config.wsgi; " + SHOW_OPTIONS], DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="0")
    sqlite = run_django(["-c", SHOW_OPTIONS], DATABASE_URL="sqlite:////tmp/never-opened.sqlite3")

    for result in (command, web, asgi, off, sqlite):
        assert result.returncode == 0, result.stderr
    assert last_line(command) == "{'connect_timeout': 7, 'options': '-c jit=off'}"
    assert last_line(web) == "{'connect_timeout': 5, 'options': '-c jit=off -c statement_timeout=30000'}"
    assert last_line(asgi) == last_line(web)
    assert last_line(off) == "{'connect_timeout': 5, 'options': '-c jit=off'}"
    assert last_line(sqlite) == "{'timeout': 5}"  # SQLite's wait for a lock


@postgresql_only
@pytest.mark.django_db
def test_the_app_connections_run_without_jit():
    # JIT compilation cost 1.4 s of one search query at 100k claims (issue 11).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize(
    ("variable", "value", "explained"),
    [
        ("DATABASE_CONNECT_TIMEOUT", "soon", "is not an integer"),
        ("DATABASE_CONNECT_TIMEOUT", "0", "must be 1 or more"),
        ("DATABASE_STATEMENT_TIMEOUT", "-1", "must be 0 (no limit) or more"),
    ],
)
def test_a_malformed_timeout_stops_start_up_naming_it(variable, value, explained):
    result = run_django(["-c", "import django; django.setup()"], **{variable: value})

    assert result.returncode != 0
    assert f"{variable}=" in result.stderr
    assert explained in result.stderr


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


SLEEP = """
import django, sys
{prelude}
django.setup()
from django.db import OperationalError, connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print(cursor.fetchone()[0])
    try:
        cursor.execute("SELECT pg_sleep(0.5)")
        print("slept")
    except OperationalError as exc:
        print("cancelled", exc.__cause__.sqlstate)
"""


@postgresql_only
@pytest.mark.django_db
def test_a_web_process_statement_times_out_and_a_management_command_does_not():
    url = database_url()
    web = run_django(
        ["-c", SLEEP.format(prelude="import config.wsgi")], DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="100"
    )
    command = run_django(
        ["manage.py", "shell", "-c", SLEEP.format(prelude="")], DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="100"
    )

    assert web.returncode == 0, web.stderr
    assert web.stdout.split()[-3:] == ["100ms", "cancelled", "57014"]
    assert command.returncode == 0, command.stderr
    assert command.stdout.split()[-2:] == ["0", "slept"]


def sleepy(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(2)")
    return None  # never reached


urlpatterns = [path("sleepy/", sleepy)]


@postgresql_only
@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_statement_timeout_in_a_view_answers_503_and_is_logged(client, capsys):
    response = client.get("/sleepy/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    out = capsys.readouterr().out
    request_id = response.headers["X-Request-ID"]
    assert f"ERROR operations.database [{request_id}] Database statement timed out on GET /sleepy/" in out
    assert "QueryCanceled" in out


@pytest.fixture
def web_process_connection():
    """The test's connection, reconnected as a web process's: statement_timeout=100ms."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    connection.close()
    options["options"] = "-c statement_timeout=100"
    try:
        yield connection
    finally:
        options.clear()
        options.update(saved)
        connection.close()


def show_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_streamed_export_lifts_the_statement_timeout_and_puts_it_back(client, web_process_connection, monkeypatch):
    make_claim(slug="slow-to-export")
    assemble = records.RecordAssembler.records

    def slow_records(self, rows):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")  # three times the web limit
        return assemble(self, rows)

    monkeypatch.setattr(records.RecordAssembler, "records", slow_records)
    assert show_statement_timeout() == "100ms"
    with pytest.raises(OperationalError):  # unlifted, the same export is cancelled
        list(data.stream_ndjson(Claim.objects.published().for_detail(), lambda p: p))

    response = client.get("/claims/data.ndjson")
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert response.status_code == 200
    assert [json.loads(line)["slug"] for line in lines] == ["slow-to-export"]
    assert show_statement_timeout() == "100ms"  # the connection's own limit is back
