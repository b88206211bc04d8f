"""Reported dates: when a source says something happened, written in EDTF.

Sources date things at every precision and with every hedge: "on 26 October", "in
August", "about June 2022", "in 2023, perhaps", "between 19 and 25 October", "on or
before 25 October", "since 2022", "last Friday". The Extended Date/Time Format (EDTF:
ISO 8601-2, as profiled by the Library of Congress) writes all of them as short,
standard text: 2023-10-26, 2023-08, 2022-06~, 2023?, 2023-10-19/2023-10-25,
[..2023-10-25], 2022/.. . A reported date is stored as its EDTF text beside its earliest
and latest day, the words as the source worded them, and whether an analyst inferred it
from relative wording (sources/date_fields.py).

This module reads the text, with no models:

- parse(text): the edtf package's object, or a ValidationError an analyst can act on;
- bounds(text): the earliest and latest day, None for an open or unknown end;
- in_words(text): plain English for readers ("19–25 October 2023");
- relative(phrase, reference=...): the date an analyst works out from "last Friday",
  "earlier this month" and the like against the source's own date, or None.

bounds() and in_words() run on every date a page shows, and the EDTF grammar (pyparsing)
made date display two thirds of a list page's render time (issue 11). So the forms
nearly every stored date takes (2023, 2023-08, 2023-10-26, each maybe with ~ ? or %,
and intervals between two of them or open at one end) are read by _fast() with plain
string handling, and both functions remember their answers per text. _fast() gives
exactly what the grammar path gives (a property test compares them on generated text)
and leaves everything else, invalid text included, to the grammar.
"""

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

import edtf
from django.core.exceptions import ValidationError
from edtf.parser.parser_classes import PRECISION_DAY, PRECISION_MONTH, PRECISION_YEAR

EXAMPLES = (
    "2023-10-26 (a day), 2023-08 (a month), 2023 (a year), 2022-06~ (about June 2022), "
    "2023? (2023, uncertain), 2023-10-2X (20–29 October), 2023-21 (spring 2023), "
    "2023-10-19/2023-10-25 (from one day to another), [..2023-10-25] (on or before), "
    "2022/.. (since 2022), ../2023 (until 2023), 2023-10-26T14:30:00Z (a time, in UTC)"
)


class _Unsupported(ValueError):
    """Valid EDTF that this module cannot bound or put into words, so is not stored."""


# --- Reading EDTF -------------------------------------------------------------------


# Parsing is slow (pyparsing: about 10 ms for a date) and pages show the same dates
# again and again: a page of 25 claims took 0.5 s to read their dates. The parsed
# objects are only read, never changed, so one may serve every caller.
@functools.lru_cache(maxsize=4096)
def parse(text: str):
    """The edtf package's object for `text`, or a ValidationError that names the input.

    Beyond the package's grammar, the text must name days that exist (the grammar takes
    2023-02-29), an interval must not end before it begins, and the form must be one
    that bounds() and in_words() handle: multiple dates ({...}), per-component
    qualifiers (2004-06~-11), long and scientific years, significant digits and the
    Level 2 season codes (25-41) are refused rather than stored unread.
    """
    text = (text or "").strip()
    try:
        node = edtf.parse_edtf(text)
    except edtf.EDTFParseException as exc:
        read = text[: exc.err.loc]
        raise _invalid(text, f" (it reads as far as '{read}')" if read else "") from None
    try:
        earliest, latest = _bounds(node, strict=True)
        _words(node)
    except _Unsupported as exc:
        raise _invalid(text, f": {exc} are not stored") from None
    except ValueError:
        raise _invalid(text, ": it names a day, month or year outside the calendar") from None
    if earliest and latest and earliest > latest:
        raise _invalid(text, ": it ends before it begins")
    return node


def _invalid(text: str, reason: str) -> ValidationError:
    # The input goes in through params: it may hold a "%", which the message must not.
    return ValidationError(
        "'%(value)s' is not an EDTF date%(reason)s. Write, for example: %(examples)s.",
        code="invalid_edtf",
        params={"value": text, "reason": reason, "examples": EXAMPLES},
    )


def bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest day `text` allows, None for an open (..) or unknown end.

    Approximate (~), uncertain (?) and both (%) dates are widened by one unit of their
    own precision on each side, two for %:

    - 2023?        (year)   -> 1 Jan 2022 .. 31 Dec 2024
    - 2022-06~     (month)  -> 1 May 2022 .. 31 Jul 2022
    - 2023-08%     (month)  -> 1 Jun 2023 .. 31 Oct 2023
    - 2023-10-26~  (day)    -> 25 Oct 2023 .. 27 Oct 2023

    The edtf package's own lower_fuzzy()/upper_fuzzy() pad every component the date
    gives (2022-06~ by a year and a month: May 2021 to July 2023), which would draw
    "about June 2022" on a timeline as three years; its settings cannot scale the
    padding to the precision, so we do. Unspecified digits (X) are not fuzz: 2023-10-2X
    is 20 to 29 October. An unknown end (2023-10-19/) is None here, where the package
    would guess ten years.
    """
    return _cached_bounds((text or "").strip())


@functools.lru_cache(maxsize=8192)
def _cached_bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    fast = _fast(text)
    return fast[1] if fast else _bounds(parse(text))


def _bounds(node, *, strict=False) -> tuple[dt.date | None, dt.date | None]:
    if isinstance(node, edtf.UnspecifiedIntervalSection):  # an open or unknown end
        return None, None
    if isinstance(node, edtf.Interval):  # also [..x] and x..y, as intervals
        return _bounds(node.lower, strict=strict)[0], _bounds(node.upper, strict=strict)[1]
    if isinstance(node, edtf.OneOfASet):
        lows, highs = zip(*(_bounds(each, strict=strict) for each in node.objects), strict=True)
        return (None if None in lows else min(lows)), (None if None in highs else max(highs))
    if isinstance(node, edtf.PartialUnspecified):
        # The package reads 2023-10-2X by int("2X") and fails, so count the days here.
        return _first_day(node, latest=False), _first_day(node, latest=True)
    earliest, latest = _day(node.lower_strict()), _day(node.upper_strict())
    if strict or getattr(node, "ua", None) is None:
        return earliest, latest
    return _widened(earliest, latest, _precision(node), 2 if str(node.ua) == "%" else 1)


def _precision(node) -> str:
    inner = getattr(node, "date", node)
    if isinstance(inner, edtf.Season):
        return "season"
    return inner.precision if inner.precision in (PRECISION_DAY, PRECISION_MONTH) else PRECISION_YEAR


def _widened(earliest: dt.date, latest: dt.date, precision: str, units: int) -> tuple[dt.date, dt.date]:
    """`units` of the date's own precision added on each side (a season counts 3 months),
    within the calendar: "about year 1" begins on 1 January of year 1."""
    if precision == PRECISION_DAY:
        step = dt.timedelta(days=units)
        first = earliest - step if earliest - dt.date.min >= step else dt.date.min
        return first, latest + step if dt.date.max - latest >= step else dt.date.max
    months = {PRECISION_MONTH: 1, "season": 3, PRECISION_YEAR: 12}[precision] * units
    try:
        first = _add_months(earliest, -months)
    except ValueError:
        first = dt.date.min
    try:
        last_month = _add_months(latest.replace(day=1), months)
    except ValueError:
        return first, dt.date.max
    return first, last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _day(value) -> dt.date | None:
    return None if isinstance(value, float) else dt.date(*value[:3])  # ±inf is open


def _first_day(node, *, latest: bool) -> dt.date:
    """The first (or last) day whose digits fit the pattern, X standing for any digit."""

    def fitting(pattern, values, width=2):
        return [v for v in (reversed(values) if latest else values) if re.fullmatch(pattern, f"{v:0{width}d}")]

    year, month, day = ((part or "XX").replace("X", r"\d") for part in (node.year, node.month, node.day))
    for y in fitting(year, range(1, 10000), width=4):
        for m in fitting(month, range(1, 13)):
            for d in fitting(day, range(1, calendar.monthrange(y, m)[1] + 1)):
                return dt.date(y, m, d)
    raise ValueError(f"no day fits {node}")


# --- In words -----------------------------------------------------------------------


def in_words(text: str) -> str:
    """Plain English for readers: "26 October 2023", "about June 2022", "since 2022".

    Intervals are compact where they share a month or year ("19–25 October 2023",
    "19 October – 2 November 2023"). Unspecified digits are said as the range they allow
    (2023-10-2X is "20–29 October 2023", not "late October 2023": relative() takes
    "late" as the 21st to the end). A time is given as written, with its zone.
    """
    return _cached_words((text or "").strip())


@functools.lru_cache(maxsize=8192)
def _cached_words(text: str) -> str:
    fast = _fast(text)
    return fast[0] if fast else _words(parse(text))


def _words(node) -> str:
    try:
        render = _RENDERERS[type(node)]
    except KeyError:
        raise _Unsupported(f"dates of the form {node}") from None
    return render(node)


def _at(day: dt.date, precision: str) -> str:
    month = calendar.month_name[day.month]
    return {
        PRECISION_YEAR: f"{day.year}",
        PRECISION_MONTH: f"{month} {day.year}",
        PRECISION_DAY: f"{day.day} {month} {day.year}",
    }[precision]


def _span(first: dt.date, last: dt.date, precision: str) -> str:
    """From one day to another at a precision, saying a shared month or year once."""
    start, end = _at(first, precision), _at(last, precision)
    if start == end:
        return start
    shared = ""
    if first.year == last.year and precision != PRECISION_YEAR:
        same_month = precision == PRECISION_DAY and first.month == last.month
        shared = f" {calendar.month_name[first.month]} {first.year}" if same_month else f" {first.year}"
        start, end = start.removesuffix(shared), end.removesuffix(shared)
    # An en dash closes up between single words, and takes spaces between phrases.
    dash = "–" if " " not in start + end else " – "
    return f"{start}{dash}{end}{shared}"


def _date_words(node) -> str:
    if node.significant_digits:
        raise _Unsupported("years with significant digits")
    # 202X is a decade to the package; we say its years.
    precision = node.precision if node.precision in (PRECISION_DAY, PRECISION_MONTH) else PRECISION_YEAR
    first, last = _bounds(node, strict=True)
    return _span(first, last, precision) if "X" in str(node) else _at(first, precision)


def _qualified(words: str, ua) -> str:
    if ua is None:
        return words
    return {"~": f"about {words}", "?": f"{words} (uncertain)", "%": f"about {words} (uncertain)"}[str(ua)]


def _time_words(node) -> str:
    hours, minutes, seconds, zone = re.fullmatch(r"(\d\d):(\d\d):(\d\d)(.*)", node.time).groups()
    clock = f"{hours}:{minutes}" + (f":{seconds}" if seconds != "00" else "")
    zone = {"Z": " UTC", "": ""}.get(zone, f" UTC{zone}")  # no zone: the source's local time
    return f"{_words(node.date)}, {clock}{zone}"


def _season_words(node) -> str:
    return f"{edtf.appsettings.SEASONS[int(node.season)]} {node.year}"


def _interval_words(node) -> str:
    lower, upper = node.lower, node.upper
    if isinstance(lower, edtf.UnspecifiedIntervalSection):
        return f"until {_words(upper)}" + ("" if lower.is_open else ", start unknown")
    if isinstance(upper, edtf.UnspecifiedIntervalSection):
        return f"since {_words(lower)}" if upper.is_open else f"from {_words(lower)}, end unknown"
    plain = [_plain(end) for end in (lower, upper)]
    if all(plain) and plain[0].precision == plain[1].precision:
        return _span(_bounds(lower)[0], _bounds(upper)[1], plain[0].precision)
    return f"from {_words(lower)} to {_words(upper)}"


def _plain(node):
    """The bare Date inside `node`, if it has no qualifier, unspecified digit or time."""
    if type(node) is edtf.UncertainOrApproximate and node.ua is None:
        node = node.date
    return node if type(node) is edtf.Date and not node.significant_digits else None


def _choice_words(node) -> str:
    words = [_words(each) for each in node.objects]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


# The forms we store, by the package's exact class: anything else is refused by parse().
_RENDERERS = {
    edtf.Date: _date_words,
    edtf.Unspecified: lambda node: _qualified(_date_words(node), node.ua),
    edtf.PartialUnspecified: _date_words,
    edtf.Season: _season_words,
    edtf.UncertainOrApproximate: lambda node: _qualified(_words(node.date), node.ua),
    edtf.DateAndTime: _time_words,
    edtf.Interval: _interval_words,
    edtf.Level1Interval: _interval_words,
    edtf.Level2Interval: _interval_words,
    edtf.Consecutives: _interval_words,
    edtf.EarlierConsecutives: lambda node: f"on or before {_words(node.upper)}",
    edtf.LaterConsecutives: lambda node: f"on or after {_words(node.lower)}",
    edtf.OneOfASet: _choice_words,
}


# --- The fast path -------------------------------------------------------------------

_PLAIN_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_QUALIFIERS = ("~", "?", "%")


def _plain_date(text: str) -> tuple[dt.date, dt.date, str] | None:
    """First day, last day and precision of a plain year, month or day that exists;
    None for anything else (seasons such as 2023-21, year 0, 2023-02-29)."""
    match = _PLAIN_DATE.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return dt.date(year, month, day), dt.date(year, month, day), PRECISION_DAY
        if month is not None:
            if not 1 <= month <= 12:
                return None
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), PRECISION_MONTH
        return dt.date(year, 1, 1), dt.date(year, 12, 31), PRECISION_YEAR
    except ValueError:  # year 0, 31 April
        return None


def _fast(text: str) -> tuple[str, tuple[dt.date | None, dt.date | None]] | None:
    """(in_words, bounds) of a common form read without the EDTF grammar, or None to
    leave the text to it."""
    try:
        return _fast_read(text)
    except (ValueError, OverflowError):  # widened past year 1: the grammar path raises what it raises
        return None


def _fast_read(text: str):
    lower, slash, upper = text.partition("/")
    if not slash:
        qualifier = text[-1:] if text.endswith(_QUALIFIERS) else ""
        date = _plain_date(text.removesuffix(qualifier) if qualifier else text)
        if date is None:
            return None
        first, last, precision = date
        if not qualifier:
            return _at(first, precision), (first, last)
        widened = _widened(first, last, precision, 2 if qualifier == "%" else 1)
        return _qualified(_at(first, precision), qualifier), widened
    if lower == "..":
        end = _plain_date(upper)
        return None if end is None else (f"until {_at(end[0], end[2])}", (None, end[1]))
    start = _plain_date(lower)
    if start is None:
        return None
    if upper == "..":
        return f"since {_at(start[0], start[2])}", (start[0], None)
    end = _plain_date(upper)
    if end is None or start[0] > end[1]:  # ends before it begins: the grammar path says so
        return None
    if start[2] == end[2]:
        return _span(start[0], end[1], start[2]), (start[0], end[1])
    return f"from {_at(start[0], start[2])} to {_at(end[0], end[2])}", (start[0], end[1])


# --- Relative wording ---------------------------------------------------------------


@dataclass(frozen=True)
class Inferred:
    """A date worked out from relative wording, with how, for the analyst to check."""

    edtf: str
    explanation: str


def relative(phrase: str, *, reference: dt.date) -> Inferred | None:
    """The date that relative wording names, read against the source's date.

    None for wording not in the table below: this never guesses. The readings:

    - "last Friday": the latest Friday before the reference day (a week back if the
      reference is a Friday); "on Friday" or "Friday": the latest on or before it, as
      news style names the days of the past week, that day included.
    - weeks run Monday to Sunday; "last week", "two weeks ago" and "a week ago" are
      whole calendar weeks, as "last month" and "three months ago" are whole months.
    - "earlier this week/month/year": from its first day to the day before the
      reference; None on that first day, when no such day exists.
    - "early/mid/late August": the 1st–10th, 11th–20th, 21st–end of the latest August
      that had begun by the reference day; "August" is the whole month; a year may
      follow ("late August 2022", "August last year", "August this year").
    - "early/mid/late 2022": January–April, May–August, September–December: the same
      thirds as for months, as intervals: a bounded third, not "about June".
    - "by October": on or before the end of that month: [..2023-10].
    - "since <any of these>": from its first day, open: "since last year" is 2022/.. .
    """
    key = " ".join(phrase.lower().split())
    found = _resolve(key, reference)
    if found is None:
        return None
    text, rule = found
    dated = f"{calendar.day_name[reference.weekday()]} {_at(reference, PRECISION_DAY)}"
    return Inferred(text, f"'{phrase.strip()}' in a source dated {dated}: {rule}: {in_words(text)}.")


def _resolve(key: str, reference: dt.date) -> tuple[str, str] | None:
    for pattern, resolver in _PHRASES:
        if match := re.fullmatch(pattern, key):
            return resolver(reference, **match.groupdict())
    return None


_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_NUMBERS = {word: n for n, word in enumerate(_NUMBER_WORDS, 1)} | {"a": 1, "an": 1}
_THIRDS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}  # days of a month
_YEAR_THIRDS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}  # months of a year
_YEAR_THIRD_NAMES = {"early": "first", "mid": "middle", "late": "last"}
_THIRD_NAMES = {"early": "the 1st to the 10th", "mid": "the 11th to the 20th", "late": "the 21st to the end"}

_WEEKDAY = "(?P<weekday>" + "|".join(_WEEKDAYS) + ")"
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")(?: (?P<year>\\d{4})| (?P<which_year>last|this) year)?"
_COUNT = "(?P<count>\\d{1,3}|" + "|".join(_NUMBERS) + ")"


def _days_back(reference, days, rule):
    return (reference - dt.timedelta(days=days)).isoformat(), rule


def _last_weekday(reference, weekday, *, before=True):
    back = (reference.weekday() - _WEEKDAYS[weekday] - before) % 7 + before
    return _days_back(reference, back, f"the latest {weekday.title()} {'before' if before else 'on or before'} it")


def _period(reference: dt.date, unit: str, shift: int) -> tuple[dt.date, dt.date, str]:
    """The first and last day and EDTF of the calendar week, month or year `shift` from
    the one holding `reference` (-1 for the one before)."""
    if unit == "week":
        first = reference - dt.timedelta(days=reference.weekday() - 7 * shift)
        last = first + dt.timedelta(days=6)
        return first, last, f"{first}/{last}"
    if unit == "month":
        year, month = divmod(reference.year * 12 + reference.month - 1 + shift, 12)
        first = dt.date(year, month + 1, 1)
        return first, first.replace(day=calendar.monthrange(year, month + 1)[1]), first.isoformat()[:7]
    year = reference.year + shift
    return dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year:04d}"


def _calendar(reference, which, unit):
    if which != "earlier this":
        shift = -1 if which == "last" else 0
        return _period(reference, unit, shift)[2], f"the calendar {unit} {'before' if shift else 'of'} that day"
    first = _period(reference, unit, 0)[0]
    if first == reference:
        return None
    return f"{first}/{reference - dt.timedelta(days=1)}", f"from the start of its {unit} to the day before"


def _ago(reference, count, unit):
    n = int(count) if count.isdigit() else _NUMBERS[count]
    if n < 1:
        return None
    if unit == "day":
        return _days_back(reference, n, f"{n} day{'s' * (n > 1)} before it")
    return _period(reference, unit, -n)[2], f"the calendar {unit} {n} {unit}{'s' * (n > 1)} before its own"


def _month_part(reference, month, year, part=None, which_year=None):
    """Part of `year`'s month ("August 2023", "August last year"), or else of the latest
    such month begun by the reference day."""
    number, (first_day, last_day) = _MONTHS[month], _THIRDS.get(part, (1, 31))
    if which_year:
        year = reference.year - (which_year == "last")
        whose = f"{month.title()} of the {'year before' if which_year == 'last' else 'same year as'} the source's"
    elif year:
        year, whose = int(year), f"{month.title()} {year}"
    else:
        year = reference.year - (dt.date(reference.year, number, first_day) > reference)
        whose = f"the latest {month.title()} begun by then"
    last_day = min(last_day, calendar.monthrange(year, number)[1])
    whole = f"{year:04d}-{number:02d}"
    if part is None:
        return whole, f"all of {whose}"
    return f"{whole}-{first_day:02d}/{whole}-{last_day:02d}", f"{_THIRD_NAMES[part]} of {whose}"


def _year_part(reference, part, year):
    first, last = _YEAR_THIRDS[part]
    return f"{year}-{first:02d}/{year}-{last:02d}", f"the {_YEAR_THIRD_NAMES[part]} third of {year}"


def _by(reference, **month):
    text, rule = _month_part(reference, **month)
    return f"[..{text}]", f"on or before the end of {rule.removeprefix('all of ')}"


def _since(reference, rest):
    found = _resolve(rest, reference)
    if found is None or found[0].startswith("["):
        return None
    return f"{found[0].split('/')[0]}/..", f"from the start of {found[1]}, open-ended"


# Relative wording, normalised to lower case and single spaces: each pattern's named
# groups are passed to its resolver, which returns (EDTF, how) or None.
_PHRASES = [
    ("yesterday", lambda reference: _days_back(reference, 1, "the day before it")),
    ("today", lambda reference: _days_back(reference, 0, "that day")),
    (f"last {_WEEKDAY}", _last_weekday),
    (f"(?:on )?{_WEEKDAY}", lambda reference, weekday: _last_weekday(reference, weekday, before=False)),
    ("(?P<which>last|this|earlier this) (?P<unit>week|month|year)", _calendar),
    (f"{_COUNT} (?P<unit>day|week|month|year)s? ago", _ago),
    (f"(?P<part>early|mid|late)[- ]?{_MONTH}", _month_part),
    ("(?P<part>early|mid|late)[- ]?(?P<year>\\d{4})", _year_part),
    (f"(?:in )?{_MONTH}", _month_part),
    (f"by {_MONTH}", _by),
    ("since (?P<rest>.+)", _since),
]


def relative_wordings() -> tuple[str, ...]:
    """The patterns relative() reads, in its order: lower case, single spaces, with named
    groups. For finding such wording in running text (claims/suggestions.py) without a
    second copy of the table; "since (?P<rest>.+)" is listed as it is, so a caller that
    searches text should treat "since" as a prefix of the others."""
    return tuple(pattern for pattern, _ in _PHRASES)
