"""Worded numbers read into the fields of a Quantity, for the quote-to-claim suggestions.

"more than a million artillery shells" is comparator more_than, low 1,000,000, item
"artillery shells", as_worded the figure's own words ("more than a million"). No models
are saved and no database is read: parse_figure(text) reads one phrase, find_figures(text)
finds every figure in a passage with its character offsets.

The readings (README, "Suggestions"):

- comparators: "more than", "over", "in excess of", "upwards of" are more_than; "at
  least", "no fewer than" at_least; "up to", "as many as", "no more than" at_most; "fewer
  than", "less than", "under" less_than; "about", "around", "roughly", "approximately",
  "some", "an estimated" about; "between X and Y", "from X to Y", "X to Y", "X-Y" between;
  "X or more" at_least, "X or so" about;
- "nearly" and "almost" are read as about: the figure is close to the one named, just
  below it, and the comparators have no "just under"; as_worded keeps the word;
- orders of magnitude: "dozens of", "hundreds of", "thousands of", "tens of thousands
  of", "hundreds of thousands of", "millions of" are the comparators of that name, with
  MAGNITUDES' ranges; "several" or "a few" before a unit ("several thousand", "a few
  hundred", "several million") is that unit's order of magnitude, as "thousands" is;
  "tens of millions", "hundreds of millions" and "billions" have no comparator of their
  own and are read as between, with the same rule (20,000,000 to 99,999,999);
- "an unspecified (undisclosed, unknown) number of" is unspecified;
- numbers in digits (13,000; 1.5; 5m, 2bn, 10k), in words up to billions ("two hundred
  and fifty", "thirteen thousand", "a million", "half a million", "a dozen" = 12, "two
  dozen") and mixed ("13 thousand", "1.5 million"); a bare figure is exact;
- a currency sign or word is the unit ("$5 million": unit "US dollars"); a measure
  followed by "of" is the unit and what follows the item ("two months of shells": unit
  "months", item "shells"); "per cent" and "%" are the unit "per cent";
- the item is up to four words after the figure, stopping at punctuation and at function
  words ("of", "to", "were" ...): "1,000 containers of ..." gives "containers";
- not read: fractions ("two-thirds", "a third": a fraction is no count), ordinals
  ("third launch"), a bare "one", years standing alone (1800-2199 without a comma, unless
  a comparator precedes), a number next to a month name ("Oct. 26", "15 April"), times,
  ISO dates and codes (10:34, 2025-04-15, F-16).
"""

import calendar
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from claims.models import MAGNITUDES, QuantityComparator, QuantityKind, describe_figure

C = QuantityComparator

# --- Tokens ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<code>\d{4}-\d{2}-\d{2}(?:[T\s]\d{1,2}:\d{2}(?::\d{2})?)?   # ISO dates and times
        |\d{1,2}:\d{2}(?::\d{2})?                                  # clock times
        |\d+/\d+(?:/\d+)?                                          # 1/2, 26/10/2023
        |[A-Za-z]+-\d[\w-]*)                                       # F-16, KN-23
    |(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:m|bn|k)?)(?![\w.,]\d|\w)
    |(?P<sym>US\$|[$€£₩¥%~–—-])
    |(?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)
    |(?P<other>\w+)
    |(?P<punct>\S)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().replace("’", "'")


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# --- Lexicon --------------------------------------------------------------------------

