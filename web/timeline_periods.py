"""Timelines that stay readable at any size: a topic's or an actor's timeline draws each
event (web/timeline.py) while few are in view, and above AGGREGATE_ABOVE counts claims
and denials per year, month or day as bars, from SQL aggregates rather than from every
row. `?from=&to=` narrows the view until the events are few enough to draw one by one.

An event is placed at its first possible day, or at its last when it has no first
("on or before 25 October"): bars count each event once, and zooming into a bar's
period shows exactly the events it counted. As in web/timeline.py, this module only
computes plain data; templates/includes/timeline_periods_svg.html draws it.
"""

import calendar
import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import ClassVar

from django.db.models import Count, DateField, prefetch_related_objects
from django.db.models.functions import Coalesce, TruncMonth
from django.template.loader import render_to_string

from web.timeline import (
    AXIS_BAND,
    BOTTOM,
    FONT_SIZE,
    LEGEND_HEIGHT,
    MARGIN,
    TEXT_GAP,
    TICK_FONT_SIZE,
    WIDTH,
    LegendKey,
    Rect,
    Text,
    Tick,
    _n,
    _rect,
    _text,
    _text_width,
    build_timeline,
)

AGGREGATE_ABOVE = 60  # events in view; more are counted per period
BAR_AREA = 110  # the tallest bar, above the axis for claims and below it for denials
COUNT_ROOM = 16  # above a claim bar (below a denial bar) for its count
MAX_SLOTS = 160  # periods drawn side by side; beyond, only the periods with events
MAX_TICK_LABELS = 12


class BadWindow(ValueError):
    pass


@dataclass(frozen=True)
class Window:
    """The days in view: from `start` to `end` inclusive; None is open."""

    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def is_set(self) -> bool:
        return bool(self.start or self.end)


def parse_window(params) -> Window:
    """The window of `?from=YYYY-MM-DD&to=YYYY-MM-DD`, either optional; BadWindow for
    anything else, before it reaches a query."""
    days = {}
    for name in ("from", "to"):
        text = params.get(name, "").strip()
        days[name] = None
        if text:
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                    raise ValueError(text)
                days[name] = dt.date.fromisoformat(text)
            except ValueError:
                raise BadWindow(f"“{text[:20]}” is not a day: write it as YYYY-MM-DD.") from None
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise BadWindow("The timeline cannot end before it starts: “to” comes before “from”.")
    return Window(days["from"], days["to"])


@dataclass(frozen=True)
class PeriodRow:
    """One period with events, for the table."""

    label: str  # "2023", "August 2023", "5 August 2023"
    start: dt.date
    end: dt.date  # its last day
    claims: int
    denials: int
    claims_url: str  # the claims list, filtered to the period
    zoom_url: str  # this timeline, narrowed to the period


@dataclass(frozen=True)
class Bar:
    css: str  # "timeline-claim" or "timeline-denial"
    title: str  # "August 2023: 12 claims"
    rect: Rect
    count: Text | None  # left out where the period is too narrow for its number


@dataclass(frozen=True)
class PeriodChart:
    id_prefix: str
    width: str
    height: str
    font_size: str
    title: str
    desc: str
    legend: list[LegendKey]
    ticks: list[Tick]
    tick_top: str
    tick_bottom: str
    tick_y: str
    tick_font_size: str
    axis_x1: str
    axis_x2: str
    axis_y: str
    bars: list[Bar]


@dataclass(frozen=True)
class PeriodTimeline:
    chart: PeriodChart | None  # None when no event in view has a date
    periods: list[PeriodRow]
    unit: str  # "year", "month" or "day"
    claims: int  # events in view, dated or not
    denials: int
    undated: int  # of those, events with no date at all: counted, not drawn
    window: Window
    is_empty: ClassVar[bool] = False
    is_periods: ClassVar[bool] = True

    @property
    def svg(self) -> str:
        return render_to_string("includes/timeline_periods_svg.html", {"chart": self.chart}) if self.chart else ""


