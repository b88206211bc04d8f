"""Reported dates on the models: the EDTF text, its bounds, the words and the inferred
flag move together (sources/date_fields.py), and the migration from (date, precision)
pairs carries every record and every history row, both ways."""

import datetime as dt

import pytest
from django.db.migrations.exceptions import IrreversibleError

from claims.models import Attribution, Claim, Denial, Quantity
from sources.date_fields import ReportedDate, ReportedDateAccessor, precision_of
from sources.models import Source
from tests.factories import make_attribution, make_claim, make_denial, make_quantity, make_source
from tests.test_history import migrate_to

D = dt.date


@pytest.mark.parametrize(
    ("text", "precision", "html"),
    [
        ("2023-10-26", "day", "2023-10-26"),
        ("2023-08", "month", "2023-08"),
        ("2023", "year", "2023"),
        ("2023-21", "", ""),  # spring: a season, not a month
        ("2022-06~", "", ""),
        ("2023-10-19/2023-10-25", "", ""),
        ("2023-10-26T14:30:00Z", "", ""),
    ],
)
def test_a_plain_date_has_a_precision_and_a_html_datetime_and_nothing_else_does(text, precision, html):
    date = ReportedDate.parse(text)
    assert (precision_of(text), date.precision, date.html_datetime) == (precision, precision, html)


def test_a_reported_date_reads_in_words_and_keeps_its_edtf():
    date = ReportedDate.parse("[..2023-10-25]", as_worded="days before 26 October")
    assert (str(date), date.isoformat(), date.earliest, date.latest) == (
        "on or before 25 October 2023",
        "[..2023-10-25]",
        None,
        D(2023, 10, 25),
    )


@pytest.mark.parametrize("value", ["2023-10-26", D(2023, 10, 26), ReportedDate.parse("2023-10-26")])
def test_the_accessor_takes_text_a_date_or_a_reported_date(value):
    claim = Claim(made=value)
    assert (claim.made_edtf, claim.made_earliest, claim.made_latest) == ("2023-10-26", D(2023, 10, 26), D(2023, 10, 26))


def test_the_accessor_refuses_text_that_is_not_edtf_and_leaves_the_date_alone():
    claim = Claim(made="2023-08")
    with pytest.raises(Exception, match="is not an EDTF date"):
        claim.made = "August 2023"
    assert claim.made_edtf == "2023-08"


def test_every_dated_model_lists_its_reported_dates():
    assert Claim.reported_date_names() == ["made", "period_end", "period_start"]
    assert [m.reported_date_names() for m in (Attribution, Quantity, Denial, Source)] == [
        ["date"],
        ["as_of"],
        ["made"],
        ["published"],
    ]
    assert isinstance(Claim.made, ReportedDateAccessor)


@pytest.mark.django_db
def test_claims_sort_on_the_earliest_then_the_latest_day():
    year = make_claim(made="2023")
    january = make_claim(made="2023-01")
    first = make_claim(made="2023-01-01")
    later = make_claim(made="2023-02-01")
    undated = make_claim(made="")
    assert list(Claim.objects.filter(pk__in=[year.pk, january.pk, first.pk, later.pk, undated.pk])) == [
        later,  # newest earliest day first
        year,  # same first day: the one reaching furthest first
        january,
        first,
        undated,  # undated last
    ]


@pytest.mark.django_db
def test_the_history_row_of_a_save_carries_the_edtf_and_its_bounds():
    claim = make_claim(made=ReportedDate.parse("2023-10-27", as_worded="last Friday", inferred=True))
    row = claim.history.latest("history_id")
    assert (row.made_edtf, row.made_earliest, row.made_as_worded, row.made_inferred) == (
        "2023-10-27",
        D(2023, 10, 27),
        "last Friday",
        True,
    )


# --- the migration from (date, precision) pairs ------------------------------------

BEFORE = [
    ("claims", "0006_attribution_speaker"),
    ("sources", "0003_partial_date_constraints_cast"),
    ("history", "0005_attribution_speaker"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_every_pair_into_edtf_and_back_history_included():
    source = make_source(published="2023-11")
    claim = make_claim(made="2023-11-01", period_start="2023")
    make_attribution(claim=claim, date="2023-10-26")
    make_quantity(claim=claim, as_of="2023-08")
    make_denial(made="2023-11-02", claims=[claim])
    claim.period_start = "2023-08"  # a second history row, with another precision
    claim.save()
    expected = {
        "claim": list(Claim.objects.values_list("made_edtf", "made_earliest", "made_latest", "period_start_edtf")),
        "history": list(
            Claim.history.order_by("history_id").values_list("made_edtf", "period_start_edtf", "period_start_latest")
        ),
        "source": (source.published_edtf, source.published_latest),
    }

    old = migrate_to(BEFORE)
    pairs = old.get_model("claims", "Claim").objects.values_list(
        "made_on", "made_precision", "period_start_on", "period_start_precision"
    )
    assert list(pairs) == [(D(2023, 11, 1), "day", D(2023, 8, 1), "month")]
    history = old.get_model("history", "HistoricalClaim").objects.order_by("history_id")
    assert list(history.values_list("period_start_on", "period_start_precision")) == [
        (D(2023, 1, 1), "year"),
        (D(2023, 8, 1), "month"),
    ]
    assert old.get_model("sources", "Source").objects.values_list("published_on", "published_precision").get() == (
        D(2023, 11, 1),
        "month",
    )
    assert old.get_model("claims", "Attribution").objects.values_list("date_on", "date_precision").get() == (
        D(2023, 10, 26),
        "day",
    )

    migrate_to()
    assert expected == {
        "claim": list(Claim.objects.values_list("made_edtf", "made_earliest", "made_latest", "period_start_edtf")),
        "history": list(
            Claim.history.order_by("history_id").values_list("made_edtf", "period_start_edtf", "period_start_latest")
        ),
        "source": tuple(Source.objects.values_list("published_edtf", "published_latest").get()),
    }
    assert Quantity.objects.values_list("as_of_edtf", "as_of_latest").get() == ("2023-08", D(2023, 8, 31))
    assert Denial.objects.values_list("made_edtf", "made_earliest").get() == ("2023-11-02", D(2023, 11, 2))


@pytest.mark.django_db(transaction=True)
def test_migrating_back_refuses_a_date_no_pair_can_hold():
    make_claim(made="2022-06~")
    with pytest.raises(IrreversibleError, match="2022-06~"):
        migrate_to(BEFORE)
    migrate_to()
