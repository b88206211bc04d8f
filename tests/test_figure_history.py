"""Figure history: the figures claimed for each thing counted, over time, as server-side
SVG step charts with their table and their CSV twin (web/figure_history.py)."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.loader import render_to_string

from claims.models import PublicationState, Topic
from tests.factories import (
    make_claim,
    make_claim_link,
    make_materiel,
    make_quantity,
    make_topic,
)
from web import figure_history
from web.figure_history import (
    CSV_COLUMNS,
    MAX_POINTS,
    MAX_SERIES,
    build_figure_history,
    figure_history_rows,
    materiel_figure_history,
    topic_figure_history,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>" onmouseover="x'


# --- helpers ---------------------------------------------------------------------------------


def claim_in(topic, **fields):
    claim = make_claim(**fields)
    claim.topics.add(topic)
    return claim


def figure(topic, made="2023-11-01", **fields):
    """A claim in the topic with one figure; quantity fields by keyword, claim fields
    with a claim_ prefix."""
    claim_fields = {k.removeprefix("claim_"): v for k, v in fields.items() if k.startswith("claim_")}
    quantity_fields = {k: v for k, v in fields.items() if not k.startswith("claim_")}
    claim = claim_in(topic, made=made, **claim_fields)
    make_quantity(claim=claim, **quantity_fields)
    return claim


def render(history, caption="Figures") -> str:
    return render_to_string("includes/figure_history.html", {"figures": history, "caption": caption})


def svg_root(history):
    html = render(history)
    match = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert match, "no drawing"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own output; raises unless well-formed


def classes(element):
    return element.get("class", "").split()


def panels(root):
    return [g for g in root.iter(f"{SVG}g") if "fh-panel" in classes(g)]


def panel_title(panel) -> str:
    return "".join(next(e for e in panel if "fh-panel-title" in classes(e)).itertext())


def marks(root_or_panel):
    return [g for g in root_or_panel.iter(f"{SVG}g") if "fh-point" in classes(g)]


def mark_of(root, claim):
    """The mark of the claim's figure: its title is "<series>: <figure>, <date>. <proposition>"."""
    [found] = [g for g in marks(root) if g.find(f"{SVG}title").text.split(". ", 1)[1].startswith(claim.proposition)]
    return found


def shape(mark):
    return next(e for e in mark if "fh-mark" in classes(e))


def centre(element):
    if element.tag == f"{SVG}circle":
        return float(element.get("cx")), float(element.get("cy"))
    if element.tag == f"{SVG}rect":
        return (
            float(element.get("x")) + float(element.get("width")) / 2,
            float(element.get("y")) + float(element.get("height")) / 2,
        )
    points = [tuple(map(float, p.split(","))) for p in element.get("points").split()]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def labels(root_or_panel) -> list[str]:
    return [t.text for t in root_or_panel.iter(f"{SVG}text") if "fh-label" in classes(t)]


def tick_labels(panel) -> list[str]:
    return [t.text for t in panel.iter(f"{SVG}text") if "fh-tick-label" in classes(t)]


def connectors(root, kind="revises"):
    return [g for g in root.iter(f"{SVG}g") if f"fh-{kind}" in classes(g) and "fh-link" in classes(g)]


def path_start(d: str) -> tuple[float, float]:
    x, y = re.match(r"M(-?[\d.]+) (-?[\d.]+)", d).groups()
    return float(x), float(y)


