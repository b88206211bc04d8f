"""The claim-vs-denial timeline, drawn on the server as SVG.

Claims sit above a date axis and denials below it. Each date is drawn from its earliest
to its latest possible day (sources/date_fields.py): a day is a point; "August 2023",
"about June 2022" (May to July) and "19–25 October" are bars across those days, never a
point on the first; an open end ("since 2022", "on or before 25 October") runs to the
edge of the axis and ends in an arrow. The period a claim covers ("since August") is a
thin bar on the claim's row, to the date the claim was made when it has no end. Events
are packed into lanes so that their labels do not overlap, and the drawing grows
downwards as lanes are added.

The SVG is a picture for sighted readers with a pointer. The table rendered from
`Timeline.rows` (templates/includes/timeline.html) is its accessible equivalent, and
the only place undated events appear.

This module only computes the drawing: `Timeline.chart` is plain data (positions, sizes,
class names and texts), and templates/includes/timeline_svg.html writes the SVG from it.
Propositions and statements come from untrusted sources; the template's autoescaping
escapes every text and attribute, and nothing here builds markup. There are no style
attributes (a Content Security Policy will forbid them): only class names, styled in
static/css/timeline.css, and presentation attributes for geometry.
"""

import calendar
import datetime as dt
import heapq
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar

from django.template.loader import render_to_string

from sources.date_fields import ReportedDate
from web.templatetags.reported_dates import date_text, is_open, period_text

# Geometry, in SVG user units. The viewBox is WIDTH wide; the SVG scales to its container.
WIDTH = 960
MARGIN = 32  # left and right: room for half a tick label
FONT_SIZE = 13  # labels; tick labels are TICK_FONT_SIZE
TICK_FONT_SIZE = 11
LEGEND_HEIGHT = 30  # one row of the key; more rows add LEGEND_ROW each
LEGEND_ROW = 22
LANE_HEIGHT = 40  # one event: the mark line, then its label line
COMPACT_LANE_HEIGHT = 22  # the mark line alone, when there are too many events to label
MARK_Y = 9  # mark centre, from the top of its lane
LABEL_Y = 29  # baseline of the label under the mark
DOT_RADIUS = 5
MIN_SPAN = 14  # a month on a long axis stays wider than a day's dot
PERIOD_HEIGHT = 4
ARROW = 7  # length of the arrow that ends an open bar, beyond the axis's edge
AXIS_GAP = 8  # between the nearest claim lane and the axis
AXIS_BAND = 30  # below the axis: tick labels, then the first denial lane
BOTTOM = 8
LANE_GAP = 12  # horizontal space kept between two events in one lane
TEXT_GAP = 5  # between a mark and the label beside it
# Average character widths in em, generous: the server cannot measure text. Measured in
# Chromium with DejaVu Sans, a wide font: at most 0.55 regular and 0.63 bold.
CHAR_WIDTH = 0.6
BOLD_CHAR_WIDTH = 0.68  # the side label is bold

# Labels are cut short; the full text is in each mark's <title> and in the table. The
# label under each mark is cut shorter, or left out, when the lanes it takes would make
# the drawing taller than MAX_LANES lanes.
LABEL_LENGTHS = (48, 32, 20, 0)
SIDE_LABEL_CHARS = 36
MAX_LANES = 36


@dataclass(frozen=True)
class TimelineRow:
    """One event, for the table."""

    date: ReportedDate | None  # None: undated, listed in the table only
    kind: str  # "claim" or "denial"
    text: str
    url: str
    figures: str = ""
    period: str = ""
    # What the drawing also shows, so that the table says it too:
    status: str = ""  # a claim's status as our analysts judge it: "refuted"
    deniers: str = ""  # who made a denial: "North Korea, Russia"


# The drawing, as data for templates/includes/timeline_svg.html. Every number is a string
# already formatted for SVG ("12.5", "97"), so that the template prints it unlocalised.


@dataclass(frozen=True)
class Circle:
    tag: ClassVar[str] = "circle"
    css: str
    cx: str
    cy: str
    r: str


@dataclass(frozen=True)
class Rect:
    """A bar with rounded ends."""

    tag: ClassVar[str] = "rect"
    css: str
    x: str
    y: str
    width: str
    height: str
    rx: str


