"""Worded numbers read into a Quantity's fields (claims/figure_words.py): each phrasing
the suggestions must read, one by one; what is not read; offsets in a passage; and, on
generated phrases, that every result is a Quantity the model accepts."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.figure_words import FoundFigure, find_figures, parse_figure
from claims.models import MAGNITUDES, Quantity, QuantityComparator

SEEDS = Path(django_settings.BASE_DIR).parent / "shared" / "seeds"
C = QuantityComparator
D = Decimal

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def magnitude(comparator):
    low, high = MAGNITUDES[comparator]
    return comparator, D(low), D(high)


# (phrase, comparator, low, high, unit, item): the whole phrase is the figure.
PHRASINGS = [
    # comparators
    ("more than a million", C.MORE_THAN, D(1_000_000), None, "", ""),
    ("over 13 thousand", C.MORE_THAN, D(13_000), None, "", ""),
    ("over 13,000", C.MORE_THAN, D(13_000), None, "", ""),
    ("more than 1 million artillery shells", C.MORE_THAN, D(1_000_000), None, "", "artillery shells"),
    (
        "more than a million North Korean artillery shells",
        C.MORE_THAN,
        D(1_000_000),
        None,
        "",
        "North Korean artillery shells",
    ),  # fmt: skip
    ("in excess of 500 tanks", C.MORE_THAN, D(500), None, "", "tanks"),
    ("upwards of 2,000 vehicles", C.MORE_THAN, D(2_000), None, "", "vehicles"),
    ("at least 3,000", C.AT_LEAST, D(3_000), None, "", ""),
    ("no fewer than 40 ships", C.AT_LEAST, D(40), None, "", "ships"),
    ("1,000 or more", C.AT_LEAST, D(1_000), None, "", ""),
    ("up to 12,000", C.AT_MOST, D(12_000), None, "", ""),
    ("as many as 7,000 soldiers", C.AT_MOST, D(7_000), None, "", "soldiers"),
    ("no more than 20 launchers", C.AT_MOST, D(20), None, "", "launchers"),
    ("fewer than 100", C.LESS_THAN, D(100), None, "", ""),
    ("less than 5m", C.LESS_THAN, D(5_000_000), None, "", ""),
    ("under 300 drones", C.LESS_THAN, D(300), None, "", "drones"),
    ("about 10,000 troops", C.ABOUT, D(10_000), None, "", "troops"),
    ("around 800 containers", C.ABOUT, D(800), None, "", "containers"),
    ("roughly 5,000", C.ABOUT, D(5_000), None, "", ""),
    ("approximately 1.2 million rounds", C.ABOUT, D(1_200_000), None, "", "rounds"),
    ("some 1,500", C.ABOUT, D(1_500), None, "", ""),
    ("an estimated 10,000 workers", C.ABOUT, D(10_000), None, "", "workers"),
    # "nearly" and "almost" are read as about (README, "Suggestions").
    ("nearly 500", C.ABOUT, D(500), None, "", ""),
    ("almost two thousand missiles", C.ABOUT, D(2_000), None, "", "missiles"),
    ("5,000 or so", C.ABOUT, D(5_000), None, "", ""),
    # ranges
    ("between 10,000 and 12,000", C.BETWEEN, D(10_000), D(12_000), "", ""),
    ("10,000-12,000", C.BETWEEN, D(10_000), D(12_000), "", ""),
    ("10,000–12,000 troops", C.BETWEEN, D(10_000), D(12_000), "", "troops"),
    ("11,000 to 12,000 soldiers", C.BETWEEN, D(11_000), D(12_000), "", "soldiers"),
    ("from 300 to 400 missiles", C.BETWEEN, D(300), D(400), "", "missiles"),
    ("between two and three thousand", C.BETWEEN, D(2_000), D(3_000), "", ""),
    ("1 to 2 million shells", C.BETWEEN, D(1_000_000), D(2_000_000), "", "shells"),
    ("about 10,000 to 12,000 troops", C.BETWEEN, D(10_000), D(12_000), "", "troops"),
    # orders of magnitude
    ("dozens of", *magnitude(C.DOZENS), "", ""),
    ("dozens of missiles", *magnitude(C.DOZENS), "", "missiles"),
    ("hundreds of", *magnitude(C.HUNDREDS), "", ""),
    ("hundreds of thousands", *magnitude(C.HUNDREDS_OF_THOUSANDS), "", ""),
    ("hundreds of thousands of shells", *magnitude(C.HUNDREDS_OF_THOUSANDS), "", "shells"),
    ("thousands of troops", *magnitude(C.THOUSANDS), "", "troops"),
    ("tens of thousands", *magnitude(C.TENS_OF_THOUSANDS), "", ""),
    ("tens of thousands of workers", *magnitude(C.TENS_OF_THOUSANDS), "", "workers"),
    ("millions of rounds", *magnitude(C.MILLIONS), "", "rounds"),
    # "several" and "a few" before a unit: that unit's order of magnitude.
    ("several thousand", *magnitude(C.THOUSANDS), "", ""),
    ("a few hundred engineers", *magnitude(C.HUNDREDS), "", "engineers"),
    ("several million shells", *magnitude(C.MILLIONS), "", "shells"),
    ("several dozen", *magnitude(C.DOZENS), "", ""),
    # no comparator of their own: between, by the MAGNITUDES rule
    ("tens of millions of dollars", C.BETWEEN, D(20_000_000), D(99_999_999), "dollars", ""),
    ("billions", C.BETWEEN, D(2_000_000_000), D(9_999_999_999), "", ""),
    (
        "an unspecified number of short-range ballistic missiles",
        C.UNSPECIFIED,
        None,
        None,
        "",
        "short-range ballistic missiles",
    ),  # fmt: skip
    ("an undisclosed number of troops", C.UNSPECIFIED, None, None, "", "troops"),
    # numbers: digits, words, both
    ("13,000", C.EXACT, D(13_000), None, "", ""),
    ("1.5 million", C.EXACT, D(1_500_000), None, "", ""),
    ("2.25", C.EXACT, D("2.25"), None, "", ""),
    ("thirteen thousand", C.EXACT, D(13_000), None, "", ""),
    ("two hundred and fifty", C.EXACT, D(250), None, "", ""),
    ("two hundred fifty tanks", C.EXACT, D(250), None, "", "tanks"),
    ("two hundred and fifty thousand", C.EXACT, D(250_000), None, "", ""),
    ("nine million nine hundred and fifty thousand", C.EXACT, D(9_950_000), None, "", ""),
    ("twenty-five", C.EXACT, D(25), None, "", ""),
    ("one million two hundred thousand", C.EXACT, D(1_200_000), None, "", ""),
    ("three million five hundred thousand rounds", C.EXACT, D(3_500_000), None, "", "rounds"),
    ("a hundred and twenty tanks", C.EXACT, D(120), None, "", "tanks"),
    ("a dozen", C.EXACT, D(12), None, "", ""),
    ("two dozen drones", C.EXACT, D(24), None, "", "drones"),
    ("about a dozen", C.ABOUT, D(12), None, "", ""),
    ("half a million", C.EXACT, D(500_000), None, "", ""),
    ("a thousand", C.EXACT, D(1_000), None, "", ""),
    ("10k", C.EXACT, D(10_000), None, "", ""),
    ("2bn", C.EXACT, D(2_000_000_000), None, "", ""),
    # units
    ("5m", C.EXACT, D(5_000_000), None, "", ""),
    ("$5 million", C.EXACT, D(5_000_000), None, "US dollars", ""),
    ("$5 million in aid", C.EXACT, D(5_000_000), None, "US dollars", "aid"),
    ("£2bn", C.EXACT, D(2_000_000_000), None, "pounds", ""),
    ("US$300 million worth of arms", C.EXACT, D(300_000_000), None, "US dollars", "arms"),
    ("5 million euros", C.EXACT, D(5_000_000), None, "euros", ""),
    ("40 per cent", C.EXACT, D(40), None, "per cent", ""),
    ("up to 40%", C.AT_MOST, D(40), None, "per cent", ""),
    ("two months of shells", C.EXACT, D(2), None, "months", "shells"),
    ("two months’ worth of supplies", C.EXACT, D(2), None, "months' worth", "supplies"),
    (
        "more than 1,000 containers of military equipment",
        C.MORE_THAN,
        D(1_000),
        None,
        "containers",
        "military equipment",
    ),  # fmt: skip
    ("5,000 tons of ammunition", C.EXACT, D(5_000), None, "tons", "ammunition"),
    ("about 200 kilometers", C.ABOUT, D(200), None, "", "kilometers"),
]


@pytest.mark.parametrize(
    ("phrase", "comparator", "low", "high", "unit", "item"), PHRASINGS, ids=[p[0] for p in PHRASINGS]
)
def test_phrasing(phrase, comparator, low, high, unit, item):
    [figure] = find_figures(phrase)
    assert figure.phrase == phrase
    fields = parse_figure(phrase)
    assert {k: v for k, v in fields.items() if k != "as_worded"} == {
        "comparator": comparator,
        "low": low,
        "high": high,
        "unit": unit,
        "item": item,
    }
    # The figure's words, without what it counts, are the phrase's beginning.
    assert phrase.startswith(fields["as_worded"]) and fields["as_worded"]
    if item:
        assert item not in fields["as_worded"]


@pytest.mark.parametrize(
    ("phrase", "as_worded"),
    [
        ("more than a million artillery shells", "more than a million"),
        ("hundreds of thousands of barrels of refined oil", "hundreds of thousands"),
        ("over 13 thousand troops", "over 13 thousand"),
        ("two months’ worth of shells", "two months’ worth"),
        ("$5 million in aid", "$5 million"),
        ("40 per cent of the shells", "40 per cent"),
        ("5,000 tons of ammunition", "5,000"),
        ("an unspecified number of rifles", "an unspecified number"),
        ("between 10,000 and 12,000 troops", "between 10,000 and 12,000"),
    ],
)
def test_as_worded_is_the_figure_without_what_it_counts(phrase, as_worded):
    assert parse_figure(phrase)["as_worded"] == as_worded


def test_at_least_thirty_phrasings():
    assert len(PHRASINGS) >= 30
    assert len({p[0] for p in PHRASINGS}) == len(PHRASINGS)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        # The figure stops where what is counted stops.
        ("the NIS says more than a million shells were sent", "more than a million shells"),
        ("some 1,500 engineers, officials said", "some 1,500 engineers"),
        ("2,000 troops have arrived", "2,000 troops"),
        ("two recent attempts failed", "two recent attempts"),
        ("three armed drones", "three armed drones"),
        ("between 10,000 and 12,000 times last week", "between 10,000 and 12,000 times"),
        ("over 13 thousand\nsoldiers", "over 13 thousand"),  # not across a line break
    ],
)
def test_figure_within_a_sentence(sentence, phrase):
    [figure] = find_figures(sentence)
    assert figure.phrase == phrase
    assert sentence[figure.start : figure.end] == phrase


@pytest.mark.parametrize(
    "text",
    [
        # Fractions are not counts: "two-thirds of the shells" gives no figure.
        "two-thirds of the shells",
        "a third of them",
        "half of the shipments",
        # ordinals, a bare "one", plain words
        "its third launch",
        "the 1st division",
        "one of the ships",
        "over the weekend",
        "some officials said",
        "about the shipments",
        # years, dates, times, codes
        "in 2023",
        "since 2022, officials said",
        "Date:2025-04-15 10:34:46",
        "on Oct. 26",
        "15 April",
        "April 15",
        "at 10:30",
        "F-16 jets and KN-23 missiles",
        "3D models",
        "a 3-2 vote",
        "the 2023-24 season",
        "",
        "   ",
    ],
)
def test_not_a_figure(text):
    assert find_figures(text) == []
    assert parse_figure(text) is None


def test_a_figure_fits_the_model_s_fields():
    [figure] = find_figures("5 " + "x" * 5000)
    assert (figure.phrase, figure.as_worded, figure.item) == ("5", "5", "")
    long_words = " ".join(["shells"] * 3 + ["y" * 40])
    assert len(parse_figure(f"more than a million {long_words}")["item"]) == len(long_words)


def test_a_year_with_a_comparator_is_a_figure():
    assert parse_figure("more than 2000 troops")["low"] == D(2000)


def test_every_figure_in_a_passage_with_its_offsets():
    passage = (
        "South Korea's spy agency believes North Korea sent more than a million artillery shells to Russia "
        "since August, about 10,000 troops and an unspecified number of missiles. The White House said "
        "more than 1,000 containers of military equipment and munitions arrived; dozens of trains."
    )
    found = find_figures(passage)
    assert [(f.phrase, f.comparator) for f in found] == [
        ("more than a million artillery shells", "more_than"),
        ("about 10,000 troops", "about"),
        ("an unspecified number of missiles", "unspecified"),
        ("more than 1,000 containers of military equipment", "more_than"),
        ("dozens of trains", "dozens"),
    ]
    for figure in found:
        assert passage[figure.start : figure.end] == figure.phrase
        assert isinstance(figure, FoundFigure)
    assert [f.described for f in found] == [
        "more than 1,000,000 artillery shells",
        "about 10,000 troops",
        "an unspecified number of missiles",
        "more than 1,000 containers of military equipment",
        "dozens of trains",
    ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
def test_the_seed_story_s_figures():
    text = (SEEDS / "003_91ed6d654b37923c.txt").read_text(encoding="utf-8")
    worded = [f.phrase for f in find_figures(text)]
    assert "more than a million artillery shells" in worded
    assert "more than 1,000 containers of military equipment" in worded
    assert not any(w.startswith(("2025", "10:34", "15", "2023")) for w in worded)


def test_fields_are_a_quantity_s():
    fields = parse_figure("more than a million artillery shells")
    assert set(fields) == {"comparator", "low", "high", "unit", "item", "as_worded"}
    assert {f.name for f in Quantity._meta.get_fields()} >= set(fields)
    assert fields["comparator"] in C.values


# --- every result is a Quantity the model accepts --------------------------------------------


def accepted(fields: dict):
    """The figure as a claim-less Quantity, validated: fields, clean() and constraints."""
    quantity = Quantity(**{**fields, "item": fields["item"] or "things"})
    try:
        quantity.full_clean(exclude=["claim"])
    except ValidationError as error:
        raise AssertionError(f"{fields} is refused: {error}") from None
    return quantity


@pytest.mark.django_db
@pytest.mark.parametrize("phrase", [p[0] for p in PHRASINGS])
def test_each_phrasing_is_a_valid_quantity(phrase):
    quantity = accepted(parse_figure(phrase))
    if quantity.comparator in MAGNITUDES:
        assert (quantity.low, quantity.high) == MAGNITUDES[quantity.comparator]


_ONE_NAMES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_TEN_NAMES = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"
_ONES = _ONE_NAMES.split()
_TENS = _TEN_NAMES.split()


def spelled(n: int) -> str:
    """English words for 0 <= n < 10**9, written independently of the parser."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return f"{_ONES[n // 100]} hundred" + (f" and {spelled(rest)}" if rest else "")
    for scale, name in ((10**6, "million"), (10**3, "thousand")):
        if n >= scale:
            rest = n % scale
            return f"{spelled(n // scale)} {name}" + (f" {spelled(rest)}" if rest else "")
    raise AssertionError(n)


def test_spelled():
    assert spelled(250) == "two hundred and fifty"
    assert spelled(1_200_034) == "one million two hundred thousand thirty-four"


COMPARATOR_WORDS = {
    "": C.EXACT,
    "more than ": C.MORE_THAN,
    "over ": C.MORE_THAN,
    "at least ": C.AT_LEAST,
    "up to ": C.AT_MOST,
    "fewer than ": C.LESS_THAN,
    "about ": C.ABOUT,
    "nearly ": C.ABOUT,
}
ITEMS = ["", " troops", " artillery shells", " short-range ballistic missiles"]


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(
    n=st.integers(min_value=2, max_value=999_999_999),
    written=st.sampled_from(["digits", "commas", "words"]),
    comparator=st.sampled_from(sorted(COMPARATOR_WORDS)),
    item=st.sampled_from(ITEMS),
)
def test_generated_figures_read_back_and_are_valid(n, written, comparator, item):
    number = {"digits": str(n), "commas": f"{n:,}", "words": spelled(n)}[written]
    if written == "digits" and 1800 <= n <= 2199 and not comparator:
        return  # read as a year (see test_not_a_figure)
    phrase = f"{comparator}{number}{item}"
    fields = parse_figure(phrase)
    assert fields is not None, phrase
    assert (fields["comparator"], fields["low"], fields["item"]) == (COMPARATOR_WORDS[comparator], D(n), item.strip())
    assert fields["as_worded"] == f"{comparator}{number}"
    accepted(fields)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(low=st.integers(min_value=0, max_value=10**9), width=st.integers(min_value=0, max_value=10**9))
def test_generated_ranges_are_valid(low, width):
    fields = parse_figure(f"between {low:,} and {low + width:,} shells")
    assert (fields["comparator"], fields["low"], fields["high"]) == (C.BETWEEN, D(low), D(low + width))
    accepted(fields)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(
    st.lists(
        st.one_of(
            st.sampled_from([p[0] for p in PHRASINGS]),
            st.sampled_from(["the", "of", "and", "2023", "-", "to", "or", "more", "a", ",", "$", "%", "\n"]),
            st.integers(min_value=0, max_value=10**12).map(str),
            st.text(max_size=12),
            st.integers(min_value=30, max_value=400).map(lambda n: "z" * n),
        ),
        max_size=12,
    ).map(" ".join)
)
def test_any_text_gives_valid_figures_at_their_offsets(text):
    """Whatever the text, each figure found is where it says, and a valid Quantity."""
    end = 0
    for figure in find_figures(text):
        assert text[figure.start : figure.end] == figure.phrase
        assert figure.start >= end  # in order, none overlapping
        end = figure.end
        accepted(figure.fields())
