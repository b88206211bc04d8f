"""Fetching for intake (sources/intake/fetch.py): from a local HTTP server serving the
pages of tests/intake_pages, with INTAKE_ALLOW_PRIVATE_ADDRESSES on (the server is on
127.0.0.1): pages, redirects, limits of size and time, content types; with it off,
every loopback, private or otherwise non-public address refused, also behind a name or
a redirect, and the connection made to the address that was checked, not to a second
resolution of the name."""

import http.server
import io
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sources.intake import fetch as fetching
from sources.intake.fetch import FetchError, fetch

PAGES = Path(__file__).parent / "intake_pages"


class Handler(http.server.BaseHTTPRequestHandler):
    """The test site. Every request's Host header is kept in `hosts`."""

    hosts: list[str] = []

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.hosts.append(self.headers.get("Host", ""))
        path = self.path.split("?", 1)[0]
        if path.startswith("/pages/"):
            file = PAGES / path.removeprefix("/pages/")
            if file.parent == PAGES and file.is_file():
                return self.send(200, file.read_bytes())
            return self.send(404, b"not found")
        if path == "/%EA%B8%B0%EC%82%AC":  # "/기사", percent-encoded by the client
            return self.send(200, b"<p>An article with a Korean address.</p>")
        if path == "/report.txt":
            return self.send(200, b"A plain report.\nIt has two lines.", "text/plain")
        if path == "/redirect":
            return self.send(302, location="/pages/farm_copy.html")
        if path.startswith("/hop/"):
            n = int(path.removeprefix("/hop/"))
            return self.send(301, location=f"/hop/{n + 1}" if n < 10 else "/pages/wire_original.html")
        if path == "/to-ftp":
            return self.send(302, location="ftp://127.0.0.1/file")
        if path == "/to-metadata":
            return self.send(302, location="http://169.254.169.254/latest/meta-data/")
        if path == "/big":
            return self.send(200, b"<p>" + b"x" * 5000 + b"</p>")
        if path == "/big-unannounced":  # no Content-Length: read until the limit
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"y" * 1000)
            return None
        if path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"z")
                    self.wfile.flush()
                except OSError:
                    return None
                time.sleep(0.05)
            return None
        if path == "/image.png":
            return self.send(200, b"\x89PNG\r\n", "image/png")
        if path == "/gone":
            return self.send(410, b"gone")
        return self.send(404, b"not found")


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_allowed(settings):
    settings.INTAKE_ALLOW_PRIVATE_ADDRESSES = True
    return settings


@pytest.fixture
def private_refused(settings):
    settings.INTAKE_ALLOW_PRIVATE_ADDRESSES = False
    return settings


@pytest.fixture
def resolving(monkeypatch):
    """Names resolved as the test says ({name: [addresses]}), each look-up counted;
    every other name (and the IP literals create_connection resolves) as usual."""
    real = socket.getaddrinfo
    table: dict[str, list[str]] = {}
    calls: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            calls.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table, calls


@pytest.fixture
def loopback_is_public(monkeypatch):
    """The test server's address taken for a public one, every other check unchanged."""
    real = fetching.forbidden
    monkeypatch.setattr(fetching, "forbidden", lambda address: "" if address == "127.0.0.1" else real(address))


# --- What is read -------------------------------------------------------------------------


def test_a_page_is_fetched_with_its_format(site, private_allowed):
    fetched = fetch(f"{site}/pages/wire_original.html")
    assert fetched.content == (PAGES / "wire_original.html").read_bytes()
    assert (fetched.format, fetched.content_type) == ("html", "text/html")
    assert fetched.url == f"{site}/pages/wire_original.html"


def test_plain_text_is_fetched_as_text(site, private_allowed):
    fetched = fetch(f"{site}/report.txt")
    assert (fetched.format, fetched.content) == ("text", b"A plain report.\nIt has two lines.")


def test_an_address_with_a_non_ascii_path_is_sent_percent_encoded(site, private_allowed):
    fetched = fetch(f"{site}/기사")
    assert b"Korean address" in fetched.content


def test_an_unreachable_address_of_a_name_is_passed_for_the_next(site, private_allowed, resolving, monkeypatch):
    """A name's IPv6 address from a host without IPv6 fails with "network unreachable":
    the name's other addresses are tried, as socket.create_connection would."""
    table, _ = resolving
    port = int(site.rsplit(":", 1)[1])
    table["dual.example"] = ["127.0.0.2", "127.0.0.1"]
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if address[0] == "127.0.0.2":
            raise OSError(101, "Network is unreachable")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    fetched = fetch(f"http://dual.example:{port}/report.txt")
    assert fetched.content.startswith(b"A plain report.")


def test_a_redirect_is_followed_and_the_final_address_kept(site, private_allowed):
    fetched = fetch(f"{site}/redirect")
    assert fetched.url == f"{site}/pages/farm_copy.html"
    assert fetched.content == (PAGES / "farm_copy.html").read_bytes()


def test_five_redirects_are_followed_and_a_sixth_refused(site, private_allowed):
    assert fetch(f"{site}/hop/6").url == f"{site}/pages/wire_original.html"  # 7, 8, 9, 10, then the page: 5
    with pytest.raises(FetchError, match="redirects more than 5 times"):
        fetch(f"{site}/hop/5")


