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
    "Normandy is a region in France [1].",
    "Rollo swore fealty to King Charles III in 911 [1].",
    "The Normans, whose leader was Rollo, gave their name to Normandy [1].",
    "The Normans conquered England in 1066 [1].",
    "The Normans gave their name to Normandy; the dynasty had a major impact on medieval Europe [1][2].",
])
def test_faithful_sentences_pass_with_verbatim_evidence(text):
    v = check(text)
    assert v.supported, v.reason
    for s in v.evidence:
        assert EX[s.excerpt][s.start:s.end] == s.text


@pytest.mark.parametrize("text, reason", [
    ("Normandy is a region in Germany [1].", "'germany'"),
    ("Rollo swore fealty to King Charles III in 912 [1].", "'912'"),
    ("The Normans conquered England in 911 [1].", "'911'"),  # a number of the excerpt, in the wrong place
    ("Normandy is not a region in France [1].", "negates"),
    ("Normandy is a region in France [2].", "not in the cited text"),
    ("The Normans invented the printing press and the steam engine [1].", "words are in the cited text"),
    ("Normandy is a region in France.", "no [n] marker"),
    ("Normandy is a region in France [3].", "names no excerpt"),
])
def test_corrupted_sentences_fail_with_a_reason(text, reason):
    v = check(text)
    assert not v.supported and reason in v.reason


def test_entity_inflections_and_hyphenated_parts_match():
    assert check("The Norman leader was Rollo [1].").supported  # "Normans" in the excerpt
    assert check("B-cells were studied [1].", ["The B cells were studied in detail."]).supported


def test_dense_similarity_decides_between_the_lexical_thresholds():
    import numpy as np

    claim = split_claims("Rollo, leader of the Normans, pledged loyalty to the king in 911 [1].")[0]
    far = SupportChecker(embed=lambda t: np.eye(len(t), 4, dtype=np.float32)).check(claim, EX)
    near = SupportChecker(embed=lambda t: np.ones((len(t), 4), np.float32)).check(claim, EX)
    assert 0.5 <= near.lexical < 0.75 and near.supported and not far.supported


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
