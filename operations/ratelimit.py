"""Request rate limits per client address (README, "Operating"): search, exports and the
API each allow at most N requests in S seconds from one address, answered 429 with
Retry-After (the seconds until the address's window ends) beyond: a page, or under
/api/ JSON {"detail": ...}. Settings: RATE_LIMITS (all on or off), RATE_LIMIT_SEARCH,
RATE_LIMIT_EXPORTS, RATE_LIMIT_API.

The address (client_address, which login protection uses too): the last address in
CLIENT_IP_HEADER when configured, else REMOTE_ADDR; never a header the client chose.
An IPv6 address counts as its /64, the block one subscriber is usually given.

Counting is django-ratelimit's get_usage (django_ratelimit/core.py): one counter per
(group, address) and fixed window, cache.add(key, 0) then cache.incr(key), which Redis
does atomically (SET NX, INCR). Django's DatabaseCache.incr is a read then a write, so
parallel requests may be undercounted there: production needs CACHE_URL=redis://...,
and `check --deploy` says so (operations/checks.py). django_ratelimit is not in
INSTALLED_APPS: its own system checks call the database cache (the development default)
an error and Django's RedisCache "not officially supported", a warning that would fail
`check --deploy --fail-level WARNING`; only its counting function is used.

A cache that cannot answer lets requests through (logged): the limits protect the site,
they must not take it down with the cache.
"""

import ipaddress
import logging
import math
import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django_ratelimit.core import get_usage

logger = logging.getLogger("operations.ratelimit")

# The groups, each with its setting: a request belongs to at most one.
RATE_SETTINGS = {"api": "RATE_LIMIT_API", "exports": "RATE_LIMIT_EXPORTS", "search": "RATE_LIMIT_SEARCH"}
# Every export sits beside its page: sources.<format>, data.<format>, cite.<format>, and
# a topic's or materiel's figures.csv (web/export/urls.py, web/urls.py).
_EXPORT = re.compile(r"/(?:sources|data|cite)\.[^/]+$|/figures\.csv$")

TOO_MANY_PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Too many requests</title>
<h1>Too many requests</h1>
<p>Your address has made too many {group} requests in a short time. Please try again in {seconds} second(s).</p>
</html>
"""


def group_of(request) -> str | None:
    """api for /api/; exports for the export files; search for /search/ and a claims
    list filtered by text (q=, the same full-text query). Other pages are not limited."""
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if _EXPORT.search(path):
        return "exports"
    if path == "/search/" or (path == "/claims/" and request.GET.get("q", "").strip()):
        return "search"
    return None


def client_address(request) -> str:
    """REMOTE_ADDR, or the last address in settings.CLIENT_IP_HEADER when a proxy sets it."""
    if request is None:
        return "-"
    header = getattr(settings, "CLIENT_IP_HEADER", None)
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "-")


def address_key(address: str) -> str:
    """The address to count under: an IPv6 address as its /64 network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)


def count(group: str, value: str, rate: tuple[int, int], *, increment: bool = True) -> tuple[int, int]:
    """Count one event for `value` in `group` (or only read the count, increment=False)
    in the current fixed window of `rate` = (limit, seconds): the count so far in the
    window, and the whole seconds until the window has surely ended (1 or more).

    django-ratelimit names a window by its last whole second W and keeps counting in it
    through that second (core._get_window: a new window only once int(now) > W), but its
    time_left is W - int(now): one more second is the honest Retry-After."""
    usage = get_usage(None, group=group, key=lambda _group, _request: value, rate=rate, increment=increment)
    if usage is None:  # RATELIMIT_ENABLE=False: this project does not use it
        return 0, rate[1]
    return usage["count"], max(0, math.ceil(usage["time_left"])) + 1


def seconds_limited(request, group: str) -> int:
    """0 if this request is within its group's limit (counting it), else the seconds until
    its address's window ends."""
    rate = getattr(settings, RATE_SETTINGS[group])
    if rate is None:
        return 0
    try:
        used, seconds = count(f"rate-{group}", address_key(client_address(request)), rate)
    except Exception:
        logger.exception("Rate limit for %s not counted: the cache did not answer", group)
        return 0
    return seconds if used > rate[0] else 0


def too_many_requests(request, group: str, seconds: int) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API's errors are JSON (web/api/errors.py)
        response = JsonResponse(
            {"detail": f"Request was throttled. Expected available in {seconds} seconds."}, status=429
        )
    else:
        response = HttpResponse(
            TOO_MANY_PAGE.format(group=group, seconds=seconds), status=429, content_type="text/html; charset=utf-8"
        )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


class RateLimitMiddleware:
    """Counts each search, export and API request against its address's limit, and
    answers 429 with Retry-After past it, before the view (or the session) is touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        group = group_of(request) if settings.RATE_LIMITS else None
        if group and (seconds := seconds_limited(request, group)):
            return too_many_requests(request, group, seconds)
        return self.get_response(request)
