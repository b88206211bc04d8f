"""The claim-vs-denial timeline: an SVG drawn on the server, and its table."""

import calendar
import datetime as dt
import random
import re
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from django.template.loader import render_to_string

from claims.models import Claim, Denial
from tests.factories import make_actor, make_claim, make_denial, make_quantity
from web.timeline import build_timeline

SVG = "{http://www.w3.org/2000/svg}"
WEEK = dt.timedelta(days=7)
HOSTILE = '<script>alert(1)</script>" onmouseover="x'


def parse(timeline):
    root = ET.fromstring(str(timeline.svg))  # noqa: S314 - our own output; raises unless well-formed
    assert root.tag == f"{SVG}svg"
    return root


def classes(element):
    return element.get("class", "").split()


def links(root):
    """The group of each event (the legend has none); data-href names its record."""
    return [g for g in root.iter(f"{SVG}g") if "timeline-event" in classes(g)]


def child(a, css):
    return next(e for e in a if css in classes(e))


def mark(a):
    return child(a, "timeline-mark")


def x_range(shape):
    if shape.tag == f"{SVG}circle":
        cx, r = float(shape.get("cx")), float(shape.get("r"))
        return cx - r, cx + r
    if shape.tag == f"{SVG}polygon":
        xs = [float(point.split(",")[0]) for point in shape.get("points").split()]
        return min(xs), max(xs)
    x = float(shape.get("x"))
    return x, x + float(shape.get("width"))


def centre_y(shape):
    if shape.tag == f"{SVG}circle":
        return float(shape.get("cy"))
    if shape.tag == f"{SVG}polygon":
        ys = [float(point.split(",")[1]) for point in shape.get("points").split()]
        return (min(ys) + max(ys)) / 2
    return float(shape.get("y")) + float(shape.get("height")) / 2


def axis_y(root):
    axis = next(line for line in root.iter(f"{SVG}line") if "timeline-axis" in classes(line))
    return float(axis.get("y1"))


def tick_x(root, label):
    """x of the axis tick labelled e.g. "Aug 2023": a fixed point of the date scale."""
    for tick in root.iter(f"{SVG}g"):
        if "timeline-tick" in classes(tick) and tick.find(f"{SVG}text").text == label:
            return float(tick.find(f"{SVG}line").get("x1"))
    raise AssertionError(f"no tick labelled {label}")


def axis_ends(root):
    axis = next(line for line in root.iter(f"{SVG}line") if "timeline-axis" in classes(line))
    return float(axis.get("x1")), float(axis.get("x2"))


def day_x(root, day, ticks=None):
    """x of a day, from two ticks on the axis: by default those of its month and the next."""
    first, second = ticks or (day.replace(day=1), (day.replace(day=1) + dt.timedelta(days=31)).replace(day=1))
    x0, x1 = (tick_x(root, f"{calendar.month_abbr[tick.month]} {tick.year}") for tick in (first, second))
    return x0 + (day - first).days / (second - first).days * (x1 - x0)


def arrows(a):
    return [e for e in a if "timeline-arrow" in classes(e)]


def link_to(root, record):
    return next(a for a in links(root) if a.get("data-href") == record.get_absolute_url())


def loaded(claims=(), denials=()):
    """The records as a view passes them: quantities and deniers prefetched."""
    return (
        list(Claim.objects.filter(pk__in=[c.pk for c in claims]).prefetch_related("quantities")),
        list(Denial.objects.filter(pk__in=[d.pk for d in denials]).prefetch_related("deniers")),
    )


@pytest.mark.django_db
def test_claims_are_drawn_above_the_axis_and_denials_below():
    claim = make_claim(made="2023-11-01")
    denial = make_denial(made="2023-11-02", claims=[claim])
    root = parse(build_timeline(*loaded([claim], [denial])))

    y = axis_y(root)
    assert centre_y(mark(link_to(root, claim))) < y
    assert centre_y(mark(link_to(root, denial))) > y


@pytest.mark.django_db
def test_month_precision_claim_is_a_span_across_the_whole_month_not_a_point():
    august = make_claim(made="2023-08")
    day = make_claim(made="2023-09-15")
    root = parse(build_timeline(*loaded([august, day])))

    span, dot = mark(link_to(root, august)), mark(link_to(root, day))
    assert span.tag == f"{SVG}rect"
    assert dot.tag == f"{SVG}circle"
    left, right = x_range(span)
    assert right - left > 2 * float(dot.get("r"))
    assert left <= tick_x(root, "Aug 2023") + 0.1
    assert right >= tick_x(root, "Sep 2023") - 0.1


