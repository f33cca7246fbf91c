"""The sentence support check (app/answer/support.py) and the prompt budget (app/answer/llm_prompt.py)."""
from __future__ import annotations

import pytest

from app.answer.support import SupportChecker, split_claims

EX = ["The Normans gave their name to Normandy, a region in France. Their leader Rollo swore fealty in 911 to "
      "King Charles III. In 1066 the Normans conquered England.",
      "The Norman dynasty had a major political, cultural and military impact on medieval Europe."]


def check(text: str, excerpts=EX):
    return SupportChecker().check(split_claims(text)[0], excerpts)


def test_split_claims_attaches_markers_written_after_the_full_stop():
    claims = split_claims("Normandy is in France. [1] Rollo led them [1][2]. He was a Viking [1, 2]. Plain text.")
    assert [c.markers for c in claims] == [(1,), (1, 2), (1, 2), ()]
    assert [c.text for c in claims] == ["Normandy is in France.", "Rollo led them.", "He was a Viking.",
                                        "Plain text."]


@pytest.mark.parametrize("text", [
    "Their leader Rollo swore fealty in 911 to King Charles III [1].",               # verbatim
    "Their leader Rollo swore fealty in 911 to King Charles III [1]",                # no final stop
    "In 1066 the Normans conquered England [1].",
    "The Normans conquered England in 1066 [1].",                                    # the date phrase moved
    "The Norman dynasty had a major political, cultural and military impact on medieval Europe [2].",
    "The Normans gave their name to Normandy, a region in France [1][2].",           # two markers, one source
])
def test_faithful_sentences_pass_with_one_verbatim_source_sentence(text):
    v = check(text)
    assert v.supported, v.reason
    assert len(v.evidence) == 1
    s = v.evidence[0]
    assert EX[s.excerpt][s.start:s.end] == s.text and s.text.count(". ") == 0


@pytest.mark.parametrize("text, reason", [
    ("Normandy is a region in Germany [1].", "'germany'"),
    ("Rollo swore fealty to King Charles III in 912 [1].", "'912'"),
    ("The Normans conquered England in 911 [1].", "'911'"),  # a number of the excerpt, in another sentence
    ("The Normans did not conquer England in 1066 [1].", "negates"),
    ("Normandy is a region in France [2].", "not in the cited text"),
    ("The Normans invented the printing press and the steam engine [1].", "'invented' is not in the cited text"),
    ("Normandy is a region in France.", "no [n] marker"),
    ("Normandy is a region in France [3].", "names no excerpt"),
    # one claim, one source sentence: facts of two sentences, or of two excerpts, never pool
    ("Rollo conquered England in 1066 [1].", "another sentence"),
    ("The Normans had a major impact on medieval Europe in 1066 [1][2].", "another sentence"),
    ("England conquered the Normans in 1066 [1].", "another order"),
])
def test_corrupted_sentences_fail_with_a_reason(text, reason):
    v = check(text)
    assert not v.supported and reason in v.reason, v.reason


def test_entity_inflections_and_hyphenated_parts_match():
    assert check("In 1066 the Norman conquered England [1].").supported  # "Normans" in the excerpt
    assert check("B-cells were studied in detail [1].", ["The B cells were studied in detail."]).supported


def test_the_question_is_not_evidence():
    v = SupportChecker().check(split_claims("Rollo was the Norse leader [1].")[0], EX,
                               question="Who was the Norse leader?")
    assert not v.supported and "'norse'" in v.reason


def test_a_computed_number_goes_through_the_hook_only():
    from app.answer.computed import computed_number

    claim = split_claims("In 1066 the Normans conquered England 155 years later [1].")[0]
    assert computed_number("155", claim.text, EX) is False  # no engine yet
    assert not SupportChecker().check(claim, EX).supported
    asked = []

    def engine(number, text, excerpts):
        asked.append(number)
        return False

    assert not SupportChecker(computed=engine).check(claim, EX).supported and asked == ["155"]
    # a number the hook re-derived is left out of the alignment; the rest must still align with one sentence
    vouch = SupportChecker(computed=lambda n, t, e: n == "155")
    assert vouch.check(split_claims("In 1066 the Normans conquered England 155 [1].")[0], EX).supported
    assert not vouch.check(split_claims("In 1066 the Normans conquered Wales 155 [1].")[0], EX).supported
    # a number the excerpt holds in another sentence is asked about too when the claim does not align
    seen = []
    SupportChecker(computed=lambda n, t, e: seen.append(n) or False).check(
        split_claims("In 911 the Normans conquered England [1].")[0], EX)
    assert seen == ["911"]


def test_prompt_budget_keeps_rank_order_and_fits():
    from app.answer.llm_prompt import build_prompt, estimate_tokens
    from index.types import Excerpt

    exs = [Excerpt(citation=f"c{i}", doc=f"d{i}.txt", doc_id=f"id{i}", title=f"T{i}", pages=(i, i), start=0, end=1000,
                   text="word " * 200, score=1.0) for i in range(8)]
    p = build_prompt("Q?", exs, ["earlier?"], context_tokens=1200, max_tokens=200)
    assert [e.citation for e in p.excerpts] == [f"c{i}" for i in range(len(p.excerpts))] and 1 <= len(p.excerpts) < 8
    assert sum(estimate_tokens(m["content"]) for m in p.messages) <= 1200 - 200
    assert "[1] document: d0.txt, p. 0, section: T0" in p.messages[1]["content"]
    tiny = build_prompt("Q?", exs, context_tokens=700, max_tokens=200)  # first excerpt cut to fit
    assert len(tiny.excerpts) == 1 and sum(estimate_tokens(m["content"]) for m in tiny.messages) <= 500


def test_groundqa_sse_pieces_rebuild_the_answer():
    from app.web.openai_api import _pieces

    text = "Normandy is in France. [1] Rollo led them. [1][2] A bracket [sic] inside. [2]"
    assert "".join(_pieces(text)) == text and len(_pieces(text)) == 3
