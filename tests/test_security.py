"""Hardening: production settings pass `check --deploy`; every response carries a
Content Security Policy and the other security headers; cookies are secure; logins are
throttled; request sizes are bounded; links are http(s) only; and untrusted text (a
content farm's page, a quote, an analyst's note) renders inert on every page."""

import os
import secrets
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.urls import reverse

from claims.importer import ImportFailed, import_data
from claims.models import ActorAlias
from operations import throttle
from sources.models import Source
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_claim_link,
    make_denial,
    make_denial_citation,
    make_derivation,
    make_materiel,
    make_outlet,
    make_quantity,
    make_source,
    make_topic,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# Every variable the settings read: stripped from the environment of a fresh start-up.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "STATIC_ROOT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "CSRF_TRUSTED_ORIGINS",
    "CACHE_URL",
    "CLIENT_IP_HEADER",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_WINDOW",
    "LOGIN_ADDRESS_FAILURE_LIMIT",
    "LOGIN_USERNAME_FAILURE_LIMIT",
    "LOGIN_USERNAME_SLOWDOWN",
    "RATE_LIMITS",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_EXPORTS",
    "RATE_LIMIT_API",
    "REQUEST_MAX_BYTES",
)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "claims.example.org",
    "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    # The rate limits and login protection count atomically on Redis only (operations.W001).
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}


