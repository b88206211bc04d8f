"""What to fill in when an analyst turns a passage of a stored source into a claim: the
actors it names, its figures, its dates and its hedge word (issue 13, "quote to claim").

suggest(passage, source_date=..., using=...) returns Suggestions; as_json() gives a dict
the JSON endpoint sends as it is. Only the actor lookup reads the database, in two
queries whatever the size of the data (README, "Suggestions").
"""

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models.functions import Upper

from claims.figure_words import FoundFigure, find_figures
from claims.hedges import Hedge, find_hedge
from claims.models import Actor, ActorAlias, DenialKind
from sources.reported_dates import relative, relative_wordings


@dataclass(frozen=True)
class ActorSuggestion:
    actor_id: int
    slug: str
    name: str
    kind: str
    parent_name: str  # "" when the actor has no parent
    matched: str  # the words as found in the passage
    start: int  # where it is first named
    end: int
    spans: tuple[tuple[int, int], ...] = ()  # every place it is named


@dataclass(frozen=True)
class Speaker:
    """An actor the passage reports as saying or believing it: a link of the relay chain."""

    actor_id: int
    slug: str
    name: str
    words: str  # the reporting words: "believes", "told", "according to"
    role: str  # "originator" (believes, estimates, according to) or "relay"


@dataclass(frozen=True)
class DateSuggestion:
    as_worded: str
    start: int
    end: int
    edtf: str
    how: str  # how the date was read, for the analyst to check


