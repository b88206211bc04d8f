"""Issue 13, part 4: the effort of curating one report, measured in a real browser.

The same report (tests/intake_pages/curation_report.html: 3 claims, each with a relay
chain of 2 and a figure, and 1 denial) is curated twice by a staff user in headless
Chromium: through the stock admin forms, then through intake (the page read from a
local server) and the quote-to-claim page. One `Counter` drives the browser and counts
what an analyst does: a page load, a click, a text selection and each field typed into
count one each (a click that loads a page counts once, as a page load; picking an
autocomplete result is a field typed into and a click). Both runs must leave exactly
the records in REPORT; the intake run must take at most a third of the stock run's
actions (the issue's target). Logging in is not counted.
"""

import functools
import http.server
import re
import threading
from collections import Counter as Tally
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from claims.models import MAGNITUDES, Actor, ActorAlias, Claim, Denial
from sources.intake import extract
from sources.models import Outlet, Source
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
        "(.ci/run does) or point CHROMIUM at a Chromium binary.",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt: run make install")

PAGES = Path(__file__).parent / "intake_pages"
REPORT_PAGE = "curation_report.html"

NIS = "National Intelligence Service"
LAWMAKER = "Han Ji-seok"
NORTH_KOREA = "North Korea"
MINISTRY = "Ministry of Foreign Affairs of North Korea"

# The knowledge base before either run: the actors of the report, with their aliases.
ACTORS = [
    # name, slug, kind, country, parent, aliases
    ("South Korea", "south-korea", "state", "KR", None, ["Republic of Korea", "Seoul"]),
    (NORTH_KOREA, "north-korea", "state", "KP", None, ["DPRK", "Pyongyang", "the North"]),
    ("Russia", "russia", "state", "RU", None, ["Russian Federation", "Moscow", "the Kremlin"]),
    (NIS, "national-intelligence-service", "agency", "KR", "South Korea", ["NIS", "South Korea's spy agency"]),
    (LAWMAKER, "han-ji-seok", "person", "KR", None, ["Han"]),
    (
        MINISTRY,
        "north-korea-foreign-ministry",
        "government_body",
        "KP",
        NORTH_KOREA,
        ["North Korea's Foreign Ministry"],
    ),
]