def run_with_environment(args: list[str], **variables) -> subprocess.CompletedProcess:
    """Run a fresh interpreter on the real settings module with exactly these variables."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def check_deploy(**variables) -> subprocess.CompletedProcess:
    return run_with_environment(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **variables)


def read_settings(*names, **variables) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(repr(getattr(s, {name!r}, None)))" for name in names
    )
    result = run_with_environment(["-c", code], **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# --- check --deploy and the production settings ------------------------------------------


def test_production_settings_pass_check_deploy_at_warning_level():
    result = check_deploy(**PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("weakened", "warning"),
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"ALLOWED_HOSTS": ""}, "security.W020"),
    ],
    ids=["debug-on", "short-secret-key", "no-allowed-hosts"],
)
def test_check_deploy_fails_with_a_weak_setup(weakened, warning):
    result = check_deploy(**{**PRODUCTION, **weakened})

    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_production_turns_on_https_only_settings():
    values = read_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SILENCED_SYSTEM_CHECKS",
        **PRODUCTION,
    )
    assert values == [
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "'same-origin'",
        "'DENY'",
        "True",
        "[]",
    ]


def test_debug_mode_serves_plain_http_for_make_run():
    values = read_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        DEBUG="1",
        DATABASE_URL=PRODUCTION["DATABASE_URL"],
    )
    assert values == ["False", "0", "False", "False"]


def test_deployment_behind_a_tls_proxy_is_configured_from_the_environment():
    values = read_settings(
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "CSRF_TRUSTED_ORIGINS",
        "CLIENT_IP_HEADER",
        "SILENCED_SYSTEM_CHECKS",
        **PRODUCTION,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        CSRF_TRUSTED_ORIGINS="https://claims.example.org, https://admin.example.org",
        CLIENT_IP_HEADER="X-Real-IP",
    )
    assert values == [
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "False",
        "600",
        "['https://claims.example.org', 'https://admin.example.org']",
        "'HTTP_X_REAL_IP'",
        "['security.W008']",  # the operator said the proxy redirects: that check is answered
    ]
    proxied = {
        **PRODUCTION,
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECURE_SSL_REDIRECT": "0",
        "CLIENT_IP_HEADER": "X-Real-IP",
    }
    assert check_deploy(**proxied).returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "explained"),
    [
        ("CACHE_URL", "memcached://127.0.0.1:11211", "not a supported cache URL"),
        ("CACHE_URL", "dummy://", "not a supported cache URL"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "not an HTTP header name"),
        ("SECURE_HSTS_SECONDS", "-1", "must be 0"),
        ("LOGIN_FAILURE_LIMIT", "0", "must be 1 or more"),
        ("LOGIN_ADDRESS_FAILURE_LIMIT", "0", "must be 1 or more"),
        ("LOGIN_USERNAME_FAILURE_LIMIT", "a hundred", "is not an integer"),
        ("LOGIN_USERNAME_SLOWDOWN", "0", "must be 1 or more"),
        ("RATE_LIMITS", "maybe", "is not a boolean"),
        ("REQUEST_MAX_BYTES", "ten megabytes", "is not an integer"),
    ],
)
def test_malformed_security_variable_stops_start_up_naming_it(variable, value, explained):
    result = run_with_environment(["-c", "import django; django.setup()"], **{**PRODUCTION, variable: value})

    assert result.returncode != 0
    assert variable in result.stderr
    assert explained in result.stderr


def test_cache_url_selects_redis_or_the_database_table():
    default, redis = (
        read_settings("CACHES", **{**PRODUCTION, "CACHE_URL": ""}),
        read_settings("CACHES", **{**PRODUCTION, "CACHE_URL": "redis://127.0.0.1:6379/3"}),
    )
    assert "django.core.cache.backends.db.DatabaseCache" in default[0]
    assert "'LOCATION': 'django_cache'" in default[0]
    assert "django.core.cache.backends.redis.RedisCache" in redis[0]
    assert "'LOCATION': 'redis://127.0.0.1:6379/3'" in redis[0]


# --- response headers --------------------------------------------------------------------

CSP_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def csp_directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Content-Security-Policy", "").split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/claims/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_content_security_policy(client, url):
    response = client.get(url)

    assert csp_directives(response) == CSP_DIRECTIVES
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_secure_responses_carry_hsts_and_the_other_security_headers(client):
    response = client.get("/", secure=True)

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


PERMISSIONS_POLICY = {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()", "browsing-topics=()"}


def permissions_policy(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Permissions-Policy", "").split(",") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/claims/", "/claims/sources.html", "/admin/login/", "/no-such-page/", "/healthz", "/readyz"]
)
def test_pages_are_same_origin_resources_and_turn_off_powerful_features(client, url):
    response = client.get(url)

    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert permissions_policy(response) == PERMISSIONS_POLICY


@pytest.mark.django_db
def test_a_redirect_to_https_carries_the_headers_too(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/claims/")

    assert response.status_code == 301
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert permissions_policy(response) == PERMISSIONS_POLICY


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/claims/sources.bib",
        "/claims/sources.ris",
        "/claims/sources.csl.json",
        "/claims/sources.txt",
        "/claims/data.csv",
        "/claims/data.json",
        "/claims/data.ndjson",
        "/claims/data.json?status=bogus",  # an export's 400 too: a tool reads its message
        "/claims/one-claim/cite.bib",
        "/feed.atom",
        "/api/claims/",
        "/api/schema/",
    ],
)
def test_exports_feeds_and_the_api_may_be_read_by_other_sites(client, url):
    """Public, read-only and the same for every reader: a reference manager's web client
    (fetch() from its own origin) may read them, and other pages may embed them."""
    make_claim(slug="one-claim")

    response = client.get(url)

    assert response.status_code in {200, 400}
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers  # never with cookies
    assert permissions_policy(response) == PERMISSIONS_POLICY


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_unless_the_proxy_says_it_was_https(client):
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        redirected = client.get("/claims/")
        proxied = client.get("/claims/", headers={"X-Forwarded-Proto": "https"})

    assert redirected.status_code == 301
    assert redirected.headers["Location"] == "https://testserver/claims/"
    assert proxied.status_code == 200


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_http_only(client, django_user_model):
    django_user_model.objects.create_user("reader", password="right-password", is_staff=True)
    login_page = client.get("/admin/login/", secure=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "reader", "password": "right-password"}, secure=True
    )

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert login_page.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True


# --- login throttling --------------------------------------------------------------------

LIMIT = 5


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("analyst", password="right-password", is_staff=True)
    user.groups.add(Group.objects.get(name="analyst"))
    return user


def admin_login(client, password, username="analyst", address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def login_errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()] if response.context else []


@pytest.mark.django_db
def test_after_five_failed_logins_even_the_right_password_is_refused(client, staff):
    for _ in range(LIMIT):
        assert admin_login(client, "wrong").status_code == 200

    response = admin_login(client, "right-password")

    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900
    assert not logged_in(client)
    [error] = login_errors(response)
    assert error.startswith("Too many failed logins for this account from your address. Try again in 15 minute(s)")


@pytest.mark.django_db
def test_four_failed_logins_do_not_lock_the_account(client, staff):
    for _ in range(LIMIT - 1):
        admin_login(client, "wrong")

    response = admin_login(client, "right-password")

    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_the_lock_holds_for_every_caller_of_authenticate(staff):
    request = RequestFactory().post("/api/login/", REMOTE_ADDR="10.0.0.1")
    for _ in range(LIMIT):
        assert authenticate(request, username="analyst", password="wrong") is None

    assert authenticate(request, username="analyst", password="right-password") is None
    other_address = RequestFactory().post("/api/login/", REMOTE_ADDR="10.0.0.2")
    assert authenticate(other_address, username="analyst", password="right-password") == staff


@pytest.mark.django_db
def test_the_lock_ends_when_the_window_has_passed(client, staff):
    with override_settings(LOGIN_FAILURE_WINDOW=2):  # the database cache keeps whole seconds
        for _ in range(LIMIT):
            admin_login(client, "wrong")
        assert admin_login(client, "right-password").status_code == 429
        time.sleep(2.2)

        response = admin_login(client, "right-password")

    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_a_successful_login_clears_only_its_own_username_and_address(client, staff, django_user_model):
    django_user_model.objects.create_user("editor", password="editor-password", is_staff=True)
    # Four failures, then a success: the count starts again for analyst from 10.0.0.1.
    for _ in range(LIMIT - 1):
        admin_login(client, "wrong")
    assert admin_login(client, "right-password").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        admin_login(client, "wrong")
    assert admin_login(client, "right-password").status_code == 302
    client.logout()
    # Locked from 10.0.0.1: another user's success there, or analyst's success from
    # another address, unlocks nothing.
    for _ in range(LIMIT):
        admin_login(client, "wrong")
    assert admin_login(client, "editor-password", username="editor").status_code == 302
    client.logout()
    assert admin_login(client, "right-password", address="10.0.0.2").status_code == 302
    client.logout()

    response = admin_login(client, "right-password")

    assert response.status_code == 429
    assert not logged_in(client)


@pytest.mark.django_db
def test_username_case_does_not_reset_the_count(client, staff):
    for name in ["analyst", "Analyst", "ANALYST", "aNaLyst", "analysT"]:
        admin_login(client, "wrong", username=name)

    assert admin_login(client, "right-password").status_code == 429
    assert not logged_in(client)


@pytest.mark.django_db
def test_client_address_comes_from_the_proxy_header_only_when_configured(client, staff):
    # Without CLIENT_IP_HEADER a header the client sends itself changes nothing.
    for n in range(LIMIT):
        client.post(
            "/admin/login/", {"username": "analyst", "password": "wrong"}, headers={"X-Real-IP": f"192.0.2.{n}"}
        )
    assert admin_login(client, "right-password", address="127.0.0.1").status_code == 429

    with override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", headers={"X-Real-IP": "192.0.2.7"})
        assert throttle.client_address(request) == "192.0.2.7"


def redis_cache_settings(prefix: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS, "KEY_PREFIX": prefix}
    }


REDIS = "redis://127.0.0.1:6379/15"


def redis_reachable() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture
def redis_cache():
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is unreachable at {REDIS}: start it (see README, Operating).")
        pytest.skip(f"Redis is unreachable at {REDIS}: the Redis leg of the throttling tests needs it.")
    with override_settings(CACHES=redis_cache_settings(f"test-{secrets.token_hex(4)}")):
        yield caches["default"]
        caches["default"].clear()


@pytest.mark.django_db
def test_throttling_works_with_a_redis_cache(client, staff, redis_cache):
    for _ in range(LIMIT):
        admin_login(client, "wrong")

    assert admin_login(client, "right-password").status_code == 429
    assert len(redis_cache.get_many(throttle._slot_keys("analyst", "10.0.0.1"))) == LIMIT


def test_parallel_guesses_cannot_slip_past_the_limit(redis_cache):
    """Five failures at the same instant, from five processes' worth of threads, take five
    distinct slots: a read-then-write count would let some of them overwrite each other."""
    for round_ in range(10):
        username = f"target-{round_}"
        barrier = threading.Barrier(LIMIT)

        def guess(username=username, barrier=barrier):
            barrier.wait()
            throttle.record_failure(username, "10.0.0.9")

        threads = [threading.Thread(target=guess) for _ in range(LIMIT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(redis_cache.get_many(throttle._slot_keys(username, "10.0.0.9"))) == LIMIT, round_
        assert throttle.seconds_locked(username, "10.0.0.9") > 0
        assert throttle.seconds_locked(username, "10.0.0.10") == 0


# --- request sizes -----------------------------------------------------------------------


@pytest.mark.django_db
def test_form_data_over_the_memory_limit_is_answered_400(client, staff):
    client.force_login(staff)
    body = "notes=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post("/admin/claims/topic/add/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


@pytest.mark.django_db
def test_too_many_form_fields_are_answered_400(client, staff):
    client.force_login(staff)
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.post("/admin/claims/topic/add/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


@pytest.mark.django_db
def test_a_large_claim_page_of_4000_fields_is_accepted(client, staff):
    client.force_login(staff)
    body = "&".join(f"f{i}=1" for i in range(4000))

    response = client.post("/admin/claims/topic/add/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200  # the form's own errors: no name, no slug


@pytest.mark.django_db
def test_a_body_over_the_request_limit_is_refused_with_413_before_it_is_read(client, staff):
    client.force_login(staff)
    upload = b"x" * (settings.REQUEST_MAX_BYTES + 1)
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + upload
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = client.post("/admin/claims/topic/add/", body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 413
    assert b"at most" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["-1", "lots"])
def test_a_malformed_content_length_is_answered_400(client, length):
    response = client.post("/admin/login/", b"", content_type="text/plain", CONTENT_LENGTH=length)

    assert response.status_code == 400


# --- links are http(s) only --------------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["url", "archive_url"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_admin_refuses_a_source_link_that_is_not_http(client, staff, field, url):
    client.force_login(staff)
    outlet = make_outlet()
    data = {"outlet": outlet.pk, "title": "T", "slug": "t", "kind": "article", "language": "en", field: url}
    data |= {"derivations-TOTAL_FORMS": "0", "derivations-INITIAL_FORMS": "0"}

    response = client.post(reverse("admin:sources_source_add"), data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Source.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["url", "archive_url"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_importer_refuses_a_source_link_that_is_not_http(field, url):
    data = {
        "outlets": [{"slug": "o", "name": "O", "kind": "newspaper"}],
        "sources": [{"slug": "s", "outlet": "o", "title": "T", field: url}],
    }

    with pytest.raises(ImportFailed) as excinfo:
        import_data(data)

    assert f"sources[0] (slug 's') {field}:" in str(excinfo.value)
    assert not Source.objects.exists()


# --- untrusted text renders inert ----------------------------------------------------------

PAYLOAD = (
    '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    '<a href="javascript:alert(2)">click</a><svg onload=alert(3)></svg>" onmouseover="alert(4)'
)
SHORT_PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"  # for 100-character fields


class _UnsafeMarkupFinder(HTMLParser):
    """Collects what could run in a browser: script elements other than JSON-LD data,
    event-handler attributes, and javascript:/data:/vbscript: links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._in_data_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("type") == "application/ld+json" and "src" not in attrs:
                self._in_data_script = True
            elif "src" not in attrs:
                self.found.append("inline <script>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"} and value:
                scheme = "".join(value.split()).lower().split(":", 1)[0]
                if scheme in {"javascript", "data", "vbscript"}:
                    self.found.append(f"<{tag} {name}={value!r}>")
        if "style" in attrs:
            self.found.append(f"<{tag} style=...> (inline style, blocked by the CSP)")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_data_script = False

    def handle_data(self, data):
        if self._in_data_script and "<" in data:
            self.found.append("markup inside the JSON-LD block")


