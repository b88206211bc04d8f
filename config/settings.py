"""Settings, read from environment variables (see README, "Configuration")."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import (
    env_bool,
    env_cache,
    env_choice,
    env_database,
    env_database_list,
    env_header,
    env_int,
    env_int_at_least,
    env_list,
    env_rate,
    env_str,
)
from operations.database import connection_options
from operations.logging import LOG_FORMATS, LOG_LEVELS, logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Operating).")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 (DEBUG only)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "config.admin_site.CurationAdminConfig",  # django.contrib.admin with the curation home page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "django_tasks_db",
    "sources",
    "claims",
    "history",
    "operations",
    "web",
]

MIDDLEWARE = [
    # First: a request id and an access line for every request, redirects and 413s too;
    # a 503 for a database that cannot answer; Permissions-Policy and CORP headers.
    "operations.middleware.RequestIdMiddleware",
    "operations.middleware.DatabaseUnavailableMiddleware",
    "operations.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves STATIC_ROOT itself (README, "Operating"): right after SecurityMiddleware,
    # before anything that would touch the session or the database for a static file.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "operations.middleware.RequestSizeLimitMiddleware",
    # 429 for a client past its search, export or API limit, before the session is read;
    # 429 for a login refused by login protection (operations/throttle.py).
    "operations.ratelimit.RateLimitMiddleware",
    "operations.throttle.LoginThrottleMiddleware",
    # Where this request reads (a replica, or the primary), then the public answers'
    # validator, 304s and page cache, which read the change counter there (README,
    # "Several app servers" and "HTTP caching").
    "operations.replicas.ReadReplicaMiddleware",
    "operations.http_cache.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Time limits (operations/database.py): connecting, in seconds, for every process; each
# statement, in milliseconds, for web processes only (config/wsgi.py and config/asgi.py
# set CLAIMS_WEB_PROCESS): never for migrations, management commands or a streamed export.
DATABASE_CONNECT_TIMEOUT = env_int_at_least("DATABASE_CONNECT_TIMEOUT", 5, 1)
DATABASE_STATEMENT_TIMEOUT = env_int_at_least("DATABASE_STATEMENT_TIMEOUT", 30_000, 0, " (no limit)")
WEB_PROCESS = env_bool("CLAIMS_WEB_PROCESS", False)
# Read replicas of "default" (operations/replicas.py): public GETs read from one of
# them; the admin, every write, and a client's reads for READ_PRIMARY_SECONDS after it
# wrote go to the primary, as does everything outside a web request.
DATABASE_REPLICAS = []
for number, replica in enumerate(env_database_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{number}"] = replica
    DATABASE_REPLICAS.append(f"replica{number}")
READ_PRIMARY_SECONDS = env_int_at_least("READ_PRIMARY_SECONDS", 10, 1)
DATABASE_ROUTERS = ["operations.replicas.ReplicaRouter"]
for database in DATABASES.values():  # every replica has the primary's time limits
    database["OPTIONS"] = connection_options(
        database["ENGINE"],
        connect_timeout=DATABASE_CONNECT_TIMEOUT,
        statement_timeout_ms=DATABASE_STATEMENT_TIMEOUT if WEB_PROCESS else 0,
        existing=database.get("OPTIONS", {}),
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# `collectstatic` writes every file under a name carrying a hash of its content, plus a
# gzip (and, with the brotli package, a brotli) copy; WhiteNoise serves the hashed names
# with a ten-year immutable Cache-Control and the compressed copy a client asks for.
# {% static %} needs the manifest collectstatic writes (tests/settings.py says why the
# tests use the plain storage).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# An analyst edits a claim with its whole relay chain, quantities and citations on
# one page; the default limit of 1,000 fields is too tight for a large claim.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Security (README, "Operating") ------------------------------------------------
# Production is DEBUG off: HTTPS only, cookies never sent over plain http, HSTS.
# `make run` (DEBUG on, plain http on 127.0.0.1) keeps the HTTPS-only parts off.
PRODUCTION = not DEBUG

# Behind a proxy that terminates TLS, name the header it sets to "https" for secure
# requests (X-Forwarded-Proto); the proxy must overwrite any value a client sends.
if proxy_header := env_header("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (proxy_header, "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# A load balancer probes over plain http (operations/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured(f"SECURE_HSTS_SECONDS={SECURE_HSTS_SECONDS} must be 0 (no HSTS) or more.")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# An operator who turns one of these off in the environment (the proxy redirects to
# HTTPS or sends HSTS itself, subdomains not all on HTTPS) has answered the deploy check
# that asks about it: silence exactly that check, so `check --deploy` stays meaningful.
# A default changed in this file silences nothing.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, variable, weakened in [
        ("security.W008", "SECURE_SSL_REDIRECT", not SECURE_SSL_REDIRECT),
        ("security.W004", "SECURE_HSTS_SECONDS", not SECURE_HSTS_SECONDS),
        ("security.W005", "SECURE_HSTS_INCLUDE_SUBDOMAINS", not SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", "SECURE_HSTS_PRELOAD", not SECURE_HSTS_PRELOAD),
    ]
    if PRODUCTION and weakened and env_str(variable, "").strip()
]

# Content Security Policy, in every mode (a violation shows up in development first).
# The pages run no script at all; the admin runs only its own static files. The
# JSON-LD block on claim pages is data, which browsers neither run nor block.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login protection (operations/throttle.py), every rule answered 429 with Retry-After:
# A. LOGIN_FAILURE_LIMIT failures for one username from one address within
#    LOGIN_FAILURE_WINDOW seconds lock that username from that address (sliding window);
# B. LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, any usernames, in a window of
#    LOGIN_FAILURE_WINDOW seconds lock that address until the window ends;
# C. LOGIN_USERNAME_FAILURE_LIMIT failures for one username, any addresses, in such a
#    window slow its logins to one every LOGIN_USERNAME_SLOWDOWN seconds, never a lock.
AUTHENTICATION_BACKENDS = ["operations.throttle.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_FAILURE_WINDOW < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_FAILURE_WINDOW must be 1 or more.")
LOGIN_ADDRESS_FAILURE_LIMIT = env_int_at_least("LOGIN_ADDRESS_FAILURE_LIMIT", 20, 1)
LOGIN_USERNAME_FAILURE_LIMIT = env_int_at_least("LOGIN_USERNAME_FAILURE_LIMIT", 100, 1)
LOGIN_USERNAME_SLOWDOWN = env_int_at_least("LOGIN_USERNAME_SLOWDOWN", 5, 1)

# Request rate limits per client address (operations/ratelimit.py): at most N requests
# in S seconds (N/S; 0 for no limit) for search (/search/, a claims list filtered by q=),
# the exports (sources.*, data.*, cite.*, figures.csv) and the API; 429 with Retry-After
# beyond. RATE_LIMITS=0 turns all three off (the test suite and the benchmark do).
# Counted in the default cache: Redis in production (`check --deploy` says so).
RATE_LIMITS = env_bool("RATE_LIMITS", True)
RATE_LIMIT_SEARCH = env_rate("RATE_LIMIT_SEARCH", "60/60")
RATE_LIMIT_EXPORTS = env_rate("RATE_LIMIT_EXPORTS", "30/60")
RATE_LIMIT_API = env_rate("RATE_LIMIT_API", "120/60")

# The client's address is REMOTE_ADDR unless a proxy you control sets this header
# (X-Real-IP) and clients cannot reach the application past it.
CLIENT_IP_HEADER = env_header("CLIENT_IP_HEADER")

# The failure counts must be shared by every application process: the default cache
# is a database table (created by `migrate`); CACHE_URL=redis://127.0.0.1:6379/0 uses Redis.
CACHES = {"default": env_cache("CACHE_URL", "db://django_cache")}

# HTTP caching of the public site (operations/http_cache.py, README "HTTP caching"):
# how long browsers and proxies may reuse an answer without asking again (a conditional
# GET after that costs one query), for pages and the API, and for exports, feeds and
# sitemaps; with a Redis cache, how long whole answers are kept there (0: not kept).
HTTP_CACHE_MAX_AGE = env_int_at_least("HTTP_CACHE_MAX_AGE", 60, 0)
HTTP_CACHE_MAX_AGE_FILES = env_int_at_least("HTTP_CACHE_MAX_AGE_FILES", 300, 0)
PAGE_CACHE_SECONDS = env_int_at_least("PAGE_CACHE_SECONDS", 600, 0, " (no page cache)")
# The views whose answers are public and the same for every reader (URL names with
# their namespaces, shell patterns): the pages, exports, feeds, the API's records and
# the sitemaps. Not the admin, nor the probes, nor the API's schema (made from the code,
# not the data: it needs no database).
HTTP_CACHE_VIEWS = ["web:*", "export:*", "api:api-root", "api:*-list", "api:*-detail", "sitemap", "sitemap_section"]

# Request sizes. A source's full text is pasted into the admin, so form data may be up
# to 5 MiB (Django's default 2.5 MiB); the only file uploads are staff's, on the intake
# page (INTAKE_FETCH_MAX_BYTES), and any request body over REQUEST_MAX_BYTES is refused
# with 413 before it is read, an upload included.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 10 * 1024 * 1024)

# --- Logs (operations/logging.py, README "Health checks and logs") -----------------------
# One line per event on stdout, each with its request id: LOG_FORMAT=json for JSON lines.
# ADMINS stays empty: errors are read from the logs, not mailed.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", LOG_FORMATS)
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)
LOGGING_CONFIG = "operations.logging.configure"
LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)

# --- Read-only JSON API (/api/, README "Exports and API") ---------------------------
# Public and read-only: no authentication (so no session or CSRF semantics), JSON only.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claims knowledge base API",
    "DESCRIPTION": "Read-only access to the published claims, denials, actors, topics and sources. "
    "Claims take the same filters as the /claims/ page.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "sources.date_fields.Precision",
        "SourceKindEnum": "sources.models.SourceKind",
        "ActorKindEnum": "claims.models.ActorKind",
        "DenialKindEnum": "claims.models.DenialKind",
        "ClaimLinkKindEnum": "claims.models.ClaimLinkKind",
    },
}

# --- Intake: copy detection (sources/intake/, README "Intake") ----------------------------
# A shared passage is a run of at least this many words in both texts; shorter runs are
# common phrases ("the United States and South Korea"), not copying.
INTAKE_PASSAGE_MIN_WORDS = 8
# republishes: at least this share of the stored text's words lie in passages of the new
# one (it carries the whole story) ...
INTAKE_REPUBLISHES_MIN_CONTAINMENT = 0.9
# ... and those passages are at least this share of the new text (most of what it says;
# pasted text keeps boilerplate that extraction removes from a page).
INTAKE_REPUBLISHES_MIN_SHARE = 0.5
# summarises: at least this share of the new text is passages of the stored one, and the
# new text is at most INTAKE_SUMMARY_MAX_LENGTH_RATIO times as long; any lesser overlap
# is proposed as quotes.
INTAKE_SUMMARISES_MIN_CONTAINMENT = 0.2
INTAKE_SUMMARY_MAX_LENGTH_RATIO = 0.8
# How many candidates (stored sources sharing the most signature bands) are aligned.
INTAKE_CANDIDATES = 5

# --- Intake: fetching and background tasks (sources/intake/fetch.py, README "Intake") ------
# The most intake reads of one document, fetched, uploaded or read from a file (bytes).
INTAKE_FETCH_MAX_BYTES = env_int_at_least("INTAKE_FETCH_MAX_BYTES", 20 * 2**20, 1)
# The longest one fetch may take, redirects and the whole body included (seconds).
INTAKE_FETCH_TIMEOUT = env_int_at_least("INTAKE_FETCH_TIMEOUT", 20, 1)
# Fetch from private, loopback, link-local and other non-public addresses too: off, so a
# URL cannot make the server read its own network (the tests turn it on for their local
# server). Checked on the address connected to, after every redirect.
INTAKE_ALLOW_PRIVATE_ADDRESSES = env_bool("INTAKE_ALLOW_PRIVATE_ADDRESSES", False)
# Documents given to the intake page are kept this many days, for the analyst to come
# back to; older ones are deleted when the next is given (sources/admin_intake.py).
INTAKE_KEEP_DAYS = env_int_at_least("INTAKE_KEEP_DAYS", 7, 1)
# Where "Save source" on the intake page goes: this URL name, reversed with the new
# source's id, else the source's change page when the name does not resolve.
INTAKE_NEXT_URL_NAME = "admin:claims_claim_quote"

# Django's task framework: tasks are rows of django-tasks-db's table, run by its worker
# (`manage.py db_worker`, started by `make serve` beside gunicorn); the suite runs them at
# once (tests/settings.py). /readyz reports how long the oldest waiting task has waited.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task waiting longer than this means no worker is taking them (/readyz says "behind").
TASKS_WORKER_LATE_SECONDS = env_int_at_least("TASKS_WORKER_LATE_SECONDS", 60, 1)
