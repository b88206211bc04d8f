"""Quote to claim: a passage of a source's stored text made into a new claim, a citation
of an existing claim, or a new denial, each with its citation, in one transaction and
one history revision (the admin page is claims/quote_admin.py).

- find_passage(): where a quote stands in a text, exactly or once whitespace, quote
  marks and case are set aside; the quote is then stored as the text words it;
- passage_context(): the words just before and after it (the citation's prefix and
  suffix, W3C TextQuoteSelector);
- quote_new_claim(), quote_existing_claim(), quote_new_denial(): the writes. Every row
  is validated with its model's full_clean() before it is saved; any error raises
  QuoteRejected (by form section and field) and the transaction writes nothing.
"""

import dataclasses
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from claims.models import (
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    Denial,
    DenialCitation,
    DenialRedirect,
    PublicationState,
    Quantity,
)
from history.tracking import recording
from operations.slugs import slug_for

CONTEXT_CHARS = 40

_QUOTE_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'})


@dataclass(frozen=True)
class Passage:
    """A passage found in a text: its offsets and its words as the text has them."""

    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    exact: bool  # found as given, not only once normalised


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text with quote marks made straight, runs of whitespace made one space and
    letters casefolded, and for each of its characters the offset it came from."""
    out, offsets = [], []
    previous_space = False
    for index, char in enumerate(text.translate(_QUOTE_MARKS)):
        if char.isspace():
            if previous_space:
                continue
            previous_space = True
            out.append(" ")
            offsets.append(index)
            continue
        previous_space = False
        for folded in char.casefold():
            out.append(folded)
            offsets.append(index)
    return "".join(out), offsets


def find_passage(text: str, quote: str) -> Passage | None:
    """The first place the quote stands in the text: as given, else with whitespace,
    quote marks and case normalised on both sides. None when it is not there."""
    quote = quote.strip()
    if not quote or not text:
        return None
    start = text.find(quote)
    if start >= 0:
        end = start + len(quote)
        exact = True
    else:
        haystack, offsets = _normalised(text)
        needle, _ = _normalised(quote)
        found = haystack.find(needle.strip())
        if found < 0:
            return None
        start = offsets[found]
        end = offsets[found + len(needle.strip()) - 1] + 1
        exact = False
    prefix, suffix = passage_context(text, start, end)
    return Passage(start=start, end=end, quote=text[start:end], prefix=prefix, suffix=suffix, exact=exact)


def passage_context(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to `chars` characters before and after text[start:end], cut at word ends (a
    word cut in two by the limit is left out) and without the whitespace at their outer
    ends; a paragraph break ends them."""
    before = text[max(0, start - chars) : start]
    if start - chars > 0 and not text[start - chars - 1].isspace():
        before = re.sub(r"^\S*", "", before, count=1)
    before = re.split(r"\n\s*\n", before)[-1]
    after = text[end : end + chars]
    if end + chars < len(text) and not text[end + chars].isspace():
        after = re.sub(r"\S*$", "", after, count=1)
    after = re.split(r"\n\s*\n", after)[0]
    return before.lstrip(), after.rstrip()


# Writes --------------------------------------------------------------------------------


class QuoteRejected(Exception):
    """What full_clean() refused, by section ("claim", "chain", "figures", "citation",
    "denial") and field name ("__all__" for the section as a whole); nothing was written."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]):
        self.errors = errors
        super().__init__("; ".join(m for fields in errors.values() for ms in fields.values() for m in ms))


@dataclass
class CitationInput:
    source: object
    quote: str
    quote_prefix: str = ""
    quote_suffix: str = ""
    locator: str = ""
    stance: str = "reports"
    note: str = ""


@dataclass
class ChainLink:
    actor: object
    role: str
    speaker: str = ""
    channel: str = ""


@dataclass
class Figure:
    as_worded: str
    comparator: str
    low: object = None
    high: object = None
    unit: str = ""
    item: str = ""


@dataclass
class NewClaim:
    proposition: str
    made_edtf: str = ""
    made_as_worded: str = ""
    made_inferred: bool = False
    certainty: str = Claim.Certainty.UNCLEAR
    hedge: str = ""
    chain: list[ChainLink] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    topics: list = field(default_factory=list)


@dataclass
class NewDenial:
    statement: str
    kind: str
    deniers: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    made_edtf: str = ""
    made_as_worded: str = ""
    made_inferred: bool = False
    channel: str = ""


class _Checker:
    """Collects full_clean() errors by section, so that one save reports all of them."""

    def __init__(self):
        self.errors: dict[str, dict[str, list[str]]] = {}

    def check(self, section: str, instance, *, exclude=None, row: int | None = None) -> bool:
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as exc:
            key = section if row is None else f"{section}-{row}"
            for name, messages in exc.message_dict.items():
                self.errors.setdefault(key, {}).setdefault(name, []).extend(messages)
            return False
        return True

    def raise_any(self):
        if self.errors:
            raise QuoteRejected(self.errors)


def _reason(source) -> str:
    return f"Quoted from “{source.title}”"[:500]


def _fields(data, *, leave_out=()) -> dict:
    """A dataclass's fields by name, shallow (the actors and sources stay model instances)."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data) if f.name not in leave_out}