@pytest.mark.django_db
def test_an_approximate_month_is_a_bar_across_the_months_either_side():
    about_june = make_claim(made="2022-06~")
    timeline = build_timeline(*loaded([about_june]))
    root = parse(timeline)

    bar = mark(link_to(root, about_june))
    assert bar.tag == f"{SVG}rect"
    left, right = x_range(bar)
    assert left == pytest.approx(tick_x(root, "May 2022"), abs=0.1)
    assert right == pytest.approx(tick_x(root, "Aug 2022"), abs=0.1)
    assert arrows(link_to(root, about_june)) == []
    assert "Claim, about June 2022 " in link_to(root, about_june).find(f"{SVG}title").text
    assert str(timeline.rows[0].date) == "about June 2022"


@pytest.mark.django_db
def test_a_range_of_days_is_a_bar_from_its_first_to_the_end_of_its_last_day():
    week = make_denial(made="2023-10-19/2023-10-25")
    day = make_denial(made="2023-10-26")
    root = parse(build_timeline(*loaded(denials=[week, day])))

    left, right = x_range(mark(link_to(root, week)))
    assert left == pytest.approx(day_x(root, dt.date(2023, 10, 19)), abs=0.2)
    assert right == pytest.approx(day_x(root, dt.date(2023, 10, 26)), abs=0.2)
    assert mark(link_to(root, day)).tag == f"{SVG}circle"  # a day stays a point


@pytest.mark.django_db
def test_an_open_ended_denial_runs_to_the_edge_of_the_axis_and_ends_in_an_arrow():
    claim = make_claim(made="2023-06-01")
    ongoing = make_denial(made="2023/..", claims=[claim])  # denied since 2023, and still
    timeline = build_timeline(*loaded([claim], [ongoing]))
    root = parse(timeline)

    a = link_to(root, ongoing)
    left, right = x_range(mark(a))
    axis_start, axis_end = axis_ends(root)
    assert left == pytest.approx(tick_x(root, "Jan 2023"), abs=0.1)
    assert right == pytest.approx(axis_end, abs=0.1)
    [arrow] = arrows(a)
    tip_left, tip_right = x_range(arrow)
    assert tip_left == pytest.approx(right, abs=0.1)
    assert tip_right > right  # pointing out, past the axis's end
    assert centre_y(arrow) == pytest.approx(centre_y(mark(a)))
    assert "Denial, since 2023" in a.find(f"{SVG}title").text
    assert [str(row.date) for row in timeline.rows] == ["since 2023", "1 June 2023"]


@pytest.mark.django_db
def test_an_open_start_runs_from_the_start_of_the_axis():
    before = make_claim(made="[..2023-10-25]")
    day = make_claim(made="2023-09-01")
    timeline = build_timeline(*loaded([before, day]))
    root = parse(timeline)

    a = link_to(root, before)
    left, right = x_range(mark(a))
    assert left == pytest.approx(axis_ends(root)[0], abs=0.1)
    assert right == pytest.approx(day_x(root, dt.date(2023, 10, 26)), abs=0.2)
    [arrow] = arrows(a)
    assert x_range(arrow)[1] == pytest.approx(left, abs=0.1)
    assert x_range(arrow)[0] < left
    assert [str(row.date) for row in timeline.rows] == ["on or before 25 October 2023", "1 September 2023"]


@pytest.mark.django_db
def test_an_open_ended_date_alone_still_draws():
    root = parse(build_timeline(*loaded(denials=[make_denial(made="2023-08/..")])))

    [a] = links(root)
    left, right = x_range(mark(a))
    assert left == pytest.approx(tick_x(root, "Aug 2023"), abs=0.1)
    assert right == pytest.approx(axis_ends(root)[1], abs=0.1)


@pytest.mark.django_db
def test_year_precision_denial_spans_the_whole_year():
    denial = make_denial(made="2023")
    root = parse(build_timeline(*loaded(denials=[denial])))

    left, right = x_range(mark(link_to(root, denial)))
    assert left <= tick_x(root, "Jan 2023") + 0.1
    assert right >= tick_x(root, "Jan 2024") - 0.1


