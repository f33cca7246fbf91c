"""The paraphrase lexicon of the LLM check (app/answer/lexicon.py): every group, phrase and irregular verb on its
own, and the rules that keep it from letting a contradiction through."""
from __future__ import annotations

import pytest

from app.answer.align import HEDGES, NEGATIONS
from app.answer.claims import Claim
from app.answer.lexicon import GROUPS, PHRASES, inflections, join_phrases, key, same
from app.answer.opposites import AXES
from app.answer.support import SupportChecker


@pytest.mark.parametrize("group", GROUPS, ids=[g[0] for g in GROUPS])
def test_every_form_of_a_group_aligns_with_its_first(group):
    assert all(same(w, group[0]) for w in group), [w for w in group if not same(w, group[0])]


def test_groups_never_share_a_key():
    heads = [key(g[0]) for g in GROUPS]
    assert len(heads) == len(set(heads))


@pytest.mark.parametrize("group", GROUPS, ids=[g[0] for g in GROUPS])
def test_no_group_joins_opposites_a_negation_or_a_hedge_with_a_plain_word(group):
    for axis, (one, other) in AXES.items():
        assert not (set(group) & one and set(group) & other), axis
    assert not {key(w) for w in group} & NEGATIONS
    hedged = [w for w in group if key(w) in HEDGES]
    assert not hedged or len({key(w) for w in group}) == 1


@pytest.mark.parametrize("alts, word", PHRASES, ids=[p[1] for p in PHRASES])
def test_every_phrase_reads_as_its_word(alts, word):
    for alt in alts.split("|"):
        words = ["revenue", *alt.split(), "sharply"]
        assert [w for w, _, _ in join_phrases(words)] == ["revenue", word, "sharply"], alt


@pytest.mark.parametrize("forms", inflections(), ids=[f[0] for f in inflections()])
def test_irregular_verbs_inflect_together(forms):
    assert all(same(w, forms[0]) for w in forms)


def test_regular_forms_of_an_irregular_base_join_it():
    for a, b in [("finds", "found"), ("leads", "led"), ("selling", "sold"), ("wins", "won"), ("goes", "went"),
                 ("making", "made"), ("rising", "rose")]:
        assert same(a, b), (a, b)


def test_meaning_changing_pairs_stay_apart():
    for a, b in [("found", "founded"), ("left", "leftist"), ("win", "lose"), ("won", "lost"), ("percent", "points"), ("soared", "rose"), ("nearly",
                 "approximately"), ("suggests", "shows"), ("may", "will"), ("million", "billion"), ("all", "some"),
                 ("most", "all"), ("increase", "decrease"), ("acquired", "sold"), ("before", "after")]:
        assert not same(a, b), (a, b)


@pytest.mark.parametrize("source, claim", [
    ("Exports increased 12% in 2019.", "Exports rose 12 percent in 2019."),
    ("Exports decreased by twelve per cent in 2019.", "Exports fell by 12% in 2019."),
    ("Northwind purchased Fjordline for $1.8 billion in 2019.", "Northwind bought Fjordline for 1.8 billion dollars "
                                                                "in 2019."),
    ("Sales went up 5% because of strong demand.", "Sales increased 5% due to strong demand."),
    ("The majority of staff worked in the United States.", "Most staff worked in the US."),
    ("The trial began in Dec. 2020.", "The trial started in December 2020."),
    ("Talks did not resume in 2020.", "Talks failed to resume in 2020."),
])
def test_lexicon_paraphrases_are_supported(source, claim):
    v = SupportChecker().check(Claim("", claim, (1,)), [source])
    assert v.supported, v.reason
