"""Tiny typed readers for environment variables.

Each one fails loudly with the variable's name, so a typo in deployment stops
start-up with a message instead of running with a silently wrong setting.
"""

import os
import re

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, compared without case or surrounding spaces; unset or empty
    gives the default."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    by_key = {choice.casefold(): choice for choice in choices}
    if (value := by_key.get(raw.strip().casefold())) is None:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return value


def env_int_at_least(name: str, default: int, minimum: int, meaning: str = "") -> int:
    """An integer no smaller than `minimum`; `meaning` says what the smallest value does."""
    value = env_int(name, default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be {minimum}{meaning} or more.")
    return value


_RATE = re.compile(r"(\d+)/(\d+)")


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """A rate as N/S, at most N requests in S seconds (60/60), both 1 or more, as the
    tuple (N, S); 0 or off gives None (no limit). Unset or empty gives the default."""
    raw = os.environ.get(name)
    value = default if raw is None or not raw.strip() else raw.strip()
    if value.lower() in {"0", "off"}:
        return None
    match = _RATE.fullmatch(value)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use N/S, at most N requests in S seconds (60/60), or 0 for no limit."
        )
    return int(match[1]), int(match[2])


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    """Parse a database URL: sqlite:///path or postgres://user:pass@host:port/db."""
    raw = os.environ.get(name) or default
    try:
        return _parse_database(raw)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{name}={exc}") from None


def _parse_database(raw: str) -> dict:
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{raw!r} is not a supported database URL: "
            "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:port/name."
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # the library raises several types for bad URLs
        raise ImproperlyConfigured(f"{raw!r} could not be parsed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{raw!r} names no database.")
    return config


def env_database_list(name: str) -> list[dict]:
    """Comma-separated database URLs (each as env_database reads one); none when unset."""
    configs = []
    for position, url in enumerate(env_list(name, []), start=1):
        try:
            configs.append(_parse_database(url))
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(f"{name}, URL {position}: {exc}") from None
    return configs


def env_cache(name: str, default: str) -> dict:
    """Parse a cache URL into one CACHES entry.

    db://table_name      Django's DatabaseCache in that table (shared by every process;
                         `migrate` creates the table, see operations/apps.py)
    redis://host:port/n  Django's RedisCache (also rediss:// for TLS)
    locmem://            one process's memory: only for a single-process development server

    There is deliberately no dummy cache: login protection and the rate limits count in it.
    """
    raw = os.environ.get(name) or default
    scheme, _, rest = raw.partition("://")
    if scheme in {"redis", "rediss"} and rest:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw}
    if scheme == "db" and rest.strip("/").replace("_", "").isalnum():
        # Culling trims the table when it is full: keep it far above what throttling needs.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest.strip("/"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest or "default"}
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a supported cache URL: "
        "use db://table_name, redis://host:port/db or locmem:// (one process only)."
    )


def env_header(name: str) -> str | None:
    """An HTTP header name such as X-Forwarded-Proto, as Django's META key
    (HTTP_X_FORWARDED_PROTO); None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not all(part.isalnum() for part in raw.split("-")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not an HTTP header name such as X-Forwarded-Proto.")
    return "HTTP_" + raw.upper().replace("-", "_")