@pytest.mark.django_db
def test_every_mark_stands_for_its_record_with_the_full_text_as_title():
    claims = [make_claim(made=dt.date(2023, 9, n)) for n in (1, 2, 3)]
    denials = [make_denial(made=dt.date(2023, 10, n), claims=claims) for n in (1, 2)]
    root = parse(build_timeline(*loaded(claims, denials)))

    hrefs = set()
    for a in links(root):
        assert mark(a) is not None
        hrefs.add(a.get("data-href"))
    assert hrefs == {r.get_absolute_url() for r in [*claims, *denials]}
    # Nothing that looks like a mark sits outside a link (the legend's samples excepted).
    in_links = {id(e) for a in links(root) for e in a}
    legend = next(g for g in root.iter(f"{SVG}g") if "timeline-legend" in classes(g))
    in_legend = {id(e) for e in legend.iter()}
    for shape in root.iter():
        if "timeline-mark" in classes(shape) or "timeline-period" in classes(shape):
            assert id(shape) in in_links or id(shape) in in_legend
    title = link_to(root, claims[0]).find(f"{SVG}title").text
    assert claims[0].proposition in title


@pytest.mark.django_db
def test_claim_quantities_are_labelled_beside_the_mark():
    claim = make_claim(proposition="North Korea shipped more than a million shells.")
    make_quantity(claim=claim, as_worded="more than a million")
    root = parse(build_timeline(*loaded([claim])))

    a = link_to(root, claim)
    assert child(a, "timeline-side-label").text == "more than a million"
    assert child(a, "timeline-label").text.startswith("North Korea shipped")


@pytest.mark.django_db
def test_long_labels_are_cut_with_an_ellipsis_but_titles_keep_the_full_text():
    text = "A very long proposition " * 10
    claim = make_claim(proposition=text)
    root = parse(build_timeline(*loaded([claim])))

    a = link_to(root, claim)
    label = child(a, "timeline-label").text
    assert label.endswith("…")
    assert len(label) < len(text)
    assert text.strip() in a.find(f"{SVG}title").text


@pytest.mark.django_db
def test_covered_period_bar_runs_from_period_start_to_the_date_the_claim_was_made():
    # "since August", said on 1 November 2023
    claim = make_claim(
        made="2023-11-01",
        period_start="2023-08",
    )
    timeline = build_timeline(*loaded([claim]))
    root = parse(timeline)

    a = link_to(root, claim)
    left, right = x_range(child(a, "timeline-period"))
    assert left == pytest.approx(tick_x(root, "Aug 2023"), abs=0.1)
    assert right == pytest.approx(tick_x(root, "Nov 2023"), abs=0.1)
    assert centre_y(child(a, "timeline-period")) == pytest.approx(centre_y(mark(a)))
    assert timeline.rows[0].period == "August 2023 – 1 November 2023"


@pytest.mark.django_db
def test_closed_period_is_worded_and_drawn_to_the_end_of_its_last_day():
    claim = make_claim(
        made="2024-02-01",
        period_start="2023-09",
        period_end="2023-10",
    )
    timeline = build_timeline(*loaded([claim]))
    root = parse(timeline)

    left, right = x_range(child(link_to(root, claim), "timeline-period"))
    assert left == pytest.approx(tick_x(root, "Sep 2023"), abs=0.1)
    assert right == pytest.approx(tick_x(root, "Nov 2023"), abs=0.1)
    assert timeline.rows[0].period == "September 2023 – October 2023"


@pytest.mark.django_db
def test_an_open_period_start_is_worded_as_itself_and_drawn_to_the_date_made():
    # "since 2022", said about 1 November 2023
    claim = make_claim(made="2023-11-01", period_start="2022/..")
    timeline = build_timeline(*loaded([claim]))
    root = parse(timeline)

    left, right = x_range(child(link_to(root, claim), "timeline-period"))
    assert left == pytest.approx(tick_x(root, "Jan 2022"), abs=0.1)
    quarter = (dt.date(2023, 7, 1), dt.date(2023, 10, 1))  # ticks are quarterly on two years
    assert right == pytest.approx(day_x(root, dt.date(2023, 11, 1), quarter), abs=0.2)
    assert timeline.rows[0].period == "since 2022"


@pytest.mark.django_db
def test_a_period_without_a_start_runs_from_the_edge_of_the_axis_with_an_arrow():
    claim = make_claim(made="2023-11-01", period_end="2023-10")
    timeline = build_timeline(*loaded([claim]))
    root = parse(timeline)

    a = link_to(root, claim)
    left, right = x_range(child(a, "timeline-period"))
    assert left == pytest.approx(axis_ends(root)[0], abs=0.1)
    assert right == pytest.approx(tick_x(root, "Nov 2023"), abs=0.1)
    [arrow] = arrows(a)
    assert "timeline-period" in classes(arrow)
    assert timeline.rows[0].period == "until October 2023"