@dataclass(frozen=True)
class Polygon:
    """The arrow at an open end of a bar."""

    tag: ClassVar[str] = "polygon"
    css: str
    points: str


@dataclass(frozen=True)
class Text:
    css: str
    x: str
    y: str
    anchor: str  # text-anchor: "start" or "end"
    text: str


@dataclass(frozen=True)
class LegendKey:
    css: str  # the class names of an event it stands for
    x: str  # translated rightwards by x and down by y, to its place in its row
    y: str
    symbols: list[Circle | Rect | Polygon]
    label: Text


@dataclass(frozen=True)
class Tick:
    x: str
    label: str  # "Aug 2023", or "2023" on a long axis


@dataclass(frozen=True)
class Mark:
    """One event as drawn: a group of its mark, period bar and labels (no link: the
    table carries the links)."""

    url: str
    css: str  # class names besides timeline-event
    title: str  # full text, for hover and screen readers
    shape: Circle | Rect  # a dot for a day, a bar for anything wider
    period: Rect | None = None  # the period a claim covers
    arrows: list[Polygon] = field(default_factory=list)  # at open ends of the bar and period
    side_label: Text | None = None  # figures (claims) or deniers (denials)
    label: Text | None = None  # short proposition or statement


@dataclass(frozen=True)
class Chart:
    id_prefix: str  # of the ids of its <title> and <desc>
    width: str  # of the viewBox
    height: str
    font_size: str
    title: str  # a summary: "Timeline of 3 claims and 1 denial"
    desc: str
    legend: list[LegendKey]
    ticks: list[Tick]  # each a grid line from tick_top to tick_bottom, labelled at tick_y
    tick_top: str
    tick_bottom: str
    tick_y: str
    tick_font_size: str
    axis_x1: str
    axis_x2: str
    axis_y: str
    marks: list[Mark]  # in date order, so that the markup reads in time order


@dataclass(frozen=True)
class Timeline:
    chart: Chart | None  # None when no event has a date
    rows: list[TimelineRow]
    is_empty: bool
    # The dates in view, on pages that zoom (web.timeline_periods.Window); None elsewhere.
    window: object = None
    is_periods: ClassVar[bool] = False

    @property
    def svg(self) -> str:
        """The drawing as a complete <svg> element, or "" when there is none."""
        return render_to_string("includes/timeline_svg.html", {"chart": self.chart}) if self.chart else ""


def build_timeline(claims, denials, *, id_prefix: str = "timeline") -> Timeline:
    """Draw claims (with quantities prefetched) and denials (with deniers prefetched).

    id_prefix keeps the ids of the SVG's <title> and <desc> unique when a page shows
    more than one timeline.
    """
    rows, events = [], []
    for claim in claims:
        row = _claim_row(claim)
        rows.append(row)
        if row.date:
            events.append(_claim_event(claim, row))
    for denial in denials:
        row = _denial_row(denial)
        rows.append(row)
        if row.date:
            events.append(_denial_event(row))
    rows.sort(key=_row_order)
    chart = _draw(events, id_prefix) if events else None
    return Timeline(chart=chart, rows=rows, is_empty=not rows)


# --- From records to rows and events ------------------------------------------------

# A range of days, half-open: [first day, day after the last). None is an open end,
# drawn to the edge of the axis.
Days = tuple[dt.date | None, dt.date | None]


@dataclass
class _Event:
    """An event to draw."""

    row: TimelineRow
    css: str  # extra class names
    title: str  # full text, for hover and screen readers
    side_text: str  # figures (claims) or deniers (denials), to label beside the mark
    span: Days
    is_point: bool
    period: Days | None = None
    # Set by _draw(), _place() and _assign_lanes():
    label: str = ""  # short proposition or statement, under the mark
    side_label: str = ""  # short side_text
    x0: float = 0.0  # the mark
    x1: float = 0.0
    side_at: tuple[float, str] = (0.0, "start")  # x and text-anchor of the side label
    label_at: tuple[float, str] = (0.0, "start")  # and of the label
    left: float = 0.0  # everything drawn for the event, labels and arrows included
    right: float = 0.0
    lane: int = 0


