"""Reported dates as EDTF: parsing, bounds, words, today's pairs and relative wording."""

import datetime as dt
import os

import pytest
from django.core.exceptions import ValidationError

from sources.reported_dates import Inferred, bounds, in_words, parse, relative

D = dt.date
SEED = D(2023, 11, 1)  # the seed story's date, a Wednesday
FRIDAY = D(2023, 10, 27)

# Each accepted form: its bounds (~ and ? widen by one unit of the precision, % by two) and its words.
FORMS = [
    ("2023", (D(2023, 1, 1), D(2023, 12, 31)), "2023"),
    ("2023-08", (D(2023, 8, 1), D(2023, 8, 31)), "August 2023"),
    ("2023-10-26", (D(2023, 10, 26), D(2023, 10, 26)), "26 October 2023"),
    ("2023-10-05", (D(2023, 10, 5), D(2023, 10, 5)), "5 October 2023"),
    # ~ on a month: a month either side, to the end of July (the package: 2021-05 .. 2023-07-30).
    ("2022-06~", (D(2022, 5, 1), D(2022, 7, 31)), "about June 2022"),
    ("2023?", (D(2022, 1, 1), D(2024, 12, 31)), "2023 (uncertain)"),
    # % doubles the padding: two months either side.
    ("2023-08%", (D(2023, 6, 1), D(2023, 10, 31)), "about August 2023 (uncertain)"),
    ("2023-10-26~", (D(2023, 10, 25), D(2023, 10, 27)), "about 26 October 2023"),
    ("2024-03-01?", (D(2024, 2, 29), D(2024, 3, 2)), "1 March 2024 (uncertain)"),
    ("2023-12~", (D(2023, 11, 1), D(2024, 1, 31)), "about December 2023"),
    ("2023-10-19/2023-10-25", (D(2023, 10, 19), D(2023, 10, 25)), "19–25 October 2023"),
    ("2023-10-19/2023-11-02", (D(2023, 10, 19), D(2023, 11, 2)), "19 October – 2 November 2023"),
    ("2023-12-19/2024-01-02", (D(2023, 12, 19), D(2024, 1, 2)), "19 December 2023 – 2 January 2024"),
    ("2023-08/2023-10", (D(2023, 8, 1), D(2023, 10, 31)), "August–October 2023"),
    ("2023-11/2024-02", (D(2023, 11, 1), D(2024, 2, 29)), "November 2023 – February 2024"),
    ("2019/2023", (D(2019, 1, 1), D(2023, 12, 31)), "2019–2023"),
    ("2023/2023-06", (D(2023, 1, 1), D(2023, 6, 30)), "from 2023 to June 2023"),
    ("[..2023-10-25]", (None, D(2023, 10, 25)), "on or before 25 October 2023"),
    ("[..2023-10]", (None, D(2023, 10, 31)), "on or before October 2023"),
    ("[2023-10-25..]", (D(2023, 10, 25), None), "on or after 25 October 2023"),
    ("[2023-10-01,2023-10-05]", (D(2023, 10, 1), D(2023, 10, 5)), "1 October 2023 or 5 October 2023"),
    ("2022/..", (D(2022, 1, 1), None), "since 2022"),
    ("2022-06~/..", (D(2022, 5, 1), None), "since about June 2022"),
    ("../2023", (None, D(2023, 12, 31)), "until 2023"),
    ("../2023-10-25", (None, D(2023, 10, 25)), "until 25 October 2023"),
    # An unknown end is None, not the package's guess of ten years.
    ("2023-10-19/", (D(2023, 10, 19), None), "from 19 October 2023, end unknown"),
    ("/2023", (None, D(2023, 12, 31)), "until 2023, start unknown"),
    ("2023-10-2X", (D(2023, 10, 20), D(2023, 10, 29)), "20–29 October 2023"),
    ("2023-02-2X", (D(2023, 2, 20), D(2023, 2, 28)), "20–28 February 2023"),
    ("2023-10-XX", (D(2023, 10, 1), D(2023, 10, 31)), "1–31 October 2023"),
    ("202X", (D(2020, 1, 1), D(2029, 12, 31)), "2020–2029"),
    ("2023-21", (D(2023, 3, 1), D(2023, 5, 31)), "spring 2023"),
    ("2023-24", (D(2023, 12, 1), D(2023, 12, 31)), "winter 2023"),  # the package's winter: December
    ("2023-10-26T14:30:00Z", (D(2023, 10, 26), D(2023, 10, 26)), "26 October 2023, 14:30 UTC"),
    ("2023-10-26T14:30:00+01:00", (D(2023, 10, 26), D(2023, 10, 26)), "26 October 2023, 14:30 UTC+01:00"),
    ("2023-10-26T09:05:30", (D(2023, 10, 26), D(2023, 10, 26)), "26 October 2023, 09:05:30"),
]


