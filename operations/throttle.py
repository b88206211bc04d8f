"""Login protection against password guessing: three rules, every one answered 429 with
Retry-After, the form saying why in words (README, "Security features").

A. (username, address): after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW
   seconds, every login for that username from that address is refused, the right
   password included, until the oldest of those failures is a window old. Other
   addresses are not affected.
B. address: after LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the
   usernames, every login from that address is refused until its window ends (one
   address spraying passwords over many accounts).
C. username: after LOGIN_USERNAME_FAILURE_LIMIT failures for one username, whatever the
   addresses, its logins are slowed down, not locked: one attempt every
   LOGIN_USERNAME_SLOWDOWN seconds from anywhere, the others refused with that short
   Retry-After, so guessing from many addresses crawls while nobody can lock the account
   for everyone.

The address is client_address (operations/ratelimit.py): CLIENT_IP_HEADER when
configured, else REMOTE_ADDR. Behind a proxy, leaving CLIENT_IP_HEADER unset would give
every client the proxy's address (`check --deploy` warns, operations/checks.py).

Counting, in the default cache every process shares. Rule A: each failure takes one of
LOGIN_FAILURE_LIMIT slots with cache.add(), atomic on every backend (Redis SET NX, an
INSERT on the database cache), each slot expiring on its own: a sliding window. Rules B
and C: a counter per fixed window of LOGIN_FAILURE_WINDOW seconds, cache.add then
cache.incr (django-ratelimit's get_usage, as the request limits), atomic on Redis only,
which is why production needs Redis; the slow-down turn of rule C is a cache.add.
Our own counters, not django-axes (8.3.1): its cache handler counts with add+incr too
(axes/handlers/cache.py, AxesCacheHandler.user_login_failed) but compares the largest of
its counts with one AXES_FAILURE_LIMIT (axes/helpers.py, get_failure_limit), so it cannot
lock (username, address) at 5 and an address at 20, nor slow a username down instead of
locking it; a failure during a lockout restarts it by default (so a per-username lock
could be held for ever); and its lockout response sends no Retry-After.

ThrottledModelBackend (Django's ModelBackend, checking the rules before the password)
enforces them for every caller of authenticate(), marking the request;
LoginThrottleMiddleware turns the page answering such a request into a 429 with
Retry-After; ThrottledAdminAuthenticationForm tells the person why. A successful login
clears the rule A failures of that username from that address only.
"""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from operations.ratelimit import address_key, client_address, count

# Set on a request whose login a rule refused: (rule, seconds until a login may be tried).
_REQUEST_FLAG = "_login_throttled"
ACCOUNT_FROM_ADDRESS, ADDRESS, ACCOUNT = "account-address", "address", "account"


def _slot_keys(username: str, address: str) -> list[str]:
    who = f"{username.casefold()}\0{address_key(address)}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(who).hexdigest()
    return [f"login-failure:{digest}:{i}" for i in range(settings.LOGIN_FAILURE_LIMIT)]


def seconds_locked(username: str, address: str) -> int:
    """0 if a login may be tried now, else the seconds until one may."""
    keys = _slot_keys(username, address)
    taken = cache.get_many(keys)
    if len(taken) < len(keys):
        return 0
    return max(1, math.ceil(min(taken.values()) - time.time()))


def _address_count(address: str, *, increment: bool = False) -> tuple[int, int]:
    rate = (settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW)
    return count("login-address", address_key(address), rate, increment=increment)


def _username_count(username: str, *, increment: bool = False) -> tuple[int, int]:
    rate = (settings.LOGIN_USERNAME_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW)
    return count("login-username", username.casefold(), rate, increment=increment)


def _turn_key(username: str) -> str:
    digest = hashlib.sha256(username.casefold().encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-turn:{digest}"


def seconds_address_locked(address: str) -> int:
    """Rule B: 0, or the seconds until the address's window ends."""
    failures, seconds = _address_count(address)
    return seconds if failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT else 0


def seconds_slowed(username: str) -> int:
    """Rule C: 0 if this attempt may go ahead (taking the username's turn when it is
    slowed down), else the seconds until the next turn."""
    failures, _ = _username_count(username)
    if failures < settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return 0
    pause = settings.LOGIN_USERNAME_SLOWDOWN
    key = _turn_key(username)
    if cache.add(key, time.time() + pause, timeout=pause):
        return 0
    next_turn = cache.get(key)
    return max(1, math.ceil(next_turn - time.time())) if next_turn else 1


def refusal(username: str, address: str) -> tuple[str, int] | None:
    """The rule refusing a login for username from address now, with the seconds until
    one may be tried; None when it may go ahead."""
    if seconds := seconds_locked(username, address):
        return ACCOUNT_FROM_ADDRESS, seconds
    if seconds := seconds_address_locked(address):
        return ADDRESS, seconds
    if seconds := seconds_slowed(username):
        return ACCOUNT, seconds
    return None


def record_failure(username: str, address: str) -> None:
    """One failed login, for each rule (a login refused by a rule counts too)."""
    window = settings.LOGIN_FAILURE_WINDOW
    expires = time.time() + window
    for key in _slot_keys(username, address):
        if cache.add(key, expires, timeout=window):
            break
    _address_count(address, increment=True)
    _username_count(username, increment=True)


def clear_failures(username: str, address: str) -> None:
    cache.delete_many(_slot_keys(username, address))


def _username(credentials: dict) -> str | None:
    value = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username"))
    return None if value is None else str(value)


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a login that a rule refuses before it looks at the
    password (PermissionDenied also stops any backend listed after this one)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None and (refused := refusal(str(username), client_address(request))):
            if request is not None:
                setattr(request, _REQUEST_FLAG, refused)
            raise PermissionDenied("Too many failed logins.")
        return super().authenticate(request, username=username, password=password, **kwargs)


def refused_login(request) -> tuple[str, int] | None:
    """(rule, seconds) when a rule refused this request's login, else None."""
    return getattr(request, _REQUEST_FLAG, None)


class LoginThrottleMiddleware:
    """A page answering a login that a rule refused (the admin's login form shown again,
    or any other login view calling authenticate()) is sent as 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (refused := refused_login(request)) and response.status_code == 200:
            response.status_code = 429
            response["Retry-After"] = str(refused[1])
        return response


_MESSAGES = {
    ACCOUNT_FROM_ADDRESS: "Too many failed logins for this account from your address. "
    "Try again in %(wait)s; until then even the right password is refused.",
    ADDRESS: "Too many failed logins from your address. Try again in %(wait)s; "
    "until then every login from it is refused.",
    ACCOUNT: "Too many failed logins for this account: logins for it are slowed down. Try again in %(wait)s.",
}


def _wait(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second(s)"
    return f"{math.ceil(seconds / 60)} minute(s)"


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, saying which rule refused a login, and for how long."""

    def get_invalid_login_error(self):
        if refused := refused_login(self.request):
            rule, seconds = refused
            return ValidationError(_MESSAGES[rule], code="throttled", params={"wait": _wait(seconds)})
        return super().get_invalid_login_error()


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = _username(credentials)
    if username is not None:
        record_failure(username, client_address(request))


def _on_logged_in(sender, request, user, **kwargs):
    clear_failures(user.get_username(), client_address(request))


def connect_signals():
    user_login_failed.connect(_on_login_failed, dispatch_uid="operations.throttle.failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="operations.throttle.logged_in")
