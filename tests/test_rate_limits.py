"""Request rate limits (operations/ratelimit.py): search, exports and the API each admit
N requests in S seconds from one address, then answer 429 with Retry-After; the address
comes from CLIENT_IP_HEADER only when it is configured; counting is atomic on Redis; and
`check --deploy` asks for Redis. The suite runs with the limits off (tests/settings.py):
each test here turns them on."""

import json
import secrets
import threading
import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from operations import ratelimit
from tests.test_security import (
    PRODUCTION,
    REDIS,
    check_deploy,
    redis_cache_settings,
    redis_reachable,
    run_with_environment,
)

pytestmark = pytest.mark.django_db

LIMIT = 3
# An hour: a fixed window that ends in the middle of a test would reset its count.
WINDOW = 3600


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = True
    settings.RATE_LIMIT_SEARCH = (LIMIT, WINDOW)
    settings.RATE_LIMIT_EXPORTS = (LIMIT, WINDOW)
    settings.RATE_LIMIT_API = (LIMIT, WINDOW)
    settings.CLIENT_IP_HEADER = None
    return settings


def hammer(client, url, times, **extra):
    return [client.get(url, **extra).status_code for _ in range(times)]


def assert_throttled(response, window=WINDOW):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window  # whole seconds, as HTTP says
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("url", "group"),
    [
        ("/search/?q=shells", "search"),
        ("/claims/?q=shells", "search"),  # the list's text filter runs the same search
        ("/claims/data.csv", "exports"),
        ("/claims/sources.bib", "exports"),
    ],
)
def test_a_page_past_its_limit_answers_429_with_retry_after(client, limits, url, group):
    assert hammer(client, url, LIMIT) == [200] * LIMIT

    response = client.get(url)

    assert_throttled(response)
    assert response["Content-Type"].startswith("text/html")
    assert f"too many {group} requests" in response.content.decode()
    assert f"try again in {response['Retry-After']} second(s)" in response.content.decode()


def test_the_api_past_its_limit_answers_json_429_with_retry_after(client, limits):
    assert hammer(client, "/api/claims/", LIMIT) == [200] * LIMIT

    response = client.get("/api/claims/?page_size=1")

    assert_throttled(response)
    assert response["Content-Type"] == "application/json"
    detail = json.loads(response.content)["detail"]
    assert detail == f"Request was throttled. Expected available in {response['Retry-After']} seconds."


def test_groups_are_counted_apart_and_other_pages_are_not_limited(client, limits):
    hammer(client, "/search/?q=shells", LIMIT + 1)

    assert client.get("/claims/data.csv").status_code == 200
    assert client.get("/api/claims/").status_code == 200
    assert hammer(client, "/claims/", 2 * LIMIT) == [200] * 2 * LIMIT  # no text filter: not a search
    assert hammer(client, "/", 2 * LIMIT) == [200] * 2 * LIMIT


def test_limits_are_per_address(client, limits):
    hammer(client, "/api/claims/", LIMIT + 1, REMOTE_ADDR="10.1.1.1")

    assert client.get("/api/claims/", REMOTE_ADDR="10.1.1.1").status_code == 429
    assert client.get("/api/claims/", REMOTE_ADDR="10.1.1.2").status_code == 200


