"""Middleware of operations (README, "Operating"), in MIDDLEWARE's order:

RequestIdMiddleware            request ids on every log record, one access line a request
DatabaseUnavailableMiddleware  503, not 500, when the database cannot answer
SecurityHeadersMiddleware      Permissions-Policy and Cross-Origin-Resource-Policy
RequestSizeLimitMiddleware     bodies over REQUEST_MAX_BYTES refused with 413 before they are read
"""

import logging
import re
import time
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.encoding import escape_uri_path

from operations.logging import request_id_var

database_logger = logging.getLogger("operations.database")
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Temporarily unavailable</title>
<h1>Temporarily unavailable</h1>
<p>The claims knowledge base cannot reach its database just now. Please try again in a minute.</p>
</html>
"""


class RequestSizeLimitMiddleware:
    """Refuse request bodies larger than settings.REQUEST_MAX_BYTES before anything reads them.

    Django bounds form data (DATA_UPLOAD_MAX_MEMORY_SIZE, answered with 400) but streams
    file parts of a multipart body to disk whatever their size; this site takes no files,
    so one bound on the whole body, answered with 413, closes that."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponseBadRequest("Malformed Content-Length header.", content_type="text/plain")
        if length > settings.REQUEST_MAX_BYTES:
            return HttpResponse(
                f"Request body too large: this site accepts at most {settings.REQUEST_MAX_BYTES} bytes.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


# --- Request ids and the access log --------------------------------------------------

access_logger = logging.getLogger("operations.access")

# An id a proxy or a client sends is kept only if it is short and made of characters
# that cannot break a log line or a header; any other is replaced by a new one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/@-]{1,128}")


def incoming_request_id(value: str | None) -> str | None:
    return value if value and _SANE_REQUEST_ID.fullmatch(value) else None


def _user_id(request):
    """The id of the user the request was authenticated as, if the request looked its user
    up (the admin does; public pages and the API do not). The access line never adds a
    query of its own to find out, so a request that did not look is logged as None."""
    user = request.__dict__.get("_cached_user") or request.__dict__.get("_acached_user")
    return user.pk if user is not None and user.is_authenticated else None


class RequestIdMiddleware:
    """First in MIDDLEWARE. Takes the request's X-Request-ID when it is sane or makes
    one (uuid4 hex), sets it as request.request_id, returns it in the X-Request-ID
    response header, puts it on every log record emitted meanwhile (operations/logging.py)
    and writes one access line per request: method, path, status, duration, user id.
    A streamed response (the data exports) is logged when its stream closes, with the
    duration of the whole stream."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request.META.get("HTTP_X_REQUEST_ID")) or uuid.uuid4().hex
        request.request_id = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except BaseException:
            request_id_var.set(None)
            raise
        response["X-Request-ID"] = request_id
        if not response.streaming:
            self.log_access(request, response, started)
        # The id stays on the records until the server closes the response: Django logs
        # a 4xx after the middleware has returned, a streamed body is written after it.
        original_close = response.close

        def close():
            try:
                original_close()
            finally:
                if response.streaming:
                    self.log_access(request, response, started)
                request_id_var.set(None)

        response.close = close
        return response

    @staticmethod
    def log_access(request, response, started):
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = escape_uri_path(request.path)
        user_id = _user_id(request)
        access_logger.info(
            "%s %s %s %sms user=%s",
            request.method,
            path,
            response.status_code,
            duration_ms,
            user_id,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )


# --- The database down ------------------------------------------------------------------


class DatabaseUnavailableMiddleware:
    """A view (or its template) that cannot reach the database, or whose query ran past
    DATABASE_STATEMENT_TIMEOUT, answers 503 with a short page and Retry-After instead of
    a 500: the fault is passing, not a bug in the page. Logged with its traceback (and
    the request id). The page is a constant: no template, nothing that could query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        timed_out = getattr(exception.__cause__, "sqlstate", None) == QUERY_CANCELED
        database_logger.error(
            "%s on %s %s: %s",
            "Database statement timed out" if timed_out else "Database unavailable",
            request.method,
            escape_uri_path(request.path),
            type(exception).__name__,
            exc_info=exception,
        )
        return unavailable_response(request)


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API's errors are JSON (claims/api/errors.py)
        response = JsonResponse({"detail": "Temporarily unavailable: try again in a minute."}, status=503)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


# --- Response headers -------------------------------------------------------------------

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
# Files made for other sites and tools: the citation and data exports, the feeds, the
# API. Reference managers' web clients and other sites' pages may fetch them.
_SHARED_PATHS = re.compile(
    r"^/api/|/(?:sources|cite)\.(?:bib|ris|csl\.json|txt)$|/data\.(?:csv|json|ndjson)$|/feed\.atom$"
)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every response:
    Permissions-Policy turning off the powerful features no page uses, and
    Cross-Origin-Resource-Policy: same-origin, so other sites cannot embed our pages'
    resources. The exports, feeds and the API are public, read-only, the same for every
    reader and meant for other sites' use: they say cross-origin, with
    Access-Control-Allow-Origin: * so a browser-based reference manager can read them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _SHARED_PATHS.search(request.path):
            response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        else:
            response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
