"""Figure history: the figures claimed for one thing over time, drawn on the server as SVG.

On a topic or materiel page, every figure of its published claims (a Quantity) is a point
dated by the day its figure stands at (`as_of`), else by the day its claim was made: the
first day either allows, or the last for an open start ("on or before 25 October").
Points are grouped into series, one per thing counted: the materiel, or else the item
lower-cased with its whitespace squashed, with the unit and the kind of figure (a count,
a capacity, an equivalent ...), so that "two months' worth of supplies" never shares an
axis with "more than a million shells". Each series is a step chart in a panel of its
own, with its own value axis (logarithmic when its figures span more than two orders of
magnitude), the panels one under another on a shared date axis:

- a step from each figure to the date of the next: what had been claimed until then;
- a mark whose shape says its comparator: a dot for an exact figure, a ring for "about",
  a triangle up for a floor ("more than", "at least"), down for a ceiling, a bar from low
  to high for a range ("between", "hundreds of thousands");
- a thin line across the days its date allows, when it is not a single day;
- a dashed arc from a figure to the later figure that revises (or supersedes) it.

The drawing is bounded: at most MAX_SERIES series are drawn (the largest first), and a
series of more than MAX_POINTS dated figures is drawn as the highest figure of each
period (month, quarter, year ...), enough periods to stay within the bound. The caption
says when either happens.

The SVG is a picture (role="img") with no links in it: the table that follows it is its
accessible equivalent, links each figure (or period) to its claim (or to the claims list
filtered to the period), and is the only place where undated figures and figures
without a number ("an unspecified number of") appear. The CSV twin
(`figure_history_rows`) has every figure, never aggregated.

Two queries whatever the number of claims: the figures with their claims and materiel
(values()), and the revises/supersedes links among them. As in web/timeline.py, this
module only computes the drawing as plain data; templates/includes/figure_history.html
writes it, autoescaping every text, with class names only (static/css/figures.css).
"""

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar
from urllib.parse import urlencode

from django.db.models import F, Q
from django.urls import reverse

from claims.models import (
    MAGNITUDES,
    RANGED,
    Claim,
    ClaimLink,
    ClaimLinkKind,
    PublicationState,
    Quantity,
    QuantityComparator,
    QuantityKind,
)
from sources.date_fields import ReportedDate
from web.templatetags.reported_dates import date_text
from web.timeline import Circle, Polygon, Rect, Text, Tick, _n, _short, _text_width, _ticks

# Bounds: series drawn, figures drawn per series before it is aggregated per period, and
# what the table lists beyond the drawing.
MAX_SERIES = 6
# Figures a page reads, the latest by date claimed: the biggest materiel of a million
# claims has 100,000, which took 12 s to read and group. The CSV reads every one.
READ_LIMIT = 3000
MAX_POINTS = 30
# The table lists what the drawing shows, plus a few figures it cannot draw: at 100,000
# claims a topic's table of 30 series ran to 1,273 rows and 740 KB of HTML; with these
# bounds (and MAX_POINTS) that topic's whole page is 171 KB.
MAX_TABLE_SERIES = MAX_SERIES + 2
MAX_OTHER_ROWS = 3  # per series: undated figures and figures without a number

# Geometry, in SVG user units; the SVG scales to its container.
WIDTH = 960
LEFT = 92  # room for the value axis's labels
RIGHT = 24
FONT_SIZE = 13
LABEL_FONT_SIZE = 12
TICK_FONT_SIZE = 11
LEGEND_HEIGHT = 30
LEGEND_ROW = 22
PANEL_TITLE = 26  # the series' name, above its plot
PLOT_HEIGHT = 130
PLOT_PAD = 20  # inside the plot, above the highest value: room for its label
PANEL_GAP = 16
AXIS_BAND = 24  # date labels under the last panel
BOTTOM = 6
MARK = 5  # radius of a dot; half the width of a range bar or a triangle
ARC_RISE = 22  # how far a revises arc bows above its higher end
ARROW = 7
TEXT_GAP = 7
LABEL_CHARS = 40

REVISION_KINDS = (ClaimLinkKind.REVISES, ClaimLinkKind.SUPERSEDES)
FLOORS = (QuantityComparator.MORE_THAN, QuantityComparator.AT_LEAST)
CEILINGS = (QuantityComparator.LESS_THAN, QuantityComparator.AT_MOST)
COMPARATOR_WORDS = dict(QuantityComparator.choices)
KIND_WORDS = dict(QuantityKind.choices)
LINK_WORDS = dict(ClaimLinkKind.choices)


# --- What is read, and the table --------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """A link from a figure's claim to a claim it revises or supersedes."""

    kind: str  # "revises" or "supersedes"
    slug: str
    url: str
    text: str  # the other claim's proposition


@dataclass
class FigurePoint:
    """One figure of one claim."""

    pk: int
    claim_id: int
    claim_slug: str
    claim_url: str
    proposition: str
    date: ReportedDate | None  # as of, else when the claim was made; None: undated
    date_basis: str  # "as_of", "made" or "" (undated)
    day: dt.date | None  # where it is drawn
    comparator: str
    low: Decimal | None
    high: Decimal | None
    unit: str
    item: str
    kind: str
    as_worded: str
    materiel_slug: str
    materiel_name: str
    made_earliest: dt.date | None
    made_latest: dt.date | None
    value: float | None  # drawn at: low, or the middle of a range; None: no number
    label: str  # the figure as read: "more than 1,000,000", "hundreds of thousands"
    revises: list[Revision] = field(default_factory=list)

    @property
    def is_range(self) -> bool:
        return self.comparator in RANGED and self.low is not None and self.high is not None

    @property
    def drawable(self) -> bool:
        return self.day is not None and self.value is not None