class Tags(HTMLParser):
    """Every start tag, with the tags it sits in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.seen = [], []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in ("br", "line", "circle", "rect", "polygon", "path") and not self.get_starttag_text().endswith(
            "/>"
        ):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def parse_html(html) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


def table_rows(html) -> list[list[str]]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = re.findall(r"<tr\b.*?</tr>", body, re.DOTALL)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
        for row in rows
    ]


# --- queries ---------------------------------------------------------------------------------


def revised_story(topic, size: int):
    """`size` claims in the topic, a month apart, each revising the one before, with a
    figure of shells and a range of rockets, and a figure of ships every third claim."""
    shells = make_materiel(name="shell", slug=f"shell-{topic.slug}")
    previous = None
    for i in range(size):
        claim = claim_in(topic, made=f"{2020 + i // 12}-{i % 12 + 1:02d}-15")
        make_quantity(claim=claim, comparator="more_than", low=1000 * (i + 1), item="shells", materiel=shells)
        make_quantity(claim=claim, comparator="between", low=10, high=20 + i, item="rockets", position=2)
        if i % 3 == 0:
            make_quantity(claim=claim, comparator="about", low=5, item="ships", as_of="", position=3)
        if previous:
            make_claim_link(from_claim=claim, to_claim=previous, kind="revises")
        previous = claim


@pytest.mark.parametrize("size", [3, 30])
def test_two_queries_whatever_the_number_of_claims(django_assert_num_queries, size):
    topic = make_topic()
    revised_story(topic, size)

    with django_assert_num_queries(2):
        history = topic_figure_history(topic)
        html = render(history)

    assert len(history.series[0].plotted) == size
    # Both claims of each link have a figure of shells and one of rockets: an arc in each series.
    assert html.count('class="fh-link fh-revises"') == 2 * (size - 1)


def test_a_page_reads_the_latest_figures_up_to_its_limit_and_the_csv_every_one(client, monkeypatch):
    monkeypatch.setattr(figure_history, "READ_LIMIT", 3)
    topic = make_topic()
    for year in range(2018, 2023):
        figure(topic, made=f"{year}-06-01", low=year)

    page = topic_figure_history(topic)
    rows = client.get(f"/topics/{topic.slug}/figures.csv").content.decode("utf-8-sig").splitlines()

    assert sorted(point.value for one in page.series for point in one.points) == [2020, 2021, 2022]
    assert "Drawn from the latest 3 figures; the CSV has every one." in page.notes
    assert len(rows) == 1 + 5
    assert "latest 3 figures" in client.get(topic.get_absolute_url()).content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_csv_takes_three_queries_and_its_validator_whatever_the_number_of_claims(
    client, django_assert_num_queries, size
):
    topic = make_topic()
    revised_story(topic, size)

    # The topic, the figures, the links; and the site's change counter, the answer's validator.
    with django_assert_num_queries(4):
        response = client.get(f"/topics/{topic.slug}/figures.csv")
    assert response.status_code == 200
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 2 * size + (size + 2) // 3


# --- series ----------------------------------------------------------------------------------


def test_a_series_per_thing_counted_keyed_by_materiel_else_by_item_unit_and_kind():
    topic = make_topic()
    shell = make_materiel(name="artillery shell")
    figure(topic, low=1_000_000, item="artillery shells", materiel=shell)
    figure(topic, low=300_000, item="152 mm rounds", materiel=shell)  # same materiel, other words
    figure(topic, low=5, item="Artillery  Shells")  # no materiel: by the item...
    figure(topic, low=6, item=" artillery shells ")  # ...lower-cased, whitespace squashed
    figure(topic, low=2, unit="months’ worth of supplies", item="artillery shells", materiel=shell)
    figure(topic, low=2, unit="Months’  worth of supplies", item="artillery shells", materiel=shell)
    figure(topic, low=5_000_000, item="artillery shells", materiel=shell, kind="capacity")

    history = topic_figure_history(topic)

    assert {s.label: len(s.points) for s in history.series} == {
        "artillery shell": 2,  # the materiel's name
        "Artillery Shells": 2,  # the first wording of the item
        "artillery shell, in months’ worth of supplies": 2,
        "artillery shell (capacity)": 1,
    }
    keys = {s.key for s in history.series}
    assert ("materiel", shell.slug, "", "count") in keys
    assert ("item", "artillery shells", "", "count") in keys
    assert ("materiel", shell.slug, "months’ worth of supplies", "count") in keys
    assert ("materiel", shell.slug, "", "capacity") in keys

    root = svg_root(history)
    assert len(panels(root)) == 4  # each series on its own axis
    assert any(panel_title(p).startswith("artillery shell (capacity)") for p in panels(root))


def test_the_largest_series_are_drawn_and_the_caption_says_the_others_are_not():
    topic = make_topic()
    for n in range(MAX_SERIES + 2):
        for i in range(n + 1):
            figure(topic, made=f"2023-{i + 1:02d}-01", low=i + 1, item=f"thing {n}")

    history = topic_figure_history(topic)
    root = svg_root(history)
    html = render(history)

    titles = [panel_title(p) for p in panels(root)]
    assert titles == [f"thing {n}" for n in range(MAX_SERIES + 1, 1, -1)]  # largest first
    assert "2 others are only in the table and the CSV" in html
    rows = table_rows(html)
    assert {row[3] for row in rows} == {f"thing {n}" for n in range(MAX_SERIES + 2)}


# --- the steps -------------------------------------------------------------------------------


def test_steps_run_in_date_order_from_each_figure_to_the_next():
    topic = make_topic()
    late = figure(topic, made="2024-06-01", low=3_000_000)
    early = figure(topic, made="2023-09-01", low=1_000_000)
    # The figure's own date comes before the date the claim was made.
    middle = figure(topic, made="2024-12-01", as_of="2024-01-15", low=2_000_000)

    history = topic_figure_history(topic)
    root = svg_root(history)

    [panel] = panels(root)
    xs = [centre(shape(mark_of(root, claim)))[0] for claim in (early, middle, late)]
    assert xs == sorted(xs)
    assert [centre(shape(m))[0] for m in marks(panel)] == xs  # drawn in date order
    ys = [centre(shape(mark_of(root, claim)))[1] for claim in (early, middle, late)]
    assert ys == sorted(ys, reverse=True)  # higher figures higher up
    step = next(e for e in panel.iter(f"{SVG}path") if "fh-step" in classes(e)).get("d")
    # From the first figure, across to the next one's date, then up to its value...
    moves = re.findall(r"([MHV])(-?[\d.]+)(?: (-?[\d.]+))?", step)
    assert [m[0] for m in moves] == ["M", "H", "V", "H", "V"]
    assert float(moves[1][1]) == pytest.approx(xs[1], abs=0.1)
    assert float(moves[2][1]) == pytest.approx(ys[1], abs=0.1)
    assert float(moves[3][1]) == pytest.approx(xs[2], abs=0.1)
    # The table says which date each figure is drawn at.
    rows = table_rows(render(history))
    assert [row[0] for row in rows] == [
        "1 September 2023 (date claimed)",
        "15 January 2024 (figure as of)",
        "1 June 2024 (date claimed)",
    ]


def test_each_figure_is_labelled_with_its_comparator():
    topic = make_topic()
    figure(topic, made="2023-01-01", comparator="more_than", low=1_000_000)
    figure(topic, made="2023-06-01", comparator="hundreds_of_thousands", low=None)
    figure(topic, made="2024-01-01", comparator="about", low=2, item="ships")
    figure(topic, made="2024-06-01", comparator="exact", low=1500, item="ships")

    root = svg_root(topic_figure_history(topic))

    assert labels(root) == ["more than 1,000,000", "hundreds of thousands", "about 2", "1,500"]
    assert {classes(m)[1] for m in marks(root)} == {"fh-floor", "fh-range", "fh-about", "fh-exact"}


def test_a_range_is_a_bar_from_its_low_to_its_high_figure_and_steps_through_its_middle():
    topic = make_topic()
    figure(topic, made="2023-01-01", comparator="exact", low=0)
    ranged = figure(topic, made="2023-06-01", comparator="between", low=100, high=300)

    history = topic_figure_history(topic)
    root = svg_root(history)
    [panel] = panels(root)

    bar = shape(mark_of(root, ranged))
    assert bar.tag == f"{SVG}rect"
    top, bottom = float(bar.get("y")), float(bar.get("y")) + float(bar.get("height"))
    grid = {t.text: float(t.get("y")) - 4 for t in panel.iter(f"{SVG}text") if "fh-tick-label" in classes(t)}
    assert top == pytest.approx(grid["300"], abs=0.2)
    assert bottom == pytest.approx(grid["100"], abs=0.2)
    assert history.series[0].plotted[1].value == 200
    step = next(e for e in panel.iter(f"{SVG}path") if "fh-step" in classes(e)).get("d")
    assert float(step[step.rindex("V") + 1 :]) == pytest.approx((top + bottom) / 2, abs=0.2)
    assert "between 100 and 300" in labels(root)


def test_a_date_wider_than_a_day_draws_its_days_and_an_open_start_stands_at_its_last_day():
    topic = make_topic()
    august = figure(topic, made="2023-08", low=10)
    before = figure(topic, made="[..2023-10-25]", low=20)

    history = topic_figure_history(topic)
    root = svg_root(history)

    span = next(e for e in mark_of(root, august) if "fh-span" in classes(e))
    assert float(span.get("x1")) == pytest.approx(centre(shape(mark_of(root, august)))[0], abs=0.1)
    assert float(span.get("x2")) > float(span.get("x1"))
    x_before = centre(shape(mark_of(root, before)))[0]
    span = next(e for e in mark_of(root, before) if "fh-span" in classes(e))
    assert float(span.get("x1")) < x_before  # from the start of the axis
    assert history.series[0].plotted[1].day.isoformat() == "2023-10-25"


def test_a_log_scale_when_figures_span_more_than_two_orders_of_magnitude():
    topic = make_topic()
    figure(topic, made="2023-01-01", low=50, item="shells")
    figure(topic, made="2023-06-01", low=1_000_000, item="shells")
    figure(topic, made="2023-01-01", low=250_000, item="rounds")
    figure(topic, made="2023-06-01", low=1_000_000, item="rounds")

    root = svg_root(topic_figure_history(topic))
    by_title = {panel_title(p): p for p in panels(root)}

    assert tick_labels(by_title["shells (log scale)"])[:6] == ["10", "100", "1,000", "10,000", "100,000", "1,000,000"]
    assert tick_labels(by_title["rounds"])[:5] == ["0", "250,000", "500,000", "750,000", "1,000,000"]


# --- revisions -------------------------------------------------------------------------------


def test_a_revision_is_a_dashed_arc_from_the_earlier_figure_to_the_later():
    topic = make_topic()
    first = figure(topic, made="2023-11-01", low=1_000_000)
    second = figure(topic, made="2024-06-01", low=3_000_000)
    third = figure(topic, made="2025-02-01", low=5_000_000)
    make_claim_link(from_claim=second, to_claim=first, kind="revises")
    make_claim_link(from_claim=third, to_claim=second, kind="supersedes")
    make_claim_link(from_claim=third, to_claim=first, kind="corroborates")  # not a revision

    history = topic_figure_history(topic)
    root = svg_root(history)

    [revises] = connectors(root, "revises")
    [supersedes] = connectors(root, "supersedes")
    d = next(e for e in revises if "fh-connector" in classes(e)).get("d")
    assert path_start(d) == pytest.approx(centre(shape(mark_of(root, first))), abs=0.2)
    arrow = centre(next(e for e in revises if "fh-arrow" in classes(e)))
    end = centre(shape(mark_of(root, second)))
    assert abs(arrow[0] - end[0]) < 15 and abs(arrow[1] - end[1]) < 15
    assert second.proposition in revises.find(f"{SVG}title").text
    assert supersedes is not None
    html = render(history)
    assert "revises" in html and "Dashed arcs join 2 figures" in html
    rows = table_rows(html)
    assert rows[1][1].endswith(f"revises {first.proposition}")
    assert rows[2][1].endswith(f"supersedes {second.proposition}")


def test_a_revision_across_series_joins_the_first_figures_of_the_two_claims():
    topic = make_topic()
    first = figure(topic, made="2023-11-01", low=1000, item="containers")
    second = figure(topic, made="2024-06-01", low=2_000_000, item="shells")
    make_claim_link(from_claim=second, to_claim=first, kind="revises")

    root = svg_root(topic_figure_history(topic))

    [link] = connectors(root)
    d = next(e for e in link if "fh-connector" in classes(e)).get("d")
    assert path_start(d) == pytest.approx(centre(shape(mark_of(root, first))), abs=0.2)


# --- the bound -------------------------------------------------------------------------------


def test_beyond_the_bound_a_series_is_drawn_as_the_highest_figure_of_each_period():
    topic = make_topic()
    count = MAX_POINTS + 12  # one a month for six years: too many months, few enough quarters
    for i in range(count):
        figure(topic, made=f"{2018 + i // 12}-{i % 12 + 1:02d}-10", low=1000 + i)
    figure(topic, made="2018-01-20", low=99_999)  # the highest of the first quarter

    history = topic_figure_history(topic)
    root = svg_root(history)
    html = render(history)

    drawn = marks(root)
    assert len(drawn) == count // 3 <= MAX_POINTS
    assert all(classes(m)[1] == "fh-bucket" for m in drawn)
    assert "the chart and the table show the highest figure of each quarter" in html
    assert labels(root)[0] == "more than 99,999 (highest of 4 claims)"
    rows = table_rows(html)
    assert rows[0][:3] == ["Q1 2018", "4 claims", "highest: more than 99,999"]
    assert len(rows) == count // 3
    # The count links to the claims list, filtered to the topic and the period.
    link = re.search(r'<a href="([^"]+)">4 claims</a>', html).group(1)
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.path == "/claims/"
    assert parse_qs(url.query) == {
        "topic": [topic.slug],
        "made_after": ["2018-01-01"],
        "made_before": ["2018-03-31"],
    }


def test_the_linked_period_lists_the_claims_of_the_period(client):
    topic = make_topic()
    for i in range(MAX_POINTS + 1):
        figure(topic, made=f"{2018 + i // 12}-{i % 12 + 1:02d}-10", low=1000 + i)
    history = topic_figure_history(topic)
    first = history.series[0].buckets[0]

    page = client.get(first.url).content.decode()

    for point in first.points:
        assert point.proposition in page
    assert history.series[0].plotted[3].proposition not in page  # April is the next quarter


# --- what is not drawn -----------------------------------------------------------------------


def test_undated_figures_and_figures_without_a_number_are_only_in_the_table():
    topic = make_topic()
    dated = figure(topic, made="2023-11-01", low=1_000_000)
    undated = figure(topic, made="", low=2_000_000)
    figure(topic, made="2023-12-01", comparator="unspecified", low=None)

    history = topic_figure_history(topic)
    root = svg_root(history)
    html = render(history)

    assert [m.find(f"{SVG}title").text.endswith(dated.proposition) for m in marks(root)] == [True]
    assert undated.proposition not in ET.tostring(root, encoding="unicode")
    rows = table_rows(html)
    assert [row[0] for row in rows] == [
        "1 November 2023 (date claimed)",
        "1 December 2023 (date claimed)",
        "undated",
    ]
    assert rows[1][2] == "an unspecified number"
    assert "2 figures without a date or without a number are listed in the table, not drawn." in html


def test_only_undated_figures_give_a_table_without_a_drawing():
    topic = make_topic()
    figure(topic, made="", low=5)
    history = topic_figure_history(topic)
    html = render(history)

    assert history.chart is None
    assert "<svg" not in html
    assert len(table_rows(html)) == 1


def test_nothing_to_show_says_so():
    history = topic_figure_history(make_topic())
    assert history.is_empty
    assert "No figures to show yet." in render(history)


def test_only_published_claims_are_read():
    topic = make_topic()
    figure(topic, low=10, claim_proposition="Published figure.")
    for state in (PublicationState.DRAFT, PublicationState.IN_REVIEW):
        figure(topic, low=20, claim_state=state, claim_proposition=f"A {state} figure.")
    draft = claim_in(topic, state=PublicationState.DRAFT)
    published = figure(topic, made="2024-01-01", low=30)
    make_claim_link(from_claim=published, to_claim=draft, kind="revises")  # to a draft: left out

    history = topic_figure_history(topic)
    html = render(history)

    assert [p.proposition for s in history.series for p in s.points] == ["Published figure.", published.proposition]
    assert "draft" not in html and "in_review" not in html
    assert history.series[0].points[1].revises == []


# --- materiel pages --------------------------------------------------------------------------


def test_a_materiel_page_draws_its_own_figures_and_those_of_narrower_types():
    shell = make_materiel(name="artillery shell")
    narrow = make_materiel(name="152 mm shell", parent=shell)
    other = make_materiel(name="rifle")
    claim = make_claim(made="2023-11-01")
    make_quantity(claim=claim, low=1_000_000, materiel=shell)
    make_quantity(claim=claim, low=300_000, materiel=narrow, item="152 mm shells", position=2)
    make_quantity(claim=claim, low=40_000, materiel=other, item="rifles", position=3)
    make_quantity(claim=make_claim(state=PublicationState.DRAFT), low=9, materiel=shell)

    history = materiel_figure_history(shell)

    assert sorted(s.label for s in history.series) == ["152 mm shell", "artillery shell"]
    assert history.figure_count == 2
    assert all(s.scope == {"materiel": s.key[1]} for s in history.series)
    assert history.csv_url == f"/materiel/{shell.slug}/figures.csv"


# --- markup ----------------------------------------------------------------------------------


def test_the_include_parses_and_keeps_its_links_out_of_the_picture():
    topic = make_topic()
    first = figure(topic, made="2023-11-01", low=1_000_000)
    second = figure(topic, made="2024-06-01", comparator="between", low=2_000_000, high=3_000_000)
    make_claim_link(from_claim=second, to_claim=first, kind="revises")
    figure(topic, made="", low=5)
    history = topic_figure_history(topic)

    html = render(history)
    tags = parse_html(html)

    [(_, svg, _)] = [t for t in tags.seen if t[0] == "svg"]
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "figures-title figures-desc"
    ids = {attrs.get("id") for _, attrs, _ in tags.seen}
    assert {"figures-title", "figures-desc"} <= ids
    inside_svg = [tag for tag, attrs, parents in tags.seen if "svg" in parents]
    assert "a" not in inside_svg
    assert not [attrs for tag, attrs, parents in tags.seen if "svg" in parents and "tabindex" in attrs]
    links = [attrs["href"] for tag, attrs, parents in tags.seen if tag == "a"]
    assert links.count(first.get_absolute_url()) == 2  # its row, and the row of the claim revising it
    assert second.get_absolute_url() in links
    assert f"/topics/{topic.slug}/figures.csv" in links
    assert "style=" not in html  # class names only, for the Content Security Policy
    assert [t for t, _, _ in tags.seen if t in ("th",)] == ["th"] * 4
    svg_root(history)  # well-formed XML as well


def test_untrusted_text_comes_out_inert():
    topic = make_topic()
    figure(topic, low=5, item=HOSTILE, as_worded=HOSTILE, claim_proposition=HOSTILE)

    html = render(topic_figure_history(topic))

    assert "<script>" not in html
    assert 'onmouseover="x' not in html
    assert "&lt;script&gt;" in html


def test_the_caption_and_the_table_caption():
    topic = make_topic()
    figure(topic, low=5)
    html = render(topic_figure_history(topic), caption="Figures claimed in Topic X")
    assert '<span class="fh-caption">Figures claimed in Topic X</span>' in html
    assert "<caption>Figures claimed in Topic X: each series in date order</caption>" in html


# --- the CSV twin ----------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_the_csv_twin_has_every_figure_never_aggregated(client):
    topic = make_topic()
    shell = make_materiel(name="artillery shell")
    first = figure(topic, made="2023-11-01", low=1_000_000, as_worded="more than a million", materiel=shell)
    second = figure(
        topic, made="2024-06-01", comparator="between", low=2_000_000, high=3_000_000, materiel=shell, as_of="2024-05"
    )
    make_claim_link(from_claim=second, to_claim=first, kind="revises")
    figure(topic, made="", low=2, unit="months’ worth of supplies", kind="equivalent", item="=cmd|' /C calc'!A0")
    figure(topic, low=7, claim_state=PublicationState.DRAFT, claim_slug="a-draft")
    for i in range(MAX_POINTS + 5):  # aggregated in the drawing, not here
        figure(topic, made=f"{2010 + i // 12}-{i % 12 + 1:02d}-01", low=i + 1, item="rounds")

    response = client.get(f"/topics/{topic.slug}/figures.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response["Content-Disposition"] == f'attachment; filename="topic-{topic.slug}-figures.csv"'
    rows = read_csv(response)
    assert len(rows) == 3 + MAX_POINTS + 5
    assert "a-draft" not in {row["claim_slug"] for row in rows}
    assert [row["series"] for row in rows[:1]] == ["rounds"]  # the largest series first
    shells = [row for row in rows if row["series"] == "artillery shell"]
    assert shells == [
        {
            "series": "artillery shell",
            "date": "2023-11-01",
            "claim_slug": first.slug,
            "claim_url": f"http://testserver{first.get_absolute_url()}",
            "comparator": "more_than",
            "low": "1000000",
            "high": "",
            "unit": "",
            "item": "artillery shells",
            "kind": "count",
            "as_worded": "more than a million",
            "revises": "",
            "date_basis": "made",
        },
        {
            "series": "artillery shell",
            "date": "2024-05",
            "claim_slug": second.slug,
            "claim_url": f"http://testserver{second.get_absolute_url()}",
            "comparator": "between",
            "low": "2000000",
            "high": "3000000",
            "unit": "",
            "item": "artillery shells",
            "kind": "count",
            "as_worded": "",
            "revises": first.slug,
            "date_basis": "as_of",
        },
    ]
    [undated] = [row for row in rows if row["kind"] == "equivalent"]
    assert undated["date"] == "" and undated["date_basis"] == ""
    assert undated["item"] == "'=cmd|' /C calc'!A0"  # not run as a formula
    assert undated["series"] == "'=cmd|' /C calc'!A0, in months’ worth of supplies (equivalent)"


def test_the_materiel_csv_and_unknown_slugs(client):
    shell = make_materiel(name="artillery shell")
    claim = make_claim(made="2023-11-01")
    make_quantity(claim=claim, low=1_000_000, materiel=shell)
    make_quantity(claim=claim, low=5, item="ships", position=2)

    response = client.get(f"/materiel/{shell.slug}/figures.csv")
    rows = read_csv(response)

    assert [(row["series"], row["low"]) for row in rows] == [("artillery shell", "1000000")]
    assert response["Content-Disposition"] == f'attachment; filename="materiel-{shell.slug}-figures.csv"'
    assert client.get("/materiel/no-such-thing/figures.csv").status_code == 404
    assert client.get("/topics/no-such-topic/figures.csv").status_code == 404


def test_the_rows_function_makes_urls_absolute_with_the_callable_given():
    topic = make_topic()
    claim = figure(topic, low=5)
    header, row = figure_history_rows(topic_figure_history(topic), lambda url: "https://kb.example" + url)
    assert header == CSV_COLUMNS
    assert row[CSV_COLUMNS.index("claim_url")] == f"https://kb.example{claim.get_absolute_url()}"


# --- a general queryset ----------------------------------------------------------------------


def test_any_queryset_of_claims_with_its_own_scope():
    topic = make_topic()
    kept = figure(topic, low=5)
    figure(topic, low=6)
    from claims.models import Claim

    history = build_figure_history(Claim.objects.filter(pk=kept.pk), scope={"topic": topic.slug})

    assert [p.claim_slug for s in history.series for p in s.points] == [kept.slug]
    assert history.csv_url == ""
    assert "figures.csv" not in render(history)


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_topic(demo):
    topic = Topic.objects.get(slug="north-korean-munitions-for-russia")
    history = topic_figure_history(topic)
    root = svg_root(history)
    html = render(history)

    assert [panel_title(p) for p in panels(root)] == [
        "artillery shell",
        "artillery shell, in months’ worth of supplies (equivalent)",
        "containers of military equipment and munitions",
    ]
    assert labels(root) == ["more than 1,000,000", "about 2", "more than 1,000"]
    assert "7 figures without a date or without a number are listed in the table, not drawn." in html
    rows = table_rows(html)
    assert len(rows) == 10
    assert rows[3][0].startswith("on or before 25 October 2023")