def _claim_row(claim) -> TimelineRow:
    figures = "; ".join(q.describe() for q in claim.quantities.all())
    period, _ = _covered_period(claim)
    return TimelineRow(
        claim.made, "claim", claim.proposition, claim.get_absolute_url(), figures, period, claim.get_status_display()
    )


def _denial_row(denial) -> TimelineRow:
    deniers = ", ".join(actor.name for actor in denial.deniers.all())
    return TimelineRow(denial.made, "denial", denial.statement, denial.get_absolute_url(), deniers=deniers)


def _claim_event(claim, row: TimelineRow) -> _Event:
    quantities = claim.quantities.all()
    # The source's own wording ("more than a million") is shorter than describe().
    figures = "; ".join(q.as_worded or q.describe() for q in quantities)
    _, period = _covered_period(claim)
    title = f"Claim, {date_text(row.date)} ({row.status}): {row.text}"
    if quantities:
        worded = (q.describe() + (f" (“{q.as_worded}”)" if q.as_worded else "") for q in quantities)
        title += f" Figures: {'; '.join(worded)}."
    if row.period:
        title += f" Period covered: {row.period}."
    return _Event(
        row=row,
        css=f"timeline-claim timeline-status-{claim.status}",
        title=title,
        side_text=figures,
        span=_days(row.date),
        is_point=_is_day(row.date),
        period=period,
    )


def _denial_event(row: TimelineRow) -> _Event:
    title = f"Denial, {date_text(row.date)}" + (f", by {row.deniers}" if row.deniers else "") + f": {row.text}"
    return _Event(
        row=row,
        css="timeline-denial",
        title=title,
        side_text=row.deniers,
        span=_days(row.date),
        is_point=_is_day(row.date),
    )


def _days(date: ReportedDate) -> Days:
    """Every day the date allows: one for a day, a month's for "August 2023", May to
    July for "about June 2022"."""
    return date.earliest, _day_after(date.latest)


def _is_day(date: ReportedDate) -> bool:
    return date.earliest is not None and date.earliest == date.latest


def _covered_period(claim) -> tuple[str, Days | None]:
    """The period a claim covers, in words for the table and as days for the bar.

    A period with no end ("since August") runs to the day the claim was made, and one
    with no start ("until October") from the edge of the axis.
    """
    start, end, made = claim.period_start, claim.period_end, claim.made
    if not (start or end):
        return "", None
    words, first = period_text(start, end), start.earliest if start else None
    if end:
        days = (first, _day_after(end.latest))
    elif made and made.earliest and (first is None or made.earliest > first):
        days = (first, made.earliest)
        if not is_open(start):  # "since 2022" says that it runs on
            words = f"{date_text(start)} – {date_text(made)}"
    else:
        days = (first, _day_after(start.latest))
    return words, (days if days != (None, None) else None)


def _row_order(row: TimelineRow):
    kind_order = 0 if row.kind == "claim" else 1
    if row.date is None:
        return (1, dt.date.min, dt.date.min, kind_order)  # undated rows last
    # An open start ("until 2023") comes first, an open end ("since 2022") after its start.
    return (0, row.date.earliest or dt.date.min, row.date.latest or dt.date.max, kind_order)


def _day_after(day: dt.date | None) -> dt.date | None:
    return day + dt.timedelta(days=1) if day else None