@dataclass
class Bucket:
    """The figures of one series in one period, drawn as the highest of them."""

    period: str  # "Q3 2023"
    start: dt.date
    end: dt.date  # the last day
    points: list[FigurePoint]
    top: FigurePoint
    claim_count: int
    url: str  # the claims list, filtered to the scope and the period


@dataclass(frozen=True)
class TableRow:
    series: str
    date: ReportedDate | None
    date_basis: str  # "as_of", "made", "" (undated or a period)
    period: str  # a period of aggregated figures, instead of a date
    url: str
    text: str  # the claim's proposition, or "12 claims"
    figure: str  # "more than 1,000,000", or "highest: more than 1,000,000"
    as_worded: str
    revises: list[Revision]
    drawn: bool
    is_period: bool = False


@dataclass
class Series:
    key: tuple
    label: str  # "artillery shell", "artillery shell, in months' worth of supplies (equivalent)"
    scope: dict[str, str]  # claims list parameters for this series: topic, materiel
    points: list[FigurePoint] = field(default_factory=list)
    plotted: list[FigurePoint] = field(default_factory=list)  # dated, with a number, in date order
    buckets: list[Bucket] | None = None  # None: the plotted points are drawn one by one
    aggregated_by: str = ""  # "quarter"
    drawn: bool = False

    @property
    def shown(self) -> list[FigurePoint | Bucket]:
        return self.buckets if self.buckets is not None else self.plotted


# --- The drawing, as data for templates/includes/figure_history.html -------------------


@dataclass(frozen=True)
class Line:
    tag: ClassVar[str] = "line"
    css: str
    x1: str
    y1: str
    x2: str
    y2: str


@dataclass(frozen=True)
class YTick:
    y: str
    text_y: str
    label: str


@dataclass(frozen=True)
class Mark:
    css: str  # besides fh-point
    title: str  # full text, for pointer users' hover (the table says the same)
    shape: Circle | Rect | Polygon
    span: Line | None  # the days its date (or period) allows
    label: Text | None


@dataclass(frozen=True)
class Connector:
    css: str  # fh-revises or fh-supersedes
    title: str
    d: str  # path data of the arc
    arrow: Polygon


@dataclass(frozen=True)
class Panel:
    title: Text
    scale_note: str  # "log scale", shown after the title
    y_ticks: list[YTick]
    tick_x1: str  # grid lines run from x1 to x2, labels end at label_x
    tick_x2: str
    label_x: str
    axis: Line  # the value axis
    baseline: Line
    step: str  # path data, "" for a single figure
    marks: list[Mark]


@dataclass(frozen=True)
class LegendKey:
    css: str
    x: str
    y: str
    symbols: list[Circle | Rect | Polygon | Line]
    label: Text


@dataclass(frozen=True)
class Chart:
    id_prefix: str
    width: str
    height: str
    font_size: str
    label_font_size: str
    tick_font_size: str
    title: str
    desc: str
    legend: list[LegendKey]
    ticks: list[Tick]  # dates: grid lines from tick_top to tick_bottom, labels at tick_y
    tick_top: str
    tick_bottom: str
    tick_y: str
    panels: list[Panel]
    connectors: list[Connector]


@dataclass
class FigureHistory:
    chart: Chart | None  # None when no figure has both a date and a number
    series: list[Series]  # every series, largest first
    table: list[TableRow]
    notes: list[str]  # for the caption: what is aggregated, what is not drawn
    csv_url: str
    figure_count: int

    @property
    def is_empty(self) -> bool:
        return self.figure_count == 0


# --- Entry points ------------------------------------------------------------------------


def topic_figure_history(topic, *, id_prefix: str = "figures", complete: bool = False) -> FigureHistory:
    """The figures of the topic's published claims, the latest READ_LIMIT of them, or
    every one when `complete` (the CSV); two queries."""
    return build_figure_history(
        Claim.objects.published().filter(topics=topic),
        scope={"topic": topic.slug},
        csv_url=topic.get_absolute_url() + "figures.csv",
        id_prefix=id_prefix,
        limit=None if complete else READ_LIMIT,
    )


def materiel_figure_history(materiel, *, id_prefix: str = "figures", complete: bool = False) -> FigureHistory:
    """The figures counting this materiel or a narrower type of it, in published claims,
    the latest READ_LIMIT of them or every one when `complete`; two queries. Series are
    per materiel, so each narrower type has its own."""
    return build_figure_history(
        Claim.objects.published(),
        quantities=Q(materiel=materiel) | Q(materiel__parent=materiel),
        scope={},
        csv_url=materiel.get_absolute_url() + "figures.csv",
        id_prefix=id_prefix,
        limit=None if complete else READ_LIMIT,
    )


def build_figure_history(
    claims,
    *,
    scope: dict[str, str],
    quantities: Q | None = None,
    csv_url: str = "",
    id_prefix: str = "figures",
    limit: int | None = None,
) -> FigureHistory:
    """The figure history of the figures of `claims` (a queryset; only its published
    claims count), narrowed by `quantities` when given. `scope` holds the claims list's
    parameters that select the page's claims ({"topic": slug}), for the links of
    aggregated periods."""
    points, more = _read(claims, quantities, limit)
    series = _group(points, scope)
    for one in series:
        _aggregate(one)
    drawable = [one for one in series if one.plotted]
    for one in drawable[:MAX_SERIES]:
        one.drawn = True
    chart = _draw(drawable[:MAX_SERIES], id_prefix) if drawable else None
    return FigureHistory(
        chart=chart,
        series=series,
        table=_table(series),
        notes=_notes(series) + ([f"Drawn from the latest {limit:,} figures; the CSV has every one."] if more else []),
        csv_url=csv_url,
        figure_count=len(points),
    )


