"""Login protection's three rules (operations/throttle.py), each answered 429 with an
integer Retry-After and a message saying why: A locks a username from one address only,
B locks an address whatever the usernames, C slows a username down from everywhere but
never locks it. The (username, address) rule's finer behaviour (its sliding window, what
a success clears, case) is in tests/test_security.py."""

import secrets
import threading
import time

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from operations import throttle
from tests.test_security import REDIS, redis_cache_settings, redis_reachable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def long_window(settings):
    """A day: rules B and C count in fixed windows, and one ending in the middle of a test
    would reset its count."""
    settings.LOGIN_FAILURE_WINDOW = 24 * 3600


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("analyst", password="right-password", is_staff=True)
    user.groups.add(Group.objects.get(name="analyst"))
    return user


def admin_login(client, password, username="analyst", address="10.0.0.1", **headers):
    client.logout()
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def error(response) -> str:
    [message] = [str(e) for e in response.context["form"].non_field_errors()]
    return message


def retry_after(response) -> int:
    assert response.status_code == 429
    return int(response["Retry-After"])  # an integer number of seconds, or this raises


def test_rule_a_locks_a_username_from_one_address_only(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert admin_login(client, "wrong").status_code == 200

    refused = admin_login(client, "right-password")

    assert 0 < retry_after(refused) <= settings.LOGIN_FAILURE_WINDOW
    assert error(refused).startswith("Too many failed logins for this account from your address.")
    assert admin_login(client, "right-password", address="10.0.0.2").status_code == 302


def test_rule_a_counts_an_ipv6_client_as_its_64(client, staff, settings):
    """Rotating addresses inside one /64 (one customer's network) does not buy more guesses."""
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        assert admin_login(client, "wrong", address=f"2001:db8:1:2::{n + 1:x}").status_code == 200

    refused = admin_login(client, "right-password", address="2001:db8:1:2::ffff")

    assert retry_after(refused)
    assert error(refused).startswith("Too many failed logins for this account from your address.")
    assert admin_login(client, "right-password", address="2001:db8:1:3::1").status_code == 302


def test_rule_b_locks_an_address_whatever_the_usernames(client, staff, django_user_model, settings):
    django_user_model.objects.create_user("editor", password="editor-password", is_staff=True)
    # A spray: one guess at each of many usernames, none of them near rule A's limit.
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert admin_login(client, "guess", username=f"user{n}", address="10.0.0.3").status_code == 200
    assert admin_login(client, "editor-password", username="editor", address="10.0.0.3").status_code == 302
    assert admin_login(client, "guess", username="someone", address="10.0.0.3").status_code == 200  # the 20th

    refused = admin_login(client, "right-password", address="10.0.0.3")

    assert 0 < retry_after(refused) <= settings.LOGIN_FAILURE_WINDOW
    assert error(refused).startswith("Too many failed logins from your address.")
    assert retry_after(admin_login(client, "editor-password", username="editor", address="10.0.0.3"))
    assert admin_login(client, "right-password", address="10.0.0.4").status_code == 302


def test_rule_c_slows_a_username_down_without_locking_it(client, staff, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 12
    settings.LOGIN_USERNAME_SLOWDOWN = 2
    # Many addresses, each under rules A and B: 3 guesses from each of 4.
    for n in range(4):
        for _ in range(3):
            assert admin_login(client, "wrong", address=f"10.2.0.{n}").status_code == 200
    # Now one attempt per 2 seconds, from anywhere: this one goes ahead (and fails) ...
    assert admin_login(client, "wrong", address="10.2.1.1").status_code == 200

    # ... and the next, even the right password from a fresh address, waits its turn.
    refused = admin_login(client, "right-password", address="10.2.1.2")
    seconds = retry_after(refused)
    assert 1 <= seconds <= settings.LOGIN_USERNAME_SLOWDOWN
    assert error(refused).startswith("Too many failed logins for this account: logins for it are slowed down.")
    # The database cache keeps a key through the second its expiry is rounded down to.
    time.sleep(seconds + 1.2)

    assert admin_login(client, "right-password", address="10.2.1.3").status_code == 302


def test_rule_c_does_not_slow_other_usernames(client, staff, django_user_model, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 4
    django_user_model.objects.create_user("editor", password="editor-password", is_staff=True)
    for n in range(5):
        admin_login(client, "wrong", address=f"10.3.0.{n}")

    assert retry_after(admin_login(client, "right-password", address="10.3.1.1"))
    assert admin_login(client, "editor-password", username="editor", address="10.3.1.1").status_code == 302


def test_the_rules_hold_for_every_caller_of_authenticate(staff, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    request = RequestFactory().post("/elsewhere/login/", REMOTE_ADDR="10.4.0.1")
    for n in range(3):
        assert authenticate(request, username=f"user{n}", password="wrong") is None

    again = RequestFactory().post("/elsewhere/login/", REMOTE_ADDR="10.4.0.1")
    assert authenticate(again, username="analyst", password="right-password") is None
    assert throttle.refused_login(again)[0] == throttle.ADDRESS
    assert authenticate(
        RequestFactory().post("/", REMOTE_ADDR="10.4.0.2"), username="analyst", password="right-password"
    )


def test_a_spoofed_forwarded_for_changes_nothing_without_client_ip_header(client, staff, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for n in range(4):
        admin_login(client, "wrong", username=f"user{n}", address="127.0.0.1", **{"X-Forwarded-For": f"192.0.2.{n}"})

    refused = admin_login(client, "right-password", address="127.0.0.1", **{"X-Forwarded-For": "192.0.2.200"})

    assert retry_after(refused)
    with override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        assert (
            admin_login(client, "right-password", address="127.0.0.1", **{"X-Real-IP": "198.51.100.1"}).status_code
            == 302
        )


# --- atomic counting on Redis --------------------------------------------------------------


@pytest.fixture
def redis_cache():
    if not redis_reachable():
        pytest.skip(f"Redis is unreachable at {REDIS}: the atomic counting test needs it.")
    with override_settings(CACHES=redis_cache_settings(f"test-login-{secrets.token_hex(4)}")):
        yield caches["default"]
        caches["default"].clear()


def at_once(count, target):
    barrier = threading.Barrier(count)

    def run(n):
        barrier.wait()
        target(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_parallel_failures_are_all_counted_on_redis(redis_cache):
    """30 failures at the same instant, from one address at 30 usernames: the address's
    count and each username's are exact, so a spray cannot slip past rule B."""
    at_once(30, lambda n: throttle.record_failure(f"sprayed-{n}", "10.5.0.1"))

    assert throttle._address_count("10.5.0.1")[0] == 30
    assert {throttle._username_count(f"sprayed-{n}")[0] for n in range(30)} == {1}


def test_a_slowed_username_gets_one_turn_however_many_try_at_once(redis_cache, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 3
    for n in range(3):
        throttle.record_failure("target", f"10.6.0.{n}")
    turns = []

    at_once(20, lambda n: turns.append(throttle.seconds_slowed("target")))

    assert turns.count(0) == 1
    assert all(1 <= seconds <= settings.LOGIN_USERNAME_SLOWDOWN for seconds in turns if seconds)
