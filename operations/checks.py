"""Deploy checks (`manage.py check --deploy`) for the request limits and login protection."""

from django.conf import settings
from django.core import checks

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


@checks.register(checks.Tags.caches, deploy=True)
def check_counting_cache(app_configs, **kwargs):
    """The request limits and login protection's per-address and per-username rules count
    with cache.incr, atomic across processes on Redis only: Django's DatabaseCache reads
    then writes, LocMemCache counts in one process."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend == REDIS_BACKEND:
        return []
    what = "the rate limits and login protection count" if settings.RATE_LIMITS else "login protection counts"
    return [
        checks.Warning(
            f"The default cache is {backend.rsplit('.', 1)[-1]}, where {what} without atomic increments: "
            "parallel requests can slip past a limit.",
            hint="Use Redis in production: CACHE_URL=redis://host:6379/0 (README, Operating).",
            id="operations.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_client_address_behind_proxy(app_configs, **kwargs):
    """Behind a TLS proxy (SECURE_PROXY_SSL_HEADER set), REMOTE_ADDR is the proxy: without
    CLIENT_IP_HEADER every client shares one address for the limits and the login rules."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.CLIENT_IP_HEADER:
        return [
            checks.Warning(
                "SECURE_PROXY_SSL_HEADER is set but CLIENT_IP_HEADER is not: every client would share the "
                "proxy's address, so one client's failed logins or requests would lock out or limit everyone.",
                hint="Set CLIENT_IP_HEADER to the header your proxy overwrites with the client's address (X-Real-IP).",
                id="operations.W002",
            )
        ]
    return []