@pytest.mark.django_db
def test_labels_stay_inside_the_drawing_even_beside_a_bar_across_the_whole_axis():
    # "since 2020", said in 2024: the period bar fills the axis, leaving no room beside it.
    wide = make_claim(
        made="2024-06-01",
        period_start="2020",
    )
    make_quantity(claim=wide, as_worded="more than a million shells, by the agency's count")
    year = make_denial(made="2022")
    early = make_denial(made="2019-07-01")  # leaves some room left of the bar
    root = parse(build_timeline(*loaded([wide, make_claim(made="2024-05-01")], [year, early])))

    width = float(root.get("viewBox").split()[2])
    for a in links(root):
        shapes = [x_range(e) for e in a if e.tag != f"{SVG}text" and e.tag != f"{SVG}title"]
        body_left, body_right = min(left for left, _ in shapes), max(right for _, right in shapes)
        for text in a.iter(f"{SVG}text"):
            x, least = float(text.get("x")), len(text.text) * 5  # glyphs are at least 5 wide
            end = text.get("text-anchor") == "end"
            if end:
                assert least <= x <= width, text.text
            else:
                assert 0 <= x <= width - least, text.text
            if "timeline-side-label" in classes(text):  # beside the mark and bar, not over them
                assert x <= body_left if end else x >= body_right, text.text
    side = child(link_to(root, wide), "timeline-side-label").text
    assert side.startswith("more than") and side.endswith("…")  # cut to the room there is
    assert "by the agency's count" in link_to(root, wide).find(f"{SVG}title").text


@pytest.mark.django_db
def test_a_single_event_renders_with_a_padded_axis():
    claim = make_claim(made="2023-11-01")
    timeline = build_timeline(*loaded([claim]))
    root = parse(timeline)

    assert not timeline.is_empty
    assert len(links(root)) == 1
    labels = [t.text for t in root.iter(f"{SVG}text") if "timeline-tick-label" in classes(t)]
    assert "Oct 2023" in labels
    assert "Dec 2023" in labels


@pytest.mark.django_db
def test_many_events_on_one_day_are_stacked_in_lanes():
    claims = [make_claim(made="2023-11-01") for _ in range(5)]
    root = parse(build_timeline(*loaded(claims)))

    ys = {centre_y(mark(a)) for a in links(root)}
    assert len(ys) == 5


@pytest.mark.django_db
def test_three_hundred_events_are_packed_into_lanes_without_overlap():
    rng = random.Random(300)
    start = dt.date(2022, 1, 1)
    claims, denials = [], []
    for n in range(300):
        day = start + dt.timedelta(days=rng.randrange(730))
        # days, months, years, approximate months, ranges of days and, now and then, open ends
        made = rng.choice(
            [f"{day}", f"{day}", f"{day}", f"{day:%Y-%m}", f"{day:%Y}", f"{day:%Y-%m}~", f"{day}/{day + WEEK}"]
            + [f"{day:%Y}/..", f"[..{day}]"] * (n % 50 == 0)
        )
        if n % 3:
            claim = make_claim(made=made, proposition=f"Claim {n} " * rng.randrange(1, 9))
            if n % 5 == 0:
                make_quantity(claim=claim, as_worded="more than a million")
            claims.append(claim)
        else:
            denials.append(make_denial(made=made))
    timeline = build_timeline(*loaded(claims, denials))
    root = parse(timeline)

    assert len(links(root)) == 300
    axis = axis_y(root)
    lanes = {}
    for a in links(root):
        y = centre_y(mark(a))
        shapes = [mark(a)] + [e for e in a if "timeline-period" in classes(e)]
        lanes.setdefault(y, []).append((min(x_range(s)[0] for s in shapes), max(x_range(s)[1] for s in shapes)))
    assert len(lanes) > 2
    for y, extents in lanes.items():
        for (left1, right1), (left2, right2) in combinations(extents, 2):
            assert right1 <= left2 or right2 <= left1, f"overlap in lane at y={y}"
    # The drawing grew to hold its lanes, on both sides of the axis.
    height = float(root.get("viewBox").split()[3])
    assert min(lanes) < axis < max(lanes) <= height
    assert root.get("viewBox").startswith("0 0 960 ")


