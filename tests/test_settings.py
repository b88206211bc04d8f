"""Start-up with a malformed environment stops with a message naming the variable,
and well-formed variables give the settings they say.

config/settings.py reads the environment and nothing else, so each variant is evaluated
in process: the file executed afresh as a module of its own under exactly those
variables (the suite's own settings stay as they are). Two fresh interpreters check
the real entry point, manage.py, end to end."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from config.env import env_bool, env_database, env_int, env_list, env_str

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = REPO_ROOT / "config" / "settings.py"
OUR_VARIABLES = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "STATIC_ROOT",
    "DJANGO_SETTINGS_MODULE",
    *("SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS"),
    *("SECURE_HSTS_PRELOAD", "CSRF_TRUSTED_ORIGINS", "CACHE_URL", "CLIENT_IP_HEADER", "LOGIN_FAILURE_LIMIT"),
    *("LOGIN_FAILURE_WINDOW", "REQUEST_MAX_BYTES", "DATABASE_CONNECT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT"),
    *("CLAIMS_WEB_PROCESS", "LOG_FORMAT", "LOG_LEVEL"),
    *("DATABASE_REPLICA_URLS", "READ_PRIMARY_SECONDS", "HTTP_CACHE_MAX_AGE", "HTTP_CACHE_MAX_AGE_FILES"),
    "PAGE_CACHE_SECONDS",
    *("INTAKE_FETCH_MAX_BYTES", "INTAKE_FETCH_TIMEOUT", "INTAKE_ALLOW_PRIVATE_ADDRESSES", "TASKS_WORKER_LATE_SECONDS"),
)
SHOW_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.SECRET_KEY, sep='|')"
)


def evaluate_settings(monkeypatch, **variables):
    """config/settings.py executed afresh, as a new module, with exactly these variables."""
    for name in OUR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shown(settings) -> str:
    default = settings.DATABASES["default"]
    return f"{settings.DEBUG}|{default['ENGINE']}|{default['NAME']}|{settings.SECRET_KEY}"


def manage(*args: str, **variables) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with exactly these of our variables."""
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    env.update(variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


GOOD = {"SECRET_KEY": "a-long-enough-test-secret", "DEBUG": "0", "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3"}


@pytest.mark.parametrize(
    ("variables", "named", "explained"),
    [
        ({**GOOD, "DATABASE_URL": "mysql://x"}, "DATABASE_URL='mysql://x'", "not a supported database URL"),
        ({**GOOD, "DATABASE_URL": "not a url"}, "DATABASE_URL='not a url'", "not a supported database URL"),
        ({**GOOD, "DATABASE_URL": "postgres://"}, "DATABASE_URL='postgres://'", "names no database"),
        ({**GOOD, "DEBUG": "maybe"}, "DEBUG='maybe'", "is not a boolean"),
        ({k: v for k, v in GOOD.items() if k != "SECRET_KEY"}, "SECRET_KEY", "must be set when DEBUG is off"),
        ({**GOOD, "SECRET_KEY": ""}, "SECRET_KEY", "must be set when DEBUG is off"),
        ({**GOOD, "INTAKE_FETCH_MAX_BYTES": "20MB"}, "INTAKE_FETCH_MAX_BYTES='20MB'", "is not an integer"),
        ({**GOOD, "INTAKE_FETCH_TIMEOUT": "0"}, "INTAKE_FETCH_TIMEOUT=0", "must be 1 or more"),
        ({**GOOD, "INTAKE_ALLOW_PRIVATE_ADDRESSES": "sometimes"}, "INTAKE_ALLOW_PRIVATE_ADDRESSES", "not a boolean"),
        ({**GOOD, "TASKS_WORKER_LATE_SECONDS": "-5"}, "TASKS_WORKER_LATE_SECONDS=-5", "must be 1 or more"),
    ],
    ids=[
        *("mysql-url", "not-a-url", "postgres-without-name", "debug-maybe", "no-secret-key", "empty-secret-key"),
        *("intake-bytes-with-unit", "intake-timeout-zero", "intake-private-sometimes", "tasks-late-negative"),
    ],
)
def test_start_up_with_malformed_environment_fails_naming_the_variable(monkeypatch, variables, named, explained):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        evaluate_settings(monkeypatch, **variables)
    assert named in str(excinfo.value)
    assert explained in str(excinfo.value)


def test_start_up_with_well_formed_environment_succeeds_with_those_settings(monkeypatch):
    settings = evaluate_settings(monkeypatch, **GOOD)
    assert shown(settings) == "False|django.db.backends.sqlite3|/tmp/never-opened.sqlite3|a-long-enough-test-secret"


def test_intake_fetch_settings_are_read_from_the_environment(monkeypatch):
    settings = evaluate_settings(monkeypatch, **GOOD)
    assert (settings.INTAKE_FETCH_MAX_BYTES, settings.INTAKE_FETCH_TIMEOUT) == (20 * 2**20, 20)
    assert settings.INTAKE_ALLOW_PRIVATE_ADDRESSES is False
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    settings = evaluate_settings(
        monkeypatch,
        **GOOD,
        INTAKE_FETCH_MAX_BYTES="1048576",
        INTAKE_FETCH_TIMEOUT="5",
        INTAKE_ALLOW_PRIVATE_ADDRESSES="yes",
    )
    assert (settings.INTAKE_FETCH_MAX_BYTES, settings.INTAKE_FETCH_TIMEOUT) == (2**20, 5)
    assert settings.INTAKE_ALLOW_PRIVATE_ADDRESSES is True


def test_start_up_in_debug_without_secret_key_uses_the_development_key(monkeypatch):
    settings = evaluate_settings(monkeypatch, DEBUG="1", DATABASE_URL=GOOD["DATABASE_URL"])
    assert shown(settings).endswith("|insecure-development-key-only-for-debug")
    assert shown(settings).startswith("True|")


def test_start_up_without_database_url_uses_sqlite_beside_the_code(monkeypatch):
    settings = evaluate_settings(monkeypatch, SECRET_KEY="k", DEBUG="0")
    assert shown(settings) == f"False|django.db.backends.sqlite3|{REPO_ROOT / 'db.sqlite3'}|k"


# --- manage.py: DEBUG off unless the environment says DEBUG=1 ---------------------------


def test_manage_py_without_debug_in_the_environment_runs_with_debug_off():
    result = manage(
        "shell", "--no-imports", "-c", SHOW_SETTINGS, SECRET_KEY=GOOD["SECRET_KEY"], DATABASE_URL=GOOD["DATABASE_URL"]
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "False|django.db.backends.sqlite3|/tmp/never-opened.sqlite3|a-long-enough-test-secret"
    )


def test_manage_py_without_debug_nor_secret_key_stops_naming_the_variable():
    result = manage("showmigrations", DATABASE_URL=GOOD["DATABASE_URL"])
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("environment", "debug"),
    [(None, True), ("0", True), ("true", True), ("1", False)],
    ids=["debug-unset", "debug-0", "debug-not-1", "settings-debug-off"],
)
def test_create_demo_users_refuses_unless_debug_1_is_set_and_debug_is_on(monkeypatch, environment, debug):
    """Without database access (no django_db mark): it refuses before touching one. With
    DEBUG=1 it creates the accounts: tests/test_backup.py runs it so, through manage.py."""
    if environment is None:
        monkeypatch.delenv("DEBUG", raising=False)
    else:
        monkeypatch.setenv("DEBUG", environment)

    with override_settings(DEBUG=debug), pytest.raises(CommandError, match="unless DEBUG=1 is set"):
        call_command("create_demo_users")


