"""Logs: one line per event on stdout, in text or JSON lines; every record of a request
carries its id, which the response returns in X-Request-ID; one access line per
request; an unhandled exception's traceback is logged with the request id (DEBUG off)."""

import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, override_settings
from django.urls import path

from operations.logging import JsonFormatter, StdoutHandler
from operations.middleware import incoming_request_id

REPO_ROOT = Path(__file__).resolve().parent.parent
view_logger = logging.getLogger("tests.views")


# --- a URLconf of test views (override_settings(ROOT_URLCONF=__name__)) -------------------


def boom(request):
    view_logger.info("about to fail")
    raise RuntimeError("the view failed on purpose")


def echo_id(request):
    view_logger.warning("inside the view")
    return HttpResponse(request.request_id, content_type="text/plain")


def streamed(request):
    def chunks():
        yield "first\n"
        view_logger.warning("while streaming")
        yield "second\n"

    return StreamingHttpResponse(chunks(), content_type="text/plain")


urlpatterns = [
    path("boom/", boom),
    path("echo/", echo_id),
    path("stream/", streamed),
]
with_test_views = override_settings(ROOT_URLCONF=__name__)


# --- helpers ------------------------------------------------------------------------------


def stdout_handler() -> StdoutHandler:
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, StdoutHandler)]
    return handler


@pytest.fixture
def json_logs():
    """The configured stdout handler, writing JSON lines for the test (LOG_FORMAT=json)."""
    handler = stdout_handler()
    previous = handler.formatter
    handler.setFormatter(JsonFormatter())
    yield
    handler.setFormatter(previous)


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def access_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if " operations.access " in line]


# --- the configuration ---------------------------------------------------------------------


def test_settings_send_every_logger_through_one_stdout_handler_with_the_request_id_filter():
    root = logging.getLogger()
    handler = stdout_handler()
    assert root.handlers.count(handler) == 1
    assert [type(f).__name__ for f in handler.filters] == ["RequestIdFilter"]
    django_logger = logging.getLogger("django")
    assert django_logger.handlers == []  # no mail_admins, no DEBUG-only console
    assert django_logger.propagate is True


# --- request ids --------------------------------------------------------------------------


@with_test_views
def test_a_request_gets_a_new_id_returned_in_the_header_and_on_its_log_lines(client, capsys):
    response = client.get("/echo/")

    request_id = response.headers["X-Request-ID"]
    assert response.content.decode() == request_id  # request.request_id
    assert uuid.UUID(hex=request_id).version == 4
    out = capsys.readouterr().out
    assert f"WARNING tests.views [{request_id}] inside the view" in out
    [access] = access_lines(out)
    assert f"[{request_id}] GET /echo/ 200 " in access


@with_test_views
@pytest.mark.parametrize(
    "incoming", ["abc-123", "4f1c2e9a0b7d4c3e8f6a5b4c3d2e1f00", "Root=1-67891233-abcdef012345678912345678"]
)
def test_a_sane_incoming_request_id_is_kept(client, capsys, incoming):
    response = client.get("/echo/", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] == incoming
    assert response.content.decode() == incoming
    assert f"[{incoming}] inside the view" in capsys.readouterr().out


@with_test_views
@pytest.mark.parametrize(
    "hostile",
    ["x" * 129, "abc\ndef", "abc\r\nSet-Cookie: a=b", "id with spaces", "<script>", "", "é"],
    ids=["too-long", "newline", "header-injection", "spaces", "markup", "empty", "non-ascii"],
)
def test_a_hostile_incoming_request_id_is_replaced(client, capsys, hostile):
    response = client.get("/echo/", headers={"X-Request-ID": hostile})

    request_id = response.headers["X-Request-ID"]
    assert request_id != hostile
    assert uuid.UUID(hex=request_id).version == 4
    out = capsys.readouterr().out
    assert hostile not in out or not hostile
    assert f"[{request_id}] inside the view" in out


def test_incoming_request_id_bounds():
    assert incoming_request_id("a" * 128) == "a" * 128
    assert incoming_request_id("a" * 129) is None
    assert incoming_request_id("abc\n") is None  # fullmatch: no trailing newline slips through
    assert incoming_request_id(None) is None


# --- the access line ----------------------------------------------------------------------


@pytest.mark.django_db
def test_one_access_line_per_request_with_method_path_status_duration_and_user(client, capsys, django_user_model):
    response = client.get("/no-such-page/")
    out = capsys.readouterr().out
    [line] = access_lines(out)
    assert " GET /no-such-page/ 404 " in line
    assert line.rstrip().endswith("ms user=None")
    request_id = response.headers["X-Request-ID"]
    assert f"WARNING django.request [{request_id}] Not Found: /no-such-page/" in out  # logged after the middleware

    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    client.get("/admin/")
    [line] = access_lines(capsys.readouterr().out)
    assert " GET /admin/ 200 " in line
    assert line.rstrip().endswith(f"ms user={admin.pk}")