def unsafe_markup(html: str) -> list[str]:
    finder = _UnsafeMarkupFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_unsafe_markup_finder_finds_the_payload_unescaped():
    """The check below is only as good as this finder: it must see the raw payload."""
    found = unsafe_markup(f"<p>{PAYLOAD}</p><div style='color:red'></div>")

    assert "inline <script>" in found
    assert "<img onerror=...>" in found
    assert "<a href='javascript:alert(2)'>" in found
    assert "<svg onload=...>" in found
    assert any("inline style" in f for f in found)
    assert unsafe_markup('<script type="application/ld+json">{"a": "</p>"}</script>') == [
        "markup inside the JSON-LD block"
    ]


def make_hostile_story():
    """A published story with the payload in every free-text field a reader can see."""
    outlet = make_outlet(name=f"Outlet {PAYLOAD}", notes=PAYLOAD)
    source = make_source(
        outlet=outlet,
        title=f"Source {PAYLOAD}",
        text=f"Article text {PAYLOAD}",
        authors=f"{SHORT_PAYLOAD}\nSecond author",
        notes=PAYLOAD,
        url="https://example.org/hostile?q=%3Cscript%3E",
    )
    copy = make_source(title=f"Copy {PAYLOAD}", outlet=make_outlet(name=f"Farm {PAYLOAD}"))
    make_derivation(source=copy, derived_from=source, note=PAYLOAD)
    actor = make_actor(name=f"Actor {PAYLOAD}", description=PAYLOAD, track_record=PAYLOAD)
    ActorAlias.objects.create(actor=actor, name=f"Alias {PAYLOAD}")
    topic = make_topic(name=f"Topic {PAYLOAD}", description=PAYLOAD)
    materiel = make_materiel(name=f"Materiel {PAYLOAD}", description=PAYLOAD)
    claim = make_claim(proposition=f"Claim {PAYLOAD}", hedge=SHORT_PAYLOAD, notes=PAYLOAD)
    claim.subjects.set([actor])
    claim.topics.set([topic])
    claim.materiel.set([materiel])
    make_attribution(claim=claim, actor=actor, channel=f"Channel {PAYLOAD}")
    make_quantity(claim=claim, materiel=materiel, as_worded=PAYLOAD, item=PAYLOAD, unit=SHORT_PAYLOAD)
    make_claim_citation(
        claim=claim,
        source=source,
        quote=f"Quote {PAYLOAD}",
        quote_prefix=PAYLOAD,
        quote_suffix=PAYLOAD,
        translation=PAYLOAD,
        locator=SHORT_PAYLOAD,
        note=PAYLOAD,
    )
    make_claim_citation(claim=claim, source=copy, quote="not in the text", note=PAYLOAD)
    other = make_claim(proposition=f"Other {PAYLOAD}")
    other.topics.set([topic])
    make_claim_link(from_claim=claim, to_claim=other, note=PAYLOAD)
    denial = make_denial(claims=[claim, other], deniers=[actor], statement=f"Denial {PAYLOAD}", notes=PAYLOAD)
    denial.channel = f"Channel {PAYLOAD}"
    denial.save()
    make_denial_citation(denial=denial, source=source, quote=f"Denial quote {PAYLOAD}", note=PAYLOAD)
    return {
        "claim": claim,
        "other": other,
        "denial": denial,
        "source": source,
        "copy": copy,
        "outlet": outlet,
        "actor": actor,
        "topic": topic,
        "materiel": materiel,
    }