# What curating the report must record, whichever way it is done. The page's address
# (the local server's) and the text as intake extracts it are added at run time.
REPORT = {
    "outlet": {"name": "Eastern Courier", "kind": "newspaper", "domain": "127.0.0.1"},
    "source": {
        "title": "Seoul says North Korea has sent more than 13,000 troops to Russia",
        "kind": "article",
        "authors": "Mina Seo",
        "language": "en",
        "published_edtf": "2024-11-14T06:30:00Z",
        # "url" and "text": at run time
    },
    "claims": [
        {
            "proposition": "NIS believes North Korea has sent more than 13,000 troops to Russia since October 2024.",
            "made_edtf": "2024-11-13",
            "made_as_worded": "on Wednesday",  # the briefing's day, in the story's first paragraph
            "made_inferred": True,
            "certainty": "probable",
            "hedge": "believes",
            "chain": [(NIS, "originator"), (LAWMAKER, "relay")],
            "figures": [
                {
                    "as_worded": "more than 13,000",
                    "comparator": "more_than",
                    "low": Decimal(13_000),
                    "high": None,
                    "unit": "",
                    "item": "troops",
                }
            ],
            "quote": "North Korea has sent more than 13,000 troops to Russia since October, South Korea’s "
            "National Intelligence Service believes, lawmaker Han Ji-seok told reporters after a closed-door "
            "briefing by the agency on Wednesday.",
            "prefix": "SEOUL (Eastern Courier) — ",
            "suffix": "\nMost of the soldiers have been moved to",
        },
        {
            "proposition": "NIS believes North Korea has shipped over a million artillery shells to Russia "
            "since August 2023.",
            "made_edtf": "2024-11-13",
            "made_as_worded": "on Wednesday",  # the briefing's day, in the story's first paragraph
            "made_inferred": True,
            "certainty": "probable",
            "hedge": "believes",
            "chain": [(NIS, "originator"), (LAWMAKER, "relay")],
            "figures": [
                {
                    "as_worded": "over a million",
                    "comparator": "more_than",
                    "low": Decimal(1_000_000),
                    "high": None,
                    "unit": "",
                    "item": "artillery shells",
                }
            ],
            "quote": "Han Ji-seok said the NIS believes North Korea has also shipped over a million artillery "
            "shells to Russia by sea and by cargo plane since August last year",
            "prefix": "the agency had reached its estimate.\n",
            "suffix": ", enough to sustain Moscow’s bombardment",
        },
        {
            "proposition": "NIS believes Russia has supplied North Korea with hundreds of thousands of barrels "
            "of refined oil in 2024.",
            "made_edtf": "2024-11-13",
            "made_as_worded": "on Wednesday",  # the briefing's day, in the story's first paragraph
            "made_inferred": True,
            "certainty": "probable",
            "hedge": "believes",
            "chain": [(NIS, "originator"), (LAWMAKER, "relay")],
            "figures": [
                {
                    "as_worded": "hundreds of thousands",
                    "comparator": "hundreds_of_thousands",
                    "low": Decimal(200_000),
                    "high": Decimal(999_999),
                    "unit": "barrels",
                    "item": "refined oil",
                }
            ],
            "quote": "In return, the NIS believes Russia has supplied North Korea with hundreds of thousands of "
            "barrels of refined oil this year, Han Ji-seok told reporters",
            "prefix": "shown containers stacked at both ports.\n",
            "suffix": ", far beyond the cap on the North’s fuel",
        },
    ],
    "denial": {
        "statement": "North Korea's Foreign Ministry called reports that it sent troops to Russia groundless.",
        "made_edtf": "2024-11-14",
        "made_as_worded": "on Thursday",
        "made_inferred": True,
        "kind": "dismissal",
        "deniers": [MINISTRY],
        "answers": [0],  # indexes into "claims"
        "quote": "North Korea’s Foreign Ministry called the reports of a troop deployment “groundless” in a "
        "statement carried by the state news agency KCNA on Thursday",
        "prefix": "confirm Han’s account of the briefing.\n",
        "suffix": ", saying that Pyongyang’s cooperation",
    },
}


# --- The counter ------------------------------------------------------------------------------