@dataclass
class Suggestions:
    actors: list[ActorSuggestion] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)  # the relay chain, from its origin
    figures: list[FoundFigure] = field(default_factory=list)
    dates: list[DateSuggestion] = field(default_factory=list)
    hedge: Hedge | None = None
    denial_kind: str = ""  # a DenialKind value, when the passage words a denial

    def as_json(self) -> dict:
        """dataclasses.asdict() with the figures' Decimals as strings ("1000000")."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(each) for key, each in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(each) for each in value]
    return value


def suggest(passage: str, *, source_date: dt.date | None = None, using: str = DEFAULT_DB_ALIAS) -> Suggestions:
    """Actors, figures, dates and the hedge word of `passage`. Relative dates ("last
    Friday") are read against `source_date`, and left out without one."""
    # PostgreSQL refuses NUL in a query; a space keeps every offset where it was.
    passage = (passage or "").replace("\x00", " ")
    dates = find_dates(passage, source_date=source_date)
    # A date's numbers are not figures: "Sept. 13, 2023".
    figures = [f for f in find_figures(passage) if not any(_overlap(f, d) for d in dates)]
    actors = find_actors(passage, using=using)
    return Suggestions(
        actors=actors,
        speakers=find_speakers(passage, actors),
        figures=figures,
        dates=dates,
        hedge=find_hedge(passage),
        denial_kind=find_denial_kind(passage),
    )


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


# --- Actors ---------------------------------------------------------------------------

# Names are matched on whole words: runs of letters and digits, joined inside a word by an
# apostrophe, a hyphen or a full stop ("People's", "Sang-bum", "U.S").
_WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
MAX_NAME_WORDS = 6  # the longest name looked up: "Democratic People's Republic of Korea"
MAX_PASSAGE_WORDS = 1_000  # actors are looked for in the passage's first 1,000 words


def _key(text: str) -> str:
    """How a name is compared: single spaces, straight apostrophes, upper case."""
    return " ".join(text.replace("’", "'").split()).upper()


def _ascii_upper(text: str) -> str:
    # SQLite's UPPER() changes ASCII letters only: "Türkiye" is "TüRKIYE" there.
    return "".join(c.upper() if c.isascii() else c for c in text)


def _candidates(passage: str) -> dict[str, list[tuple[int, int]]]:
    """Every run of 1-6 whole words of the passage (its first MAX_PASSAGE_WORDS words),
    by comparison key, with where it is. A run ending in a possessive is also offered
    without it ("South Korea's" as "South Korea"), and one followed by a full stop with
    it ("U.S." for "U.S")."""
    words = list(_WORD.finditer(passage))[:MAX_PASSAGE_WORDS]
    found: dict[str, list[tuple[int, int]]] = {}
    for i, first in enumerate(words):
        for last in words[i : i + MAX_NAME_WORDS]:
            start, end = first.start(), last.end()
            spans = [(start, end)]
            possessive = re.search(r"['’]s$", last.group())
            if possessive:
                spans.append((start, end - 2))
            if passage[end : end + 1] == ".":
                spans.append((start, end + 1))
            if not any(c.isalpha() for c in passage[start:end]):
                continue  # "12", "2023": no actor's name
            for span in spans:
                run = passage[span[0] : span[1]]
                # As Python and as SQLite upper-case it ("TÜRKIYE", "TüRKIYE").
                for key in {_key(run), _ascii_upper(" ".join(run.replace("’", "'").split()))}:
                    found.setdefault(key, []).append(span)
    return found


def find_actors(passage: str, *, using: str = DEFAULT_DB_ALIAS) -> list[ActorSuggestion]:
    """Actors whose name or alias is in the passage as whole words, in any case: each
    once, where it first appears, in order of appearance. Where names overlap the longest
    wins ("North Korea" is North Korea, not also an actor named "Korea"), unless the
    shorter one is found elsewhere in the passage too.

    Two queries, whatever the passage and however many actors there are: one for names,
    one for aliases, each an equality on UPPER(name) against the passage's runs of words.
    The expression indexes actor_upper_name and actoralias_upper_name (btree on
    UPPER("name"), claims/migrations/0013) serve that equality on both databases: a
    lookup of a few thousand keys, never a scan of 20,000 actors. (The GIN trigram indexes
    on the same expression, 0011, serve the autocomplete's similarity, not this.)
    """
    candidates = _candidates(passage)
    if not candidates:
        return []
    names, aliases = _lookups(candidates, using)
    by_key: dict[str, dict[int, Actor]] = {}
    for actor in names:
        by_key.setdefault(_match_key(actor.name, candidates), {})[actor.pk] = actor
    for alias in aliases:
        by_key.setdefault(_match_key(alias.name, candidates), {})[alias.actor.pk] = alias.actor

    # Every place each key was found, the longest first: a span is kept unless it overlaps
    # a longer one kept before it.
    spans = sorted(
        {(start, end, key) for key in by_key if key in candidates for start, end in candidates[key]},
        key=lambda span: (span[0] - span[1], span[0]),
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, key in spans:
        if not any(start < other_end and other_start < end for other_start, other_end, _ in kept):
            kept.append((start, end, key))
    named: dict[int, tuple[Actor, list[tuple[int, int]]]] = {}  # in order of first appearance
    for start, end, key in sorted(kept):
        for actor in sorted(by_key[key].values(), key=lambda actor: actor.name):
            named.setdefault(actor.pk, (actor, []))[1].append((start, end))
    suggestions = []
    for actor, spans in named.values():
        (start, end), parent = spans[0], actor.parent.name if actor.parent_id else ""
        suggestions.append(
            ActorSuggestion(
                actor.pk, actor.slug, actor.name, actor.kind, parent, passage[start:end], start, end, tuple(spans)
            )
        )
    return suggestions


def _lookups(candidates, using):
    """The two queries: actors, and aliases with their actors, whose upper-cased name is
    one of the candidates' keys."""
    keys = set(candidates)
    keys |= {key.replace("'", "’") for key in keys if "'" in key}  # a name stored with a curly apostrophe
    names = (
        Actor.objects.using(using)
        .annotate(upper_name=Upper("name"))
        .filter(upper_name__in=keys)
        .select_related("parent")
        .only("id", "slug", "name", "kind", "parent__name")
        .order_by()  # no sort: the passage gives the order
    )
    aliases = (
        ActorAlias.objects.using(using)
        .annotate(upper_name=Upper("name"))
        .filter(upper_name__in=keys)
        .select_related("actor__parent")
        .only("name", "actor__id", "actor__slug", "actor__name", "actor__kind", "actor__parent__name")
        .order_by()
    )
    return names, aliases


def _match_key(name: str, candidates) -> str:
    """The candidate key a stored name matched: Python's upper case, else SQLite's."""
    key = _key(name)
    return key if key in candidates else _ascii_upper(" ".join(name.replace("’", "'").split()))


# --- Who says it ----------------------------------------------------------------------

# Reporting words: an actor named just before one of them, or just after "according to"
# or "citing", is a link of the relay chain. Its origin is whoever believes or estimates
# it; failing that whoever is cited as the source ("according to"); failing that the
# first speaker. The others pass it on (relays): "According to lawmaker Yoo, the NIS
# believes ..." is NIS -> Yoo.
_KNOWS = r"believes?|believed|estimates?|estimated|assess(?:es|ed)?|thinks?|suspects?|suspected|concluded|judges|judged"
_SAYS = (
    r"says?|said|tells?|told|added|reported|reports|announced|stated|claimed|claims|wrote|posted|confirmed|"
    r"called|denied|denies|dismissed|rejected|insisted|warned|alleged|alleges|accused|"
    r"briefed|brief(?:s|ing)|telling|saying|informed|revealed|disclosed|testified"
)
# What may stand between the name and the verb: an abbreviation in brackets and up to
# three small words or adverbs: "the NIS has also said", "Han told", "the National
# Intelligence Service (NIS), privately briefed".
_BETWEEN = (
    r"(?:\([^()]{1,20}\),?\s+)?"
    r"(?:(?:has|have|had|also|earlier|previously|later|now|further|itself|officials?|spokesm[ae]n|[a-z]+ly)\s+){0,3}"
)
_SPEAKS_AFTER = re.compile(rf"\s+{_BETWEEN}(?P<words>{_KNOWS}|{_SAYS})\b", re.IGNORECASE)
# Before the name, at most "the" and one word in lower case: "according to lawmaker Yoo",
# ", said the NIS".
_BEFORE = r"\s+(?:the\s+)?(?:[a-z]+\s+)?$"
_SOURCE_BEFORE = re.compile(rf"\b(?P<words>[Aa]ccording to|[Cc]iting){_BEFORE}")
_SAID_BEFORE = re.compile(rf",\s*(?P<words>{_SAYS}){_BEFORE}")
_KNOWING = re.compile(rf"^(?:{_KNOWS})$", re.IGNORECASE)
_CITING = re.compile(r"^(?:according to|citing)$", re.IGNORECASE)


def find_speakers(passage: str, actors: list[ActorSuggestion]) -> list[Speaker]:
    """The actors the passage reports as saying or believing it, as a relay chain: its
    originators first, then those who pass it on, each in the order the passage names them."""
    heard = []  # (where, actor, words)
    for actor in actors:
        for start, end in actor.spans or ((actor.start, actor.end),):
            before = passage[max(0, start - 40) : start]
            found = _SPEAKS_AFTER.match(passage, end) or _SOURCE_BEFORE.search(before) or _SAID_BEFORE.search(before)
            if found:
                heard.append((start, actor, found.group("words").lower()))
                break
    heard.sort(key=lambda each: each[0])
    origins = (
        [each for each in heard if _KNOWING.match(each[2])]
        or [each for each in heard if _CITING.match(each[2])]
        or heard[:1]
    )
    relays = [each for each in heard if each not in origins]
    return [
        Speaker(actor.actor_id, actor.slug, actor.name, words, role)
        for role, group in (("originator", origins), ("relay", relays))
        for _, actor, words in group
    ]


# --- How a denial is worded ---------------------------------------------------------------

# The first kind whose words the passage uses; "did not deny" is a non-denial, not a denial.
_DENIAL_WORDS = [
    (
        DenialKind.NON_DENIAL,
        r"declined to comment|no comment|would not comment|did not (?:confirm or )?deny|neither confirm\w* nor den\w+",
    ),
    (
        DenialKind.DISMISSAL,
        r"groundless|baseless|unfounded|nonsense|absurd|fabricat\w*|fake news|rumou?rs?|smear|slander|propaganda",
    ),
    (DenialKind.PARTIAL, r"partly|partially|exaggerat\w*|overstat\w*"),
    (DenialKind.CATEGORICAL, r"den(?:y|ies|ied)|rejected|refuted|false|untrue"),
]
_DENIAL_PATTERNS = [(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for kind, words in _DENIAL_WORDS]


def find_denial_kind(passage: str) -> str:
    """The DenialKind a passage's wording suggests ("groundless" is a dismissal), or ""."""
    return next((str(kind) for kind, pattern in _DENIAL_PATTERNS if pattern.search(passage)), "")


# --- Dates ----------------------------------------------------------------------------

_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTH_NUMBERS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
_MONTH_WORD = r"(?P<month>" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|2[01])\d\d)"
_WEEKDAY_NAMES = "|".join(calendar.day_name)
# "on Wednesday, Sept. 13, 2023": the weekday is part of the date, not "last Wednesday".
_ON_WEEKDAY = rf"(?:(?:on )?(?:{_WEEKDAY_NAMES}),? )?"

# "since 2022" is 2022/.., "by 2025" [..2025], "until" or "through 2024" ../2024.
_PREP = r"(?:(?P<prep>since|by|until|through) )?"
_OPEN = {"since": "{}/..", "by": "[..{}]", "until": "../{}", "through": "../{}"}

# Dates named outright, most precise first.
_ABSOLUTE = [
    # "15 April 2025", "Wednesday, 1 November 2023"
    (re.compile(rf"\b{_PREP}{_ON_WEEKDAY}{_DAY} {_MONTH_WORD},? {_YEAR}\b", re.IGNORECASE), "day"),
    # "April 15, 2025", "Sept. 13, 2023"
    (re.compile(rf"\b{_PREP}{_ON_WEEKDAY}{_MONTH_WORD} {_DAY},? {_YEAR}\b", re.IGNORECASE), "day"),
    # "April 2025", but not in "late April 2025": relative() reads that, as a third of it.
    (
        re.compile(rf"(?<!early )(?<!mid )(?<!late )(?<![-\w])\b{_PREP}{_MONTH_WORD},? {_YEAR}\b", re.IGNORECASE),
        "month",
    ),
    # "in 2023", "since 2022", "by 2025", "until 2024"
    (re.compile(rf"\b(?:in |during |(?P<prep>since|by|until|through) ){_YEAR}\b", re.IGNORECASE), "year"),
]
# A day and month with no year: "Oct. 26", "26 October", read in the source's year.
_DAY_MONTH = [
    re.compile(rf"\b{_ON_WEEKDAY}{_DAY} {_MONTH_WORD}(?![\w-])", re.IGNORECASE),
    re.compile(rf"\b{_ON_WEEKDAY}{_MONTH_WORD} {_DAY}\b(?!,? \d)", re.IGNORECASE),
]


def _relative_pattern() -> re.Pattern:
    """relative()'s own wordings as one search pattern over running text: group names
    dropped, any run of spaces for a space, and "since" as a prefix of the others (its
    pattern, "since (?P<rest>.+)", would swallow the rest of the passage)."""
    wordings = [w for w in relative_wordings() if not w.startswith("since ")]
    plain = [re.sub(r"\(\?P<\w+>", "(?:", w).replace(" ", r"\s+") for w in wordings]
    # Longest first, so that "last Friday" is found rather than "Friday".
    alternatives = "|".join(f"(?:{p})" for p in sorted(plain, key=len, reverse=True))
    return re.compile(rf"\b(?:since\s+)?(?:{alternatives})\b", re.IGNORECASE)


_RELATIVE = _relative_pattern()
_NAMES = re.compile(rf"\b(?:{'|'.join(calendar.month_name[1:])}|{_WEEKDAY_NAMES})\b", re.IGNORECASE)


def _named_in_capitals(text: str) -> bool:
    """Month and day names count only capitalised: "may" and "march" are verbs."""
    return all(name.group()[0].isupper() for name in _NAMES.finditer(text))


def find_dates(passage: str, *, source_date: dt.date | None = None) -> list[DateSuggestion]:
    """Dates the passage names, in order: absolute ones ("15 April 2025", "April 2025",
    "in 2023") always; a day and month without a year ("Oct. 26") and relative wording
    ("last Friday", "two days ago", "since August") only with the source's date, read by
    sources.reported_dates.relative()."""
    found: list[DateSuggestion] = []
    refused: list[tuple[int, int]] = []  # "31 February 2023" is no date, nor is its "February 2023"

    def free(start, end):
        return not any(start < d.end and d.start < end for d in found) and not any(
            start < e and s < end for s, e in refused
        )

    for pattern, precision in _ABSOLUTE:
        for match in pattern.finditer(passage):
            if not free(match.start(), match.end()) or not _named_in_capitals(match.group()):
                continue
            dated = _absolute(match, precision)
            if dated:
                found.append(DateSuggestion(match.group(), match.start(), match.end(), *dated))
            else:
                refused.append(match.span())
    if source_date is not None:
        for pattern in _DAY_MONTH:
            for match in pattern.finditer(passage):
                if free(match.start(), match.end()) and _named_in_capitals(match.group()):
                    dated = _day_in_year(match, source_date)
                    if dated:
                        found.append(DateSuggestion(match.group(), match.start(), match.end(), *dated))
        for match in _RELATIVE.finditer(passage):
            if not free(match.start(), match.end()) or not _named_in_capitals(match.group()):
                continue
            try:
                inferred = relative(match.group(), reference=source_date)
            except (ValueError, OverflowError, ValidationError):  # "last year" in a source dated year 1
                inferred = None
            if inferred:
                found.append(
                    DateSuggestion(match.group(), match.start(), match.end(), inferred.edtf, inferred.explanation)
                )
    return sorted(found, key=lambda d: d.start)


def _absolute(match: re.Match, precision: str) -> tuple[str, str] | None:
    parts = match.groupdict()
    year = int(parts["year"])
    if precision == "year":
        edtf = f"{year:04d}"
    elif precision == "month":
        edtf = f"{year:04d}-{_MONTH_NUMBERS[parts['month'].casefold()]:02d}"
    else:
        try:
            edtf = dt.date(year, _MONTH_NUMBERS[parts["month"].casefold()], int(parts["day"])).isoformat()
        except ValueError:
            return None
    prep = (parts.get("prep") or "").lower()
    return _OPEN.get(prep, "{}").format(edtf), f"a {precision} named in the passage"


def _day_in_year(match: re.Match, source_date: dt.date) -> tuple[str, str] | None:
    """A day and month without a year: the latest such day on or before the source's."""
    month, day = _MONTH_NUMBERS[match.group("month").casefold()], int(match.group("day"))
    for year in (source_date.year, source_date.year - 1):
        try:
            found = dt.date(year, month, day)
        except ValueError:
            return None
        if found <= source_date:
            return (
                found.isoformat(),
                f"a day named without its year: the latest on or before the source's date ({source_date})",
            )
    return None