@pytest.fixture
def hostile(db):
    return make_hostile_story()


def hostile_public_urls(story) -> list[str]:
    return [
        "/",
        "/claims/",
        "/actors/",
        "/topics/",
        "/materiel/",
        "/sources/",
        "/outlets/",
        "/search/?q=" + "alert",
        "/search/?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/claims/?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        *(obj.get_absolute_url() for obj in story.values()),
    ]


@pytest.mark.django_db
def test_untrusted_text_renders_inert_on_every_public_page(client, hostile):
    pages_with_payload = 0
    for url in hostile_public_urls(hostile):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert unsafe_markup(html) == [], url
        pages_with_payload += "&lt;script&gt;alert(" in html
    assert pages_with_payload >= 12  # the payload is shown, escaped, not dropped


@pytest.mark.django_db
def test_the_timeline_svg_shows_untrusted_text_escaped(client, hostile):
    html = client.get(hostile["topic"].get_absolute_url()).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "&lt;script&gt;" in svg
    assert "<script" not in svg
    assert unsafe_markup(svg) == []


@pytest.mark.django_db
def test_untrusted_text_renders_inert_in_the_admin(client, hostile, staff):
    client.force_login(staff)
    urls = []
    for key in ("claim", "denial", "source", "outlet", "actor", "topic", "materiel"):
        obj = hostile[key]
        meta = obj._meta
        urls += [
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert unsafe_markup(response.content.decode()) == [], url


# --- in a real browser: the policy breaks nothing, the payload runs nowhere -----------------


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`.")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used between page loads only
    problems = []
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        # The admin's pages link no icon, so Chromium asks for /favicon.ico, which we do not serve.
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        yield page, live_server.url, problems
        chromium.close()


@pytest.fixture
def browser_story(transactional_db, django_user_model):
    """Written before the browser starts: once Playwright runs its event loop in this
    thread, the ORM would open a connection of its own that the test never closes. A
    superuser: the groups `migrate` created are gone after an earlier test's flush."""
    django_user_model.objects.create_superuser("analyst", password="right-password")
    return make_hostile_story()


def test_admin_works_under_the_policy_and_hostile_text_runs_nowhere(browser_story, browser):
    page, base, problems = browser
    story = browser_story

    page.goto(base + "/admin/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "right-password")
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")
    # The claim's page: inlines and autocomplete (select2); a new claim's slug box stays
    # blank for the server to fill (operations/slugs.py), no script writes into it.
    page.goto(base + reverse("admin:claims_claim_change", args=[story["claim"].pk]))
    page.click(".field-subjects .select2-selection")
    page.wait_for_selector(".select2-results__option")
    page.keyboard.press("Escape")
    page.click("#attributions-group .add-row a")
    assert page.locator("#attributions-group tr.form-row.dynamic-attributions").count() >= 2
    page.goto(base + reverse("admin:claims_claim_add"))
    page.fill("#id_proposition", "Seoul says Pyongyang shipped shells")
    page.locator("#id_proposition").blur()
    assert page.input_value("#id_slug") == ""
    # The public pages showing the payload.
    for key in ("claim", "denial", "source", "topic", "actor"):
        page.goto(base + story[key].get_absolute_url())
        assert "<script>alert" in page.inner_text("main")  # shown as text

    assert problems == [], problems