@dataclass
class Counter:
    """The browser, as an analyst uses it: every method does one thing an analyst does
    and counts it under the current step. Kinds: "page load" (a goto, or a click that
    loads a page), "click", "field" (typed into or chosen from), "selection"."""

    page: object
    base: str
    step: str = "start"
    actions: list = field(default_factory=list)  # (step, kind, what)

    def count(self, kind: str, what: str):
        self.actions.append((self.step, kind, what))

    @property
    def total(self) -> int:
        return len(self.actions)

    def by_kind(self) -> Tally:
        return Tally(kind for _, kind, _ in self.actions)

    # Page loads and clicks

    def goto(self, path: str):
        self.count("page load", path)
        response = self.page.goto(path if path.startswith("http") else self.base + path)
        assert response.ok, f"{path}: HTTP {response.status}"

    def click(self, selector: str):
        """A click that stays on the page (opening an inline row, ticking a box)."""
        self.count("click", selector)
        self.page.locator(selector).click()

    def submit(self, selector: str):
        """A click that loads a page (a save button): one action, a page load."""
        self.count("page load", selector)
        with self.page.expect_navigation():
            self.page.locator(selector).click()

    # Fields

    def fill(self, selector: str, value: str):
        """Type a value into a field; nothing (and not counted) when it already holds it."""
        box = self.page.locator(selector)
        self._unless(box.input_value() == value, "field", selector, lambda: box.fill(value))

    def select_option(self, selector: str, value: str):
        """Choose from a <select>, by value; nothing when it is already chosen."""
        box = self.page.locator(selector)
        self._unless(box.input_value() == value, "field", selector, lambda: box.select_option(value))

    def check(self, selector: str, checked: bool):
        """Tick or untick a box (a click); nothing when it is already so."""
        box = self.page.locator(selector)
        self._unless(box.is_checked() == checked, "click", selector, box.click)

    def _unless(self, already_so: bool, kind: str, selector: str, act):
        """A prefilled value the analyst leaves alone costs nothing; a correction, one action."""
        if not already_so:
            self.count(kind, selector)
            act()

    def autocomplete(self, select_id: str, search: str, option: str):
        """Pick a result of the admin's select2 autocomplete: type the search (1), click
        the result (1). Opening the widget is focusing a field, not counted (as a fill's is not)."""
        self.page.locator(f"#{select_id} + .select2 .select2-selection").click()
        box = self.page.locator(".select2-container--open .select2-search__field").first
        self.count("field", f"#{select_id} (search)")
        box.fill(search)
        starts = re.compile("^" + re.escape(option))
        result = self.page.locator(".select2-results__option:not(.loading-results)", has_text=starts).first
        result.wait_for()
        self.count("click", f"#{select_id} (result)")
        result.click()
        chosen = self.page.locator(f"#{select_id} option:checked", has_text=option)
        sync_api.expect(chosen).to_have_count(1)

    def select_text(self, container: str, text: str):
        """Select `text` inside `container` (as a mouse drag does) and release the mouse:
        one selection; the quote page then loads the passage's forms (part of it)."""
        self.count("selection", container)
        with self.page.expect_navigation():
            found = self._select(container, text)
        assert found, f"not in {container}: {text!r}"

    def _select(self, container: str, text: str) -> bool:
        return self.page.locator(container).evaluate(
            """(element, text) => {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                const nodes = [];
                let whole = "";
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    nodes.push([node, whole.length]);
                    whole += node.data;
                }
                const start = whole.indexOf(text);
                if (start < 0) return false;
                const end = start + text.length;
                const at = (offset) => {
                    for (let i = nodes.length - 1; i >= 0; i--) {
                        if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
                    }
                };
                const range = document.createRange();
                range.setStart(...at(start));
                range.setEnd(...at(end));
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                element.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                return true;
            }""",
            text,
        )

    # Reading the page (not counted)

    def expect_saved(self):
        errors = self.page.locator(".errornote, .errorlist")
        if errors.count():
            raise AssertionError(f"{self.step}: the form was refused: {errors.all_inner_texts()}")

    def breakdown(self) -> str:
        """ "N actions (a page loads, b clicks, c fields, d selections)", then each step's
        count and what it did."""
        kinds = self.by_kind()
        parts = ", ".join(f"{kinds[k]} {k}s" for k in ("page load", "click", "field", "selection") if kinds[k])
        lines = [f"{self.total} actions ({parts})"]
        for step in dict.fromkeys(step for step, _, _ in self.actions):
            done = [(kind, what) for s, kind, what in self.actions if s == step]
            lines.append(f"  {step}: {len(done)}: " + ", ".join(f"{kind} {what}" for kind, what in done))
        return "\n".join(lines)


# --- The records, read back --------------------------------------------------------------------


