"""Read replicas (README, "Several app servers").

settings.DATABASE_REPLICAS names the database aliases that are read replicas of
"default" (settings.py makes one per URL of DATABASE_REPLICA_URLS). With none, nothing
here changes anything: every query goes to "default".

Reads go to a replica only inside a request that ReadReplicaMiddleware allowed: a GET
or HEAD outside the admin from a client that has not written in the last
READ_PRIMARY_SECONDS. Everything else reads from the primary: the admin, any other
method, a client carrying the READ_PRIMARY_COOKIE (set on the response to every write,
so its author sees the write at once whatever the replicas' lag), and all code outside a
request (management commands, the importer, backups, the test suite without the
middleware). Writes always go to the primary; migrations run on the primary only.

One replica is chosen per request, so all of a request's reads (the change counter of
operations/http_cache.py included) see one consistent snapshot.
"""

import random
import re
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

READ_PRIMARY_COOKIE = "read_primary"
# Paths whose reads always go to the primary, whatever the method: the admin reads what
# it is about to write.
PRIMARY_PATHS = re.compile(r"^/admin/")
SAFE_METHODS = frozenset({"GET", "HEAD"})

# The alias this request reads from; None: the primary (the default outside a request).
read_alias: ContextVar[str | None] = ContextVar("read_alias", default=None)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads where read_alias says, writes and migrations on the primary."""

    def db_for_read(self, model, **hints):
        return read_alias.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: an object read from one may point at one of the other.
        same_data = {DEFAULT_DB_ALIAS, *settings.DATABASE_REPLICAS}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db not in settings.DATABASE_REPLICAS


def replica_for(request) -> str | None:
    """The replica this request may read from, or None for the primary."""
    replicas = settings.DATABASE_REPLICAS
    if (
        not replicas
        or request.method not in SAFE_METHODS
        or PRIMARY_PATHS.match(request.path_info)
        or READ_PRIMARY_COOKIE in request.COOKIES
    ):
        return None
    return random.choice(replicas)  # noqa: S311 - spreading load, not a secret


class ReadReplicaMiddleware:
    """Chooses where this request reads (replica_for), for the whole request and, for a
    streamed response, until its stream closes. The response to any other method than
    GET or HEAD sets READ_PRIMARY_COOKIE for READ_PRIMARY_SECONDS, so the client's next
    reads come from the primary while the replicas catch up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = read_alias.set(replica_for(request))  # set on every request: threads are reused
        try:
            response = self.get_response(request)
        except BaseException:
            read_alias.reset(token)
            raise
        if settings.DATABASE_REPLICAS and request.method not in SAFE_METHODS:
            response.set_cookie(
                READ_PRIMARY_COOKIE,
                "1",
                max_age=settings.READ_PRIMARY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if not response.streaming:
            read_alias.set(None)
            return response
        # A streamed export reads while the server sends it: keep the choice until it closes.
        original_close = response.close

        def close():
            try:
                original_close()
            finally:
                read_alias.set(None)

        response.close = close
        return response
