"""Settings for the test suite: the real settings, with the variables a test run
needs given safe defaults. DATABASE_URL still chooses SQLite or PostgreSQL."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1")
# The suite runs production settings (DEBUG off) over the test client's plain http:
# no redirect to https. tests/test_security.py checks the production values themselves.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Request rate limits off: the test client makes every request from 127.0.0.1, and the
# fuzz tests and schemathesis make hundreds. tests/test_rate_limits.py turns them on.
os.environ.setdefault("RATE_LIMITS", "0")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# Static files without `collectstatic`. The manifest storage of production needs the
# manifest collectstatic writes ({% static %} raises without it, and manifest_strict off
# would still look for the collected file), so the suite links the source names through
# the plain storage, and WhiteNoise finds them in the apps' static directories on each
# request as under runserver (no STATIC_ROOT needed, so no "No directory" warning).
# tests/test_serve.py runs the production storage itself: collectstatic, then gunicorn.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A second alias standing in for a read replica, for tests/test_replicas.py: a test
# mirror of "default" (the same test database). Nothing reads from it unless a test
# names it in DATABASE_REPLICAS (override_settings); DATABASE_REPLICA_URLS stays unset.
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}  # noqa: F405

# Background tasks run at once, in the request that enqueues them: an intake fetch has
# finished by the redirect that follows (tests/test_intake_page.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