def _short(text: str, chars: int) -> str:
    """At most `chars` characters, cut at a word where possible, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[: max(chars - 1, 0)]
    if " " in cut[chars // 2 :]:  # a word boundary that keeps at least half the text
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…" if cut else ""


# --- Layout ---------------------------------------------------------------------------


class _Scale:
    """Maps dates to x. The range is padded, so that one event, or many on a single
    day, still has room around it and nothing divides by zero."""

    def __init__(self, first: dt.date, last: dt.date):
        pad = dt.timedelta(days=max((last - first).days // 25, 31))
        self.start, self.end = first - pad, last + pad
        self.days = (self.end - self.start).days

    def x(self, date: dt.date) -> float:
        return MARGIN + (date - self.start).days / self.days * (WIDTH - 2 * MARGIN)

    def xs(self, days: Days) -> tuple[float, float]:
        """The x of each end of a range of days, an open end at the edge of the axis."""
        first, after_last = days
        return self.x(first or self.start), self.x(after_last or self.end)


def _with_arrows(days: Days, x0: float, x1: float) -> tuple[float, float]:
    """From x0 to x1, and the arrows beyond them at open ends."""
    return x0 - (ARROW if days[0] is None else 0), x1 + (ARROW if days[1] is None else 0)


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """First days of months (or years, on a long axis) between start and end, labelled."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if months <= 12:
        step = 1
    elif months <= 36:
        step = 3
    elif months <= 72:
        step = 6
    else:  # years, about ten ticks at most
        step = 12 * next(n for n in (1, 2, 5, 10, 20, 50, 100) if months / 12 / n <= 10)
    index = start.year * 12 + start.month - 1 + (start.day > 1)  # months since year 0
    index += -index % step  # quarters start in January, April...; years on multiples
    ticks = []
    while (day := dt.date(index // 12, index % 12 + 1, 1)) <= end:
        label = str(day.year) if step >= 12 else f"{calendar.month_abbr[day.month]} {day.year}"
        ticks.append((day, label))
        index += step
    return ticks


def _text_width(text: str, size: float, em: float = CHAR_WIDTH) -> float:
    """An estimate that errs wide; Chinese, Japanese and Korean characters are 1 em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(c) in "WF" else em) for c in text)


def _place(event: _Event, scale: _Scale) -> None:
    """Horizontal geometry of one event: its mark, period bar and labels."""
    x0, x1 = scale.xs(event.span)
    centre = (x0 + x1) / 2
    if event.is_point:
        x0, x1 = centre - DOT_RADIUS, centre + DOT_RADIUS
    elif None not in event.span and x1 - x0 < MIN_SPAN:
        x0, x1 = centre - MIN_SPAN / 2, centre + MIN_SPAN / 2
    event.x0, event.x1 = x0, x1
    left, right = _with_arrows(event.span, x0, x1)  # the mark and its period bar
    if event.period:
        period_left, period_right = _with_arrows(event.period, *scale.xs(event.period))
        left, right = min(left, period_left), max(right, period_right)

    # The side label goes beside the mark and its period bar, the label under the mark.
    # Both run rightwards, or leftwards when they would leave the drawing on the right.
    # When they fit on neither side (a bar across the whole axis), they go on the roomier
    # side, the side label cut to the room there, and the label moved inside the drawing.
    side_label = _short(event.side_text, SIDE_LABEL_CHARS)
    side, label = _text_width(side_label, FONT_SIZE, BOLD_CHAR_WIDTH), _text_width(event.label, FONT_SIZE)
    room_right, room_left = WIDTH - 4 - TEXT_GAP - right, left - TEXT_GAP - 4
    if side <= room_right and x0 + label <= WIDTH - 4:
        rightwards = True
    elif side <= room_left and x1 - label >= 4:
        rightwards = False
    else:
        rightwards = room_right >= room_left
    room = room_right if rightwards else room_left
    if side > room:  # as much as fits, or nothing if that is too little
        chars = int(room // (BOLD_CHAR_WIDTH * FONT_SIZE))
        side_label = _short(event.side_text, chars) if chars >= 8 else ""
        side = _text_width(side_label, FONT_SIZE, BOLD_CHAR_WIDTH)
    event.side_label = side_label
    if rightwards:
        event.side_at = (right + TEXT_GAP, "start")
        event.label_at = (min(x0, WIDTH - 4 - label), "start")
    else:
        event.side_at = (left - TEXT_GAP, "end")
        event.label_at = (max(x1, 4 + label), "end")
    texts = [_text_extent(*event.side_at, side), _text_extent(*event.label_at, label)]
    event.left = min(left, *(start for start, _ in texts))
    event.right = max(right, *(end for _, end in texts))


def _text_extent(x: float, anchor: str, width: float) -> tuple[float, float]:
    if width == 0:
        return (x, x)
    return (x, x + width) if anchor == "start" else (x - width, x)


def _assign_lanes(events: list[_Event]) -> int:
    """Greedy interval packing: each event goes into the lowest lane that is free at its
    left edge. Two heaps keep it O(n log n): busy lanes keyed by where they end, and the
    free lanes' numbers. Returns the number of lanes."""
    busy: list[tuple[float, int]] = []  # (right edge of its last event, lane)
    free: list[int] = []
    lanes = 0
    for event in sorted(events, key=lambda e: (e.left, e.right)):
        while busy and busy[0][0] + LANE_GAP <= event.left:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            event.lane = heapq.heappop(free)
        else:
            event.lane, lanes = lanes, lanes + 1
        heapq.heappush(busy, (event.right, event.lane))
    return lanes


# --- Drawing --------------------------------------------------------------------------


def _draw(events: list[_Event], id_prefix: str) -> Chart:
    dates = [d for e in events for d in (*e.span, *(e.period or ())) if d]  # open ends follow the axis
    scale = _Scale(min(dates), max(dates))
    claims = [e for e in events if e.row.kind == "claim"]
    denials = [e for e in events if e.row.kind == "denial"]
    for chars in LABEL_LENGTHS:  # longest labels that fit in MAX_LANES; none at worst
        for event in events:
            event.label = _short(event.row.text, chars)
            _place(event, scale)
        claim_lanes, denial_lanes = _assign_lanes(claims), _assign_lanes(denials)
        if claim_lanes + denial_lanes <= MAX_LANES:
            break
    lane_height = LANE_HEIGHT if chars else COMPACT_LANE_HEIGHT

    legend, legend_height = _legend()
    axis_y = legend_height + claim_lanes * lane_height + AXIS_GAP
    height = axis_y + AXIS_BAND + denial_lanes * lane_height + BOTTOM

    def lane_top(event: _Event) -> float:
        if event.row.kind == "claim":  # lane 0 sits just above the axis, and so on upwards
            return axis_y - AXIS_GAP - (event.lane + 1) * lane_height
        return axis_y + AXIS_BAND + event.lane * lane_height

    return Chart(
        id_prefix=id_prefix,
        width=_n(WIDTH),
        height=_n(height),
        font_size=_n(FONT_SIZE),
        title=_summary(claims, denials),
        desc=_description(events),
        legend=legend,
        ticks=[Tick(x=_n(scale.x(day)), label=label) for day, label in _ticks(scale.start, scale.end)],
        tick_top=_n(legend_height),
        tick_bottom=_n(height - BOTTOM),
        tick_y=_n(axis_y + 16),
        tick_font_size=_n(TICK_FONT_SIZE),
        axis_x1=_n(MARGIN),
        axis_x2=_n(WIDTH - MARGIN),
        axis_y=_n(axis_y),
        marks=[_mark(event, scale, lane_top(event)) for event in sorted(events, key=_date_order)],
    )


def _date_order(event: _Event):
    first, after_last = event.span
    return (first or dt.date.min, after_last or dt.date.max)


def _mark(event: _Event, scale: _Scale, top: float) -> Mark:
    y = top + MARK_Y
    if event.is_point:
        shape = _dot("timeline-mark", (event.x0 + event.x1) / 2, y)
    else:
        css = "timeline-mark timeline-span" + (" timeline-open" if None in event.span else "")
        shape = _rect(css, event.x0, event.x1, y, 2 * DOT_RADIUS)
    arrows = _arrows("timeline-mark timeline-arrow", event.span, event.x0, event.x1, y, DOT_RADIUS)
    period = side_label = label = None
    if event.period:
        x0, x1 = scale.xs(event.period)
        period = _rect("timeline-period", x0, x1, y, PERIOD_HEIGHT)
        arrows += _arrows("timeline-period timeline-arrow", event.period, x0, x1, y, PERIOD_HEIGHT)
    if event.side_label:
        side_label = _text("timeline-side-label", *event.side_at, y + 4.5, event.side_label)
    if event.label:
        label = _text("timeline-label", *event.label_at, top + LABEL_Y, event.label)
    return Mark(event.row.url, event.css, event.title, shape, period, arrows, side_label, label)


def _arrows(css: str, days: Days, x0: float, x1: float, y: float, half: float) -> list[Polygon]:
    """An arrow pointing out of each open end of a bar from x0 to x1."""
    arrows = []
    if days[0] is None:
        arrows.append(_arrow(css, x0, -1, y, half))
    if days[1] is None:
        arrows.append(_arrow(css, x1, 1, y, half))
    return arrows


def _arrow(css: str, x: float, direction: int, y: float, half: float) -> Polygon:
    """A triangle with its base at x, half high, pointing left (-1) or right (1)."""
    points = [(x, y - half), (x + direction * ARROW, y), (x, y + half)]
    return Polygon(css=css, points=" ".join(f"{_n(px)},{_n(py)}" for px, py in points))


def _legend() -> tuple[list[LegendKey], float]:
    """A key to the marks, left to right, in as many rows as it takes; and its height."""
    y = LEGEND_HEIGHT / 2
    dot = [_dot("timeline-mark", DOT_RADIUS, y)]
    period = [_rect("timeline-period", 0, 24, y, PERIOD_HEIGHT)]
    span = [_rect("timeline-mark timeline-span", 0, 24, y, 2 * DOT_RADIUS)]
    open_span = [
        _rect("timeline-mark timeline-span timeline-open", 0, 24, y, 2 * DOT_RADIUS),
        _arrow("timeline-mark timeline-arrow", 24, 1, y, DOT_RADIUS),
    ]
    keys = [
        ("timeline-claim", dot, 2 * DOT_RADIUS, "Claims (above the axis)"),
        ("timeline-claim", period, 24, "period covered"),
        ("timeline-claim", span, 24, "month, year or range of days"),
        ("timeline-claim", open_span, 24 + ARROW, "open-ended"),
        ("timeline-claim timeline-status-refuted", dot, 2 * DOT_RADIUS, "refuted or retracted"),
        ("timeline-denial", dot, 2 * DOT_RADIUS, "Denials (below the axis)"),
    ]
    legend, x, row = [], MARGIN, 0
    for css, symbols, width, words in keys:
        label = _text("timeline-legend-label", width + TEXT_GAP, "start", y + 4.5, words)
        key_width = width + TEXT_GAP + _text_width(words, FONT_SIZE)
        if x + key_width > WIDTH - MARGIN and x > MARGIN:  # on to the next row
            x, row = MARGIN, row + 1
        legend.append(LegendKey(css=css, x=_n(x), y=_n(row * LEGEND_ROW), symbols=symbols, label=label))
        x += key_width + 20
    return legend, LEGEND_HEIGHT + row * LEGEND_ROW


def _summary(claims: list[_Event], denials: list[_Event]) -> str:
    def count(n, noun):
        return f"{n} {noun}{'' if n == 1 else 's'}"

    return f"Timeline of {count(len(claims), 'claim')} and {count(len(denials), 'denial')}"


def _description(events: list[_Event]) -> str:
    days = [day for e in events for day in (e.row.date.earliest, e.row.date.latest) if day]
    first, last = (f"{calendar.month_name[day.month]} {day.year}" for day in (min(days), max(days)))
    span = f"in {first}" if first == last else f"from {first} to {last}"
    return (
        f"Dated events {span}. Claims are drawn above the date axis and denials below it. A date known "
        "only to a month, a year or a range of days is a bar across those days; an arrow at the end of a bar "
        "means the date is open-ended there: since a day, or on or before it. A thin bar on a claim's row is "
        "the period it covers. The table with this chart lists the same events."
    )


def _dot(css: str, cx: float, cy: float) -> Circle:
    return Circle(css=css, cx=_n(cx), cy=_n(cy), r=_n(DOT_RADIUS))


def _rect(css: str, x0: float, x1: float, y: float, height: float) -> Rect:
    """A bar from x0 to x1 centred on y, with rounded ends."""
    return Rect(
        css=css,
        x=_n(x0),
        y=_n(y - height / 2),
        width=_n(max(x1 - x0, 1)),
        height=_n(height),
        rx=_n(height / 2),
    )


def _text(css: str, x: float, anchor: str, y: float, text: str) -> Text:
    return Text(css=css, x=_n(x), y=_n(y), anchor=anchor, text=text)


def _n(value: float) -> str:
    """A number as SVG attributes take it: one decimal at most, "12.5" or "97"."""
    return f"{value:.1f}".removesuffix(".0")
