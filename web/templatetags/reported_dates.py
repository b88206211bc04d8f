"""Reported dates as readers see them, the same on every page.

    {% load reported_dates %}
    {% reported_date claim.made "date unknown" %}
    {% covered_period claim.period_start claim.period_end %}

A date is given in words ("about June 2022", "on or before 25 October 2023", "since
2022"): in a <time> element when it is a plain day, month or year, which is all that
<time datetime> can carry, else in a <span>. Then, in brackets, the source's own words
for it, and a note when an analyst inferred it from relative wording ("last Friday"):

    27 October 2023 (“last Friday”; inferred from the source's date)

date_text() and period_text() give the same in plain text, for SVG titles and tables.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

INFERRED = "inferred from the source's date"
DASH = " – "


def is_open(date) -> bool:
    """An open or unknown end: its words carry their own "since", "until", "on or before"."""
    return date.earliest is None or date.latest is None


def date_text(date, undated: str = "undated") -> str:
    """The date in words with the source's wording and the inferred note, as plain text."""
    if date is None:
        return undated
    notes = ([f"“{date.as_worded}”"] if date.as_worded else []) + ([INFERRED] if date.inferred else [])
    return f"{date} ({'; '.join(notes)})" if notes else str(date)


@register.simple_tag
def reported_date(date, undated: str = "undated"):
    """The date as markup, or `undated` (escaped) when there is none."""
    if not date:  # None, or "" from a missing variable
        return undated
    if date.html_datetime:
        words = format_html('<time datetime="{}">{}</time>', date.html_datetime, str(date))
    else:
        words = format_html('<span class="date">{}</span>', str(date))
    notes = []
    if date.as_worded:
        notes.append(format_html('<span class="date-as-worded">“{}”</span>', date.as_worded))
    if date.inferred:
        notes.append(format_html('<small class="date-inferred">{}</small>', INFERRED))
    if notes:
        words = format_html(
            '{} <span class="date-note">({})</span>', words, format_html_join("; ", "{}", ((n,) for n in notes))
        )
    # One element, so that a flex container (a relay chain step) keeps it on one line.
    return format_html('<span class="reported-date">{}</span>', words)


def period_parts(start, end) -> list:
    """The period a claim covers, as text and dates in reading order:

    - from August 2023 onwards; since 2022 (an open start says so itself)
    - until October 2023; on or before 25 October 2023
    - September 2023 – October 2023; about June 2022 (one date for both ends)
    """
    if start and end:
        return [start] if start.edtf == end.edtf else [start, DASH, end]
    if start:
        return [start] if is_open(start) else ["from ", start, " onwards"]
    if end:
        return [end] if is_open(end) else ["until ", end]
    return []


def period_text(start, end) -> str:
    return "".join(part if isinstance(part, str) else date_text(part) for part in period_parts(start, end))


@register.simple_tag
def covered_period(start, end):
    """The covered period as markup: each end as {% reported_date %} gives it."""
    return format_html_join(
        "", "{}", ((part if isinstance(part, str) else reported_date(part),) for part in period_parts(start, end))
    )