def timeline_in_view(claims, denials, *, window: Window, claims_url, zoom_url, id_prefix: str = "timeline"):
    """The timeline of the claims and denials (plain querysets, published) that fall in
    the window: each event drawn (web.timeline.Timeline) when there are at most
    AGGREGATE_ABOVE, otherwise counts per period (PeriodTimeline). claims_url(start,
    end) and zoom_url(start, end) give each period's links. Four queries: the rows (at
    most AGGREGATE_ABOVE + 1 of each kind) and then their figures and deniers, or counts
    per month; two more for counts per day when the events span two months at most."""
    claims, denials = _within(claims, window), _within(denials, window)
    # Any AGGREGATE_ABOVE + 1 rows tell whether there are few: unordered, the scan stops there.
    few_claims = list(claims.order_by()[: AGGREGATE_ABOVE + 1])
    few_denials = list(denials.order_by()[: AGGREGATE_ABOVE + 1])
    if len(few_claims) + len(few_denials) <= AGGREGATE_ABOVE:
        prefetch_related_objects(few_claims, "quantities")
        prefetch_related_objects(few_denials, "deniers")
        return dataclasses.replace(build_timeline(few_claims, few_denials, id_prefix=id_prefix), window=window)

    counts = [_counts(queryset, "month") for queryset in (claims, denials)]
    totals = [sum(each.values()) for each in counts]  # undated events too, keyed None
    undated = sum(each.pop(None, 0) for each in counts)
    periods, chart, unit = [], None, ""
    if counts[0] or counts[1]:
        first = min(min(each) for each in counts if each)
        last = _period_end(max(max(each) for each in counts if each), "month")
        unit = _unit(first, last)
        if unit == "day":
            counts = [_counts(queryset, "day") for queryset in (claims, denials)]
            for each in counts:
                each.pop(None, None)
        elif unit == "year":
            counts = [_by_year(each) for each in counts]
        slots = _slots(first, last, unit)
        if len(slots) > MAX_SLOTS:  # centuries of years: the periods with events only
            slots = sorted(counts[0].keys() | counts[1].keys())
        periods = [
            PeriodRow(
                _label(start, unit),
                start,
                end := _period_end(start, unit),
                counts[0].get(start, 0),
                counts[1].get(start, 0),
                claims_url(start, end),
                zoom_url(start, end),
            )
            for start in slots
        ]
        chart = _draw(periods, unit, id_prefix, *(sum(each.values()) for each in counts))
        periods = [p for p in periods if p.claims or p.denials]
    return PeriodTimeline(chart, periods, unit, totals[0], totals[1], undated, window)


def _by_year(months: dict[dt.date, int]) -> dict[dt.date, int]:
    years: dict[dt.date, int] = {}
    for month, n in months.items():
        years[month.replace(month=1)] = years.get(month.replace(month=1), 0) + n
    return years


# An event's place: its first day, or its last when only that is known.
_WHEN = Coalesce("made_earliest", "made_latest", output_field=DateField())


def _within(queryset, window: Window):
    queryset = queryset.alias(when=_WHEN)
    if window.start:
        queryset = queryset.filter(when__gte=window.start)
    if window.end:
        queryset = queryset.filter(when__lte=window.end)
    return queryset


def _counts(queryset, unit: str) -> dict[dt.date | None, int]:
    """Events per month or day, keyed by its first day (None: undated): one GROUP BY query."""
    period = TruncMonth(_WHEN, output_field=DateField()) if unit == "month" else _WHEN
    rows = (
        queryset.order_by().annotate(period=period).values("period").annotate(n=Count("pk")).values_list("period", "n")
    )
    return dict(rows)


def _unit(first: dt.date, last: dt.date) -> str:
    """Days over two months at most, months over six years at most, otherwise years."""
    days = (last - first).days
    if days <= 62:
        return "day"
    return "month" if days <= 6 * 366 else "year"


def _period_start(day: dt.date, unit: str) -> dt.date:
    if unit == "year":
        return day.replace(month=1, day=1)
    return day.replace(day=1) if unit == "month" else day


