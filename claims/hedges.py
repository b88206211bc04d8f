"""Hedge words: how sure the claimant sounds, read from a passage for the quote-to-claim
suggestions (claims/suggestions.py). No models, no database.

A small lexicon maps words to a ClaimCertainty:

- probable: believes, believed, likely, probably, assessed, estimated, apparently ...
- possible: signs that, may, might, could, possibly, reportedly, allegedly, suspected ...
- unclear: unclear, not clear, unknown whether, uncertain;
- fact: said, says, told, confirmed, announced, stated, according to, when no hedge is
  there at all.

find_hedge() picks one, by this rule: the most hedged word wins (unclear, then possible,
then probable), the first of equals in the passage; only when no hedge is present does a
reporting verb make it "stated as fact". A claim is no surer than its weakest word: in
"The NIS believes North Korea may have sent ..." the claim is possible, not probable.
"may" counts only in lower case, so that the month (in May) is not a hedge, and "signs"
only as "signs that/of", so that "Putin signs a decree" is not one.
"""

import re
from dataclasses import dataclass

from claims.models import ClaimCertainty

# Lower rank: more hedged. Fact words are only used when nothing hedges.
_RANK = {
    ClaimCertainty.UNCLEAR: 0,
    ClaimCertainty.POSSIBLE: 1,
    ClaimCertainty.PROBABLE: 2,
    ClaimCertainty.STATED_AS_FACT: 3,
}

LEXICON: dict[str, ClaimCertainty] = {
    # probable: the claimant thinks it more likely than not
    "believes": ClaimCertainty.PROBABLE,
    "believed": ClaimCertainty.PROBABLE,
    "believe": ClaimCertainty.PROBABLE,
    "likely": ClaimCertainty.PROBABLE,
    "most likely": ClaimCertainty.PROBABLE,
    "highly likely": ClaimCertainty.PROBABLE,
    "probably": ClaimCertainty.PROBABLE,
    "probable": ClaimCertainty.PROBABLE,
    "assessed": ClaimCertainty.PROBABLE,
    "assesses": ClaimCertainty.PROBABLE,
    "assess": ClaimCertainty.PROBABLE,
    "estimated": ClaimCertainty.PROBABLE,
    "estimates": ClaimCertainty.PROBABLE,
    "apparently": ClaimCertainty.PROBABLE,
    "appears to": ClaimCertainty.PROBABLE,
    "appear to": ClaimCertainty.PROBABLE,
    "seems to": ClaimCertainty.PROBABLE,
    # possible: it may be so
    "signs that": ClaimCertainty.POSSIBLE,
    "signs of": ClaimCertainty.POSSIBLE,
    "sign that": ClaimCertainty.POSSIBLE,
    "sign of": ClaimCertainty.POSSIBLE,
    "may": ClaimCertainty.POSSIBLE,
    "might": ClaimCertainty.POSSIBLE,
    "could": ClaimCertainty.POSSIBLE,
    "possibly": ClaimCertainty.POSSIBLE,
    "possible": ClaimCertainty.POSSIBLE,
    "perhaps": ClaimCertainty.POSSIBLE,
    # The outlet passes it on without standing behind it.
    "reportedly": ClaimCertainty.POSSIBLE,
    "allegedly": ClaimCertainty.POSSIBLE,
    "alleged": ClaimCertainty.POSSIBLE,
    "suspected": ClaimCertainty.POSSIBLE,
    "suspects": ClaimCertainty.POSSIBLE,
    "suspicions": ClaimCertainty.POSSIBLE,
    "suspicion": ClaimCertainty.POSSIBLE,
    # unclear: the claimant does not know
    "unclear": ClaimCertainty.UNCLEAR,
    "not clear": ClaimCertainty.UNCLEAR,
    "uncertain": ClaimCertainty.UNCLEAR,
    "unknown whether": ClaimCertainty.UNCLEAR,
    "not known whether": ClaimCertainty.UNCLEAR,
    # fact: said plainly (used only when nothing above is present)
    "said": ClaimCertainty.STATED_AS_FACT,
    "says": ClaimCertainty.STATED_AS_FACT,
    "told": ClaimCertainty.STATED_AS_FACT,
    "stated": ClaimCertainty.STATED_AS_FACT,
    "confirmed": ClaimCertainty.STATED_AS_FACT,
    "confirms": ClaimCertainty.STATED_AS_FACT,
    "announced": ClaimCertainty.STATED_AS_FACT,
    "according to": ClaimCertainty.STATED_AS_FACT,
}

# Only these must appear in lower case to count (May the month; Could at the start of a
# question is rare enough to accept).
_CASE_SENSITIVE = {"may"}


def _word_pattern(phrase: str) -> str:
    return r"\b" + r"\s+".join(re.escape(part) for part in phrase.split()) + r"\b"


# Longest phrases first, so "most likely" wins over "likely" at the same place.
_PHRASES = sorted(LEXICON, key=len, reverse=True)
_INSENSITIVE = re.compile("|".join(_word_pattern(p) for p in _PHRASES if p not in _CASE_SENSITIVE), re.IGNORECASE)
_SENSITIVE = re.compile("|".join(_word_pattern(p) for p in _PHRASES if p in _CASE_SENSITIVE))


@dataclass(frozen=True)
class Hedge:
    word: str  # as found in the passage
    start: int
    end: int
    certainty: str  # a ClaimCertainty value


def find_hedges(passage: str) -> list[Hedge]:
    """Every lexicon word in the passage, in order of appearance."""
    found = []
    for pattern in (_INSENSITIVE, _SENSITIVE):
        for match in pattern.finditer(passage):
            key = " ".join(match.group().casefold().split())
            found.append(Hedge(match.group(), match.start(), match.end(), str(LEXICON[key])))
    return sorted(found, key=lambda hedge: hedge.start)


def find_hedge(passage: str) -> Hedge | None:
    """The word that sets the passage's certainty: the most hedged one, the first of
    equals; a reporting verb ("said") only when no hedge is present; None when neither."""
    found = find_hedges(passage)
    if not found:
        return None
    # min() keeps the first of equal ranks, and the list is in passage order.
    return min(found, key=lambda hedge: _RANK[ClaimCertainty(hedge.certainty)])
