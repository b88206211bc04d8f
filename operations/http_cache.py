"""HTTP caching of the public site (README, "HTTP caching").

Every public page, feed, export, API answer and sitemap is a function of the published
data (and of the day: citations say when they were accessed). The site's change counter
(models.SiteVersion, raised by bump_site_version on every committed change to what the
public site shows: web/site_changes.py) is therefore a validator for all of them:

- each shareable 200 answer to a GET or HEAD carries ETag: W/"<version>-<stamp>-<day>"
  and Cache-Control: public, max-age=N (HTTP_CACHE_MAX_AGE for pages and the API,
  HTTP_CACHE_MAX_AGE_FILES for exports, feeds and sitemaps);
- a GET or HEAD whose If-None-Match holds the current tag is answered 304 after one
  query (the counter row), without running the view;
- with a Redis cache (CACHE_URL=redis://...) whole answers are kept in it for
  PAGE_CACHE_SECONDS under a key made of the counter, the method, the full URL and the
  request headers the answer varies on, so any change makes every kept page unreachable.

Weak tags: an answer is the same *data* for one version, not always the same bytes (the
home page's counts are estimates on PostgreSQL). No Last-Modified: it has one-second
resolution, and a change in the same second as a fetch would be answered 304.

Only the views settings.HTTP_CACHE_VIEWS names (URL names, with namespaces, matched as
shell patterns: "web:*") are cached: never the admin or the probes; static files have
WhiteNoise's own headers. Never cached either: methods other than GET and HEAD, answers
other than 200, and any answer that sets a cookie, varies on Cookie, or already says
how it may be cached (Cache-Control set by the view).
Streamed answers (the data exports) get the validator and 304s but are not kept whole.
"""

import datetime as dt
import hashlib
import logging
import re
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control

from operations.models import SiteVersion

logger = logging.getLogger("operations.http_cache")

# Files made for other programs: exports, feeds, figure tables, sitemaps.
FILE_PATHS = re.compile(r"/(?:sources|cite)\.[a-z.]+$|/data\.[a-z]+$|/figures\.csv$|/feed\.atom$|^/sitemap[^/]*\.xml$")
# Request headers an answer may vary on and still be kept whole (they are in the key).
KEYED_HEADERS = ("Accept", "Accept-Language")
SAFE_METHODS = frozenset({"GET", "HEAD"})
COUNTER_PK = 1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# --- The counter ----------------------------------------------------------------------


def current_tag() -> str:
    """The validator: one query, on the database this request reads from (a replica's
    counter matches the replica's data, so a lagging replica never tags older pages as
    newer). A missing row (a flushed test database) reads as version 0."""
    row = SiteVersion.objects.filter(pk=COUNTER_PK).values_list("version", "changed_at").first()
    version, changed_at = row or (0, _EPOCH)
    # The moment of the last change: a restored backup's counter repeats old numbers,
    # never old moments.
    stamp = int(changed_at.timestamp() * 1_000_000)
    return f'W/"{version}-{stamp:x}-{timezone.now():%Y%m%d}"'


def bump_site_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise the counter now, in one atomic UPDATE (or create it if it is missing)."""
    updated = SiteVersion.objects.using(using).filter(pk=COUNTER_PK).update(version=F("version") + 1, changed_at=Now())
    if not updated:
        SiteVersion.objects.using(using).get_or_create(
            pk=COUNTER_PK, defaults={"version": 1, "changed_at": timezone.now()}
        )


class _PendingBump:
    """The counter's raise for one transaction: every change in it queues a callback,
    and the first to run raises the counter, the others do nothing."""

    def __init__(self, using: str):
        self.using = using
        self.done = False

    def __call__(self):
        if not self.done:
            self.done = True
            bump_site_version(self.using)


def bump_on_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise the counter once the current transaction commits (now, outside one); once
    per transaction however many rows it changed. After the commit, so a reader who sees
    the new number also sees the rows that changed."""
    connection = transaction.get_connection(using)
    pending = getattr(connection, "_pending_site_bump", None)
    if pending is None or pending.done or not connection.in_atomic_block:
        pending = connection._pending_site_bump = _PendingBump(using)
    # One callback a change, not one a transaction: a savepoint rolled back drops its own.
    transaction.on_commit(pending, using=using)


# --- The middleware ---------------------------------------------------------------------


def page_cache_enabled() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return settings.PAGE_CACHE_SECONDS > 0 and backend == "django.core.cache.backends.redis.RedisCache"


def max_age(path: str) -> int:
    return settings.HTTP_CACHE_MAX_AGE_FILES if FILE_PATHS.search(path) else settings.HTTP_CACHE_MAX_AGE


def page_key(request, tag: str) -> str:
    parts = [request.method, request.build_absolute_uri(), *(request.headers.get(h, "") for h in KEYED_HEADERS)]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:{tag.removeprefix('W/').strip('"')}:{digest}"  # page:<version>-<stamp>-<day>:<digest>


def _shareable(response) -> bool:
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return (
        response.status_code == 200
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not vary & {"cookie", "*"}
    )


def _keepable(response) -> bool:
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return not response.streaming and vary <= {h.lower() for h in KEYED_HEADERS}


def is_public_view(request) -> bool:
    """Whether the request's URL leads to one of settings.HTTP_CACHE_VIEWS."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return any(fnmatchcase(match.view_name, pattern) for pattern in settings.HTTP_CACHE_VIEWS)


class PublicCacheMiddleware:
    """Validator, 304s, Cache-Control and the page cache (the module's docstring). After
    ReadReplicaMiddleware, so the counter is read where the page will be read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS or not is_public_view(request):
            return self.get_response(request)
        try:
            tag = current_tag()
        except DatabaseError:
            return self.get_response(request)  # the view meets the same fault and answers 503
        seconds = max_age(request.path_info)
        not_modified = get_conditional_response(request, etag=tag)
        if not_modified is not None and not_modified.status_code != 304:
            # 412: If-Match (a weak tag never passes its strong comparison) or
            # If-Unmodified-Since (no date is given). Answered, but never stored.
            patch_cache_control(not_modified, no_store=True)
            return not_modified
        if not_modified is not None:
            not_modified["ETag"] = tag
            patch_cache_control(not_modified, public=True, max_age=seconds)
            return not_modified
        key = page_key(request, tag) if page_cache_enabled() else None
        if key and (kept := _cache_call(cache.get, key)) is not None:
            return kept
        response = self.get_response(request)
        if not _shareable(response):
            return response
        response.headers.setdefault("ETag", tag)
        patch_cache_control(response, public=True, max_age=seconds)
        if key and _keepable(response):
            _cache_call(cache.set, key, response, settings.PAGE_CACHE_SECONDS)
        return response


def _cache_call(method, *args):
    """A page cache that cannot answer (Redis down) costs the page its shortcut, not the
    reader their page: logged, and the view runs."""
    try:
        return method(*args)
    except Exception as exc:  # the Redis client's errors, whichever they are
        logger.warning("Page cache unavailable: %s: %s", type(exc).__name__, exc)
        return None
