"""The seed story in a real browser: headless Chromium (Debian's package) driven by
Playwright against a live test server. Screenshots go to test-artifacts/."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DEMO = Path(__file__).resolve().parent.parent / "claims" / "data" / "seed_story.yaml"
TOPIC = "/topics/north-korean-munitions-for-russia/"


if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
        "(.ci/run does) or point CHROMIUM at a Chromium binary.",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt: run make install")


@pytest.fixture
def browser_page(live_server, transactional_db, monkeypatch):
    call_command("import_claims", str(DEMO), verbosity=0)
    # Playwright's sync API runs an event loop in this thread; the ORM is not used
    # from it while the browser runs, only the live server's own thread touches it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, live_server.url, errors
        browser.close()


def test_topic_timeline_is_visible_and_its_table_links_to_claims(browser_page):
    page, base, errors = browser_page

    page.goto(base + TOPIC)

    timeline = page.locator("figure svg").first
    sync_api.expect(timeline).to_be_visible()
    box = timeline.bounding_box()
    assert box["width"] > 600
    assert box["height"] > 100
    assert page.locator("figure svg a").count() == 0  # no links inside role=img
    claim_links = page.locator('figure .timeline-table a[href^="/claims/"]')
    assert claim_links.count() >= 5
    href = claim_links.first.get_attribute("href")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "topic-timeline.png", full_page=True)

    page.goto(base + href)
    sync_api.expect(page.locator("h1")).to_be_visible()
    assert page.url.endswith(href)
    assert errors == [], errors


def test_reader_follows_the_story_from_home_to_a_claims_quotes_and_denials(browser_page):
    page, base, errors = browser_page

    page.goto(base + "/")
    page.get_by_role("link", name="North Korean munitions for Russia").first.click()
    page.locator("figure .timeline-table a[href*='million-artillery-shells']").first.click()

    sync_api.expect(page.locator("h1")).to_contain_text("more than a million")
    sync_api.expect(page.locator(".chain")).to_contain_text("Yoo Sang-bum")
    sync_api.expect(page.get_by_text("A verbatim copy of").first).to_be_visible()
    sync_api.expect(page.locator("blockquote").first).to_be_visible()
    assert page.locator('a[href^="/denials/"]').count() >= 1
    page.screenshot(path=ARTIFACTS / "claim-page.png", full_page=True)
    assert errors == [], errors
