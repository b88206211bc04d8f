"""How much of a new text a stored one shares, and what that makes the new document.

The candidates the bands found are aligned word by word, on the normalised words of
signatures.word_spans (so "’" and "'" or a line break never split a passage). A shared
passage is a run of at least INTAKE_PASSAGE_MIN_WORDS words found in both texts; shorter
runs ("the United States and") are common phrases, not copying.

The alignment is greedy tiling (as plagiarism checkers do), not difflib.SequenceMatcher:
SequenceMatcher keeps the order of both texts, so a summary that gives the stored
story's passages in another order lost all but one ordered chain of them (on the test
summary, 3 of 6 passages). Here every run of the minimum length is looked up in an index
of the stored text's runs and extended as far as both texts agree; each word of either
text belongs to one passage at most, so a repeated sentence counts once. Linear in the
length of the texts for prose (a run of 8 words rarely occurs twice).

Two scores, both shares of words in shared passages:
- `new_in_stored`: of the new text's words, how many are in passages of the stored one;
- `stored_in_new`: of the stored text's words, how many the new text carries.

The rule (thresholds in settings, README "Intake"):
- republishes: `stored_in_new` at least INTAKE_REPUBLISHES_MIN_CONTAINMENT (0.9) and
  `new_in_stored` at least INTAKE_REPUBLISHES_MIN_SHARE (0.5): the new document carries
  (nearly) all of the stored text, and that is most of what it says. From a page, whose
  boilerplate extraction removed, both are near 1; pasted text keeps the boilerplate
  (the seed's content farm page pasted whole: 1.0 and 0.62). An article that carries a
  whole short statement inside its own reporting stays below the share: it quotes it;
- summarises: `new_in_stored` at least INTAKE_SUMMARISES_MIN_CONTAINMENT and the new
  text at most INTAKE_SUMMARY_MAX_LENGTH_RATIO of the stored one's length: a shorter text
  made in good part of the stored one's passages;
- quotes: any shared passage at all;
- nothing otherwise.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from sources.intake.signatures import word_spans

REPUBLISHES, SUMMARISES, QUOTES = "republishes", "summarises", "quotes"


@dataclass
class Passage:
    """One run of words the new text shares with a stored one: its text as the new
    document gives it, and its [start, end) character offsets in each text."""

    text: str
    words: int
    new_start: int
    new_end: int
    stored_start: int
    stored_end: int


@dataclass
class Comparison:
    new_words: int
    stored_words: int
    passages: list[Passage] = field(default_factory=list)

    @property
    def shared_words(self) -> int:
        return sum(p.words for p in self.passages)

    @property
    def new_in_stored(self) -> float:
        return round(self.shared_words / self.new_words, 3) if self.new_words else 0.0

    @property
    def stored_in_new(self) -> float:
        return round(self.shared_words / self.stored_words, 3) if self.stored_words else 0.0

    @property
    def kind(self) -> str | None:
        """republishes, summarises, quotes, or None (see the module's docstring)."""
        if not self.passages:
            return None
        if (
            self.stored_in_new >= settings.INTAKE_REPUBLISHES_MIN_CONTAINMENT
            and self.new_in_stored >= settings.INTAKE_REPUBLISHES_MIN_SHARE
        ):
            return REPUBLISHES
        shorter = self.new_words <= settings.INTAKE_SUMMARY_MAX_LENGTH_RATIO * self.stored_words
        if shorter and self.new_in_stored >= settings.INTAKE_SUMMARISES_MIN_CONTAINMENT:
            return SUMMARISES
        return QUOTES

    @property
    def score(self) -> float:
        """The score the kind's threshold applies to: for a copy, the share of the stored
        text it carries; else the share of the new text taken from the stored one."""
        return self.stored_in_new if self.kind == REPUBLISHES else self.new_in_stored


def compare(new_text: str, stored_text: str) -> Comparison:
    new, stored = word_spans(new_text), word_spans(stored_text)
    minimum = settings.INTAKE_PASSAGE_MIN_WORDS
    passages = [
        Passage(
            text=new_text[new[i][1] : new[i + size - 1][2]],
            words=size,
            new_start=new[i][1],
            new_end=new[i + size - 1][2],
            stored_start=stored[j][1],
            stored_end=stored[j + size - 1][2],
        )
        for i, j, size in shared_runs([w for w, _, _ in new], [w for w, _, _ in stored], minimum)
    ]
    return Comparison(new_words=len(new), stored_words=len(stored), passages=passages)


def shared_runs(new: list[str], stored: list[str], minimum: int) -> list[tuple[int, int, int]]:
    """(start in new, start in stored, length) of the runs of at least `minimum` words
    both lists share, each word used once, in the new text's order."""
    if minimum < 1 or len(new) < minimum or len(stored) < minimum:
        return []
    starts = defaultdict(list)  # a run of `minimum` stored words -> where it starts
    for j in range(len(stored) - minimum + 1):
        starts[tuple(stored[j : j + minimum])].append(j)
    used = [False] * len(stored)
    runs, i = [], 0
    while i <= len(new) - minimum:
        best_j, best_size = -1, 0
        for j in starts.get(tuple(new[i : i + minimum]), ()):
            size = 0
            while i + size < len(new) and j + size < len(stored) and not used[j + size]:
                if new[i + size] != stored[j + size]:
                    break
                size += 1
            if size >= minimum and size > best_size:
                best_j, best_size = j, size
        if best_size:
            runs.append((i, best_j, best_size))
            used[best_j : best_j + best_size] = [True] * best_size
            i += best_size
        else:
            i += 1
    return runs