def test_a_body_over_the_limit_is_refused(site, private_allowed):
    private_allowed.INTAKE_FETCH_MAX_BYTES = 1000
    with pytest.raises(FetchError, match=r"/big is larger than 1,000 bytes, the most intake reads"):
        fetch(f"{site}/big")  # refused on its Content-Length
    with pytest.raises(FetchError, match="is larger than 1,000 bytes"):
        fetch(f"{site}/big-unannounced")  # refused once 1,001 bytes have come


def test_a_slow_body_is_cut_at_the_time_limit(site, private_allowed):
    private_allowed.INTAKE_FETCH_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 1 seconds to send"):
        fetch(f"{site}/slow")
    assert time.monotonic() - started < 3  # the body takes 5 s


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/image.png", "is image/png: intake reads HTML pages, PDF files and plain text only"),
        ("/gone", "answered 410 Gone: nothing to read"),
        ("/to-ftp", "'ftp://127.0.0.1/file': only http:// and https:// addresses can be fetched"),
    ],
)
def test_what_cannot_be_read_is_a_clear_error(site, private_allowed, path, message):
    with pytest.raises(FetchError, match=message):
        fetch(site + path)


def test_a_closed_port_is_a_clear_error(private_allowed):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="the connection failed"):
        fetch(f"http://127.0.0.1:{port}/")


# --- Addresses refused ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://localhost/", "localhost (127.0.0.1) is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://192.168.0.10:8080/", "192.168.0.10 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://[::ffff:127.0.0.1]/", "is a loopback address"),
        ("ftp://example.org/file", "only http:// and https:// addresses can be fetched"),
        ("file:///etc/passwd", "only http:// and https:// addresses can be fetched"),
        ("http://user:secret@example.org/", "without a user name or password"),
        ("http:///nohost", "names no host"),
    ],
)
def test_non_public_addresses_and_other_schemes_are_refused(private_refused, url, message):
    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        fetch(url)


def test_a_name_that_resolves_to_loopback_is_refused_and_nothing_is_sent(site, private_refused, resolving):
    table, _ = resolving
    table["news.example"] = ["127.0.0.1"]
    port = site.rsplit(":", 1)[1]
    Handler.hosts.clear()
    with pytest.raises(FetchError, match=r"news.example \(127.0.0.1\) is a loopback address"):
        fetch(f"http://news.example:{port}/pages/wire_original.html")
    assert Handler.hosts == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(private_refused, resolving):
    table, _ = resolving
    table["mixed.example"] = ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(FetchError, match=r"mixed.example \(10.0.0.7\) is a private address"):
        fetch("http://mixed.example/")


def test_a_redirect_to_a_private_address_is_refused(site, private_refused, loopback_is_public):
    with pytest.raises(FetchError, match="169.254.169.254 is a link-local address"):
        fetch(f"{site}/to-metadata")


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    site, private_refused, loopback_is_public, resolving
):
    """DNS rebinding: the name is resolved once, checked, and that address connected to;
    a second look-up, which could answer a private address, is never made."""
    table, calls = resolving
    table["rebind.example"] = ["127.0.0.1"]
    port = site.rsplit(":", 1)[1]
    Handler.hosts.clear()

    fetched = fetch(f"http://rebind.example:{port}/pages/summary.html")

    assert fetched.content == (PAGES / "summary.html").read_bytes()
    assert calls == ["rebind.example"]
    assert Handler.hosts == [f"rebind.example:{port}"]


def test_https_connects_to_the_checked_address_and_checks_the_certificate_for_the_name(monkeypatch):
    connected, wrapped = [], []

    class Context:
        def wrap_socket(self, sock, server_hostname):
            wrapped.append(server_hostname)
            return sock

    class Sock:
        def setsockopt(self, *args):
            pass

    monkeypatch.setattr(socket, "create_connection", lambda address, timeout: connected.append(address) or Sock())
    connection = fetching.PinnedHTTPSConnection("news.example", 443, address="93.184.216.34", timeout=5)
    monkeypatch.setattr(connection, "_context", Context())
    connection.connect()
    assert connected == [("93.184.216.34", 443)]
    assert wrapped == ["news.example"]


def test_the_private_address_switch_is_off_by_default():
    from django.conf import settings

    assert settings.INTAKE_ALLOW_PRIVATE_ADDRESSES is False
    assert settings.INTAKE_FETCH_MAX_BYTES == 20 * 2**20
    assert settings.INTAKE_FETCH_TIMEOUT == 20


# --- manage.py intake URL -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_fetches_an_address_with_the_same_checks(site, private_allowed):
    out = io.StringIO()
    call_command("intake", f"{site}/redirect", "--json", stdout=out, stderr=io.StringIO())
    proposal = json.loads(out.getvalue())
    assert proposal["format"] == "html"
    assert proposal["source"]["url"] == f"{site}/pages/farm_copy.html"  # the final address
    assert proposal["source"]["published"] == "2025-04-15T10:34:46Z"
    private_allowed.INTAKE_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(CommandError, match="127.0.0.1 is a loopback address"):
        call_command("intake", f"{site}/redirect", "--json", stdout=io.StringIO())