def recorded() -> dict:
    """What the database holds of the report, in REPORT's shape (claims in REPORT's
    order, found by their quote), for comparing the two runs field by field."""
    assert Outlet.objects.count() == 1, list(Outlet.objects.values_list("name", flat=True))
    assert Source.objects.count() == 1
    outlet, source = Outlet.objects.get(), Source.objects.get()
    claims = list(Claim.objects.prefetch_related("attributions__actor", "quantities", "citations__source"))
    denials = list(Denial.objects.prefetch_related("deniers", "claims", "citations__source"))
    assert len(claims) == len(REPORT["claims"]) and len(denials) == 1, (claims, denials)
    order = {c["quote"]: i for i, c in enumerate(REPORT["claims"])}
    quoted = {}
    for claim in claims:
        (citation,) = claim.citations.all()
        assert citation.source == source and citation.quote_found is True
        quoted[order.get(citation.quote, citation.quote)] = claim
    assert sorted(quoted, key=str) == list(range(len(REPORT["claims"]))), sorted(quoted, key=str)
    index = {claim.pk: i for i, claim in quoted.items()}

    def claim_record(claim):
        (citation,) = claim.citations.all()
        return {
            "proposition": claim.proposition,
            "made_edtf": claim.made_edtf,
            "made_as_worded": claim.made_as_worded,
            "made_inferred": claim.made_inferred,
            "certainty": claim.certainty,
            "hedge": claim.hedge,
            "chain": [(a.actor.name, a.role) for a in sorted(claim.attributions.all(), key=lambda a: a.position)],
            "figures": [
                {f: getattr(q, f) for f in ("as_worded", "comparator", "low", "high", "unit", "item")}
                for q in claim.quantities.all()
            ],
            "quote": citation.quote,
            "prefix": citation.quote_prefix.strip(),
            "suffix": citation.quote_suffix.strip(),
        }

    (denial,) = denials
    (denial_citation,) = denial.citations.all()
    assert denial_citation.source == source and denial_citation.quote_found is True
    return {
        "outlet": {"name": outlet.name, "kind": outlet.kind, "domain": outlet.domain},
        "source": {
            "outlet": source.outlet.name if source.outlet_id else None,
            **{f: getattr(source, f) for f in ("title", "kind", "authors", "language", "published_edtf", "url")},
            # A browser posts a textarea's line breaks as CRLF, and the admin stores them so.
            "text": source.text.replace("\r\n", "\n"),
        },
        "claims": [claim_record(quoted[i]) for i in range(len(REPORT["claims"]))],
        "denial": {
            "statement": denial.statement,
            "made_edtf": denial.made_edtf,
            "made_as_worded": denial.made_as_worded,
            "made_inferred": denial.made_inferred,
            "kind": denial.kind,
            "deniers": sorted(a.name for a in denial.deniers.all()),
            "answers": sorted(index[c.pk] for c in denial.claims.all()),
            "quote": denial_citation.quote,
            "prefix": denial_citation.quote_prefix.strip(),
            "suffix": denial_citation.quote_suffix.strip(),
        },
    }


def expected(report: dict) -> dict:
    """REPORT as recorded() reads it back. The admin's forms strip the whitespace at a
    field's ends, where the quote page keeps the space or line break next to the quote
    (as a W3C TextQuoteSelector does): prefixes and suffixes are compared without it."""

    def trimmed(record):
        return {**record, "prefix": record["prefix"].strip(), "suffix": record["suffix"].strip()}

    return {
        "outlet": report["outlet"],
        "source": {"outlet": report["outlet"]["name"], **report["source"]},
        "claims": [trimmed(claim) for claim in report["claims"]],
        "denial": trimmed(report["denial"]),
    }


def differences(got, want, path="") -> list[str]:
    """Where two records differ, field by field: ["claims[1].figures[0].low: 1000 != 1000000"]."""
    if isinstance(want, dict) and isinstance(got, dict):
        return [d for key in {**want, **got} for d in differences(got.get(key), want.get(key), f"{path}.{key}")]
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in differences(g, w, f"{path}[{i}]")]
    if isinstance(want, tuple):
        want = list(want)
    if isinstance(got, tuple):
        got = list(got)
    return [] if got == want else [f"{path.lstrip('.')}: {got!r} != {want!r}"]


def forget_the_report():
    """Between the runs: the knowledge base as it was before the first (the actors only)."""
    Denial.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Outlet.objects.all().delete()