@pytest.mark.django_db
def test_untrusted_text_comes_out_inert():
    claim = make_claim(proposition=HOSTILE)
    make_quantity(claim=claim, as_worded=HOSTILE)
    denial = make_denial(statement='"><a href="javascript:alert(1)">x</a>', deniers=[make_actor(name=HOSTILE)])
    timeline = build_timeline(*loaded([claim], [denial]))
    root = parse(timeline)

    for element in root.iter():
        assert not element.tag.endswith("script")
        assert "onmouseover" not in element.attrib
        assert element.tag != f"{SVG}a"  # the drawing holds no links; the table does
    assert HOSTILE in link_to(root, claim).find(f"{SVG}title").text  # shown as text

    html = render_to_string("includes/timeline.html", {"timeline": timeline, "caption": HOSTILE})
    assert "<script>alert" not in html
    assert 'href="javascript' not in html


@pytest.mark.django_db
def test_svg_has_no_inline_styles():
    claim = make_claim(period_start="2023-08")
    make_quantity(claim=claim)
    root = parse(build_timeline(*loaded([claim], [make_denial()])))

    for element in root.iter():
        assert element.tag != f"{SVG}style"
        assert "style" not in element.attrib


@pytest.mark.django_db
def test_svg_is_labelled_for_assistive_technology():
    root = parse(build_timeline(*loaded([make_claim()], [make_denial()])))

    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    labelled = {e.get("id"): e for e in root if e.get("id")}
    assert [labelled[i].tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]
    assert labelled[ids[0]].text == "Timeline of 1 claim and 1 denial"


@pytest.mark.django_db
def test_undated_events_are_listed_in_rows_but_not_drawn():
    dated = make_claim()
    undated_claim = make_claim(made=None)
    undated_denial = make_denial(made=None)
    timeline = build_timeline(*loaded([dated, undated_claim], [undated_denial]))
    root = parse(timeline)

    assert [a.get("data-href") for a in links(root)] == [dated.get_absolute_url()]
    assert [row.url for row in timeline.rows] == [
        dated.get_absolute_url(),
        undated_claim.get_absolute_url(),
        undated_denial.get_absolute_url(),
    ]
    assert timeline.rows[1].date is None


@pytest.mark.django_db
def test_only_undated_events_give_a_table_without_a_drawing():
    timeline = build_timeline(*loaded([make_claim(made=None)]))

    assert timeline.svg == ""
    assert not timeline.is_empty
    html = render_to_string("includes/timeline.html", {"timeline": timeline, "caption": "Story"})
    assert "<svg" not in html
    assert "undated" in html


def test_nothing_to_show_is_empty():
    timeline = build_timeline([], [])

    assert timeline.is_empty
    assert timeline.svg == ""
    assert timeline.rows == []


@pytest.mark.django_db
def test_rows_are_in_date_order_with_figures_in_words():
    late = make_claim(made="2023-11-01")
    make_quantity(claim=late, comparator="more_than", low=1_000_000, item="artillery shells")
    early = make_claim(made="2023-08")
    denial = make_denial(made="2023-09-05")
    rows = build_timeline(*loaded([late, early], [denial])).rows

    assert [(str(r.date), r.kind) for r in rows] == [
        ("August 2023", "claim"),
        ("5 September 2023", "denial"),
        ("1 November 2023", "claim"),
    ]
    assert rows[2].figures == "more than 1,000,000 artillery shells"
    assert rows[0].figures == ""


@pytest.mark.django_db
def test_building_from_prefetched_records_issues_no_queries(django_assert_num_queries):
    claim = make_claim()
    make_quantity(claim=claim)
    claims, denials = loaded([claim], [make_denial(claims=[claim])])

    with django_assert_num_queries(0):
        build_timeline(claims, denials)


@pytest.mark.django_db
def test_include_renders_the_drawing_and_one_table_row_per_event():
    claims = [make_claim(), make_claim(made=None)]
    make_quantity(claim=claims[0])
    denials = [make_denial(claims=claims)]
    timeline = build_timeline(*loaded(claims, denials))

    html = render_to_string("includes/timeline.html", {"timeline": timeline, "caption": "Munitions story"})

    assert html.count("<svg") == 1
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    assert body.count("<tr") == 3
    assert html.count('<th scope="col">') == 5
    assert "<caption>Munitions story, in date order</caption>" in html
    for record in [*claims, *denials]:
        assert f'<a href="{record.get_absolute_url()}">' in body
    assert "more than 1,000,000 artillery shells" in body
    assert "<td>claim (reported)</td>" in body
    assert f"<td>denial by {denials[0].deniers.get().name}</td>" in body
    assert re.search(r'<time datetime="2023-11-01">1 November 2023</time>', body)
