"""Login throttling against password guessing.

Failed logins are counted per (username, client address) in the default cache, which
every application process shares (a database table, or Redis: see settings.CACHES).
After settings.LOGIN_FAILURE_LIMIT failures within settings.LOGIN_FAILURE_WINDOW
seconds, every login for that username from that address is refused, the right
password included, until the oldest of those failures is a window old.

Each failure takes one of LOGIN_FAILURE_LIMIT slots with cache.add(), which is atomic
on every cache backend (Redis SET NX, an INSERT on the database cache), so parallel
guesses cannot slip past the count; each slot expires on its own, a sliding window.

ThrottledModelBackend (Django's ModelBackend, checking the lock before the password)
enforces it for every caller of authenticate(); ThrottledAdminAuthenticationForm tells
the person why.
A successful login clears the failures of that username from that address only.
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

_REQUEST_FLAG = "_login_throttled"


def client_address(request) -> str:
    """REMOTE_ADDR, or the last address in settings.CLIENT_IP_HEADER when a proxy sets it."""
    if request is None:
        return "-"
    header = getattr(settings, "CLIENT_IP_HEADER", None)
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "-")


def _slot_keys(username: str, address: str) -> list[str]:
    who = f"{username.casefold()}\0{address}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(who).hexdigest()
    return [f"login-failure:{digest}:{i}" for i in range(settings.LOGIN_FAILURE_LIMIT)]


def seconds_locked(username: str, address: str) -> int:
    """0 if a login may be tried now, else the seconds until one may."""
    keys = _slot_keys(username, address)
    taken = cache.get_many(keys)
    if len(taken) < len(keys):
        return 0
    return max(1, math.ceil(min(taken.values()) - time.time()))


def record_failure(username: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    expires = time.time() + window
    for key in _slot_keys(username, address):
        if cache.add(key, expires, timeout=window):
            return


def clear_failures(username: str, address: str) -> None:
    cache.delete_many(_slot_keys(username, address))


def _username(credentials: dict) -> str | None:
    value = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username"))
    return None if value is None else str(value)


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a locked username and address before it looks at
    the password (PermissionDenied also stops any backend listed after this one)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None and seconds_locked(str(username), client_address(request)):
            if request is not None:
                setattr(request, _REQUEST_FLAG, True)
            raise PermissionDenied("Too many failed logins.")
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, saying so when a login was refused for too many failures."""

    def get_invalid_login_error(self):
        if getattr(self.request, _REQUEST_FLAG, False):
            username = str(self.cleaned_data.get("username", ""))
            minutes = math.ceil(seconds_locked(username, client_address(self.request)) / 60) or 1
            return ValidationError(
                "Too many failed logins for this account from your address. "
                "Try again in %(minutes)d minute(s); until then even the right password is refused.",
                code="throttled",
                params={"minutes": minutes},
            )
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