@pytest.mark.django_db
def test_a_path_cannot_forge_a_log_line(client, capsys):
    client.get("/claims/%0A2026-01-01 INFO operations.access [x] GET /forged 200")

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # the access line and Django's "Not Found" warning, one line each
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert " GET /claims/%0A2026-01-01%20INFO%20operations.access%20%5Bx%5D%20GET%20/forged%20200 404 " in lines[0]
    assert "Not Found: /claims/\\n2026-01-01 INFO" in lines[1]


@with_test_views
def test_a_streamed_response_is_logged_when_its_stream_closes_and_its_records_carry_the_id(client, capsys):
    response = client.get("/stream/")
    request_id = response.headers["X-Request-ID"]
    assert access_lines(capsys.readouterr().out) == []  # not yet: the body is still to come

    assert b"".join(response.streaming_content) == b"first\nsecond\n"

    out = capsys.readouterr().out
    assert f"[{request_id}] while streaming" in out
    [line] = access_lines(out)
    assert f"[{request_id}] GET /stream/ 200 " in line


# --- unhandled exceptions -----------------------------------------------------------------


@with_test_views
@override_settings(DEBUG=False)
def test_an_unhandled_exception_answers_500_and_logs_its_traceback_with_the_request_id(capsys):
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    out = capsys.readouterr().out
    error_line = f"ERROR django.request [{request_id}] Internal Server Error: /boom/"
    assert error_line in out
    traceback = out.split(error_line, 1)[1]
    assert "Traceback (most recent call last):" in traceback
    assert "RuntimeError: the view failed on purpose" in traceback
    assert f"[{request_id}] about to fail" in out
    assert f"[{request_id}] GET /boom/ 500 " in out


@with_test_views
@override_settings(DEBUG=False)
def test_json_lines_parse_and_carry_the_fields(json_logs, capsys):
    response = Client(raise_request_exception=False).get("/boom/")
    request_id = response.headers["X-Request-ID"]

    records = json_lines(capsys.readouterr().out)  # every line is one JSON object

    assert all(record["request_id"] == request_id for record in records)
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    [error] = [r for r in records if r["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: /boom/"
    assert error["status_code"] == 500
    assert "request" not in error  # Django's request object is left out
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: the view failed on purpose" in error["exc_info"]
    [access] = [r for r in records if r["logger"] == "operations.access"]
    assert access["method"] == "GET"
    assert access["path"] == "/boom/"
    assert access["status"] == 500
    assert isinstance(access["duration_ms"], int | float)
    assert access["user_id"] is None


# --- PostgreSQL's warnings ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server notices are PostgreSQL's")
def test_a_postgresql_warning_reaches_the_log(capsys):
    with connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN RAISE WARNING 'the server warns the test'; END $$")

    assert "WARNING django.db.backends [-] PostgreSQL WARNING: the server warns the test" in capsys.readouterr().out


# --- the environment: LOG_FORMAT, LOG_LEVEL ---------------------------------------------------

LOGGING_SCRIPT = """
import logging, warnings, django
django.setup()
logging.getLogger("claims").debug("a debug line")
logging.getLogger("claims").info("an info line")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("django.request").error("failed", exc_info=True)
warnings.warn("a runtime warning", RuntimeWarning)
"""


def run_django(code: str, **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "DJANGO_", "DEBUG", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="a-long-enough-test-secret",
        DATABASE_URL="sqlite:////tmp/never-opened.sqlite3",
        **variables,
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_log_format_json_writes_one_json_object_per_line_on_stdout():
    result = run_django(LOGGING_SCRIPT, LOG_FORMAT="json")

    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [(r["level"], r["logger"]) for r in records] == [
        ("INFO", "claims"),
        ("ERROR", "django.request"),
        ("WARNING", "py.warnings"),  # warnings.warn() goes through the log too
    ]
    assert records[0]["message"] == "an info line"
    assert records[0]["request_id"] == "-"
    assert "ZeroDivisionError" in records[1]["exc_info"]
    assert "a runtime warning" in records[2]["message"]
    assert result.stderr == ""


def test_the_default_is_plain_text_and_log_level_filters():
    text = run_django(LOGGING_SCRIPT)
    quiet = run_django(LOGGING_SCRIPT, LOG_LEVEL="error")
    chatty = run_django(LOGGING_SCRIPT, LOG_LEVEL="DEBUG")

    assert text.returncode == quiet.returncode == chatty.returncode == 0, text.stderr + quiet.stderr + chatty.stderr
    lines = text.stdout.splitlines()
    assert lines[0].endswith(" INFO claims [-] an info line")
    assert lines[1].endswith(" ERROR django.request [-] failed")
    assert lines[2] == "    Traceback (most recent call last):"  # a traceback is indented under its event
    assert "ZeroDivisionError" in text.stdout
    assert "a debug line" not in text.stdout
    assert "an info line" not in quiet.stdout
    assert " ERROR django.request [-] failed" in quiet.stdout
    assert "a debug line" in chatty.stdout


@pytest.mark.parametrize(
    ("variable", "value", "explained"),
    [("LOG_FORMAT", "xml", "is not one of text, json"), ("LOG_LEVEL", "loud", "is not one of DEBUG, INFO")],
)
def test_a_malformed_log_variable_stops_start_up_naming_it(variable, value, explained):
    result = run_django("import django; django.setup()", **{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable}={value!r}" in result.stderr
    assert explained in result.stderr