def test_an_ipv6_client_counts_as_its_64(client, limits):
    hammer(client, "/api/claims/", LIMIT, REMOTE_ADDR="2001:db8:1:2::1")

    assert client.get("/api/claims/", REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    assert client.get("/api/claims/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


@pytest.mark.parametrize("off", [{"RATE_LIMITS": False}, {"RATE_LIMIT_SEARCH": None}])
def test_a_limit_turned_off_never_answers_429(client, limits, off):
    with override_settings(**off):
        assert hammer(client, "/search/?q=shells", 3 * LIMIT) == [200] * 3 * LIMIT


def test_the_address_comes_from_the_configured_header_only(client, limits):
    # Without CLIENT_IP_HEADER, headers the client sends change nothing: REMOTE_ADDR counts.
    for n in range(LIMIT):
        client.get("/api/claims/", headers={"X-Forwarded-For": f"192.0.2.{n}", "X-Real-IP": f"192.0.2.{n}"})
    assert client.get("/api/claims/", headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429

    # With it, that header's (last) address counts, and X-Forwarded-For still changes nothing.
    with override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        for n in range(LIMIT):
            response = client.get(
                "/api/claims/", headers={"X-Real-IP": "198.51.100.7", "X-Forwarded-For": f"192.0.2.{n}"}
            )
            assert response.status_code == 200
        assert client.get("/api/claims/", headers={"X-Real-IP": "198.51.100.7"}).status_code == 429
        assert client.get("/api/claims/", headers={"X-Real-IP": "198.51.100.8"}).status_code == 200


def test_a_client_is_admitted_again_once_retry_after_has_passed(client, limits):
    limits.RATE_LIMIT_API = (1, 2)  # the database cache keeps whole seconds
    client.get("/api/claims/")
    response = client.get("/api/claims/")
    assert_throttled(response, window=2)

    time.sleep(int(response["Retry-After"]) + 0.2)

    assert client.get("/api/claims/").status_code == 200


def test_a_cache_that_cannot_answer_lets_requests_through(client, limits, caplog):
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    with override_settings(CACHES=unreachable):
        assert hammer(client, "/api/claims/", LIMIT + 1) == [200] * (LIMIT + 1)

    assert "Rate limit for api not counted: the cache did not answer" in caplog.text


@pytest.mark.parametrize("period", [1, 2, 7, 60])
def test_retry_after_is_never_early(period):
    """Whatever the instant, the window counting a request has ended once its Retry-After
    has passed (django-ratelimit keeps counting in a window through its last second)."""
    from django_ratelimit import core

    for step in range(40):
        now = 1_000_000 + step * 0.37
        with mock.patch.object(core.time, "time", return_value=now):
            _, seconds = ratelimit.count("rate-test", "10.9.9.9", (5, period), increment=False)
            window = core._get_window("10.9.9.9", period)
        with mock.patch.object(core.time, "time", return_value=now + seconds):
            assert core._get_window("10.9.9.9", period) != window, (now, seconds)
        assert 1 <= seconds <= period


# --- settings and the deploy check ---------------------------------------------------------


@pytest.mark.parametrize("value", ["sixty", "60", "60/0", "0/60", "60/1m"])
def test_a_malformed_rate_stops_start_up_naming_the_variable(value):
    result = run_with_environment(["-c", "import django; django.setup()"], **PRODUCTION, RATE_LIMIT_API=value)

    assert result.returncode != 0
    assert "RATE_LIMIT_API" in result.stderr
    assert "is not a rate" in result.stderr


def test_the_deploy_check_asks_for_redis_when_the_cache_is_not():
    for cache_url in ["db://django_cache", "locmem://"]:
        result = check_deploy(**{**PRODUCTION, "CACHE_URL": cache_url})
        assert result.returncode != 0
        assert "operations.W001" in result.stdout + result.stderr
        assert "rate limits" in result.stdout + result.stderr

    assert check_deploy(**PRODUCTION).returncode == 0  # Redis: no warning


def test_the_deploy_check_asks_for_client_ip_header_behind_a_proxy():
    behind_proxy = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}

    result = check_deploy(**behind_proxy)

    assert result.returncode != 0
    assert "operations.W002" in result.stdout + result.stderr
    assert check_deploy(**behind_proxy, CLIENT_IP_HEADER="X-Real-IP").returncode == 0


# --- atomic counting on Redis --------------------------------------------------------------


@pytest.fixture
def redis_cache():
    if not redis_reachable():
        pytest.skip(f"Redis is unreachable at {REDIS}: the atomic counting test needs it.")
    with override_settings(CACHES=redis_cache_settings(f"test-rl-{secrets.token_hex(4)}")):
        yield caches["default"]
        caches["default"].clear()


def test_parallel_requests_admit_exactly_the_limit_on_redis(limits, redis_cache):
    """40 requests from one address at the same instant, limit 10: exactly 10 admitted.
    A read-then-write count would let several read the same number and all pass."""
    limit, threads_count = 10, 40
    limits.RATE_LIMIT_API = (limit, WINDOW)
    for round_ in range(5):
        request = RequestFactory().get("/api/claims/", REMOTE_ADDR=f"10.7.7.{round_}")
        barrier = threading.Barrier(threads_count)
        admitted = []

        def one(request=request, barrier=barrier, admitted=admitted):
            barrier.wait()
            if ratelimit.seconds_limited(request, "api") == 0:
                admitted.append(1)

        threads = [threading.Thread(target=one) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(admitted) == limit, round_