@pytest.mark.parametrize("text", [text for text, _, _ in FORMS])
def test_every_accepted_form_parses(text):
    assert str(parse(text)).replace(" ", "") == text


def test_surrounding_whitespace_is_ignored():
    assert bounds("  2023-08\n") == (D(2023, 8, 1), D(2023, 8, 31))


@pytest.mark.parametrize(("text", "expected"), [(text, expected) for text, expected, _ in FORMS])
def test_bounds_are_the_earliest_and_latest_day_with_the_documented_fuzz(text, expected):
    assert bounds(text) == expected


@pytest.mark.parametrize(("text", "words"), [(text, words) for text, _, words in FORMS])
def test_in_words_reads_plainly(text, words):
    assert in_words(text) == words


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-13", "reads as far as '2023'"),
        ("2023-02-30", "reads as far as '2023-02'"),
        ("2023-02-29", "outside the calendar"),  # the grammar takes 29 February in any year
        ("2023-02-3X", "outside the calendar"),
        ("0000", "outside the calendar"),
        ("2023/2022", "ends before it begins"),
        ("2023-10-25/2023-10-19", "ends before it begins"),
        ("{2023,2024}", "are not stored"),
        ("2004-06~-11", "are not stored"),
        ("2023-25", "are not stored"),
        ("2023S2", "significant digits"),
        ("yesterday", "Write, for example"),
        ("26/10/2023", "Write, for example"),
        ("2023-10-26T14:30Z", "Write, for example"),
        ("50%", "Write, for example"),
    ],
)
def test_invalid_input_raises_a_validation_error_naming_it(text, reason):
    with pytest.raises(ValidationError) as caught:
        parse(text)
    (message,) = caught.value.messages
    assert message.startswith(f"'{text}' is not an EDTF date")
    assert reason in message
    assert "2023-10-19/2023-10-25" in message  # shows the valid forms


@pytest.mark.parametrize("text", ["", "   ", None])
def test_no_text_is_not_a_date(text):
    with pytest.raises(ValidationError, match="is not an EDTF date"):
        parse(text)


def test_bounds_and_words_refuse_what_parse_refuses():
    with pytest.raises(ValidationError):
        bounds("2023-13")
    with pytest.raises(ValidationError):
        in_words("2023-13")


@pytest.mark.parametrize(
    ("phrase", "edtf"),
    [
        ("yesterday", "2023-10-31"),
        ("today", "2023-11-01"),
        ("last Friday", "2023-10-27"),
        ("last Wednesday", "2023-10-25"),  # the reference's own weekday: a week back
        ("on Monday", "2023-10-30"),
        ("Monday", "2023-10-30"),
        ("on Wednesday", "2023-11-01"),  # on or before: the day itself
        ("last week", "2023-10-23/2023-10-29"),
        ("this week", "2023-10-30/2023-11-05"),
        ("earlier this week", "2023-10-30/2023-10-31"),
        ("last month", "2023-10"),
        ("this month", "2023-11"),
        ("last year", "2022"),
        ("this year", "2023"),
        ("earlier this year", "2023-01-01/2023-10-31"),
        ("3 days ago", "2023-10-29"),
        ("three days ago", "2023-10-29"),
        ("one day ago", "2023-10-31"),
        ("two weeks ago", "2023-10-16/2023-10-22"),
        ("a week ago", "2023-10-23/2023-10-29"),
        ("twelve months ago", "2022-11"),
        ("2 years ago", "2021"),
        ("since last year", "2022/.."),
        ("since yesterday", "2023-10-31/.."),
        ("since last week", "2023-10-23/.."),
        ("since mid-2022", "2022-05/.."),
        ("mid-2022", "2022-05/2022-08"),
        ("early 2023", "2023-01/2023-04"),
        ("late 2022", "2022-09/2022-12"),
        ("early August", "2023-08-01/2023-08-10"),
        ("mid-August", "2023-08-11/2023-08-20"),
        ("mid August", "2023-08-11/2023-08-20"),
        ("late August", "2023-08-21/2023-08-31"),
        ("late February", "2023-02-21/2023-02-28"),
        ("early November", "2023-11-01/2023-11-10"),  # begun on the reference day
        ("late November", "2022-11-21/2022-11-30"),  # not yet begun this year
        ("late August 2022", "2022-08-21/2022-08-31"),
        ("in August", "2023-08"),
        ("December", "2022-12"),
        ("by October", "[..2023-10]"),
        ("  LAST   friday ", "2023-10-27"),
    ],
)
def test_relative_wording_against_the_seed_story_date(phrase, edtf):
    inferred = relative(phrase, reference=SEED)
    assert inferred == Inferred(edtf, inferred.explanation)
    assert inferred.explanation.startswith(f"'{phrase.strip()}' in a source dated Wednesday 1 November 2023: ")
    assert inferred.explanation.endswith(f": {in_words(edtf)}.")


