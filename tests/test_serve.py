"""`make serve` end to end: gunicorn with the production settings (DEBUG off) on a
free port, in a clean environment, against a prepared SQLite database; then headless
Chromium reads the site, the static files come from WhiteNoise with hashed names, long
cache headers and compression, and the admin logs in styled."""

import gzip
import importlib.util
import os
import re
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 120  # seconds: migrate + collectstatic + boot, on a busy machine
STAFF = ("staff", "a-long-staff-password-for-the-serve-test")
HASHED_CSS = re.compile(r"^/static/css/site\.[0-9a-f]{12}\.css$")
FOREVER = "max-age=315360000, public, immutable"
CLAIM = "/claims/nis-million-artillery-shells-since-august/"

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
        "(.ci/run does) or point CHROMIUM at a Chromium binary.",
        allow_module_level=True,
    )
if not shutil.which("make"):
    pytest.skip("make is not installed: this test runs `make serve`.", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt: run make install")

# Once `make serve` has migrated the new database, the demo story and a staff user are
# added in one process with the management commands a person would type (import_claims,
# createsuperuser with its password from the environment).
PREPARE = f"""
from django.core.management import call_command
call_command("import_claims", "claims/data/seed_story.yaml", verbosity=0)
call_command("createsuperuser", interactive=False, username="{STAFF[0]}", email="staff@example.org", verbosity=0)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory, request):
    """`make serve` on a free port, as on a fresh clone: nothing set but a new database,
    where the static files go and where the generated key goes. Stopped in all cases."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        SECRET_KEY_FILE=str(tmp / "secret_key"),
        WEB_CONCURRENCY="1",  # a shared machine: one process, four threads
        GUNICORN_THREADS="4",
    )
    log_path = tmp / "serve.log"
    log = log_path.open("w")
    # -o: take the virtualenv as installed (the suite is running in it) so the test never
    # reinstalls packages; its own session, so the whole group (make, gunicorn's master
    # and workers) is stopped by its id.
    server = subprocess.Popen(  # noqa: S603
        ["make", "-s", "-o", ".venv/.installed", "serve", f"PORT={port}"],  # noqa: S607
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def signal_group(sig) -> bool:
        """Send sig to make's process group; False when no process of it is left."""
        server.poll()  # reap make when it has exited, so it no longer counts
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return False
        return True

    def stop():
        signal_group(signal.SIGTERM)  # gunicorn's graceful shutdown
        deadline = time.monotonic() + 30
        while signal_group(0) and time.monotonic() < deadline:
            time.sleep(0.1)
        signal_group(signal.SIGKILL)
        server.wait(timeout=10)
        log.close()

    # A finalizer, not code after a yield: it runs even when start-up fails below.
    request.addfinalizer(stop)  # noqa: PT021

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.poll() is not None:
            pytest.fail(f"make serve exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if fetch(base + "/")[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"make serve did not answer within {STARTUP_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)

    # As an operator would on that machine: DEBUG off (manage.py leaves it off), with the
    # key that `make serve` generated.
    secret_key = (tmp / "secret_key").read_text().strip()
    prepared = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "manage.py", "shell", "-c", PREPARE],
        cwd=REPO_ROOT,
        env={**env, "SECRET_KEY": secret_key, "DJANGO_SUPERUSER_PASSWORD": STAFF[1]},
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )
    assert prepared.returncode == 0, prepared.stderr
    return {"base": base, "tmp": tmp, "log": log_path}


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browsing(chromium):
    """A fresh page (no cookies) and what it saw: console errors, the status of every path."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # The admin's pages link no icon, so Chromium asks for /favicon.ico, which we do not serve.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    seen = SimpleNamespace(problems=[], statuses={})
    page.on("console", lambda msg: seen.problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.problems.append(str(exc)))
    page.on("response", lambda response: seen.statuses.__setitem__(urlsplit(response.url).path, response.status))
    yield page, seen
    context.close()


def test_make_serve_starts_from_nothing_with_local_defaults_and_no_demo_users(served):
    log = served["log"].read_text()
    assert "serve: no TLS locally, so SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0" in log
    assert "Using worker: gthread" in log
    key_file = served["tmp"] / "secret_key"
    assert len(key_file.read_text().strip()) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with sqlite3.connect(served["tmp"] / "db.sqlite3") as db:
        assert db.execute("SELECT username FROM auth_user").fetchall() == [(STAFF[0],)]
    assert fetch(served["base"] + "/")[1]["server"] == "gunicorn"


def test_reader_pages_and_static_files_served_the_production_way(served, browsing):
    base, (page, seen) = served["base"], browsing

    page.goto(base + "/")
    sync_api.expect(page.get_by_role("link", name="North Korean munitions for Russia").first).to_be_visible()
    page.goto(base + CLAIM)
    sync_api.expect(page.locator("h1")).to_contain_text("more than a million")
    css = page.locator('link[rel="stylesheet"]').first.get_attribute("href")

    assert HASHED_CSS.match(css), css
    assert seen.statuses[css] == 200
    assert page.locator("body").evaluate("e => getComputedStyle(e).margin") == "0px"  # site.css applied
    assert seen.problems == [], seen.problems
    source = (REPO_ROOT / "static" / "css" / "site.css").read_bytes()
    status, headers, body = fetch(base + css, **{"Accept-Encoding": "gzip"})
    assert (status, headers["cache-control"], headers["content-encoding"]) == (200, FOREVER, "gzip")
    assert "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == source
    status, headers, body = fetch(base + css)
    assert "content-encoding" not in headers
    assert body == source
    if importlib.util.find_spec("brotli"):  # WhiteNoise writes .br files only with it
        assert fetch(base + css, **{"Accept-Encoding": "br"})[1]["content-encoding"] == "br"


def test_admin_logs_in_styled_by_its_own_static_files(served, browsing):
    base, (page, seen) = served["base"], browsing

    page.goto(base + "/admin/login/")
    page.fill("#id_username", STAFF[0])
    page.fill("#id_password", STAFF[1])
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")
    sync_api.expect(page.locator("#site-name")).to_be_visible()

    admin_css = {path: status for path, status in seen.statuses.items() if path.startswith("/static/admin/css/")}
    assert any(re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", path) for path in admin_css), admin_css
    assert set(admin_css.values()) == {200}, admin_css
    # Styled: the header has the admin's colour, not a browser's transparent default.
    header_colour = page.locator("#header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header_colour not in ("rgba(0, 0, 0, 0)", "transparent"), header_colour
    assert seen.problems == [], seen.problems


ENQUEUE_FETCH = """
from sources.intake.tasks import fetch_intake
from sources.models import IntakeRequest
entry = IntakeRequest.objects.create(input="url", url="http://127.0.0.1:9/never-fetched")
fetch_intake.enqueue(entry.pk)
print(entry.pk)
"""


def test_the_task_worker_runs_beside_gunicorn_and_readyz_reports_it(served):
    """An intake fetch enqueued from another process is taken by the worker `make serve`
    started (refused here: a loopback address, as production settings say)."""
    secret_key = (served["tmp"] / "secret_key").read_text().strip()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")},
        "DATABASE_URL": f"sqlite:///{served['tmp'] / 'db.sqlite3'}",
        "SECRET_KEY": secret_key,
    }
    enqueued = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "manage.py", "shell", "-c", ENQUEUE_FETCH],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )
    assert enqueued.returncode == 0, enqueued.stderr
    pk = int(enqueued.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 30
    while True:
        with sqlite3.connect(served["tmp"] / "db.sqlite3") as db:
            status, error = db.execute("SELECT status, error FROM sources_intakerequest WHERE id = ?", (pk,)).fetchone()
        if status == "failed" or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert (status, error.split(":")[0]) == ("failed", "127.0.0.1 is a loopback address")
    assert "Starting worker" in served["log"].read_text()
    status, _, body = fetch(served["base"] + "/readyz")
    assert status == 200
    assert __import__("json").loads(body)["tasks"] == {"waiting": 0, "oldest_waiting_seconds": 0, "worker": "ok"}