# --- the typed readers, in process --------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_url_gives_the_postgresql_engine_with_its_parts(monkeypatch, scheme):
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://alice:s3cret@db.example.org:6543/claims_prod")
    config = env_database("DATABASE_URL", "sqlite:///unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], int(config["PORT"])) == ("claims_prod", "db.example.org", 6543)
    assert (config["USER"], config["PASSWORD"]) == ("alice", "s3cret")
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("value", [None, ""])
def test_unset_or_empty_database_url_falls_back_to_the_sqlite_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", value)
    config = env_database("DATABASE_URL", "sqlite:////srv/claims/db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/claims/db.sqlite3"


@pytest.mark.parametrize(
    ("url", "explained"),
    [
        ("mysql://x", "not a supported database URL"),
        ("not a url", "not a supported database URL"),
        ("postgres://", "names no database"),
        ("postgres://db.example.org:5432/", "names no database"),
        ("postgres://db.example.org:port/claims", "could not be parsed"),
    ],
)
def test_malformed_database_url_raises_improperly_configured_naming_it(monkeypatch, url, explained):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match=explained) as excinfo:
        env_database("DATABASE_URL", "sqlite:///unused.sqlite3")
    assert str(excinfo.value).startswith(f"DATABASE_URL={url!r}")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not value) is value


def test_env_bool_rejects_other_words_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False)


def test_env_readers_return_the_default_when_the_variable_is_unset(monkeypatch):
    for name in ("UNSET_FLAG", "UNSET_INT", "UNSET_LIST", "UNSET_STR"):
        monkeypatch.delenv(name, raising=False)
    assert env_bool("UNSET_FLAG", True) is True
    assert env_int("UNSET_INT", 7) == 7
    assert env_list("UNSET_LIST", ["a"]) == ["a"]
    assert env_str("UNSET_STR", "x") == "x"


def test_env_int_reads_integers_and_rejects_others_naming_the_variable(monkeypatch):
    monkeypatch.setenv("WORKERS", "4")
    assert env_int("WORKERS", 1) == 4
    monkeypatch.setenv("WORKERS", "four")
    with pytest.raises(ImproperlyConfigured, match=r"^WORKERS='four' is not an integer"):
        env_int("WORKERS", 1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " claims.example.org, ,localhost,")
    assert env_list("ALLOWED_HOSTS", []) == ["claims.example.org", "localhost"]