def _save_valid(checker: _Checker, section: str, rows: list) -> list:
    """Save each row that full_clean() accepts; the errors of the others are collected."""
    saved = []
    for index, row in enumerate(rows):
        if checker.check(section, row, row=index):
            row.save()
            saved.append(row)
    return saved


def quote_new_claim(*, claim: NewClaim, citation: CitationInput, user) -> Claim:
    """A draft claim with its relay chain (in the order given, from position 1), its
    figures, topics and a citation of the passage that words each figure: one revision."""
    checker = _Checker()
    with transaction.atomic(), recording(reason=_reason(citation.source), user=user):
        record = Claim(
            slug=slug_for(claim.proposition, Claim.objects.all(), fallback="claim"),
            state=PublicationState.DRAFT,
            **_fields(claim, leave_out=("chain", "figures", "topics")),
        )
        if not checker.check("claim", record):
            checker.raise_any()
        record.save()
        links = [Attribution(claim=record, position=n, **_fields(link)) for n, link in enumerate(claim.chain, 1)]
        _save_valid(checker, "chain", links)
        figures = [Quantity(claim=record, position=n, **_fields(f)) for n, f in enumerate(claim.figures, 1)]
        quantities = _save_valid(checker, "figures", figures)
        cited = ClaimCitation(claim=record, position=1, **_fields(citation))
        if checker.check("citation", cited):
            cited.save()
            wordings = [CitationFigure(citation=cited, quantity=q, as_worded=q.as_worded) for q in quantities]
            _save_valid(checker, "figures", [w for w in wordings if w.as_worded])
        if claim.topics:
            record.topics.set(claim.topics)
        checker.raise_any()  # inside the block: the transaction is rolled back
    return record


def quote_existing_claim(*, claim: Claim, citation: CitationInput, user) -> ClaimCitation:
    """A citation of the passage for a claim already recorded, after its other citations."""
    checker = _Checker()
    with transaction.atomic(), recording(reason=_reason(citation.source), user=user):
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.citations.filter(source=citation.source, quote=citation.quote).exists():
            raise QuoteRejected({"citation": {"__all__": ["This claim already cites this passage of this source."]}})
        last = locked.citations.aggregate(last=Max("position"))["last"] or 0
        cited = ClaimCitation(claim=locked, position=last + 1, **_fields(citation))
        checker.check("citation", cited)
        checker.raise_any()
        cited.save()
    return cited


def quote_new_denial(*, denial: NewDenial, citation: CitationInput, user) -> Denial:
    """A draft denial by the deniers, answering the claims, with a citation of the passage."""
    checker = _Checker()
    if not denial.deniers:
        checker.errors["denial"] = {"deniers": ["Name at least one denier."]}
    with transaction.atomic(), recording(reason=_reason(citation.source), user=user):
        record = Denial(
            # Old addresses of merged denials stay theirs, as in the admin.
            slug=slug_for(
                denial.statement, Denial.objects.all(), fallback="denial", also_taken=[DenialRedirect.objects]
            ),
            state=PublicationState.DRAFT,
            **_fields(denial, leave_out=("deniers", "claims")),
        )
        checker.check("denial", record)
        checker.raise_any()
        record.save()
        record.deniers.set(denial.deniers)
        record.claims.set(denial.claims)
        cited = DenialCitation(denial=record, position=1, **_fields(citation))
        checker.check("citation", cited)
        checker.raise_any()
        cited.save()
    return record