# --- Fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def report_server():
    """tests/intake_pages/ served over HTTP from 127.0.0.1, as a news site would serve it."""
    handler = functools.partial(QuietHandler, directory=str(PAGES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def report(report_server):
    """REPORT with what only the run knows: the page's address, and its text as intake
    extracts it (what an analyst pastes into the stock form)."""
    text = extract.extract((PAGES / REPORT_PAGE).read_bytes(), format="html").text
    return {**REPORT, "source": {**REPORT["source"], "url": report_server + REPORT_PAGE, "text": text}}


@pytest.fixture
def actors(transactional_db):
    made = {}
    for name, slug, kind, country, parent, aliases in ACTORS:
        made[name] = Actor.objects.create(
            name=name, slug=slug, kind=kind, country=country, parent=made[parent] if parent else None
        )
        ActorAlias.objects.bulk_create(ActorAlias(actor=made[name], name=alias) for alias in aliases)
    return made


@pytest.fixture
def browser(live_server, actors, django_user_model, monkeypatch, settings):
    """A staff superuser's Chromium on the live server, logged in through the session
    cookie (logging in is not counted)."""
    settings.INTAKE_ALLOW_PRIVATE_ADDRESSES = True  # the report is served from 127.0.0.1
    # Playwright's sync API runs an event loop in this thread; the ORM is used from it
    # only between browser actions, while the live server's thread waits for requests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = django_user_model.objects.create_superuser("curator", "curator@example.org", "not-used")
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    errors = []
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, live_server.url, errors
        chromium.close()
        # The ORM was used inside Playwright's context, whose connections are its own:
        # closed here, or PostgreSQL could not drop the test database.
        connections.close_all()


# --- The stock admin path ----------------------------------------------------------------------


def stock_admin_path(counter: Counter, report: dict):
    """As on main: outlet, source, each claim with its inlines, the denial: one add form each."""
    outlet, source = report["outlet"], report["source"]

    counter.step = "outlet"
    counter.goto("/admin/sources/outlet/add/")
    counter.fill("#id_name", outlet["name"])  # the slug follows the name (prepopulated)
    counter.select_option("#id_kind", outlet["kind"])
    counter.fill("#id_domain", outlet["domain"])
    counter.submit('input[name="_save"]')
    counter.expect_saved()

    counter.step = "source"
    counter.goto("/admin/sources/source/add/")
    counter.autocomplete("id_outlet", outlet["name"], outlet["name"])
    counter.fill("#id_title", source["title"])
    counter.select_option("#id_kind", source["kind"])
    counter.fill("#id_url", source["url"])
    counter.fill("#id_authors", source["authors"])
    counter.fill("#id_language", source["language"])
    counter.fill("#id_published_edtf", source["published_edtf"])
    counter.fill("#id_text", source["text"])
    counter.submit('input[name="_save"]')
    counter.expect_saved()

    source_label = f"{source['title']} ({outlet['name']})"
    for n, claim in enumerate(report["claims"], 1):
        counter.step = f"claim {n}"
        counter.goto("/admin/claims/claim/add/")
        counter.fill("#id_proposition", claim["proposition"])  # the slug follows (prepopulated)
        counter.fill("#id_made_edtf", claim["made_edtf"])
        counter.fill("#id_made_as_worded", claim["made_as_worded"])
        counter.check("#id_made_inferred", claim["made_inferred"])
        counter.select_option("#id_certainty", claim["certainty"])
        counter.fill("#id_hedge", claim["hedge"])
        for i, (actor, role) in enumerate(claim["chain"]):
            if i:  # the form shows one empty link
                counter.click("#attributions-group .add-row a")
            counter.autocomplete(f"id_attributions-{i}-actor", actor, actor)
            counter.select_option(f"#id_attributions-{i}-role", role)
        for i, figure in enumerate(claim["figures"]):
            counter.click("#quantities-group .add-row a")
            counter.fill(f"#id_quantities-{i}-as_worded", figure["as_worded"])
            counter.select_option(f"#id_quantities-{i}-comparator", figure["comparator"])
            if figure["comparator"] not in ("hundreds_of_thousands",):  # an order of magnitude fills them
                counter.fill(f"#id_quantities-{i}-low", str(figure["low"]))
                if figure["high"] is not None:
                    counter.fill(f"#id_quantities-{i}-high", str(figure["high"]))
            counter.fill(f"#id_quantities-{i}-unit", figure["unit"])
            counter.fill(f"#id_quantities-{i}-item", figure["item"])
        add_citation(counter, source["title"], source_label, claim)
        counter.submit('input[name="_save"]')
        counter.expect_saved()

    denial = report["denial"]
    counter.step = "denial"
    counter.goto("/admin/claims/denial/add/")
    counter.fill("#id_statement", denial["statement"])
    counter.fill("#id_made_edtf", denial["made_edtf"])
    counter.fill("#id_made_as_worded", denial["made_as_worded"])
    counter.check("#id_made_inferred", denial["made_inferred"])
    for actor in denial["deniers"]:
        counter.autocomplete("id_deniers", actor, actor)
    counter.select_option("#id_kind", denial["kind"])
    for i in denial["answers"]:
        proposition = report["claims"][i]["proposition"]
        counter.autocomplete("id_claims", " ".join(proposition.split()[3:8]), proposition[:60])
    add_citation(counter, source["title"], source_label, denial)
    counter.submit('input[name="_save"]')
    counter.expect_saved()


def add_citation(counter: Counter, title: str, label: str, record: dict):
    counter.click("#citations-group .add-row a")
    counter.autocomplete("id_citations-0-source", title, label)
    counter.fill("#id_citations-0-quote", record["quote"])
    counter.fill("#id_citations-0-quote_prefix", record["prefix"])
    counter.fill("#id_citations-0-quote_suffix", record["suffix"])


# --- The intake path ---------------------------------------------------------------------------


def intake_path(counter: Counter, report: dict):
    """Intake reads the page; each claim and the denial from a selected passage of its
    stored text, the prefilled fields checked and only the wrong ones fixed."""
    outlet, source = report["outlet"], report["source"]

    counter.step = "source"
    counter.goto("/admin/sources/source/intake/")
    counter.fill("#id_url", source["url"])
    counter.submit("input[type=submit][value='Read it']")
    counter.expect_saved()
    fix_fields(counter, "outlet", outlet)
    fix_fields(counter, "source", {k: v for k, v in source.items() if k != "text"})  # the text is not a field
    counter.submit("input[type=submit][value='Save source']")
    counter.expect_saved()
    assert "/admin/claims/claim/quote/" in counter.page.url, counter.page.content()[:3000]

    slugs = []
    for n, claim in enumerate(report["claims"], 1):
        counter.step = f"claim {n}"
        counter.select_text("#snapshot", claim["quote"])
        made = ("made_edtf", "made_as_worded", "made_inferred")
        fix_fields(counter, "claim", {k: claim[k] for k in ("proposition", *made, "certainty", "hedge")})
        fix_chain(counter, claim["chain"])
        fix_figures(counter, claim["figures"])
        counter.submit("button[name=action][value=claim]")
        counter.expect_saved()
        slugs.append(Claim.objects.get(citations__quote=claim["quote"]).slug)

    denial = report["denial"]
    counter.step = "denial"
    counter.select_text("#snapshot", denial["quote"])
    fields = {k: denial[k] for k in ("statement", "made_edtf", "made_as_worded", "made_inferred", "kind")}
    fields["claims"] = ", ".join(slugs[i] for i in denial["answers"])
    fix_fields(counter, "denial", fields)
    if actor_names(counter.page.locator("#id_denial-deniers").input_value().split(",")) != denial["deniers"]:
        counter.fill("#id_denial-deniers", ", ".join(denial["deniers"]))
    counter.submit("button[name=action][value=denial]")
    counter.expect_saved()


def fix_fields(counter: Counter, prefix: str, wanted: dict):
    """Correct the prefilled fields of a form that do not hold what REPORT says (each
    fix counted; a field holding the right value is not touched)."""
    for name, value in wanted.items():
        selector = f"#id_{prefix}-{name}"
        box = counter.page.locator(selector)
        if not box.count():
            continue
        if isinstance(value, bool):
            counter.check(selector, value)
        elif box.evaluate("e => e.tagName") == "SELECT":
            counter.select_option(selector, value)
        else:
            counter.fill(selector, value)


def actor_names(texts) -> list[str]:
    """The actors that slugs, names or aliases typed in a field name, by their names."""
    names = []
    for text in (t.strip() for t in texts):
        if not text:
            continue
        actor = (
            Actor.objects.filter(slug=text).first()
            or Actor.objects.filter(name__iexact=text).first()
            or Actor.objects.filter(aliases__name__iexact=text).first()
        )
        names.append(actor.name if actor else text)
    return names


def rows(counter: Counter, prefix: str) -> int:
    return int(counter.page.locator(f"#id_{prefix}-TOTAL_FORMS").input_value())


def fix_chain(counter: Counter, chain: list):
    """Keep the suggested links that are REPORT's chain, in its order; untick the others;
    type the missing ones into the empty rows; correct the roles."""
    wanted = list(chain)
    empty = []
    for i in range(rows(counter, "chain")):
        actor = counter.page.locator(f"#id_chain-{i}-actor").input_value().strip()
        included = counter.page.locator(f"#id_chain-{i}-include").is_checked()
        if not actor:
            empty.append(i)
        elif included and wanted and actor_names([actor]) == [wanted[0][0]]:
            counter.select_option(f"#id_chain-{i}-role", wanted.pop(0)[1])
        elif included:
            counter.check(f"#id_chain-{i}-include", False)  # not in the chain: left out
    assert len(empty) >= len(wanted), f"no empty row left for {wanted}"
    for i, (name, role) in zip(empty, wanted, strict=False):
        counter.check(f"#id_chain-{i}-include", True)
        counter.fill(f"#id_chain-{i}-actor", name)
        counter.select_option(f"#id_chain-{i}-role", role)


FIGURE_FIELDS = ("as_worded", "comparator", "low", "high", "unit", "item")


def fix_figures(counter: Counter, figures: list):
    """Keep a suggested figure for each of REPORT's (correcting its wrong fields); untick
    the others; type a missing one into the empty row."""
    wanted = list(figures)
    empty = []
    for i in range(rows(counter, "figures")):
        row = {f: counter.page.locator(f"#id_figures-{i}-{f}").input_value().strip() for f in FIGURE_FIELDS}
        included = counter.page.locator(f"#id_figures-{i}-include").is_checked()
        if not (row["as_worded"] or row["low"] or row["item"]):
            empty.append(i)
        elif included and wanted:
            fill_figure(counter, i, wanted.pop(0))
        elif included:
            counter.check(f"#id_figures-{i}-include", False)
    assert len(empty) >= len(wanted), f"no empty row left for {wanted}"
    for i, figure in zip(empty, wanted, strict=False):
        counter.check(f"#id_figures-{i}-include", True)
        fill_figure(counter, i, figure)


def fill_figure(counter: Counter, i: int, figure: dict):
    for name in FIGURE_FIELDS:
        value = figure[name]
        selector = f"#id_figures-{i}-{name}"
        if name == "comparator":
            counter.select_option(selector, value)
        elif name in ("low", "high"):
            if figure["comparator"] in MAGNITUDES:  # an order of magnitude fills them itself
                continue
            shown = counter.page.locator(selector).input_value().strip()
            if (Decimal(shown) if shown else None) != value:
                counter.fill(selector, "" if value is None else str(value))
        else:
            counter.fill(selector, value)


# --- The measurement -----------------------------------------------------------------------------


def test_intake_takes_at_most_a_third_of_the_stock_admins_actions(browser, report):
    page, base, errors = browser

    stock = Counter(page, base)
    stock_admin_path(stock, report)
    print(f"\nstock admin path: {stock.breakdown()}")
    stock_records = recorded()
    diffs = differences(stock_records, expected(report))
    assert not diffs, "the stock path recorded something else than REPORT:\n" + "\n".join(diffs)

    forget_the_report()

    intake = Counter(page, base)
    intake_path(intake, report)
    print(f"intake path: {intake.breakdown()}")
    print(f"intake / stock: {intake.total}/{stock.total} = {intake.total / stock.total:.2f}")
    diffs = differences(recorded(), stock_records)
    assert not diffs, "the intake path recorded something else than the stock path:\n" + "\n".join(diffs)
    assert errors == [], errors
    # The target: intake needs at most a third of the stock path's actions.
    assert intake.total * 3 <= stock.total, (
        f"intake took {intake.total} actions, more than a third of the stock path's {stock.total}: "
        "see the breakdown printed above for the prefilled values that had to be fixed"
    )
