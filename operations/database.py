"""Time limits on the database (README, "Operating").

DATABASE_CONNECT_TIMEOUT bounds how long any process waits to connect (PostgreSQL's
connect_timeout; SQLite's wait for a lock). DATABASE_STATEMENT_TIMEOUT bounds each
statement of a web request: config/wsgi.py and config/asgi.py mark their process as a
web process (CLAIMS_WEB_PROCESS=1) before the settings are read, and only then do the
settings start every PostgreSQL connection with `-c statement_timeout=...`; migrations
and management commands never have it. It costs no query per request: the limit is a
parameter of the connection itself.

Every PostgreSQL connection also starts with `-c jit=off`: the app's queries are short,
and JIT compilation cost 1.4 s of one search query over 100k claims (issue 11) while
saving nothing measurable anywhere else.

PostgreSQL's own warnings (a WARNING the server sends with a result) are logged on
django.db.backends, which psycopg would otherwise drop: log_server_notices().

A streamed export may run longer than a page should: its iterator is wrapped in
without_statement_timeout(), which lifts the limit on its connection while the stream
runs and puts the connection's own limit back when the stream ends or is abandoned.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

backends_logger = logging.getLogger("django.db.backends")


def connection_options(engine: str, *, connect_timeout: int, statement_timeout_ms: int, existing: dict) -> dict:
    """The OPTIONS of a DATABASES entry with the time limits added (settings.py)."""
    options = dict(existing)
    if engine == "django.db.backends.postgresql":
        options.setdefault("connect_timeout", connect_timeout)
        parameters = [options.get("options", ""), "-c jit=off"]
        if statement_timeout_ms:
            parameters.append(f"-c statement_timeout={statement_timeout_ms}")
        options["options"] = " ".join(p for p in parameters if p)
    elif engine == "django.db.backends.sqlite3":
        options.setdefault("timeout", connect_timeout)
    return options


def has_statement_timeout(connection) -> bool:
    """Whether this connection starts with a statement timeout (read from its settings:
    no query)."""
    return connection.vendor == "postgresql" and "statement_timeout" in str(
        connection.settings_dict.get("OPTIONS", {}).get("options", "")
    )


@contextmanager
def statement_timeout_lifted(using: str = DEFAULT_DB_ALIAS):
    """No statement timeout on the connection inside the block; its own limit after.
    A no-op (and no query) where the connection has no limit."""
    connection = connections[using]
    if not has_statement_timeout(connection):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")  # back to the connection's -c value
        except DatabaseError:
            connection.close()  # the next connection starts with the limit again


def without_statement_timeout(chunks: Iterable, using: str = DEFAULT_DB_ALIAS) -> Iterator:
    """A streamed response's iterator, run without the statement timeout: lifted when
    the first chunk is asked for, put back when the stream is exhausted or closed."""
    with statement_timeout_lifted(using):
        yield from chunks


def _log_notice(diagnostic) -> None:
    severity = diagnostic.severity_nonlocalized or diagnostic.severity or "NOTICE"
    level = logging.WARNING if severity in {"WARNING", "ERROR", "FATAL", "PANIC"} else logging.DEBUG
    backends_logger.log(level, "PostgreSQL %s: %s", severity, diagnostic.message_primary)


def log_server_notices(sender, connection, **kwargs) -> None:
    """connection_created receiver (operations/apps.py): the server's warnings go to
    the log, its notices (NOTICE, INFO: "truncate cascades to ...") at DEBUG."""
    if connection.vendor == "postgresql":
        connection.connection.add_notice_handler(_log_notice)
