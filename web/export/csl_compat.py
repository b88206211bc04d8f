"""Rules of CSL 1.0.2 that citeproc-py 0.11.1 does not follow, and what citeproc-js (the
processor of Zotero and Mendeley, which the CSL test suite is written against) does
where CSL leaves it open. The APA and Chicago styles rely on the first two for sources
without a named author -- every seed source -- on 4 and 5 for dates that are not plain
(web.export.bibliography.csl_date), and on the rest for entries to read as citeproc-js
formats them (tests/test_citeproc_js.py compares the two, entry by entry):

1. Variables rendered in place of a missing author (cs:substitute) are suppressed in
   the rest of the entry. citeproc-py suppresses them only when the substitute is a
   bare variable, not a macro, so APA printed an unsigned story's title twice and
   Chicago its newspaper's name twice.
2. A cs:label is rendered only when its variable is non-empty. citeproc-py prints the
   term anyway, so Chicago ended every newspaper article with a stray "Edition."
3. A given name is initialised as citeproc-js does: a part after a hyphen that begins
   with a capital is initialised too ("Jean-Luc" is "J.-L."), one in lower case belongs
   to the part before ("Hyung-jin" is "H.", "Hyung-Jin" "H.-J."). citeproc-py wrote
   "H.-. jin ." (it took "jin" for a particle such as "van").
4. A date range gives its shared parts once and the rest as a range: APA's
   "(2023, October 19–25)". citeproc-py failed on the styles' year-only dates
   ("'NoneType' object is not callable") and wrote "19– 25October" for the others.
5. A date given in words ("on or before 25 October 2023") is rendered in place of the
   whole date, once: where its year would go. citeproc-py rendered it for every cs:date
   of the variable, so APA, which gives the year and then the month and day, printed
   the words twice (CSL does not say; this is what reads right).
6. initialize="false" keeps given names whole ("Jiyoung Lee"; initials already in the
   name still get their full stop). Chicago says so for every name; citeproc-py
   ignored it and wrote "J. Lee".
7. Title case capitalises every word but the stop words (citeproc-js's list, which has
   "than" and "since": "More than a Million Shells since August"), unless first, last
   or after a colon; a one-letter word and a word with a capital are left as they are,
   and each part of a hyphenated word is a word. citeproc-py's list lacked "than" and
   "since", and it capitalised one-letter words ("Сергей Лавров О Поставках").
8. Punctuation in quotes (the en-US locale's punctuation-in-quote): a full stop or
   comma after a closing quotation mark goes inside it ("…to Russia.” November 1"), and
   merges with the punctuation that ends the quoted words ("“Is It Over?”"), as
   punctuation merges anywhere: "Is it over?" is followed by "(2023)", not ". (2023)".
   Quotation marks inside quoted words become single ones ("“Says ‘No.’”"), and
   straight ones typographic ("O'Brien's" is "O’Brien’s"). citeproc-py left the full
   stop outside ("…to Russia”. November 1") and the marks as they were.
9. Of two names, the last one literal (an agency, or a name kept whole, as
   web.export.bibliography.csl_names keeps "김형진"), they are joined without a
   delimiter before "and": "김형진 & Сергей Лавров", as citeproc-js, which takes a literal
   name for an institution's, joins them. citeproc-py wrote "김형진, & Сергей Лавров".
10. Sort keys are compared as citeproc-js compares them: ignoring case, accents and
    punctuation, a space before any letter, numbers by their value ("Outlet 5" before
    "Outlet 12"), scripts in Unicode's order (Latin, Cyrillic, Hangul, Han); and a date
    in a sort macro is compared as a date, not as printed ("[2022?]" before "2023").
    citeproc-py compared the printed keys character by character.

`apply()` patches them inside citeproc's own element classes, once, lazily: the first
time a bibliography is formatted (web.export.bibliography), not when this module is
imported. Rendering is serialised by the caller, so module-level records of the
variables being rendered, of the locale's punctuation rule and of whether keys are
being sorted are safe. The patches rely on citeproc-py's internals, so they are
written for exact versions (SUPPORTED_VERSIONS): the system check
`check_citeproc_version` (claims.E001, registered by ClaimsConfig) stops start-up
(`manage.py check`, `migrate`, `runserver`, hence `make serve`) with any other version.
Remove this module when citeproc-py implements them (the tests in
tests/test_export_bibliography.py and tests/test_citeproc_js.py show the difference).
"""