def _period_end(start: dt.date, unit: str) -> dt.date:
    if unit == "year":
        return start.replace(month=12, day=31)
    if unit == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def _slots(first: dt.date, last: dt.date, unit: str) -> list[dt.date]:
    """The first day of every period from first's to last's, with events or not; one
    more than MAX_SLOTS at most."""
    slots, start = [], _period_start(first, unit)
    while start <= last and len(slots) <= MAX_SLOTS:
        slots.append(start)
        end = _period_end(start, unit)
        if end == dt.date.max:
            break
        start = end + dt.timedelta(days=1)
    return slots


def _label(start: dt.date, unit: str, short: bool = False) -> str:
    if unit == "year":
        return str(start.year)
    month = (calendar.month_abbr if short else calendar.month_name)[start.month]
    if unit == "month":
        return f"{month} {start.year}"
    return f"{start.day} {month}" if short else f"{start.day} {month} {start.year}"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _draw(periods: list[PeriodRow], unit: str, id_prefix: str, claims: int, denials: int) -> PeriodChart:
    slot = (WIDTH - 2 * MARGIN) / len(periods)
    bar_width = max(slot * 0.7, 1)
    peak = max(max(p.claims, p.denials) for p in periods) or 1
    legend, legend_height = _legend(unit)
    axis_y = legend_height + COUNT_ROOM + BAR_AREA
    denial_top = axis_y + AXIS_BAND
    height = denial_top + BAR_AREA + COUNT_ROOM + BOTTOM

    bars = []
    for index, period in enumerate(periods):
        centre = MARGIN + (index + 0.5) * slot
        for kind, count in (("claim", period.claims), ("denial", period.denials)):
            if not count:
                continue
            tall = max(count / peak * BAR_AREA, 2)  # a single event stays visible
            top = axis_y - tall if kind == "claim" else denial_top
            number = f"{count:,}"
            label = None
            if _text_width(number, TICK_FONT_SIZE) <= slot:
                label_y = top - 4 if kind == "claim" else top + tall + TICK_FONT_SIZE
                label = _text("timeline-bar-count", centre, "middle", label_y, number)
            rect = Rect(
                css="timeline-bar",
                x=_n(centre - bar_width / 2),
                y=_n(top),
                width=_n(bar_width),
                height=_n(tall),
                rx="0",
            )
            bars.append(Bar(f"timeline-{kind}", f"{period.label}: {_plural(count, kind)}", rect, label))

    every = math.ceil(len(periods) / MAX_TICK_LABELS)
    ticks = [
        Tick(x=_n(MARGIN + (index + 0.5) * slot), label=_label(period.start, unit, short=True))
        for index, period in enumerate(periods)
        if index % every == 0
    ]
    first, last = periods[0].label, periods[-1].label
    return PeriodChart(
        id_prefix=id_prefix,
        width=_n(WIDTH),
        height=_n(height),
        font_size=_n(FONT_SIZE),
        title=f"{_plural(claims, 'claim')} and {_plural(denials, 'denial')} per {unit}",
        desc=(
            f"Bars count the dated events of each {unit} from {first} to {last}: claims above the axis, denials "
            "below it, each at its first possible day. The table with this chart gives every count and links "
            "to each period's events."
        ),
        legend=legend,
        ticks=ticks,
        tick_top=_n(legend_height),
        tick_bottom=_n(height - BOTTOM),
        tick_y=_n(axis_y + 16),
        tick_font_size=_n(TICK_FONT_SIZE),
        axis_x1=_n(MARGIN),
        axis_x2=_n(WIDTH - MARGIN),
        axis_y=_n(axis_y),
        bars=bars,
    )


def _legend(unit: str) -> tuple[list[LegendKey], float]:
    y = LEGEND_HEIGHT / 2
    keys, x = [], MARGIN
    for css, words in (
        ("timeline-claim", f"Claims per {unit} (above the axis)"),
        ("timeline-denial", f"Denials per {unit} (below the axis)"),
    ):
        symbol = _rect("timeline-bar", 0, 12, y, 12)
        label = _text("timeline-legend-label", 12 + TEXT_GAP, "start", y + 4.5, words)
        keys.append(LegendKey(css=css, x=_n(x), y="0", symbols=[symbol], label=label))
        x += 12 + TEXT_GAP + _text_width(words, FONT_SIZE) + 20
    return keys, LEGEND_HEIGHT