# --- Reading -------------------------------------------------------------------------------

_FIELDS = (
    "pk",
    "claim_id",
    "position",
    "claim__slug",
    "claim__proposition",
    "claim__made_edtf",
    "claim__made_earliest",
    "claim__made_latest",
    "claim__made_as_worded",
    "claim__made_inferred",
    "as_of_edtf",
    "as_of_earliest",
    "as_of_latest",
    "as_of_as_worded",
    "as_of_inferred",
    "comparator",
    "low",
    "high",
    "unit",
    "item",
    "kind",
    "as_worded",
    "materiel__slug",
    "materiel__name",
)


def _read(claims, quantities: Q | None, limit: int | None = None) -> tuple[list[FigurePoint], bool]:
    """The figures, and whether there were more than `limit` (the latest by the date their
    claim was made are kept)."""
    published = claims.filter(state=PublicationState.PUBLISHED).order_by().values("pk")
    rows = Quantity.objects.filter(claim__state=PublicationState.PUBLISHED, claim__in=published)
    if quantities is not None:
        rows = rows.filter(quantities)
    more = False
    if limit is None:
        rows = list(rows.order_by("claim_id", "position", "pk").values(*_FIELDS))
    else:
        latest = rows.order_by(F("claim__made_earliest").desc(nulls_last=True), "-pk").values(*_FIELDS)
        rows = list(latest[: limit + 1])
        more, rows = len(rows) > limit, rows[:limit]
        rows.sort(key=lambda row: (row["claim_id"], row["position"], row["pk"]))
        published = [row["claim_id"] for row in rows]
    links = (
        ClaimLink.objects.filter(kind__in=REVISION_KINDS, from_claim__in=published)
        .filter(to_claim__state=PublicationState.PUBLISHED)
        .order_by("from_claim_id", "kind", "to_claim__slug")
        .values("from_claim_id", "kind", "to_claim__slug", "to_claim__proposition")
    )
    points = [_point(row) for row in rows]
    if points:
        revisions: dict[int, list[Revision]] = {}
        for link in links:
            slug = link["to_claim__slug"]
            revision = Revision(link["kind"], slug, _claim_url(slug), link["to_claim__proposition"])
            revisions.setdefault(link["from_claim_id"], []).append(revision)
        for point in points:
            point.revises = revisions.get(point.claim_id, [])
    return points, more


def _date(row: dict, prefix: str) -> ReportedDate | None:
    if not row[f"{prefix}edtf"]:
        return None
    return ReportedDate(
        row[f"{prefix}edtf"],
        row[f"{prefix}earliest"],
        row[f"{prefix}latest"],
        row[f"{prefix}as_worded"],
        row[f"{prefix}inferred"],
    )


def _claim_url(slug: str) -> str:
    return reverse("web:claim_detail", args=[slug])


def _point(row: dict) -> FigurePoint:
    as_of, made = _date(row, "as_of_"), _date(row, "claim__made_")
    date, basis = (as_of, "as_of") if as_of else (made, "made") if made else (None, "")
    day = (date.earliest or date.latest) if date else None  # an open start: its last day
    low, high, comparator = row["low"], row["high"], row["comparator"]
    if comparator == QuantityComparator.UNSPECIFIED or low is None:
        value = None
    elif comparator in RANGED and high is not None:
        value = float(low + high) / 2
    else:
        value = float(low)
    return FigurePoint(
        pk=row["pk"],
        claim_id=row["claim_id"],
        claim_slug=row["claim__slug"],
        claim_url=_claim_url(row["claim__slug"]),
        proposition=row["claim__proposition"],
        date=date,
        date_basis=basis,
        day=day,
        comparator=comparator,
        low=low,
        high=high,
        unit=row["unit"],
        item=row["item"],
        kind=row["kind"],
        as_worded=row["as_worded"],
        materiel_slug=row["materiel__slug"] or "",
        materiel_name=row["materiel__name"] or "",
        made_earliest=row["claim__made_earliest"],
        made_latest=row["claim__made_latest"],
        value=value,
        label=figure_label(comparator, low, high),
    )


