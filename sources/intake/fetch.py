"""Fetching a document for intake, with the standard library and nothing it does not need.

- http and https only, no user name or password in the address;
- the host is resolved here and every address it resolves to is checked: private,
  loopback, link-local, multicast, reserved, unspecified and other non-global addresses
  are refused unless settings.INTAKE_ALLOW_PRIVATE_ADDRESSES. The connection is then made
  to that checked address itself (the Host header and the TLS server name keep the
  host's name), so a second resolution that answers otherwise (DNS rebinding) is never
  made;
- redirects are followed here, at most MAX_REDIRECTS, each new address checked again;
- at most settings.INTAKE_FETCH_MAX_BYTES of body (a larger Content-Length is refused
  before reading) and settings.INTAKE_FETCH_TIMEOUT seconds for the whole fetch;
- the answer must be one of CONTENT_TYPES, which gives the format `propose()` reads.

Every refusal is a FetchError whose message says what to do.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "text",
}
USER_AGENT = "claims-intake/1 (+a staff member's request; one page, no crawling)"
CHUNK = 64 * 1024
# Left as they are when a path or query is percent-encoded: its reserved characters and "%"
# (an address already encoded stays so); anything else, a Korean word say, is encoded.
URL_SAFE = "/%:@!$&'()*+,;=?~"


class FetchError(Exception):
    """The document could not be fetched; the message says why, for the analyst."""


@dataclass
class Fetched:
    url: str  # the address the document was finally read from, after redirects
    content: bytes
    format: str  # html, pdf or text: what propose() is given
    content_type: str


def fetch(url: str) -> Fetched:
    """The document at `url`, within the limits of the settings; raises FetchError."""
    timeout = settings.INTAKE_FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    current = url.strip()
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            response, connection = _get(current, deadline)
        except TimeoutError:
            raise FetchError(f"{_host(current)} did not answer within {timeout} seconds.") from None
        except ssl.SSLError as exc:
            raise FetchError(f"{_host(current)}: the secure connection failed ({exc.reason or exc}).") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{_host(current)}: the connection failed ({_reason(exc)}).") from None
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location", "").strip()
                if not location:
                    raise FetchError(f"{current} redirects ({response.status}) without saying where to.")
                current = urljoin(current, location)
                continue
            return _read(current, response, connection, deadline, timeout)
        finally:
            connection.close()
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times: give the document's own address.")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _get(url: str, deadline: float):
    parts = check_url(url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    try:  # http.client sends ASCII only: an international name as IDNA, a path percent-encoded
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(f"{url!r} is not a valid address.") from None
    addresses = allowed_addresses(host, port)
    path = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=URL_SAFE)
    last_error: OSError | None = None
    for address in addresses:
        remaining = _remaining(deadline)
        if parts.scheme == "https":
            connection = PinnedHTTPSConnection(host, port, address=address, timeout=remaining)
        else:
            connection = PinnedHTTPConnection(host, port, address=address, timeout=remaining)
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": ", ".join(CONTENT_TYPES) + ";q=0.9, */*;q=0.1",
                    "Accept-Encoding": "identity",
                },
            )
            return connection.getresponse(), connection
        except (TimeoutError, ssl.SSLError):
            connection.close()
            raise
        except OSError as exc:  # refused or unreachable (an IPv6 address from an IPv4-only host): the next
            connection.close()
            last_error = exc
        except BaseException:
            connection.close()
            raise
    raise last_error or OSError("no address")


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def check_url(url: str):
    """The address's parts, if intake may fetch it: http or https, a host, no credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise FetchError(f"{url!r} is not a valid address.") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(f"{url!r}: only http:// and https:// addresses can be fetched.")
    if not parts.hostname:
        raise FetchError(f"{url!r} names no host.")
    if parts.username is not None or parts.password is not None:
        raise FetchError(f"{url!r}: give the address without a user name or password.")
    return parts


def allowed_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, each checked; FetchError if any may not be
    fetched (a name with one private address among public ones is refused whole)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{host}: no such host ({_reason(exc)}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise FetchError(f"{host}: no such host.")
    if not settings.INTAKE_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if why := forbidden(address):
                named = host if host == address else f"{host} ({address})"
                raise FetchError(
                    f"{named} is {why}: intake fetches public addresses only "
                    "(INTAKE_ALLOW_PRIVATE_ADDRESSES allows others)."
                )
    return addresses


def forbidden(address: str) -> str:
    """Why this IP address may not be fetched from, or "" if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for attribute, what in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attribute):
            return what
    if not ip.is_global:  # shared (carrier-grade NAT) space and the like
        return "not a public address"
    return ""


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to `address`, already checked, whatever `host` would resolve to now;
    the Host header is still `host`."""

    def __init__(self, host, port, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As PinnedHTTPConnection, over TLS: the certificate is checked against `host`,
    which is also the server name sent (SNI)."""

    def __init__(self, host, port, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _read(url: str, response, connection, deadline: float, timeout: int) -> Fetched:
    if response.status != 200:
        raise FetchError(f"{url} answered {response.status} {response.reason}: nothing to read.")
    media = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
    if media not in CONTENT_TYPES:
        shown = media or "no content type"
        raise FetchError(f"{url} is {shown}: intake reads HTML pages, PDF files and plain text only.")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise FetchError(f"{url} came {encoding}-encoded although intake asked for it plain.")
    limit = settings.INTAKE_FETCH_MAX_BYTES
    too_big = FetchError(f"{url} is larger than {_size(limit)}, the most intake reads.")
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdecimal() and int(declared[:30]) > limit:  # "²" is a digit, not a number
        raise too_big
    body = bytearray()
    while True:
        try:
            remaining = _remaining(deadline)
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = response.read1(CHUNK)
        except TimeoutError:
            raise FetchError(f"{url} took longer than {timeout} seconds to send.") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: the connection broke while reading ({_reason(exc)}).") from None
        if not chunk:
            break
        body += chunk
        if len(body) > limit:
            raise too_big
    return Fetched(url=url, content=bytes(body), format=CONTENT_TYPES[media], content_type=media)


def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count >= 2**20 and count % 2**20 == 0 else f"{count:,} bytes"
