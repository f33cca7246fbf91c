"""End to end with the real packaged all-MiniLM-L6-v2 on the sample corpus and squad2-normans."""
from __future__ import annotations

import json

import pytest

from app.api import GroundQA
from app.answer.verify import verify
from conftest import EVAL_DATA
from eval.metrics import contains_reference, hit_at_k, locate, relevance

pytestmark = pytest.mark.model


def _questions(name: str) -> list[dict]:
    p = EVAL_DATA / name / "questions.jsonl"
    if not p.exists():
        pytest.skip(f"{p} missing")
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def test_sample_search_finds_october_2019(real_sample_api):
    hits = real_sample_api.search("When did North Korea break off working-level talks?", k=5)
    top = hits[0]
    assert "October 2019" in top.text
    assert real_sample_api.doc_text(top.doc_id)[top.start:top.end] == top.text
    assert real_sample_api.cite(top.citation).text == top.text


def test_seed_report_answers_and_abstentions(real_sample_api):
    for q in _questions("seed-report"):
        a = real_sample_api.ask(q["question"])
        verify(a, real_sample_api.doc_text)
        if q["answerable"]:
            assert not a.abstained, q["question"]
            assert any(contains_reference(c.text, [q["reference_answer"]]) for c in a.citations), q["question"]
        else:
            assert a.abstained, q["question"]


def test_seed_citations_round_trip_after_rebuild(real_sample_api, tmp_path):
    import shutil

    from corpus import ChunkParams

    api = GroundQA(tmp_path / "idx", embedder=real_sample_api.embedder)
    shutil.copytree(real_sample_api.index_dir, tmp_path / "idx")
    cites = [c for q in _questions("seed-report") for c in api.ask(q["question"]).citations]
    assert cites
    for c in cites:
        assert api.cite(c.citation).text == c.text
    api.index([], rebuild=True, params=ChunkParams(max_chars=400, overlap_sentences=0))
    for c in cites:
        assert api.cite(c.citation).text == c.text


@pytest.fixture(scope="module")
def squad_api(tmp_path_factory, real_embedder):
    docs = EVAL_DATA / "squad2-normans" / "docs"
    if not docs.exists():
        pytest.skip("squad2-normans missing")
    api = GroundQA(tmp_path_factory.mktemp("squad") / "idx", embedder=real_embedder)
    api.index([docs])
    return api


def test_squad2_retrieval_and_answers(squad_api):
    text = squad_api.doc_text(squad_api.documents()[0].doc_id)
    h1 = h5 = contains = n = 0
    for q in _questions("squad2-normans"):
        a = squad_api.ask(q["question"])
        verify(a, squad_api.doc_text)
        if not q["answerable"]:
            continue
        n += 1
        spans = [s for c in q["reference_contexts"] if (s := locate(c, text))]
        rel = relevance(a.retrieved, q["source"], spans)
        h1 += hit_at_k(rel, 1)
        h5 += hit_at_k(rel, 5)
        refs = q.get("meta", {}).get("all_answers") or [q["reference_answer"]]
        contains += 0 if a.abstained else (contains_reference(a.answer, refs) or 0)
    # Regression floors a little under the measured figures (README, "Quality").
    assert h1 / n >= 0.82 and h5 / n >= 0.93
    assert contains / n >= 0.6