def test_last_friday_on_a_friday_is_a_week_earlier():
    assert relative("last Friday", reference=FRIDAY).edtf == "2023-10-20"


def test_on_friday_on_a_friday_is_that_day():
    assert relative("on Friday", reference=FRIDAY).edtf == "2023-10-27"


def test_last_month_in_january_is_december_of_the_year_before():
    assert relative("last month", reference=D(2024, 1, 15)).edtf == "2023-12"


def test_earlier_this_month_runs_from_the_first_to_the_day_before():
    assert relative("earlier this month", reference=D(2023, 11, 15)).edtf == "2023-11-01/2023-11-14"


def test_earlier_this_month_on_the_first_names_no_day():
    assert relative("earlier this month", reference=SEED) is None


def test_an_explanation_says_how_the_date_was_worked_out():
    assert relative("last Friday", reference=SEED).explanation == (
        "'last Friday' in a source dated Wednesday 1 November 2023: the latest Friday before it: 27 October 2023."
    )


@pytest.mark.parametrize(
    "phrase",
    ["next week", "a few days ago", "recently", "0 days ago", "since", "since recently", "by then", "", "lately"],
)
def test_unknown_phrases_give_none_rather_than_a_guess(phrase):
    assert relative(phrase, reference=SEED) is None


# --- The fast path (issue 11): the common forms without the grammar, the same answers ------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sources import reported_dates  # noqa: E402

FAST_SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow],
)

# Plain dates near and past the edges: year 0 and 1, months 0 to 25 (21-24 are seasons),
# day 0 to 32, with and without a qualifier.
_years = st.sampled_from([0, 1, 2, 999, 1999, 2000, 2023, 2024, 9999]) | st.integers(0, 9999)
_plain_dates = st.builds(
    lambda y, m, d, q: (
        f"{y:04d}"
        + (f"-{m:02d}" if m is not None else "")
        + (f"-{d:02d}" if m is not None and d is not None else "")
        + q
    ),
    _years,
    st.none() | st.integers(0, 25),
    st.none() | st.integers(0, 32),
    st.sampled_from(["", "", "", "~", "?", "%"]),
)
_texts = (
    _plain_dates
    | st.builds(lambda a, b: f"{a}/{b}", _plain_dates, _plain_dates)
    | st.builds(lambda a: f"{a}/..", _plain_dates)
    | st.builds(lambda a: f"../{a}", _plain_dates)
    | st.builds(lambda a: f"{a}/", _plain_dates)
    | st.builds(lambda a: f"[..{a}]", _plain_dates)
)


def grammar_path(text: str):
    """What the EDTF grammar makes of the text: (words, bounds), or the exception's type."""
    try:
        node = reported_dates.parse(text)
        return reported_dates._words(node), reported_dates._bounds(node)
    except (ValidationError, ValueError, OverflowError) as exc:  # OverflowError: widened before year 1
        return type(exc)


@FAST_SETTINGS
@given(_texts)
def test_the_fast_path_answers_as_the_grammar_does(text):
    fast = reported_dates._fast(text)
    expected = grammar_path(text)

    if fast is not None:
        assert fast == expected
    if isinstance(expected, tuple):  # the public functions, cached or not, agree too
        assert (in_words(text), bounds(text)) == expected
    else:
        with pytest.raises(expected):
            bounds(text)


@pytest.mark.parametrize(
    "text", ["2023", "2023-08", "2023-10-26", "2022-06~", "2023?", "2023-08%", "2019/2023", "2022/..", "../2023"]
)
def test_the_common_forms_never_reach_the_grammar(text, monkeypatch):
    expected = grammar_path(text)
    reported_dates._cached_words.cache_clear()
    reported_dates._cached_bounds.cache_clear()
    monkeypatch.setattr(reported_dates.edtf, "parse_edtf", lambda text: pytest.fail(f"{text} parsed"))

    assert (in_words(text), bounds(text)) == expected


def test_words_and_bounds_are_remembered_per_text(monkeypatch):
    words = in_words("2023-10-2X")  # a form the fast path leaves to the grammar
    monkeypatch.setattr(reported_dates.edtf, "parse_edtf", lambda text: pytest.fail(f"{text} parsed again"))

    assert in_words(" 2023-10-2X ") == words == "20–29 October 2023"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001~", (dt.date(1, 1, 1), dt.date(2, 12, 31))),
        ("0001-01-01~", (dt.date(1, 1, 1), dt.date(1, 1, 2))),
        ("9999-12-31%", (dt.date(9999, 12, 29), dt.date(9999, 12, 31))),
        ("9999~", (dt.date(9998, 1, 1), dt.date(9999, 12, 31))),
    ],
)
def test_a_qualified_date_at_the_calendar_edge_is_widened_only_up_to_it(text, expected):
    # It passes validation, so reading it must not fail (it raised OverflowError).
    parse(text)
    assert bounds(text) == expected