import re
import threading
import unicodedata
from contextlib import contextmanager
from importlib import metadata

from django.core import checks

SUPPORTED_VERSIONS = ("0.11.1",)  # the citeproc-py versions these patches were written for

_recording: list[set] = []  # one set per substitute being rendered, innermost last
_applied = False
_apply_lock = threading.Lock()


def installed_version() -> str | None:
    try:
        return metadata.version("citeproc-py")
    except metadata.PackageNotFoundError:
        return None


def check_citeproc_version(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    version = installed_version()
    if version in SUPPORTED_VERSIONS:
        return []
    return [
        checks.Error(
            f"citeproc-py {version or '(not installed)'} is installed; web/export/csl_compat.py patches "
            f"citeproc-py's internals and was written for {', '.join(SUPPORTED_VERSIONS)} only.",
            hint="Install a supported version (requirements.txt), or check each fix against the new version "
            "(tests/test_export_bibliography.py), then add it to SUPPORTED_VERSIONS or remove the fix "
            "that it makes unnecessary.",
            obj="citeproc-py",
            id="claims.E001",
        )
    ]


def _record(tag, variable):
    for variables in _recording:
        variables.add((tag, variable))


def apply() -> None:
    """Install the fixes, once; cheap after the first call."""
    global _applied
    if _applied:
        return
    with _apply_lock:
        if not _applied:
            _patch()
            _applied = True


def _patch() -> None:
    from citeproc import model, source
    from citeproc.string import String

    text_variable = model.Text._variable

    def _variable(self, item, context):
        text = text_variable(self, item, context)
        if text is not None and _recording:
            _record(self.tag, self.get("variable"))
        return text

    model.Text._variable = _variable

    names_process = model.Names.process

    def names(self, item, names_context=None, context=None, **kwargs):
        text = names_process(self, item, names_context=names_context, context=context, **kwargs)
        if text and _recording:
            for role in self.get("variable").split():
                if role in item.reference:
                    _record(self.tag, role)
        return text

    model.Names.process = names

    def substitute(self, item, context=None, **kwargs):
        for child in self.getchildren():
            _recording.append(set())
            try:
                if isinstance(child, model.Names) and child.name is None:
                    parent = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=parent, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except model.VariableError:
                continue
            finally:
                rendered = _recording.pop()
            if text:
                self.add_to_repressed_list(child, context)
                repressed = context.get_layout().repressed
                for tag, variable in rendered:
                    repressed.setdefault(tag, []).append(variable)
                return text
        return None

    model.Substitute.render = substitute

    label_process = model.Label.process

    def label(self, item, variable=None, plural=None, context=None, **kwargs):
        own = variable is None and self.get("variable") not in (None, "locator")
        if own and self.get("variable").replace("-", "_") not in item.reference:
            return None
        return label_process(self, item, variable=variable, plural=plural, context=context, **kwargs)

    model.Label.process = label

    def date_range(self, date_range, show_parts, context=None):
        begin, end = date_range.begin, date_range.end
        names = [name for name in ("year", "month", "day") if name in show_parts]
        differing = [name for name in names if begin.get(name) != end.get(name)]
        if not differing:
            return self.render_single_date(begin, names, context)
        ranged = names[names.index(differing[0]) :]  # the first part that differs, and the smaller ones
        begin_text = self.render_single_date(begin, ranged, context)
        end_text = self.render_single_date(end, ranged, context)
        if not (begin_text and end_text):  # a month and day of a range of years
            return None
        # The affixes where the two ends meet go: "19, –25, " is "19–25, ".
        span = begin_text.rstrip(" ,") + self.unicode_character("EN DASH") + String(str(end_text).lstrip(" ,"))
        pieces, spanned = [], False
        for part in self.iterchildren():  # the parts in the date's own order
            name = part.get("name")
            if name in ranged and not spanned:
                pieces.append(span)
                spanned = True
            elif name in names and name not in ranged:
                pieces.append(self.render_single_date(begin, [name], context))
        style_context = context if self.is_locale_date() else self
        return style_context.join([piece for piece in pieces if piece]) or None

    model.Date.render_date_range = date_range

    date_process = model.Date.process

    def date(self, item, variable=None, show_parts=None, context=None, **kwargs):
        value = item.reference.get((variable or self.get("variable") or "").replace("-", "_"))
        if isinstance(value, source.LiteralDate) and not self.is_locale_date():
            if self.get("form") is not None:  # a localised date, showing these parts
                shown = (self.get("date-parts") or "year-month-day").split("-")
            else:
                shown = [part.get("name") for part in self.iterchildren()]
            if "year" not in shown:
                return None
        return date_process(self, item, variable=variable, show_parts=show_parts, context=context, **kwargs)

    model.Date.process = date

    _patch_names(model)
    _patch_title_case(model)
    _patch_punctuation(model)
    _patch_sorting(model)


# --- 3, 6, 9: names ---------------------------------------------------------------------

# citeproc-js's letters that can begin an initial, and that make a name "romanesque"
# (initialised at all): Latin, Greek, Cyrillic, Hebrew, Arabic, Thai (CSL.NAME_INITIAL_REGEXP).
_INITIAL = re.compile(
    "[A-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u042f\u0590-\u05d4\u05d6-\u05ff\u0600-\u06ff"
    "\u0370\u0372\u0376\u0386\u0388-\u03ab\u03e2\u03e4\u03e6\u03e8\u03ea\u03ec\u03ee\u03f4\u03f7\u03fd-\u03ff]"
)
_ROMANESQUE = re.compile(
    "[&a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4\u05d6-\u05ff\u1f00-\u1fff\u0600-\u06ff]"
)


def initials(given: str, mark: str, *, initialize: bool = True, hyphen: bool = True) -> str:
    """A given name as citeproc-js writes it with initialize-with `mark`: "Hyung-jin" is
    "H.", "Jean-Luc" "J.-L.", "Ji Young" "J. Y."; with initialize=False the words stay
    whole and only initials get the mark ("James T" is "James T.")."""
    if not _ROMANESQUE.match(given):
        return given  # a Korean or Chinese given name has no initials
    if not hyphen:
        given = given.replace("-", " ")
    given = re.sub(r"\s*-\s*", "-", given).replace(".", ". ")
    given = re.sub(r"-(?=[a-z])", "\u2013", given)  # a lower-case part belongs to the part before
    tokens = re.split(r"(-|\s+)", given.strip())
    words, separators = tokens[0::2], tokens[1::2] + [""]
    out = ""
    for n, (word, separator) in enumerate(zip(words, separators, strict=True)):
        is_initial = len(word) == 1 or (len(word) == 2 and word.endswith("."))
        if initialize and _INITIAL.match(word):
            out += word[0] + mark
        elif not initialize and _INITIAL.match(word) and is_initial:
            following = words[n + 1] if n + 1 < len(words) else ""
            followed_by_initial = len(following.rstrip(".")) == 1
            out += word[0] + (mark if followed_by_initial or mark.endswith(" ") else mark + " ")
        else:
            out += word.replace("\u2013", "-") + " "
        if separator == "-":
            out = out.rstrip() + "-"
    out = re.sub(r"\s*-\s*", "-", out)
    return " ".join(out.split())


def _patch_names(model) -> None:
    def initialize(self, given, mark, context):
        if self.get("initialize") is not None:
            whole = self.get("initialize") == "false"
        else:  # inheritable: from cs:bibliography or the style
            bibliography = (context or self).xpath_search(
                "./ancestor::*[self::cs:citation or self::cs:bibliography][1]"
            )
            owners = [*bibliography, self.get_root()]
            whole = any(owner.get("initialize") == "false" for owner in owners)
        hyphen = self.get_option("initialize-with-hyphen", context)
        return initials(given, mark, initialize=not whole, hyphen=hyphen)

    model.Name.initialize = initialize

    name_process = model.Name.process

    def process(self, item, variable, context=None, sort_options=None, **kwargs):
        names = item.reference.get(variable, [])
        # citeproc-js joins a last name that is literal (an institution's) with the
        # institution's "and", which inherits no delimiter-precedes-last from cs:name.
        if len(names) == 2 and "literal" in names[-1] and self.get("delimiter-precedes-last") is not None:
            sort_options = {**(sort_options or {}), "delimiter-precedes-last": "never"}
        names_text = name_process(self, item, variable, context=context, sort_options=sort_options, **kwargs)
        return _typographic(names_text)  # "O'Brien" is "O’Brien", as in titles (rule 8)

    model.Name.process = process


# --- 7: title case ------------------------------------------------------------------------

# citeproc-js's stop words (CSL.SKIP_WORDS), and its test of a word against them.
# fmt: off
_STOP_WORDS = [
    "about", "above", "across", "afore", "after", "against", "al", "along", "alongside", "amid", "amidst", "among",
    "amongst", "anenst", "apropos", "apud", "around", "as", "aside", "astride", "at", "athwart", "atop", "barring",
    "before", "behind", "below", "beneath", "beside", "besides", "between", "beyond", "but", "by", "circa",
    "despite", "down", "during", "et", "except", "for", "forenenst", "from", "given", "in", "inside", "into",
    "lest", "like", "modulo", "near", "next", "notwithstanding", "of", "off", "on", "onto", "out", "over", "per",
    "plus", "pro", "qua", "sans", "since", "than", "through", "throughout", "thruout", "till", "to", "toward",
    "towards", "under", "underneath", "until", "unto", "up", "upon", "versus", "vs.", "v.", "vs", "v", "via",
    "vis-à-vis", "with", "within", "without", "or", "yet", "so", "for", "and", "nor", "a", "an", "the", "de", "d'",
    "von", "van", "c", "ca", " thru", "according to", "ahead of", "apart from", "as for", "as of", "as per",
    "as regards", "aside from", "back to", "because of", "close to", "due to", "except for", "far from",
    "inside of", "instead of", "near to", "next to", "on to", "out from", "out of", "outside of", "prior to",
    "pursuant to", "rather than", "regardless of", "such as", "that of", "up to", "where as",
]
# fmt: on
_STOP = re.compile(r"(?:(?:[?!:]*\s+|-|^)(?:" + "|".join(_STOP_WORDS) + r")(?=[!?:]*\s+|-|$))")
_NOCASE_OPEN, _NOCASE_CLOSE = '<span class="nocase">', "</span>"
_TITLE_TAGS = re.compile(
    "(‘|’|“|”| \"| '|\"|'|[-\u2013\u2014/.,;?!:]|\\[|\\]|\\(|\\)|"
    + re.escape(_NOCASE_OPEN)
    + "|"
    + re.escape(_NOCASE_CLOSE)
    + ")"
)
_SPACES = re.compile("([\u00a0 \u2000-\u200b\u205f\u3000]+)")
_QUOTES = {' "': (" '", '"'), " '": (' "', "'"), "‘": ("‘", "’"), "“": ("“", "”")}  # opener: (opener, closer)
_QUOTE_TAG = re.compile("(^(?:‘|’|“|”|\"|')|(?: \"| ')$)")


def _capitalise(word: str) -> str:
    lead = len(word) - len(word.lstrip())
    first, rest = word[lead : lead + 1], word[lead + 1 :]
    if not first or ("\u0370" <= first <= "\u03ff" and not rest):  # a lone Greek letter stays
        return word
    return word[:lead] + first.upper() + rest


def title_case(text: str) -> str:
    """`text` in title case as citeproc-js writes it (its _textcaseEngine with the title
    configuration): words split at punctuation and spaces, quotation marks tracked so
    that a word after an apostrophe keeps its case, <span class="nocase"> left alone."""
    if not text:
        return text
    pieces = _TITLE_TAGS.split(text)
    strings, tags = pieces[0::2], pieces[1::2]
    for i in range(len(tags) - 1, -1, -1):
        if tags[i] == "'" and strings[i + 1]:
            strings[i + 1] = "'" + strings[i + 1]
            tags[i] = ""
    original = list(strings)
    state = {"first": True, "after_punct": False, "last": None}
    quotes: list[dict] = []
    nocase: list[str] = []

    def capitalise_words(string: str, i: int, following_tag) -> str:
        if not string.strip():
            return string
        parts = _SPACES.split(string)
        words = parts[0::2]
        for j, word in enumerate(words):
            if not word:
                continue
            lower = word.lower()
            capitalise = (
                (len(word) > 1 and not _STOP.search(lower))
                or (j == len(words) - 1 and following_tag == "-")
                or state["first"]
                or state["after_punct"]
            )
            if capitalise and word == lower:
                words[j] = _capitalise(word)
            state["after_punct"] = state["first"] = False
            state["last"] = (i, j)
        parts[0::2] = words
        return "".join(parts)

    def quote_fix(tag: str, position: int):
        match = _QUOTE_TAG.search(tag)
        if not match:
            return None
        tag = match[1]
        if tag in ("“", "‘", ' "', " '"):
            opener, closer = _QUOTES[tag]
            if not quotes or tag == quotes[-1]["opener"]:
                quotes.append({"opener": opener, "closer": closer, "pos": position})
                return None
            previous = quotes.pop().get("pos")
            quotes.append({"opener": opener, "closer": closer})
            return previous
        if quotes and tag == quotes[-1]["closer"]:
            quotes.pop()
            return None
        return position

    def restore(position: int) -> None:
        strings[position + 1] = original[position + 1][:1] + strings[position + 1][1:]

    if strings[0].strip():
        strings[0] = capitalise_words(strings[0], 0, tags[0] if tags else None)
    for i, tag in enumerate(tags):
        string = strings[i + 1]
        if tag == _NOCASE_OPEN:
            nocase.append(_NOCASE_CLOSE)
        elif nocase and tag == nocase[-1]:
            nocase.pop()
        if re.search("[!?:]$", tag):
            state["after_punct"] = True
        if not nocase:
            strings[i + 1] = capitalise_words(string, i + 1, None)
        elif string.strip():
            state["last"] = None
        position = quote_fix(tag, i)
        if position is not None:
            restore(position)
            state["last"] = None
        if string.strip():
            state["first"] = state["after_punct"] = False
    for quote in quotes:
        if quote.get("pos") is not None:
            restore(quote["pos"])
    if state["last"] is not None:  # a stop word last is capitalised
        i, j = state["last"]
        parts = _SPACES.split(strings[i])
        word = parts[2 * j]
        if len(word) > 1 and _STOP.search(word.lower()):
            parts[2 * j] = _capitalise(word)
            strings[i] = "".join(parts)
    pieces[0::2], pieces[1::2] = strings, tags
    return "".join(pieces)


def _patch_title_case(model) -> None:
    from html import escape, unescape

    from citeproc import formatter
    from citeproc.string import MixedString, NoCase, String

    case = model.TextCased.case

    def cased(self, text, language=None):
        return _typographic(title(self, text, language))

    def title(self, text, language=None):
        if self.get("text-case") != "title" or language != "en" or not text:
            return case(self, text, language)
        html = self.get_formatter() is formatter.html
        segments = text if isinstance(text, MixedString) else [text]
        marked = ""
        for segment in segments:
            plain = unescape(str(segment)) if html else str(segment)
            marked += f"{_NOCASE_OPEN}{plain}{_NOCASE_CLOSE}" if isinstance(segment, NoCase) else plain
        output = MixedString()
        for n, piece in enumerate(
            re.split(f"{re.escape(_NOCASE_OPEN)}(.*?){re.escape(_NOCASE_CLOSE)}", title_case(marked), flags=re.S)
        ):
            if piece:
                piece = escape(piece, quote=False) if html else piece
                output += NoCase(piece) if n % 2 else String(piece)
        return output

    model.TextCased.case = cased


# Straight quotation marks as citeproc-js prints them: pairs as the locale's ("it is
# 'over'" is "it is “over”"; inside quoted words they become single ones, rule 8),
# apostrophes curled ("O’Brien’s", "’90s").
_STRAIGHT_PAIRS = (
    re.compile(r'(?:^|(?<=[\s(\[]))"([^"]+)"(?=$|[\s).,;:!?\]])'),
    re.compile(r"(?:^|(?<=[\s(\[]))'([^']+)'(?=$|[\s).,;:!?\]])"),
)
_APOSTROPHE = re.compile(r"(?<=\w)'|'(?=\d)")


def typographic(text: str) -> str:
    for pair in _STRAIGHT_PAIRS:
        text = pair.sub(r"“\1”", text)
    return _APOSTROPHE.sub("’", text)


def _typographic(text):
    """The quotation marks of a rendered text made typographic; words marked nocase
    (URLs) and markup are left alone."""
    from citeproc.string import MixedString, NoCase, String

    if text is None or ("'" not in str(text) and '"' not in str(text)):
        return text
    if isinstance(text, MixedString):
        return MixedString([_typographic(segment) for segment in text])
    if isinstance(text, String) and not isinstance(text, NoCase):
        return type(text)(typographic(str(text)))
    if type(text) is str:  # plain text (a formatter's markup is a str subclass)
        return typographic(text)
    return text


# --- 8: punctuation -----------------------------------------------------------------------

# citeproc-js's merging of two marks where they meet (CSL.Output.Queue.adjust, LtoR_MAP).
_MERGED = {
    ("!", "."): "!", ("!", "?"): "!?", ("!", ":"): "!", ("!", ","): "!,", ("!", ";"): "!;",
    ("?", "!"): "?!", ("?", "."): "?", ("?", ":"): "?", ("?", ","): "?,", ("?", ";"): "?;",
    (".", "!"): ".!", (".", "?"): ".?", (".", ":"): ".:", (".", ","): ".,", (".", ";"): ".;",
    (":", "!"): "!", (":", "?"): "?", (":", "."): ":", (":", ","): ":,", (":", ";"): ":;",
    (",", "!"): ",!", (",", "?"): ",?", (",", ":"): ",:", (",", "."): ",.", (",", ";"): ",;",
    (";", "!"): "!", (";", "?"): "?", (";", ":"): ";", (";", ","): ";,", (";", "."): ";",
}  # fmt: skip
_PUNCTUATION = ".,;:!?"
_INTO_QUOTES = ".,!?"  # the marks punctuation-in-quote moves inside (not ; and :)


class _Rendering(threading.local):
    """What the rendering under way in this thread needs to know: whether there is one
    (strings are joined outside renderings too: citeproc-py parses CSL-JSON into them),
    the locale's punctuation rule, and whether sort keys are being rendered."""

    active = False
    punctuation_in_quote = False
    sorting = False


_rendering = _Rendering()


@contextmanager
def _rendering_with(element, *, sorting: bool = False):
    before = (_rendering.active, _rendering.punctuation_in_quote, _rendering.sorting)
    _rendering.active, _rendering.sorting = True, sorting
    _rendering.punctuation_in_quote = (element.get_locale_option("punctuation-in-quote") or "").lower() == "true"
    try:
        yield
    finally:
        _rendering.active, _rendering.punctuation_in_quote, _rendering.sorting = before


_CLOSING_TAG = re.compile(r"</\w+>$")
_ENTITY_END = re.compile(r"&(?:\w+|#\d+);$")  # "&amp;" ends in a letter, not a semicolon


def _joined(left, other):
    """`left` and `other` to concatenate, with the marks where they meet merged ("?" and
    "." are "?"), and moved inside closing quotation marks when the locale puts them
    there ("”" and "." are ".”", "”</i>" and "." ".”</i>")."""
    from citeproc.string import MixedString, String, _strip_first_char

    if not _rendering.active:
        return left, other
    left_text, other_text = str(left), str(other)
    if not left_text or not other_text or other_text[0] not in _PUNCTUATION:
        return left, other
    mark = other_text[0]
    end = len(left_text)  # where the mark goes: before the quotation marks it moves into
    if _rendering.punctuation_in_quote and mark in _INTO_QUOTES:
        closers, position = "”’" if "‘" in left_text else "”", end
        while position:
            if left_text[position - 1] in closers:
                position = end = position - 1
            elif tag := _CLOSING_TAG.search(left_text, 0, position):
                position = tag.start()
            else:
                break
    before = left_text[end - 1 : end]
    if before and before in _PUNCTUATION and not _ENTITY_END.search(left_text, 0, end):
        start, replacement = end - 1, before if before == mark else _MERGED[before, mark]
    elif end < len(left_text):
        start, replacement = end, mark
    else:
        return left, other
    # The text from `start` on is rewritten; the segments before it keep their kind.
    segments, tail = _flat(left), ""
    while len(tail) < len(left_text) - start:
        segment = segments.pop()
        tail = str(segment) + tail
    if cut := len(tail) - (len(left_text) - start):
        segments.append(type(segment)(tail[:cut]) if isinstance(segment, String) else tail[:cut])
    rewritten = MixedString([*segments, String(replacement + left_text[end:])])
    return rewritten, other[1:] if type(other) is str else _strip_first_char(other)


def _flat(text) -> list:
    from citeproc.string import MixedString

    if not isinstance(text, MixedString):
        return [text]
    return [segment for part in text for segment in _flat(part)]


def _patch_punctuation(model) -> None:
    from citeproc.string import MixedString, String, normalize_seam

    add = MixedString.__add__

    def joined(self, other):
        if other == "" or other == []:
            return self
        left, other = _joined(self, other)
        return add(left, other) if other not in ("", []) else left

    MixedString.__add__ = joined

    # Delimiters and affixes are joined to plain strings too (a formatter's output is
    # one), which `+` would join without looking at the seam.
    def join(items, delimiter=""):
        items = list(items)
        if not items:
            return String("")
        output = items[0]
        for item in items[1:]:
            if delimiter:
                output, piece = _joined(output, delimiter)
                output = output + normalize_seam(output, piece)
            output, item = _joined(output, item)
            output = output + normalize_seam(output, item)
        return output

    model.join = join

    def wrap(self, string):
        if string is None:
            return None
        prefix, suffix = self.get("prefix", ""), self.get("suffix", "")
        text = prefix + normalize_seam(prefix, string)
        if suffix:
            text, suffix = _joined(text, suffix)
        return text + normalize_seam(text, suffix)

    model.Affixed.wrap = wrap

    def quote(self, string):
        if self.get("quotes", "false").lower() != "true":
            return string
        inner_open, inner_close = (
            self.get_single_term(name="open-inner-quote"),
            self.get_single_term(name="close-inner-quote"),
        )
        string = string.replace("“", str(inner_open)).replace("”", str(inner_close))
        return self.get_single_term(name="open-quote") + string + self.get_single_term(name="close-quote")

    model.Quoted.quote = quote

    render_bibliography = model.Layout.render_bibliography

    def bibliography(self, citation_items):
        with _rendering_with(self):
            return render_bibliography(self, citation_items)

    model.Layout.render_bibliography = bibliography


# --- 10: sorting --------------------------------------------------------------------------


def collation_key(text: str) -> list[tuple]:
    """A sort key comparing as citeproc-js compares its keys (Intl collation, base
    sensitivity, punctuation ignored, numeric; spaces made "|", which sorts first)."""
    key: list[tuple] = []
    for run in re.findall(r"\d+|\D", unicodedata.normalize("NFKD", str(text).lower())):
        if run.isdigit():
            key.append((1, int(run)))
        elif run == " ":
            key.append((0,))
        elif not unicodedata.combining(run) and unicodedata.category(run)[0] not in "PZC":
            key.append((2, run.casefold()))
    return key


def _date_key(value, shown: list[str]) -> str | None:
    """A date as citeproc-js keys it in a sort macro: "1" and the year, then the month
    and the day shown (00 if not), then the end of a range the same way."""
    from citeproc import source

    def part(date, name):
        return date.get(name, 0) if name in shown else 0

    if isinstance(value, source.LiteralDate) or value is None:
        return None
    begin, end = (value.begin, value.get("end")) if isinstance(value, source.DateRange) else (value, None)
    if not begin.get("year"):
        return None
    key = f"1{begin.year}{part(begin, 'month'):02d}{part(begin, 'day'):02d}"
    if end is not None and not end.is_nil():
        return key + f"1{end.year}{part(end, 'month'):02d}{part(end, 'day'):02d}"
    return key + "100000"


def _patch_sorting(model) -> None:
    from functools import cmp_to_key

    from citeproc.string import String

    def sort(self, items, context):
        keys, descending = [], []
        with _rendering_with(context, sorting=True):
            for key in self.findall("cs:key", self.nsmap):
                descending.append(key.get("sort", "ascending").lower() == "descending")
                keys.append(
                    [None if k is None or str(k) == "" else _comparable(k) for k in key.sort_keys(items, context)]
                )

        def compare(left, right):
            for n, desc in enumerate(descending):
                a, b = keys[n][left], keys[n][right]
                if a is None or b is None:
                    if a is not b:  # an empty key last (first when descending), as citeproc-js has it
                        return (1 if a is None else -1) * (-1 if desc else 1)
                    continue
                if a != b:
                    return (1 if a > b else -1) * (-1 if desc else 1)
            return 0

        order = sorted(range(len(items)), key=cmp_to_key(compare))
        return [items[n] for n in order]

    model.Sort.sort = sort

    date_process = model.Date.process

    def date(self, item, variable=None, show_parts=None, context=None, **kwargs):
        if not _rendering.sorting or self.is_locale_date():
            return date_process(self, item, variable=variable, show_parts=show_parts, context=context, **kwargs)
        value = item.reference.get((variable or self.get("variable") or "").replace("-", "_"))
        if self.get("form") is not None:
            shown = (self.get("date-parts") or "year-month-day").split("-")
        else:
            shown = [part.get("name") for part in self.iterchildren()]
        key = _date_key(value, shown)
        return String(key) if key else None

    model.Date.process = date


def _comparable(key):
    return key if isinstance(key, int) else collation_key(key)
