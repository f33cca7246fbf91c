"""chunk_document: exact, bounded, paragraph-aware, overlapping passages that cover every sentence."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus import SAMPLE_DIR, ChunkParams, Document, Passage, chunk_document, load_file, sentence_spans

COVID_DOCS = Path("/work/shared/eval-data/covid-qa-dev/docs")


def check_invariants(doc: Document, passages: list[Passage], params: ChunkParams) -> None:
    assert passages, doc.path
    for p in passages:
        assert p.doc_id == doc.doc_id
        assert 0 <= p.start < p.end <= len(doc.text)
        assert p.text == doc.text[p.start : p.end]
        assert p.text == p.text.strip()
        assert p.pages == doc.page_range(p.start, p.end)
        assert len(p.text) <= 1.25 * params.max_chars
    starts = [p.start for p in passages]
    ends = [p.end for p in passages]
    assert starts == sorted(starts) and ends == sorted(ends)
    # Every sentence lies inside one passage, or (if longer than max_chars) inside their union.
    for s, e in sentence_spans(doc.text):
        if e - s <= params.max_chars:
            assert any(p.start <= s and e <= p.end for p in passages), doc.text[s:e][:60]
        else:
            covered = [p for p in passages if p.end > s and p.start < e]
            assert covered[0].start <= s and covered[-1].end >= e
            assert all(a.end >= b.start or doc.text[a.end : b.start].isspace() for a, b in zip(covered, covered[1:]))


@pytest.fixture(scope="module")
def covid_docs() -> list[Document]:
    if not COVID_DOCS.is_dir():
        pytest.skip("covid-qa eval data not present")
    return [load_file(p) for p in sorted(COVID_DOCS.glob("*.txt"))[:10]]


@pytest.mark.parametrize(
    "params",
    [ChunkParams(), ChunkParams(max_chars=300, overlap_sentences=2, min_chars=40), ChunkParams(overlap_sentences=0)],
)
def test_covid_docs_invariants(covid_docs: list[Document], params: ChunkParams) -> None:
    for doc in covid_docs:
        passages = chunk_document(doc, params)
        check_invariants(doc, passages, params)
        assert chunk_document(doc, params) == passages  # deterministic
        # Only tail merging may exceed max_chars.
        assert sum(len(p.text) > params.max_chars for p in passages) <= 1


def test_sample_report_passages() -> None:
    doc = load_file(SAMPLE_DIR / "pursuing-stable-coexistence.txt")
    params = ChunkParams()
    passages = chunk_document(doc, params)
    check_invariants(doc, passages, params)
    assert all(p.pages is None for p in passages)
    assert passages[0].text.startswith("8 May 2025\n\nPursuing Stable Coexistence")
    assert passages[-1].text.endswith("No comments:")


def test_overlap_repeats_last_sentence() -> None:
    sentences = [f"Sentence number {i} has a few words in it." for i in range(12)]
    doc = Document(path="o.txt", title="o", text=" ".join(sentences))
    passages = chunk_document(doc, ChunkParams(max_chars=130, overlap_sentences=1, min_chars=0))
    assert len(passages) > 3
    for a, b in zip(passages, passages[1:]):
        last = doc.text[a.start : a.end].rsplit(". ", 1)[-1]
        assert b.text.startswith(last) and b.start < a.end
    no_overlap = chunk_document(doc, ChunkParams(max_chars=130, overlap_sentences=0, min_chars=0))
    assert all(a.end < b.start for a, b in zip(no_overlap, no_overlap[1:]))


def test_paragraph_breaks_preferred() -> None:
    para1 = " ".join(["Alpha beta gamma delta epsilon."] * 14)  # ~450 chars: ≥ 40% of 900
    para2 = " ".join(["Zeta eta theta iota kappa."] * 10)
    doc = Document(path="p.txt", title="p", text=f"{para1}\n\n{para2}")
    passages = chunk_document(doc)
    assert [p.text for p in passages] == [para1, para2]  # fits in 900, but the break wins


def test_short_paragraphs_are_packed_together() -> None:
    doc = Document(path="h.txt", title="h", text="Heading\n\nShort line one.\n\nShort line two.")
    (only,) = chunk_document(doc)
    assert only.text == doc.text


def test_long_sentence_split_at_whitespace() -> None:
    words = " ".join(f"word{i:03d}" for i in range(300))  # one 2,399-char sentence
    doc = Document(path="l.txt", title="l", text=f"Intro sentence here. {words}. Outro sentence here.")
    params = ChunkParams(max_chars=200, overlap_sentences=1, min_chars=0)
    passages = chunk_document(doc, params)
    check_invariants(doc, passages, params)
    assert all(len(p.text) <= 200 for p in passages)
    for p in passages:  # cut at whitespace: no word is broken
        assert all(tok.startswith(("word", "Intro", "sentence", "here", "Outro")) for tok in p.text.split())


def test_unbreakable_token_is_hard_cut() -> None:
    blob = "x" * 1000
    doc = Document(path="b.txt", title="b", text=blob)
    passages = chunk_document(doc, ChunkParams(max_chars=300, min_chars=0))
    assert [len(p.text) for p in passages] == [300, 300, 300, 100]
    assert "".join(p.text for p in passages) == blob


def test_tiny_trailing_fragment_merges() -> None:
    body = " ".join(["This sentence is about forty characters."] * 18)  # 9 fit in 400 chars
    tail = "This tail sentence is a bit longer than thirty."
    doc = Document(path="t.txt", title="t", text=f"{body} {tail}")
    params = ChunkParams(max_chars=400, overlap_sentences=0, min_chars=80)
    passages = chunk_document(doc, params)
    assert len(passages) == 2 and passages[-1].text.endswith(f"characters. {tail}")
    assert 400 < len(passages[-1].text) <= 500
    unmerged = chunk_document(doc, ChunkParams(max_chars=400, overlap_sentences=0, min_chars=0))
    assert unmerged[-1].text == tail and len(unmerged) == 3


def test_tiny_document_is_one_passage() -> None:
    doc = Document(path="s.txt", title="s", text="Hi.")
    assert chunk_document(doc) == [Passage(doc_id=doc.doc_id, start=0, end=3, text="Hi.", pages=None)]


def test_chunk_params_json_round_trip() -> None:
    params = ChunkParams(max_chars=500, overlap_sentences=2, min_chars=10)
    assert ChunkParams.from_json(params.to_json()) == params
    assert ChunkParams.from_json({"max_chars": 700}) == ChunkParams(max_chars=700)
    assert ChunkParams.from_json(ChunkParams().to_json()) == ChunkParams()
    with pytest.raises(ValueError, match="unknown"):
        ChunkParams.from_json('{"max_chars": 5, "bogus": 1}')
    with pytest.raises(ValueError):
        ChunkParams(max_chars=0)
    with pytest.raises(ValueError):
        ChunkParams(overlap_sentences=-1)
