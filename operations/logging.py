"""Logs: one line per event on stdout, plain text or JSON lines (settings.LOGGING).

Every record carries the id of the request during which it was emitted (`request_id`,
"-" outside a request): operations.middleware.RequestIdMiddleware puts the id in a
context variable for the length of the request, and RequestIdFilter, installed on the
stdout handler, copies it onto each record that reaches the handler, whichever logger
emitted it (django.request's tracebacks, the access lines, py.warnings ...).

    text  2026-11-22 10:00:00,123 INFO operations.access [4f1c...] GET /claims/ 200 12.3ms user=None
    json  {"time": "...", "level": "INFO", "logger": "operations.access", "message": "GET /claims/ ...",
           "request_id": "4f1c...", "method": "GET", "path": "/claims/", "status": 200, ...}

A JSON event is always one line, its traceback included (`exc_info`); in text, a message
is kept on one line (line breaks written as \\n) and a traceback follows it, indented.
"""

import copy
import logging
import logging.config
import sys
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
NO_REQUEST = "-"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Copies the current request's id onto the record (an id the caller passed in
    `extra` is kept: the access line of a streamed response is written after the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or NO_REQUEST
        return True


class StdoutHandler(logging.StreamHandler):
    """A StreamHandler on whatever sys.stdout is when the event is written (so a test's
    capture of stdout sees the lines, and a replaced stdout is never left dangling)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


class TextFormatter(logging.Formatter):
    default_format = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

    def __init__(self, fmt=None, datefmt=None):
        super().__init__(fmt or self.default_format, datefmt)

    def formatMessage(self, record):  # noqa: N802 (logging's name)
        one_line = copy.copy(record)  # other handlers see the record as it was
        one_line.message = record.message.rstrip().replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(one_line)

    def formatException(self, ei):  # noqa: N802 (logging's name)
        return "\n".join("    " + line for line in super().formatException(ei).splitlines())


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with our field names; any `extra` a call passes
    (method, path, status ...) becomes a field. Django's `request` object is left out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message", "request_id"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(**kwargs)

    def process_log_record(self, log_data):
        # The time first, to the millisecond, so that a line reads like the text format.
        return {"time": log_data.pop("time").isoformat(timespec="milliseconds"), **log_data}


def configure(config: dict) -> None:
    """settings.LOGGING_CONFIG: apply LOGGING and send warnings.warn() (py.warnings),
    Django's RuntimeWarnings about the database among them, through the same handler."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def logging_settings(log_format: str, level: str) -> dict:
    """settings.LOGGING for LOG_FORMAT and LOG_LEVEL: everything goes to the root
    logger's one stdout handler. Django's own handlers (its console handler, shown
    only with DEBUG, and mail_admins) are replaced: django.request's errors, with their
    tracebacks, propagate to the root like everything else."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "operations.logging.RequestIdFilter"}},
        "formatters": {
            "text": {"()": "operations.logging.TextFormatter"},
            "json": {"()": "operations.logging.JsonFormatter"},
        },
        "handlers": {
            "stdout": {"()": "operations.logging.StdoutHandler", "filters": ["request_id"], "formatter": log_format},
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "py.warnings": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
