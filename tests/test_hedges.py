"""Hedge words and the certainty they suggest (claims/hedges.py), on sentences worded as
the seed stories word them: the most hedged word wins, the first of equals; a reporting
verb makes it a fact only when nothing hedges."""

import pytest

from claims.hedges import LEXICON, Hedge, find_hedge, find_hedges
from claims.models import ClaimCertainty

FACT, PROBABLE, POSSIBLE, UNCLEAR = (c.value for c in ClaimCertainty)

SENTENCES = [
    # probable
    (
        "South Korea’s top spy agency believes North Korea sent more than a million artillery shells to Russia.",
        "believes",
        PROBABLE,
    ),
    (
        "The NIS believes that the North is in the final phase of preparations for the third launch.",
        "believes",
        PROBABLE,
    ),
    (
        "South Korea’s military said Thursday that North Korea is likely supplying Russia with an array of missiles.",
        "likely",
        PROBABLE,
    ),
    ("Russia likely being supplied with array of missiles, ammunition from North Korea: Seoul", "likely", PROBABLE),
    ("The shells were probably shipped through the port of Rajin.", "probably", PROBABLE),
    ("Analysts assessed that the containers held artillery rounds.", "assessed", PROBABLE),
    ("An estimated 10,000 workers were sent, officials said.", "estimated", PROBABLE),
    (
        "North Korea has apparently ramped up efforts to fortify its alliance with Russia and with China.",
        "apparently",
        PROBABLE,
    ),
    ("Those shells would most likely amount to two months’ worth of supplies.", "most likely", PROBABLE),
    # possible
    (
        "There are also signs that North Korea dispatched weapons experts to Russia in October.",
        "signs that",
        POSSIBLE,
    ),
    ("North Korea could receive sensitive Russian technologies, officials said.", "could", POSSIBLE),
    ("The North may be preparing a fourth launch.", "may", POSSIBLE),
    ("Pyongyang might send troops to the front, the report said.", "might", POSSIBLE),
    (
        "The assistance would be limited to conventional capabilities, possibly including its aging fighter fleet.",
        "possibly",
        POSSIBLE,
    ),
    (
        "In turn, the NIS reportedly told South Korean lawmakers that the launch would go ahead.",
        "reportedly",
        POSSIBLE,
    ),
    (
        "The statement condemned North Korea for allegedly supplying Russia with munitions.",
        "allegedly",
        POSSIBLE,
    ),
    ("The military detailed its suspicions that North Korea sent Russia missiles.", "suspicions", POSSIBLE),
    ("Suspected North Korean shells were found near Kharkiv.", "Suspected", POSSIBLE),
    # the most hedged word wins: "believes ... may" is possible, not probable
    ("The NIS believes North Korea may have sent engineers as well.", "may", POSSIBLE),
    ("It’s likely that North Korea could be receiving technological assistance.", "could", POSSIBLE),
    # unclear
    ("It is unclear whether the shells reached the front.", "unclear", UNCLEAR),
    ("It was not clear how many of the shells were duds, though officials believe most worked.", "not clear", UNCLEAR),
    # fact: a reporting verb, nothing hedging
    ("The White House said North Korea had delivered more than 1,000 containers to Russia.", "said", FACT),
    ("The ministry confirmed the shipment on Friday.", "confirmed", FACT),
    ("According to lawmaker Yoo Sang-bum, the shells were sent by ship.", "According to", FACT),
    ("Yoo told reporters the deliveries amounted to two months of shells.", "told", FACT),
]


@pytest.mark.parametrize(("sentence", "word", "certainty"), SENTENCES, ids=[s[1] + ":" + s[0][:30] for s in SENTENCES])
def test_hedge(sentence, word, certainty):
    hedge = find_hedge(sentence)
    assert (hedge.word, hedge.certainty) == (word, certainty)
    assert sentence[hedge.start : hedge.end] == word


def test_at_least_twenty_sentences():
    assert len(SENTENCES) >= 20


@pytest.mark.parametrize(
    "sentence",
    [
        "North Korea sent shells to Russia.",
        "The shipments began in May.",  # the month, not the hedge
        "May 2024 saw more launches.",
        "Putin signs a decree on the alliance.",  # the verb, not "signs that"
        "",
    ],
)
def test_no_hedge(sentence):
    assert find_hedge(sentence) is None


def test_first_of_equals_wins():
    hedge = find_hedge("Officials believe the North likely sent shells.")
    assert (hedge.word, hedge.start) == ("believe", 10)


def test_fact_words_only_without_a_hedge():
    sentence = "Yoo said the NIS believes the North shipped the shells."
    assert [h.word for h in find_hedges(sentence)] == ["said", "believes"]
    assert find_hedge(sentence).certainty == PROBABLE


def test_words_across_line_breaks_and_in_any_case():
    hedge = find_hedge("There are SIGNS\nTHAT troops moved.")
    assert (hedge.word, hedge.certainty) == ("SIGNS\nTHAT", POSSIBLE)


def test_whole_words_only():
    # "unlikely", "mayor", "couldn't"'s stem are not the lexicon's words.
    assert find_hedge("The mayor spoke of unlikelihood.") is None


def test_lexicon_values_are_certainties():
    assert set(LEXICON.values()) <= set(ClaimCertainty)
    assert isinstance(find_hedge("may"), Hedge)