def number(value) -> str:
    """1,000,000; 2.5: thousands separated, no trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def figure_label(comparator: str, low, high) -> str:
    """The figure as read, without what is counted: "more than 1,000,000", "about 2",
    "between 10 and 20", "hundreds of thousands", "an unspecified number"."""
    if comparator == QuantityComparator.UNSPECIFIED:
        return "an unspecified number"
    words = COMPARATOR_WORDS.get(comparator, comparator)
    if comparator in MAGNITUDES:
        return words.removesuffix(" of")
    if comparator == QuantityComparator.BETWEEN and low is not None and high is not None:
        return f"between {number(low)} and {number(high)}"
    if low is None:
        return words
    return number(low) if comparator == QuantityComparator.EXACT else f"{words} {number(low)}"


_SPACES = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def series_key(point: FigurePoint) -> tuple:
    """What a series counts: the materiel, or else the item lower-cased with its
    whitespace squashed; with the unit (the same) and the kind of figure."""
    thing = ("materiel", point.materiel_slug) if point.materiel_slug else ("item", _squash(point.item).casefold())
    return (*thing, _squash(point.unit).casefold(), point.kind)


def _series_label(point: FigurePoint) -> str:
    label = point.materiel_name or _squash(point.item)
    if point.unit.strip():
        label += f", in {_squash(point.unit)}"
    if point.kind != QuantityKind.COUNT:
        label += f" ({KIND_WORDS.get(point.kind, point.kind)})"
    return label


def _group(points: list[FigurePoint], scope: dict[str, str]) -> list[Series]:
    series: dict[tuple, Series] = {}
    for point in points:
        key = series_key(point)
        if key not in series:
            params = dict(scope)
            if point.materiel_slug:
                params["materiel"] = point.materiel_slug
            series[key] = Series(key=key, label=_series_label(point), scope=params)
        series[key].points.append(point)
    for one in series.values():
        one.points.sort(key=_point_order)
        one.plotted = [p for p in one.points if p.drawable]
    # Largest first: the most figures that can be drawn, then the most figures.
    return sorted(series.values(), key=lambda s: (-len(s.plotted), -len(s.points), s.label.casefold(), s.key))


def _point_order(point: FigurePoint):
    if point.day is None:
        return (1, dt.date.max, 0.0, point.claim_slug, point.pk)
    return (0, point.day, point.value if point.value is not None else -1.0, point.claim_slug, point.pk)


# --- Aggregation -------------------------------------------------------------------------

# Periods, in months, tried in turn until a series has at most MAX_POINTS of them.
PERIODS = ((1, "month"), (3, "quarter"), (6, "half-year"), (12, "year"), (60, "five years"), (120, "decade"))


def _aggregate(series: Series) -> None:
    if len(series.plotted) <= MAX_POINTS:
        return
    for period in PERIODS:
        months = period[0]
        groups: dict[int, list[FigurePoint]] = {}
        for point in series.plotted:
            groups.setdefault((point.day.year * 12 + point.day.month - 1) // months, []).append(point)
        if len(groups) <= MAX_POINTS or period == PERIODS[-1]:
            break
    series.aggregated_by = period[1]
    series.buckets = [_bucket(series, index, months, group) for index, group in sorted(groups.items())]


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _bucket(series: Series, index: int, months: int, points: list[FigurePoint]) -> Bucket:
    start = _month(index * months)
    end = _month((index + 1) * months) - dt.timedelta(days=1)
    if months == 1:
        period = start.strftime("%B %Y")
    elif months == 3:
        period = f"Q{(start.month - 1) // 3 + 1} {start.year}"
    elif months == 6:
        period = f"H{(start.month - 1) // 6 + 1} {start.year}"
    elif months == 12:
        period = str(start.year)
    else:
        period = f"{start.year}–{end.year}"
    top = max(points, key=lambda p: (p.value, p.high or 0))
    # The claims list filters by the date a claim was made: reach every claim of the
    # period, including those whose figure is dated "as of" another day.
    after = min([start, *(p.made_latest or p.made_earliest for p in points if p.made_latest or p.made_earliest)])
    before = max([end, *(p.made_earliest or p.made_latest for p in points if p.made_earliest or p.made_latest)])
    params = {**series.scope, "made_after": after.isoformat(), "made_before": before.isoformat()}
    url = reverse("web:claim_list") + "?" + urlencode(params)
    return Bucket(period, start, end, points, top, len({p.claim_id for p in points}), url)


# --- The table and the caption -------------------------------------------------------------


def _count(n: int, noun: str, plural: str = "") -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _table(series: list[Series]) -> list[TableRow]:
    rows = []
    for one in series[:MAX_TABLE_SERIES]:
        dated = [(_shown_day(shown), shown) for shown in one.shown]
        others = [p for p in one.points if not p.drawable]
        listed = others[:MAX_OTHER_ROWS]
        dated += [(p.day, p) for p in listed if p.day is not None]
        dated.sort(key=lambda pair: pair[0])
        for _, shown in dated:
            rows.append(_row(one, shown))
        rows += [_row(one, p) for p in listed if p.day is None]
        if len(others) > MAX_OTHER_ROWS:
            rest = len(others) - MAX_OTHER_ROWS
            rows.append(
                TableRow(
                    series=one.label,
                    date=None,
                    date_basis="",
                    period="",
                    url="",
                    text=f"{_count(rest, 'more figure')} undated or without a number: see the CSV",
                    figure="",
                    as_worded="",
                    revises=[],
                    drawn=False,
                    is_period=True,
                )
            )
    if len(series) > MAX_TABLE_SERIES:
        rest = len(series) - MAX_TABLE_SERIES
        rows.append(
            TableRow(
                series=_count(rest, "more series", "more series"),
                date=None,
                date_basis="",
                period="",
                url="",
                text="the smaller series are in the CSV",
                figure="",
                as_worded="",
                revises=[],
                drawn=False,
                is_period=True,
            )
        )
    return rows


def _shown_day(shown: FigurePoint | Bucket) -> dt.date:
    return shown.start if isinstance(shown, Bucket) else shown.day


def _row(series: Series, shown: FigurePoint | Bucket) -> TableRow:
    if isinstance(shown, Bucket):
        return TableRow(
            series=series.label,
            date=None,
            date_basis="",
            period=shown.period,
            url=shown.url,
            text=_count(shown.claim_count, "claim"),
            figure=f"highest: {shown.top.label}",
            as_worded=shown.top.as_worded,
            revises=[],
            drawn=series.drawn,
            is_period=True,
        )
    return TableRow(
        series=series.label,
        date=shown.date,
        date_basis=shown.date_basis,
        period="",
        url=shown.claim_url,
        text=shown.proposition,
        figure=shown.label,
        as_worded=shown.as_worded,
        revises=shown.revises,
        drawn=series.drawn and shown.drawable,
    )


def _notes(series: list[Series]) -> list[str]:
    notes = []
    for one in series:
        if one.drawn and one.buckets is not None:
            notes.append(
                f"{one.label}: {len(one.plotted):,} dated figures, more than the {MAX_POINTS} drawn one by one; "
                f"the chart and the table show the highest figure of each {one.aggregated_by} "
                "and how many claims gave figures then."
            )
    not_drawable = sum(1 for one in series for p in one.points if not p.drawable)
    if not_drawable:
        notes.append(
            f"{_count(not_drawable, 'figure')} without a date or without a number "
            f"{'is' if not_drawable == 1 else 'are'} listed in the table, not drawn."
        )
    drawable = [one for one in series if one.plotted]
    if len(drawable) > MAX_SERIES:
        hidden = len(drawable) - MAX_SERIES
        notes.append(
            f"The {MAX_SERIES} series with the most dated figures are drawn; "
            f"{_count(hidden, 'other is', 'others are')} only in the table and the CSV."
        )
    if len(series) > MAX_TABLE_SERIES:
        more = len(series) - MAX_TABLE_SERIES
        notes.append(f"{_count(more, 'more series', 'more series')} {'is' if more == 1 else 'are'} only in the CSV.")
    return notes


# --- The CSV twin ------------------------------------------------------------------------

CSV_COLUMNS = [
    "series",
    "date",
    "claim_slug",
    "claim_url",
    "comparator",
    "low",
    "high",
    "unit",
    "item",
    "kind",
    "as_worded",
    "revises",
    "date_basis",
]

# A cell starting with one of these is run as a formula by spreadsheets; items and
# wordings come from untrusted sources (the same rule as web/export/data.py).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def figure_history_rows(history: FigureHistory, absolute: Callable[[str], str] = str) -> Iterator[list]:
    """The header, then every figure, never aggregated: series largest first, each in date
    order, undated figures last. `date` is the EDTF of the date the figure is drawn at
    (`date_basis` says which: `as_of` or `made`); `revises` the slugs of the claims this
    figure's claim revises or supersedes, joined with " | "; `absolute` makes the claim's
    URL absolute (request.build_absolute_uri)."""
    yield CSV_COLUMNS
    for series in history.series:
        for point in series.points:
            yield [
                _cell(value)
                for value in (
                    series.label,
                    point.date.edtf if point.date else "",
                    point.claim_slug,
                    absolute(point.claim_url),
                    point.comparator,
                    _decimal(point.low),
                    _decimal(point.high),
                    point.unit,
                    point.item,
                    point.kind,
                    point.as_worded,
                    " | ".join(r.slug for r in point.revises),
                    point.date_basis,
                )
            ]


def _decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


# --- Layout ----------------------------------------------------------------------------


class _XScale:
    """Dates to x, padded as the timeline's axis is."""

    def __init__(self, first: dt.date, last: dt.date):
        pad = dt.timedelta(days=max((last - first).days // 25, 31))
        self.start, self.end = first - pad, last + pad
        self.days = (self.end - self.start).days

    def x(self, day: dt.date) -> float:
        return LEFT + (day - self.start).days / self.days * (WIDTH - LEFT - RIGHT)

    def span(self, first: dt.date | None, last: dt.date | None) -> tuple[float, float]:
        """From the first to the end of the last day; an open end at the edge."""
        after = last + dt.timedelta(days=1) if last else None
        return self.x(max(first or self.start, self.start)), self.x(min(after or self.end, self.end))


class _YScale:
    """Values to y within a plot: linear from zero, or logarithmic by powers of ten when
    the values span more than two orders of magnitude."""

    def __init__(self, values: list[float], top: float, bottom: float):
        self.top, self.bottom = top + PLOT_PAD, bottom
        low, high = min(values), max(values)
        self.log = low > 0 and high / low > 100
        if self.log:
            first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
            last = max(last, first + 1)
            self.lo, self.hi = float(first), float(last)
            every = max(1, math.ceil((last - first) / 6))
            self.ticks = [10.0**e for e in range(first, last + 1, every)]
        else:
            step = _nice_step(high / 4 if high > 0 else 1)
            if all(float(v).is_integer() for v in values):
                step = max(step, 1.0)
            top_value = max(math.ceil(high / step - 1e-9), 1) * step
            self.lo, self.hi = 0.0, top_value
            self.ticks = [i * step for i in range(round(top_value / step) + 1)]

    def y(self, value: float) -> float:
        if not self.log:
            return self.bottom - value / self.hi * (self.bottom - self.top)
        share = (math.log10(max(value, 10**self.lo)) - self.lo) / (self.hi - self.lo)
        return self.bottom - share * (self.bottom - self.top)


def _nice_step(raw: float) -> float:
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    nice = next(n for n in (1, 2, 2.5, 5, 10) if fraction <= n + 1e-9)
    return nice * 10**exponent


class _Boxes:
    """Rectangles taken in one panel, so that labels do not overlap marks or each other."""

    def __init__(self):
        self.taken: list[tuple[float, float, float, float]] = []

    def free(self, box) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in self.taken)

    def take(self, box) -> None:
        self.taken.append(box)


@dataclass
class _Placed:
    shown: FigurePoint | Bucket
    x: float
    y: float
    shape: Circle | Rect | Polygon
    css: str
    span: Line | None
    box: tuple[float, float, float, float]


@dataclass
class _PanelLayout:
    series: Series
    top: float
    plot_top: float
    plot_bottom: float
    ys: _YScale
    placed: list[_Placed]


def _draw(series: list[Series], id_prefix: str) -> Chart:
    days = []
    for one in series:
        for shown in one.shown:
            if isinstance(shown, Bucket):
                days += [shown.start, shown.end]
            else:
                days += [d for d in (shown.date.earliest, shown.date.latest) if d]
    scale = _XScale(min(days), max(days))
    pairs = _revision_pairs(series)
    legend, legend_height = _legend(series, {revision.kind for _, revision, _ in pairs})
    # Marks first, then the arcs between them, then the labels where neither is.
    boxes, positions, layouts = _Boxes(), {}, []
    top = legend_height
    for one in series:
        layouts.append(_layout(one, scale, top, positions, boxes))
        top += PANEL_TITLE + PLOT_HEIGHT + PANEL_GAP
    connectors = _connectors(pairs, [one.key for one in series], positions, boxes)
    bottom = top - PANEL_GAP
    height = bottom + AXIS_BAND + BOTTOM
    return Chart(
        id_prefix=id_prefix,
        width=_n(WIDTH),
        height=_n(height),
        font_size=_n(FONT_SIZE),
        label_font_size=_n(LABEL_FONT_SIZE),
        tick_font_size=_n(TICK_FONT_SIZE),
        title=_summary(series),
        desc=_description(series, pairs),
        legend=legend,
        ticks=[Tick(x=_n(scale.x(day)), label=label) for day, label in _ticks(scale.start, scale.end)],
        tick_top=_n(legend_height + PANEL_TITLE),
        tick_bottom=_n(bottom),
        tick_y=_n(bottom + 16),
        panels=[_panel(layout, boxes) for layout in layouts],
        connectors=connectors,
    )


def _layout(series: Series, scale: _XScale, top: float, positions: dict, boxes: _Boxes) -> _PanelLayout:
    """The value axis of one series and where its marks go; each mark's box is taken."""
    plot_top, plot_bottom = top + PANEL_TITLE, top + PANEL_TITLE + PLOT_HEIGHT
    values = []
    for shown in series.shown:
        point = shown.top if isinstance(shown, Bucket) else shown
        values.append(point.value)
        if point.is_range:
            values += [float(point.low), float(point.high)]
    ys = _YScale(values, plot_top, plot_bottom)
    placed = []  # in date order
    for shown in series.shown:
        point = shown.top if isinstance(shown, Bucket) else shown
        x, y = scale.x(point.day), ys.y(point.value)
        shape, css, box = _shape(shown, x, y, ys)
        boxes.take(box)
        if isinstance(shown, Bucket):
            span = _line("fh-span", *scale.span(shown.start, shown.end), y)
        elif shown.date.earliest != shown.date.latest:
            span = _line("fh-span", *scale.span(shown.date.earliest, shown.date.latest), y)
        else:
            span = None
        placed.append(_Placed(shown, x, y, shape, css, span, box))
        if not isinstance(shown, Bucket):
            positions.setdefault((shown.claim_id, series.key), (x, y, plot_top))
    return _PanelLayout(series, top, plot_top, plot_bottom, ys, placed)


def _panel(layout: _PanelLayout, boxes: _Boxes) -> Panel:
    series, ys, placed = layout.series, layout.ys, layout.placed
    marks = []
    for p in placed:
        label = _place_label(_mark_label(p.shown), p.x, p.y, p.box, boxes, layout.plot_top, layout.plot_bottom)
        marks.append(Mark(css=p.css, title=_mark_title(series, p.shown), shape=p.shape, span=p.span, label=label))
    step = ""
    if len(placed) > 1:
        step = f"M{_n(placed[0].x)} {_n(placed[0].y)}" + "".join(f"H{_n(p.x)}V{_n(p.y)}" for p in placed[1:])
    note = "log scale" if ys.log else ""
    if series.buckets is not None:
        note = ", ".join(filter(None, [f"highest figure per {series.aggregated_by}", note]))
    title_chars = int((WIDTH - 16) / (FONT_SIZE * 0.68)) - len(note) - 3
    return Panel(
        title=Text(
            css="fh-panel-title",
            x=_n(8),
            y=_n(layout.top + 18),
            anchor="start",
            text=_short(series.label, title_chars),
        ),
        scale_note=f" ({note})" if note else "",
        y_ticks=[YTick(y=_n(ys.y(v)), text_y=_n(ys.y(v) + 4), label=number(v)) for v in ys.ticks],
        tick_x1=_n(LEFT),
        tick_x2=_n(WIDTH - RIGHT),
        label_x=_n(LEFT - 6),
        axis=Line("fh-axis", _n(LEFT), _n(layout.plot_top), _n(LEFT), _n(layout.plot_bottom)),
        baseline=Line("fh-axis", _n(LEFT), _n(layout.plot_bottom), _n(WIDTH - RIGHT), _n(layout.plot_bottom)),
        step=step,
        marks=marks,
    )


def _shape(shown: FigurePoint | Bucket, x: float, y: float, ys: _YScale):
    """The mark, its class name and the box it takes."""
    css = _mark_css(shown)
    box = (x - MARK, y - MARK - 1, x + MARK, y + MARK + 1)
    if css == "fh-bucket":
        points = [(x, y - MARK - 1), (x + MARK + 1, y), (x, y + MARK + 1), (x - MARK - 1, y)]
        return _polygon("fh-mark", points), css, (x - MARK - 1, y - MARK - 1, x + MARK + 1, y + MARK + 1)
    if css == "fh-range":
        y_high, y_low = ys.y(float(shown.high)), ys.y(float(shown.low))
        if y_low - y_high < 2 * MARK:
            y_high, y_low = y - MARK, y + MARK
        rect = Rect(css="fh-mark", x=_n(x - MARK), y=_n(y_high), width=_n(2 * MARK), height=_n(y_low - y_high), rx="2")
        return rect, css, (x - MARK, y_high, x + MARK, y_low)
    # Triangles centred on the figure's value: pointing up for a floor, down for a ceiling.
    if css == "fh-floor":
        return _polygon("fh-mark", [(x - MARK, y + MARK + 1), (x + MARK, y + MARK + 1), (x, y - MARK - 1)]), css, box
    if css == "fh-ceiling":
        return _polygon("fh-mark", [(x - MARK, y - MARK - 1), (x + MARK, y - MARK - 1), (x, y + MARK + 1)]), css, box
    return Circle(css="fh-mark", cx=_n(x), cy=_n(y), r=_n(MARK)), css, box


def _mark_label(shown: FigurePoint | Bucket) -> str:
    if isinstance(shown, Bucket):
        return _short(f"{shown.top.label} (highest of {_count(shown.claim_count, 'claim')})", LABEL_CHARS)
    return _short(shown.label, LABEL_CHARS)


def _place_label(text: str, x: float, y: float, box, boxes: _Boxes, plot_top: float, plot_bottom: float):
    """Beside the mark, where no mark, arc or other label is: above right, below right,
    above left, below left, then a line further up or down; left out when every place is
    taken (the mark's title and the table still give it)."""
    width = _text_width(text, LABEL_FONT_SIZE)
    x0, y0, x1, y1 = box
    above, below = min(y0, y - 4), max(y1, y + 4) + LABEL_FONT_SIZE - 2
    candidates = []
    for lift in (0, LABEL_FONT_SIZE + 2):
        candidates += [
            (x1 + 3, "start", above - lift),
            (x1 + 3, "start", below + lift),
            (x0 - 3, "end", above - lift),
            (x0 - 3, "end", below + lift),
        ]
    for anchor_x, anchor, baseline in candidates:
        left = anchor_x if anchor == "start" else anchor_x - width
        candidate = (left, baseline - LABEL_FONT_SIZE + 2, left + width, baseline + 3)
        if left < LEFT + 2 or left + width > WIDTH - 4:
            continue
        if candidate[1] < plot_top - 4 or candidate[3] > plot_bottom + 1:
            continue
        if boxes.free(candidate):
            boxes.take(candidate)
            return Text(css="fh-label", x=_n(anchor_x), y=_n(baseline), anchor=anchor, text=text)
    return None


def _mark_title(series: Series, shown: FigurePoint | Bucket) -> str:
    if isinstance(shown, Bucket):
        return (
            f"{series.label}, {shown.period}: {_count(len(shown.points), 'figure')} from "
            f"{_count(shown.claim_count, 'claim')}, the highest {shown.top.label}."
        )
    worded = f" (“{shown.as_worded}”)" if shown.as_worded else ""
    when = ("as of " if shown.date_basis == "as_of" else "claimed ") + date_text(shown.date)
    text = f"{series.label}: {shown.label}{worded}, {when}. {shown.proposition}"
    for revision in shown.revises:
        text += f" It {revision.kind} an earlier claim: {revision.text}"
    return text


def _revision_pairs(series: list[Series]) -> list[tuple[FigurePoint, Revision, int]]:
    """(a figure of the revising claim, the link, the revised claim's id) for each revises
    or supersedes link between two claims that both have figures drawn one by one."""
    drawn = {p.claim_slug: p.claim_id for one in series if one.buckets is None for p in one.plotted}
    pairs, seen = [], set()
    for one in series:
        if one.buckets is not None:
            continue
        for point in one.plotted:
            for revision in point.revises:
                older = drawn.get(revision.slug)
                if older is None or (point.claim_id, older, revision.kind) in seen:
                    continue
                seen.add((point.claim_id, older, revision.kind))
                pairs.append((point, revision, older))
    return pairs


def _connectors(pairs, keys: list[tuple], positions: dict, boxes: _Boxes) -> list[Connector]:
    """A dashed arc from a figure to the later figure that revises it: in each series
    where both claims have a figure, else from the first figure drawn of one claim to the
    first of the other (across panels)."""
    connectors = []
    for point, revision, older in pairs:
        shared = [k for k in keys if (point.claim_id, k) in positions and (older, k) in positions]
        if shared:
            ends = [(positions[(older, k)], positions[(point.claim_id, k)]) for k in shared]
        else:
            first_older = next(positions[(older, k)] for k in keys if (older, k) in positions)
            first_newer = next(positions[(point.claim_id, k)] for k in keys if (point.claim_id, k) in positions)
            ends = [(first_older, first_newer)]
        connectors += [_arc(revision, point, a, b, boxes) for a, b in ends if a[:2] != b[:2]]
    return connectors


def _arc(revision: Revision, point: FigurePoint, older, newer, boxes: _Boxes) -> Connector:
    """A quadratic curve bowing above both ends; the boxes along it are taken, so that
    labels keep clear of it."""
    (x0, y0, top0), (x1, y1, top1) = older, newer
    cx = (x0 + x1) / 2
    cy = max(min(y0, y1) - ARC_RISE, min(top0, top1) + 4)
    for step in range(1, 10):
        t = step / 10
        bx = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
        by = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
        boxes.take((bx - 2, by - 2, bx + 2, by + 2))
    # The arrow points along the curve's tangent at its end, stopping short of the mark.
    dx, dy = x1 - cx, y1 - cy
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    tip_x, tip_y = x1 - ux * (MARK + 2), y1 - uy * (MARK + 2)
    base_x, base_y = tip_x - ux * ARROW, tip_y - uy * ARROW
    wing_x, wing_y = -uy * ARROW / 2, ux * ARROW / 2
    arrow = _polygon(
        "fh-arrow", [(tip_x, tip_y), (base_x + wing_x, base_y + wing_y), (base_x - wing_x, base_y - wing_y)]
    )
    words = LINK_WORDS.get(revision.kind, revision.kind)
    return Connector(
        css=f"fh-{revision.kind}",
        title=f"{point.proposition} — {words} — {revision.text}",
        d=f"M{_n(x0)} {_n(y0)}Q{_n(cx)} {_n(cy)} {_n(base_x)} {_n(base_y)}",
        arrow=arrow,
    )


def _mark_css(shown: FigurePoint | Bucket) -> str:
    if isinstance(shown, Bucket):
        return "fh-bucket"
    if shown.is_range:
        return "fh-range"
    if shown.comparator in FLOORS:
        return "fh-floor"
    if shown.comparator in CEILINGS:
        return "fh-ceiling"
    return "fh-about" if shown.comparator == QuantityComparator.ABOUT else "fh-exact"


def _legend(series: list[Series], revision_kinds: set[str]) -> tuple[list[LegendKey], float]:
    """A key to what is drawn, left to right, in as many rows as it takes."""
    wanted = {_mark_css(shown) for one in series for shown in one.shown}
    wanted |= {f"fh-{kind}" for kind in revision_kinds}
    if any(len(one.shown) > 1 for one in series):
        wanted.add("fh-key-step")
    if any(isinstance(s, Bucket) or s.date.earliest != s.date.latest for one in series for s in one.shown):
        wanted.add("fh-key-span")
    y, r = LEGEND_HEIGHT / 2, MARK
    dot = Circle(css="fh-mark", cx=_n(r), cy=_n(y), r=_n(r))
    step = [
        _line("fh-step", 0, 12, y + 4),
        Line("fh-step", "12", _n(y + 4), "12", _n(y - 4)),
        _line("fh-step", 12, 24, y - 4),
    ]
    keys = [
        ("fh-exact", [dot], 2 * r, "exactly"),
        ("fh-about", [dot], 2 * r, "about"),
        (
            "fh-floor",
            [_polygon("fh-mark", [(0, y + r + 1), (2 * r, y + r + 1), (r, y - r - 1)])],
            2 * r,
            "more than, at least",
        ),
        (
            "fh-ceiling",
            [_polygon("fh-mark", [(0, y - r - 1), (2 * r, y - r - 1), (r, y + r + 1)])],
            2 * r,
            "less than, at most",
        ),
        ("fh-range", [Rect(css="fh-mark", x="0", y=_n(y - 8), width=_n(2 * r), height="16", rx="2")], 2 * r, "a range"),
        (
            "fh-bucket",
            [_polygon("fh-mark", [(r + 1, y - r - 1), (2 * r + 2, y), (r + 1, y + r + 1), (0, y)])],
            2 * r + 2,
            "the highest of a period's figures",
        ),
        ("fh-key-step", step, 24, "claimed until the next figure"),
        ("fh-key-span", [_line("fh-span", 0, 24, y)], 24, "the days its date allows"),
        ("fh-revises", [_line("fh-connector", 0, 24, y)], 24, "revised by a later claim"),
        ("fh-supersedes", [_line("fh-connector", 0, 24, y)], 24, "superseded by a later claim"),
    ]
    legend, x, row = [], 8.0, 0
    for css, symbols, width, words in keys:
        if css not in wanted:
            continue
        label = Text(css="fh-legend-label", x=_n(width + 6), y=_n(y + 4.5), anchor="start", text=words)
        key_width = width + 6 + _text_width(words, FONT_SIZE)
        if x + key_width > WIDTH - 8 and x > 8:
            x, row = 8.0, row + 1
        legend.append(LegendKey(css=css, x=_n(x), y=_n(row * LEGEND_ROW), symbols=symbols, label=label))
        x += key_width + 20
    return legend, LEGEND_HEIGHT + row * LEGEND_ROW


def _summary(series: list[Series]) -> str:
    figures = sum(len(one.plotted) for one in series)
    return f"Figures claimed over time: {_count(figures, 'figure')} in {_count(len(series), 'series', 'series')}"


def _description(series: list[Series], pairs: list) -> str:
    parts = []
    for one in series:
        first, last = one.plotted[0], one.plotted[-1]
        highest = max(one.plotted, key=lambda p: (p.value, p.high or 0))
        when = (
            f"on {date_text(first.date)}"
            if first.day == last.day
            else f"from {date_text(first.date)} to {date_text(last.date)}"
        )
        text = f"{one.label}: {_count(len(one.plotted), 'dated figure')} {when}"
        if len(one.plotted) > 1:
            text += f", first {first.label}, last {last.label}, highest {highest.label}"
        else:
            text += f": {first.label}"
        if one.buckets is not None:
            text += f"; drawn as the highest figure of each {one.aggregated_by}"
        parts.append(text + ".")
    return (
        "One step chart per thing counted, on a shared date axis: each figure holds until the next one. "
        + " ".join(parts)
        + " A dot is an exact figure, a ring an approximate one, a triangle pointing up a floor (more than, "
        "at least) and down a ceiling, a bar a range from its low to its high figure."
        + (
            f" Dashed arcs join {_count(len(pairs), 'figure')} to the later claims that revise or supersede them."
            if pairs
            else ""
        )
        + " The table after the chart lists every figure with its claim."
    )


def _polygon(css: str, points) -> Polygon:
    return Polygon(css=css, points=" ".join(f"{_n(px)},{_n(py)}" for px, py in points))


def _line(css: str, x0: float, x1: float, y: float) -> Line:
    return Line(css=css, x1=_n(x0), y1=_n(y), x2=_n(x1), y2=_n(y))
