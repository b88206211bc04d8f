"""The pure parts of the scale benchmark (benchmarks/scale.py): percentiles, target
checks, the detection of query counts that grow with the data, the report and the chart.
The timings themselves live in the benchmark, never here."""

import xml.etree.ElementTree as ET

import pytest

from benchmarks import scale


def test_percentiles_interpolate_between_ranks():
    assert scale.percentile([5.0], 95) == 5.0
    assert scale.percentile([1, 2, 3, 4], 50) == 2.5
    assert scale.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert scale.percentile([10, 1, 7], 100) == 10
    assert scale.percentile([10, 1, 7], 0) == 1
    with pytest.raises(ValueError, match="no values"):
        scale.percentile([], 50)


@pytest.mark.parametrize(
    ("kind", "value", "limit", "met"),
    [
        ("ms", 29.9, 30, True),
        ("ms", 30.1, 30, False),
        ("rate", 31_000, 30_000, True),
        ("rate", 860, 30_000, False),
        ("mb", 49, 50, True),
        ("ratio", 1.9, 2.0, True),
        ("ratio", 2.5, 2.0, False),
        ("ratio", 0.99, 1.0, True),  # faster than the peer
        ("ratio", 1.0, 1.0, False),  # as fast is not faster
        ("ms", None, 30, None),
        ("ms", 12, None, None),
    ],
)
def test_targets(kind, value, limit, met):
    assert scale.target_met(kind, value, limit) is met


def case(name, family, ms, queries, errors=()):
    c = scale.Case(name, "/x/", family, ms=list(ms), queries=list(queries), sizes=[2048] * len(ms))
    c.errors = list(errors)
    return c.summary()


def test_a_case_summary_holds_its_figures_and_verdict():
    summary = case("claim", "claim", [10, 12, 30], [9, 9, 9])
    assert summary["p50_ms"] == 12
    assert summary["p95_ms"] == pytest.approx(28.2)
    assert summary["queries"] == 9
    assert summary["html_kb"] == 2
    assert summary["target_ms"] == 20
    assert summary["met"] is False


def test_query_growth_is_found_between_first_and_deep_pages_small_and_big_pages():
    steady = [case("list", "list", [1], [5]), case("list deep", "list", [1], [5]), case("topic", "entity", [1], [7])]
    assert scale.query_growth(steady) == []
    grown = [
        case("list", "list", [1], [5]),
        case("list deep", "list", [1], [6]),
        case("topic", "entity", [1], [7]),
        case("topic (big)", "entity", [1], [70]),
        case("claim", "claim", [1, 1], [13, 14]),  # bounded: a prefetch skipped when empty
    ]
    problems = scale.query_growth(grown)
    assert [p.split(":")[0] for p in problems] == ["list deep", "topic (big)"]


def test_a_worker_s_first_request_is_not_taken_for_growth():
    """It looks up django.contrib.postgres's types (2 queries, once a process): the fewest are compared."""
    cold = [case("list", "list", [1, 1], [7, 7]), case("list deep", "list", [1, 1], [9, 7])]
    assert scale.query_growth(cold) == []
    grown = [case("list", "list", [1, 1], [9, 7]), case("list deep", "list", [1, 1], [8, 8])]
    assert scale.query_growth(grown) == ["list deep: 8 queries, list: 7"]


def test_the_report_prints_every_figure_beside_its_target():
    result = {
        "claims": 10_000,
        "workers": 2,
        "cases": [case("list", "list", [20, 40], [6, 6]), case("api claims", "api", [], [], errors=["HTTP 500"])],
        "exports": [
            {
                "name": "csv (biggest topic)",
                "rows": 500,
                "rate": 900,
                "peak_mb": 120,
                "growth_mb": 3.0,
                "rate_met": False,
                "memory_met": True,
            }
        ],
        "home_under_load": {"idle_p95_ms": 10, "loaded_p95_ms": 80, "ratio": 8, "met": False},
        "datasette": [{"name": "search rare", "ours": 300, "theirs": 15, "ratio": 20, "met": False}],
        "problems": ["api claims: HTTP 500"],
    }
    text = scale.report(result)
    assert "10,000 claims" in text
    assert "NOT MET" in text
    assert "api claims" in text and "ERROR HTTP 500" in text
    assert "memory met" in text and "rate NOT MET" in text
    assert "x8.0 (target x2)" in text
    assert "ERRORS:" in text
    result["home_under_load"] = {"idle_p95_ms": 10, "loaded_p95_ms": None, "ratio": None, "met": False}
    assert "biggest topic timed out: timed out (target x2)  NOT MET" in scale.report(result)


def test_the_chart_is_svg_with_one_line_a_case():
    results = [
        {"claims": n, "cases": [{"name": "list", "p95_ms": ms}, {"name": "claim", "p95_ms": ms / 10}]}
        for n, ms in ((10_000, 50), (100_000, 260), (1_000_000, 2200))
    ]
    svg = ET.fromstring(scale.svg_chart(results, ("list", "claim")))
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points").split()) == 3 for line in lines)
    assert svg.get("role") == "img" and svg.get("aria-label")
