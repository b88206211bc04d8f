"""Settings for the test suite: the real settings, with the variables a test run
needs given safe defaults. DATABASE_URL still chooses SQLite or PostgreSQL."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1")
# The suite runs production settings (DEBUG off) over the test client's plain http:
# no redirect to https. tests/test_security.py checks the production values themselves.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