_UNIT_NAMES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_TEN_NAMES = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = {word: n for n, word in enumerate(_UNIT_NAMES.split())}
_TENS = {word: 10 * n for n, word in enumerate(_TEN_NAMES.split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SUFFIXES = {"m": 1_000_000, "bn": 1_000_000_000, "k": 1_000}

_COMPARATORS = {
    C.MORE_THAN: "more than|over|well over|just over|in excess of|upwards of|greater than|above|exceeding",
    C.AT_LEAST: "at least|no fewer than|no less than|not less than|not fewer than|a minimum of",
    C.AT_MOST: "up to|at most|as many as|as much as|no more than|not more than|a maximum of",
    C.LESS_THAN: "less than|fewer than|under|just under|below",
    C.ABOUT: "about|around|roughly|approximately|approx|some|nearly|almost|close to|an estimated|estimated|"
    "circa|more or less|~",
    C.BETWEEN: "between|from",
}
_MAGNITUDE_PHRASES = {
    C.DOZENS: "dozens of|dozens|several dozen|a few dozen",
    C.HUNDREDS: "hundreds of|hundreds|several hundred|a few hundred",
    C.THOUSANDS: "thousands of|thousands|several thousand|a few thousand",
    C.TENS_OF_THOUSANDS: "tens of thousands of|tens of thousands|several tens of thousands of|"
    "several tens of thousands",
    C.HUNDREDS_OF_THOUSANDS: "hundreds of thousands of|hundreds of thousands|several hundred thousand|"
    "a few hundred thousand",
    C.MILLIONS: "millions of|millions|several million|a few million",
    # No comparator of their own: between, read by the MAGNITUDES rule.
    (20_000_000, 99_999_999): "tens of millions of|tens of millions",
    (200_000_000, 999_999_999): "hundreds of millions of|hundreds of millions",
    (2_000_000_000, 9_999_999_999): "billions of|billions",
}
_UNSPECIFIED = (
    "an unspecified number of|an undisclosed number of|an unknown number of|unspecified number of|"
    "an unspecified amount of|an undisclosed amount of"
)
_POSTFIX = {"or more": C.AT_LEAST, "or so": C.ABOUT, "or fewer": C.AT_MOST, "or less": C.AT_MOST}

_CURRENCY_SIGNS = {"$": "US dollars", "us$": "US dollars", "€": "euros", "£": "pounds", "₩": "won", "¥": "yen"}
_CURRENCY_WORDS = {
    "dollars": "dollars",
    "euros": "euros",
    "won": "won",
    "yuan": "yuan",
    "rubles": "rubles",
    "roubles": "roubles",
    "yen": "yen",
}
_PERCENT = {"%": "per cent", "percent": "per cent", "per cent": "per cent"}
_MEASURES = {
    "months",
    "weeks",
    "days",
    "years",
    "hours",
    "tons",
    "tonnes",
    "kilometers",
    "kilometres",
    "km",
    "miles",
    "metres",
    "meters",
    "barrels",
    "litres",
    "liters",
    "kilograms",
    "kg",
    "pounds",
    "containers",
    "truckloads",
    "shiploads",
    "rounds",
}
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
_STOP_WORDS = """a an the and or but nor to from in on at by for with of since that which who whom whose were was are
    is be
    been being has have had will would could can may might should must shall said says say than as per each this
    these those its their his her our your my into via through over under after before during more less fewer
    about around so not no if when while it they he she we you i there here also already reportedly did do does
    ago worth or such what where why how all both either neither other another some any
    sent shipped delivered supplied fired launched killed wounded wrote told added arrived left went came took
    made gave got moved crossed last next yesterday today tomorrow early late mid"""
# Where what is counted stops: function words, common verbs, and dates' words.
_STOP = {*_STOP_WORDS.split(), *(name.lower() for name in calendar.day_name), *_MONTHS}
_MAX_ITEM_WORDS = 4
_MAX_ITEM_WORD_LENGTH = 40  # no word of an item is longer: a run of 5,000 letters is not one
_MAX_WORDED = 300  # Quantity.as_worded's length


def _phrases(alternatives: str) -> list[tuple[str, ...]]:
    return [tuple(p.split()) for p in alternatives.split("|")]


def _table(mapping) -> list[tuple[tuple[str, ...], object]]:
    """(words, value) pairs, longest first so that "tens of thousands of" beats "tens"."""
    pairs = [(words, value) for value, alternatives in mapping.items() for words in _phrases(alternatives)]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_COMPARATOR_TABLE = _table(_COMPARATORS)
_MAGNITUDE_TABLE = _table(_MAGNITUDE_PHRASES)
_UNSPECIFIED_TABLE = _table({C.UNSPECIFIED: _UNSPECIFIED})
_POSTFIX_TABLE = _table({value: phrase for phrase, value in _POSTFIX.items()})


# --- The figure -----------------------------------------------------------------------


@dataclass(frozen=True)
class FoundFigure:
    """A figure found in a passage: the Quantity fields it suggests, where it is, and
    describe_figure()'s reading of it. low and high are Decimals (strings in as_json())."""

    phrase: str  # the figure with what it counts: "more than a million artillery shells"
    start: int  # where the phrase is in the passage
    end: int
    as_worded: str  # the figure alone, as Quantity.as_worded keeps it: "more than a million"
    comparator: str
    low: Decimal | None
    high: Decimal | None
    unit: str
    item: str
    described: str

    def fields(self) -> dict:
        """The Quantity fields: comparator, low, high, unit, item, as_worded."""
        data = asdict(self)
        return {key: data[key] for key in ("comparator", "low", "high", "unit", "item", "as_worded")}


def parse_figure(text: str) -> dict | None:
    """The Quantity fields for one phrase ("more than a million shells"), or None when it
    names no figure. The first figure in the text is read; as_worded is the words of the
    figure without what it counts ("more than a million")."""
    found = find_figures(text)
    return found[0].fields() if found else None


def find_figures(text: str) -> list[FoundFigure]:
    """Every figure phrase in the passage, in order, none overlapping another."""
    tokens = _tokens(text)
    found, i = [], 0
    while i < len(tokens):
        read = _Reader(text, tokens, i).figure()
        if read is None:
            i += 1
            continue
        figure, i = read
        found.append(figure)
    return found


def _decimal(value: Decimal) -> Decimal:
    """Whole numbers without an exponent, others to cents, as the DecimalField takes them."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.01"))


class _NoFigure(Exception):
    pass


@dataclass
class _Number:
    value: Decimal
    scale: Decimal  # of its last scale word or suffix: 10**6 for "2 million", "2m"; 1 for none
    worded: bool  # written in words

    @property
    def scaled(self) -> bool:
        return self.scale != 1

    start: int  # token index
    end: int  # token index after it


class _Reader:
    """Reads one figure starting at token `i`, or says there is none there."""

    def __init__(self, text, tokens, i):
        self.text, self.tokens, self.first = text, tokens, i

    # tokens

    def low(self, j) -> str:
        return self.tokens[j].low if j < len(self.tokens) else ""

    def adjacent(self, j) -> bool:
        """Token j follows token j-1 with only spaces between them (no line break)."""
        if j >= len(self.tokens) or j == 0:
            return False
        gap = self.text[self.tokens[j - 1].end : self.tokens[j].start]
        return gap.strip(" \t\u00a0") == "" and len(gap) <= 3

    def phrase(self, table, j):
        """The longest phrase of `table` at token j: (value, index after it) or None."""
        for words, value in table:
            end = j + len(words)
            if end > len(self.tokens):
                continue
            if all(self.low(j + k) == word for k, word in enumerate(words)) and all(
                self.adjacent(j + k) for k in range(1, len(words))
            ):
                return value, end
        return None

    # the figure

    def figure(self):
        try:
            return self._figure()
        except _NoFigure:
            return None

    def _figure(self):
        j = self.first
        if self.tokens[j].kind not in ("word", "num", "sym"):
            return None
        unspecified = self.phrase(_UNSPECIFIED_TABLE, j)
        if unspecified:
            return self.finish(C.UNSPECIFIED, None, None, "", unspecified[1])
        magnitude = self.phrase(_MAGNITUDE_TABLE, j)
        if magnitude:
            value, j = magnitude
            if isinstance(value, tuple):
                return self.finish(C.BETWEEN, Decimal(value[0]), Decimal(value[1]), "", j, of_taken=True)
            low, high = MAGNITUDES[value]
            return self.finish(value, Decimal(low), Decimal(high), "", j, of_taken=True)

        comparator = None
        found = self.phrase(_COMPARATOR_TABLE, j)
        if found:
            comparator, j = found
            if not self.adjacent(j):
                return None
        unit, j = self.currency(j)
        number = self.number(j)
        if number is None:
            return None
        j = number.end
        low, high = number.value, None

        # A range: "between X and Y", "from X to Y", "X to Y", "X-Y".
        joiners = {C.BETWEEN: ("and", "-", "–", "to")}.get(comparator, ("to", "-", "–"))
        if self.low(j) in joiners and self.adjacent(j) and self.adjacent(j + 1):
            high_unit, k = self.currency(j + 1)
            other = self.number(k)
            if other is not None:
                high = other.value
                if other.scaled and not number.scaled and low * other.scale <= high:
                    low = low * other.scale  # "1 to 2 million": both in millions
                if low > high and self.low(j) in ("-", "–"):
                    raise _NoFigure  # a score ("a 3-2 vote") or a season ("2023-24")
                if low <= high and (comparator in (None, C.BETWEEN, C.ABOUT)):
                    comparator, j, unit = C.BETWEEN, other.end, unit or high_unit
                else:
                    high = None
        if comparator == C.BETWEEN and high is None:
            return None
        if high is None and comparator is None:
            self.check_bare(number)
            postfix = self.phrase(_POSTFIX_TABLE, j) if self.adjacent(j) else None
            if postfix:
                comparator, j = postfix
        if high is not None and comparator != C.BETWEEN:
            high = None
        return self.finish(comparator or C.EXACT, low, high, unit, j)

    def check_bare(self, number: _Number):
        """A bare figure with no comparator: refuse years, "one", a day beside a month."""
        token = self.tokens[number.start]
        if number.worded and number.value == 1 and not number.scaled:
            raise _NoFigure
        if number.worded:
            return
        k = number.start
        dash = self.tokens[k - 1] if k >= 2 and self.low(k - 1) in ("-", "–") else None
        if dash and self.tokens[k - 2].kind == "num" and self.tokens[k - 2].end == dash.start == token.start - 1:
            raise _NoFigure  # the second half of "3-2" or "2023-24"
        if re.fullmatch(r"\d{4}", token.text) and 1800 <= int(token.text) <= 2199:
            raise _NoFigure
        back = number.start - 1 - (self.low(number.start - 1) == ".")  # "Oct. 26"
        before = self.low(back) if back >= 0 else ""
        if before in _MONTHS or self.low(number.end) in _MONTHS:
            raise _NoFigure

    def currency(self, j):
        if (
            self.low(j) in _CURRENCY_SIGNS
            and j + 1 < len(self.tokens)
            and self.tokens[j + 1].start == self.tokens[j].end
        ):
            return _CURRENCY_SIGNS[self.low(j)], j + 1
        return "", j

    def number(self, j) -> _Number | None:
        if j >= len(self.tokens):
            return None
        token = self.tokens[j]
        if token.kind == "num":
            text = token.low.replace(",", "")
            scale = 1
            for suffix, factor in _SUFFIXES.items():
                if text.endswith(suffix):
                    text, scale = text.removesuffix(suffix), factor
                    break
            try:
                value = Decimal(text) * scale
            except InvalidOperation:
                return None
            end = j + 1
            while self.low(end) in _SCALES and self.adjacent(end):
                scale = _SCALES[self.low(end)]
                value, end = value * scale, end + 1
            return self.checked(_Number(value, Decimal(scale), False, j, end))
        return self.worded(j)

    def worded(self, j) -> _Number | None:
        """A number in words: "two hundred and fifty", "a million", "half a million",
        "a dozen", "thirteen thousand", "twenty-five"."""
        words: list[tuple[str, int]] = []  # (word, token index)
        k = j
        while k < len(self.tokens) and (k == j or self.adjacent(k)) and self.tokens[k].kind == "word":
            parts = self.low(k).split("-")
            if not all(p in _UNITS or p in _TENS or p in _SCALES or p == "dozen" for p in parts):
                if parts == [self.low(k)] and self.low(k) in ("a", "an", "and", "half") and k + 1 < len(self.tokens):
                    words.append((self.low(k), k))
                    k += 1
                    continue
                break
            words.extend((p, k) for p in parts)
            k += 1
        # Read as far as the words make a number.
        total, current, last, fraction, last_good = 0, 0, None, None, None
        scale = 1
        for index, (word, _k) in enumerate(words):
            following = words[index + 1][0] if index + 1 < len(words) else ""
            if word in ("a", "an"):
                if last not in (None, "half") or (following not in _SCALES and following != "dozen"):
                    break
                current, last = 1, "a"
                continue
            if word == "half":
                if last is not None or following not in ("a", "an"):
                    break
                fraction, last = Decimal("0.5"), "half"
                continue
            if word == "and":
                # "two hundred and fifty (thousand)"; not "two and three", nor "two hundred and three hundred".
                after = words[index + 2][0] if index + 2 < len(words) else ""
                if last != "scale" or (following not in _UNITS and following not in _TENS) or after == "hundred":
                    break
                last = "and"
                continue
            if word in _UNITS:
                if last not in (None, "tens", "scale", "and") or (last == "tens" and _UNITS[word] > 9):
                    break
                if last == "tens" and _UNITS[word] == 0:
                    break
                current, last = current + _UNITS[word], "unit"
            elif word in _TENS:
                if last not in (None, "scale", "and"):
                    break
                current, last = current + _TENS[word], "tens"
            elif word == "dozen":
                if last not in (None, "unit", "tens", "a"):
                    break
                current, last = (current or 1) * 12, "dozen"
            else:  # a scale word
                factor = _SCALES[word]
                if last not in ("unit", "tens", "a", "scale", "dozen"):
                    break
                if factor == 100:
                    if current % 100 == 0 and current:
                        break  # "two hundred hundred"
                    current = (current or 1) * 100
                else:
                    if total and total < (current or 1) * factor:
                        break  # "a thousand million" reads no further than the thousand
                    total, current = total + (current or 1) * factor, 0
                scale, last = factor, "scale"
            last_good = index
        if last_good is None:
            return None
        value = Decimal(total + current)
        if fraction is not None:
            value *= fraction
        return self.checked(_Number(value, Decimal(scale), True, j, words[last_good][1] + 1))

    def checked(self, number: _Number) -> _Number | None:
        if number.value >= 10**17:
            raise _NoFigure
        following = self.tokens[number.end] if number.end < len(self.tokens) else None
        # "two-thirds", "the 3-2 vote": not counts.
        glued = following is not None and following.start == self.tokens[number.end - 1].end
        if glued and following.kind in ("word", "other") and not number.worded:
            raise _NoFigure
        return number

    # what is counted

    def finish(self, comparator, low, high, unit, j, *, of_taken=False):
        item, worded_end = "", j  # the figure's own words end at worded_end (a unit word extends them)
        if self.low(j) in _PERCENT and (self.adjacent(j) or self.low(j) == "%"):
            unit, j = "per cent", j + 1
            worded_end = j
        elif self.low(j) == "per" and self.low(j + 1) == "cent" and self.adjacent(j):
            unit, j = "per cent", j + 2
            worded_end = j
        elif self.low(j) in _CURRENCY_WORDS and self.adjacent(j):
            unit, j = _CURRENCY_WORDS[self.low(j)], j + 1
            worded_end = j
        elif self.low(j) in _MEASURES and self.adjacent(j):
            measure, k = self.tokens[j].text, j + 1
            if self.low(k) in ("'", "’") and self.low(k + 1) == "worth":
                measure, k = f"{measure}' worth", k + 2
            elif self.low(k) == "worth":
                measure, k = f"{measure} worth", k + 1
            if self.low(k) == "of" and self.adjacent(k) and self.words(k + 1)[0]:
                unit, j = measure, k + 1
                if measure.endswith("worth"):
                    worded_end = k  # "two months' worth" is the figure; "5,000 tons" is 5,000 of a unit
            else:
                item, j = self.tokens[j].text, j + 1
        if unit and not item:
            # "$5 million in aid", "$5 million worth of arms", "40 per cent of the shells"
            k = j
            if self.low(k) == "worth" and self.low(k + 1) == "of":
                k += 2
            elif self.low(k) in ("in", "of"):
                k += 1
            if k != j and self.adjacent(k) and self.words(k)[0]:
                j = k
        if not item:
            if not of_taken and self.low(j) == "of" and comparator in MAGNITUDES:
                j += 1
            item, j = self.words(j)
        start, end = self.tokens[self.first].start, self.tokens[j - 1].end
        if end - start > _MAX_WORDED:
            raise _NoFigure
        # Without a trailing "of": "hundreds of thousands of barrels" is worded "hundreds of thousands".
        worded = re.sub(r"\s+of$", "", self.text[start : self.tokens[worded_end - 1].end], flags=re.IGNORECASE)
        low = None if low is None else _decimal(low)
        high = None if high is None else _decimal(high)
        described = describe_figure(QuantityKind.COUNT, comparator, low, high, unit, item)
        described = re.sub(r"\s+of\s*$", "", described).strip()
        figure = FoundFigure(
            self.text[start:end], start, end, worded, str(comparator), low, high, unit, item, described
        )
        return figure, j

    def words(self, j) -> tuple[str, int]:
        """Up to four words of what is counted, from token j: (words, index after)."""
        k = j
        while (
            k < len(self.tokens)
            and k - j < _MAX_ITEM_WORDS
            and self.tokens[k].kind == "word"
            and self.adjacent(k)
            and self.low(k) not in _STOP
            and self.low(k) not in _UNITS
            and self.low(k) not in _SCALES
            and len(self.tokens[k].text) <= _MAX_ITEM_WORD_LENGTH
        ):
            k += 1
        # An item ends in a noun: "two recent attempts failed" counts "recent attempts".
        while k > j + 1 and re.search(r"[^e]ed$", self.low(k - 1)):
            k -= 1
        if k == j or (k == j + 1 and re.search(r"[^e]ed$", self.low(j))):
            return "", j
        return self.text[self.tokens[j].start : self.tokens[k - 1].end], k
