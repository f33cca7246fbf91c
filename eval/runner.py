"""Run an `ask` function over a question set, score every answer, and write results, summary and report."""
from __future__ import annotations

import json
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from eval import metrics as m
from eval.files import (REPORT_HTML, RESULTS_CSV, RESULTS_JSONL, RESULTS_XLSX, SUMMARY_JSON, _dump, _load_done,
                        _write_text_atomic, write_tables)
from eval.outcomes import outcome_of
from eval.protocol import AnswerLike, AskFn
from eval.questions import Question
from eval.summary import METRICS, Summary, on_disk_summary, summarize


# --------------------------------------------------------------------------------------------- scoring


SHORT_ANSWER_WORDS = 5
"""A reference answer of more words is free text (a sentence, an explanation): exact match and
contains-reference cannot be met by a correct answer worded differently, so they are left out for it."""


@dataclass(frozen=True)
class _Located:
    source: str | None  # file name of the document holding the reference contexts
    spans: tuple[tuple[int, int], ...]
    n_contexts: int
    n_unlocated: int  # found neither verbatim nor by overlap
    evidence: tuple[str, ...] = ()  # contexts found only by overlap (another extraction of the document)
    unscored: str | None = None  # key of eval.summary.NOT_SCORED when retrieval cannot be scored

    @property
    def scorable(self) -> bool:
        return bool(self.source and (self.spans or self.evidence))


class _DocShingles(dict):
    """Document name → its shingles, computed on first use (only documents with unlocated contexts need them)."""

    def __init__(self, docs: Mapping[str, str]) -> None:
        super().__init__()
        self.docs = docs

    def __missing__(self, name: str) -> set[tuple[str, ...]]:
        self[name] = m.shingles(self.docs[name])
        return self[name]


def locate_contexts(q: Question, docs: Mapping[str, str], doc_shingles: Mapping[str, set] | None = None) -> _Located:
    """Where a question's reference contexts are in its source document: spans of those found verbatim (or
    nearly), and the contexts found only by shingle overlap (evidence copied from another extraction of the
    document, e.g. FinanceBench's page texts), matched against retrieved text by eval.metrics.evidence_relevance."""
    contexts = q.reference_contexts
    source = m.basename(q.source) if q.source else None
    if not contexts:
        return _Located(source, (), 0, 0, unscored="no_contexts")
    if source is None:
        # No source given: take the first document that holds the first locatable context.
        for name, text in docs.items():
            if any(m.locate(c, text) for c in contexts):
                source = name
                break
    text = docs.get(source) if source else None
    if text is None:
        return _Located(source, (), len(contexts), len(contexts), unscored="no_source")
    shingles = doc_shingles if doc_shingles is not None else _DocShingles(docs)
    spans: list[tuple[int, int]] = []
    evidence: list[str] = []
    for c in contexts:
        span = m.locate(c, text)
        if span is not None:
            spans.append(span)
        elif m.evidence_in(c, shingles[source]):
            evidence.append(c)
    n_lost = len(contexts) - len(spans) - len(evidence)
    loc = _Located(source, tuple(dict.fromkeys(spans)), len(contexts), n_lost, tuple(evidence))
    return loc if loc.scorable else _Located(source, (), len(contexts), n_lost, unscored="not_found")


def free_text(refs: Sequence[str]) -> bool:
    """Whether every reference answer is free text (more than SHORT_ANSWER_WORDS words)."""
    return bool(refs) and all(len(m.normalize_answer(r).split()) > SHORT_ANSWER_WORDS for r in refs)


def _score(q: Question, ans: AnswerLike, loc: _Located) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = dict.fromkeys(METRICS)
    out["contexts_unlocated"] = loc.n_unlocated
    # Retrieval is scored even when the system abstained: it says whether the evidence was found at all.
    if loc.scorable:
        assert loc.source is not None
        rels = m.context_relevance(ans.retrieved, loc.source, loc.spans, loc.evidence)
        out["hit@1"] = m.hit_at_k(rels, 1)
        out["hit@5"] = m.hit_at_k(rels, 5)
        out["hit@10"] = m.hit_at_k(rels, 10)
        out["mrr@10"] = m.mrr_at_k(rels, 10)
        out["ndcg@10"] = m.ndcg_at_k(rels, 10, len(loc.spans) + len(loc.evidence))
    if q.reference_answers:
        # An abstention answers nothing, whatever explanatory text it carries.
        pred = "" if ans.abstained else m.strip_markers(ans.answer)
        out["f1"] = m.token_f1(pred, q.reference_answers)
        out["numeric"] = _float(m.numeric_match(q.reference_answers[0], pred))
        if not free_text(q.reference_answers):  # a sentence-long reference is never matched word for word
            out["em"] = m.exact_match(pred, q.reference_answers)
            out["contains"] = m.contains_reference(pred, q.reference_answers)
    segs = getattr(ans, "segments", None)
    evidence = list(getattr(ans, "evidence", None) or [])
    unsupported = getattr(ans, "unsupported", None)
    if unsupported is not None:  # answers that say which of their sentences were removed (LLM answers)
        kept = len(segs) if segs else len({getattr(e, "sentence", "") for e in evidence})
        out["unsupported_rate"] = m.unsupported_rate(len(unsupported), 0 if ans.abstained else kept)
    if not ans.abstained and ans.answer.strip():
        # Prefer explicit segments: document text may itself hold bracketed numbers like "[1]".
        if segs:
            out["supported"] = float(m.segments_supported(segs, ans.citations))
        elif evidence:  # paraphrased (LLM) sentences: each must rest on verbatim text of its citation
            out["supported"] = float(m.evidence_supported(ans.answer, evidence, ans.citations))
        else:
            out["supported"] = float(m.citation_supported(ans.answer, ans.citations))
        if loc.source and loc.spans:
            out["citation_precision"] = m.citation_precision(ans.citations, loc.source, loc.spans)
            if evidence:
                out["evidence_precision"] = m.evidence_precision(evidence, loc.source, loc.spans)
        first = segs[0].text if segs else m.strip_markers(ans.answer)
        out["fragment"] = float(m.is_fragment_answer(str(first), q.question))
    if loc.scorable:
        assert loc.source is not None
        shown = list(ans.citations) + list(getattr(ans, "related", None) or [])
        out["in_view"] = m.hit_at_k(m.context_relevance(shown, loc.source, loc.spans, loc.evidence), len(shown))
        if not ans.abstained and ans.citations:
            out["first_citation"] = m.hit_at_k(
                m.context_relevance(ans.citations[:1], loc.source, loc.spans, loc.evidence), 1)
    if not ans.abstained:
        # FinanceBench-style references (found only by overlap) are an analyst's words: judge the citation.
        by_citation = bool(loc.evidence) and not loc.spans
        out["answer_right"] = out["first_citation"] if by_citation or out["contains"] is None else out["contains"]
    return out


def _float(b: bool | None) -> float | None:
    return None if b is None else float(b)


def _span_json(x: Any, *, score: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"citation": str(x.citation), "doc": str(x.doc), "start": int(x.start), "end": int(x.end)}
    pages = getattr(x, "pages", None)
    if pages:  # where a reader finds it in a PDF
        d["pages"] = [int(p) for p in pages]
    if score:
        d["score"] = float(x.score)
    d["text"] = str(x.text)
    if getattr(x, "line_start", None) is not None:  # a card: the line that best matches the question
        d["best_line"] = {"start": int(x.line_start), "end": int(x.line_end), "text": str(x.line)}
    return d


def _base_result(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "question": q.question,
        "answer": "",
        "outcome": None,
        "abstained": None,
        "confidence": None,
        "citations": [],
        "related": [],
        "retrieved": [],
        "answerable": q.answerable,
        "reference_answer": q.reference_answers[0] if q.reference_answers else "",
        "reference_answers": list(q.reference_answers),
        "source": q.source,
        "metrics": {**dict.fromkeys(METRICS), "contexts_unlocated": None},
        "retrieval_unscored": None,
        "free_text_reference": free_text(q.reference_answers),
        "figure_kind": q.figure_kind,
        "latency_ms": None,
        "error": None,
    }


def _run_one(q: Question, ask: AskFn, loc: _Located) -> dict[str, Any]:
    r = _base_result(q)
    r["retrieval_unscored"] = loc.unscored
    t0 = time.perf_counter()
    try:
        ans = ask(q.question)
        r["latency_ms"] = (time.perf_counter() - t0) * 1000
        # Read every field now, so an answer of the wrong shape is recorded as this question's error.
        r["answer"] = str(ans.answer)
        r["outcome"] = outcome_of(ans)
        r["abstained"] = bool(ans.abstained)
        r["confidence"] = float(ans.confidence)
        r["citations"] = [_span_json(c, score=False) for c in ans.citations]
        # What the reply shows after its citations (cards), in order: the same list a face renders.
        r["related"] = [_span_json(x, score=True) for x in getattr(ans, "related", None) or []]
        r["retrieved"] = [_span_json(x, score=True) for x in ans.retrieved]
        if getattr(ans, "answerer", None) is not None:
            r["answerer"] = str(ans.answerer)
        if getattr(ans, "unsupported", None) is not None:
            r["unsupported"] = [{"text": str(u.text), "reason": str(u.reason)} for u in ans.unsupported]
        comp = getattr(ans, "computation", None)
        if comp is not None:  # a figure computed from cited cells: its formula, operands and result
            r["computation"] = comp.to_json()
        r["metrics"] = _score(q, ans, loc)
    except Exception as e:  # the system under test failed on this question: record it and go on
        if r["latency_ms"] is None:
            r["latency_ms"] = (time.perf_counter() - t0) * 1000
        r["error"] = f"{type(e).__name__}: {e}"
        r["metrics"] = {**dict.fromkeys(METRICS), "contexts_unlocated": loc.n_unlocated}
    return r



# --------------------------------------------------------------------------------------------- run


def run_eval(
    questions: Iterable[Question],
    ask: AskFn,
    out_dir: Path,
    doc_texts: Mapping[str, str],
    workers: int = 1,
    resume: bool = False,
    threshold: float | None = None,
    progress: bool = True,
) -> Summary:
    """Ask every question, score the answers and write results.{jsonl,csv,xlsx}, summary.json and report.html."""
    from tqdm import tqdm

    from eval.report import write_report

    questions = list(questions)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique: results are joined and resumed by id")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs = {m.basename(k): v for k, v in doc_texts.items()}
    doc_shingles = _DocShingles(docs)
    located = {q.id: locate_contexts(q, docs, doc_shingles) for q in questions}

    jsonl = out_dir / RESULTS_JSONL
    done = _load_done(jsonl, set(ids)) if resume else {}
    # Start the log afresh with only the kept results: drops a half-written last line and retried errors.
    _write_text_atomic(jsonl, "".join(_dump(done[i]) + "\n" for i in ids if i in done))
    pending = [q for q in questions if q.id not in done]
    new: dict[str, dict[str, Any]] = {}

    t0 = time.perf_counter()
    with jsonl.open("a", encoding="utf-8") as sink, tqdm(
        total=len(pending), disable=not progress, file=sys.stderr, desc="eval", unit="q"
    ) as bar:

        def record(r: dict[str, Any]) -> None:
            # Only this (main) thread writes, so lines never interleave; flush so a crash loses at most one.
            sink.write(_dump(r) + "\n")
            sink.flush()
            new[r["id"]] = r
            bar.update(1)

        if workers <= 1:
            for q in pending:
                record(_run_one(q, ask, located[q.id]))
        else:
            pool = ThreadPoolExecutor(max_workers=workers)
            try:
                futures: set[Future[dict[str, Any]]] = {
                    pool.submit(_run_one, q, ask, located[q.id]) for q in pending
                }
                while futures:
                    finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        record(fut.result())
            except BaseException:
                # Ctrl-C: stop queued questions instead of waiting for them; what was written stays resumable.
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
    wall_s = time.perf_counter() - t0

    results = [done[i] if i in done else new[i] for i in ids]  # input order, however they finished
    summary = summarize(
        results,
        workers=workers,
        wall_s=wall_s,
        n_run=len(pending),
        threshold=threshold,
        n_resumed=len(done),
        contexts_total=sum(located[i].n_contexts for i in ids),
        contexts_overlap=sum(len(located[i].evidence) for i in ids),
    )
    summary.out_dir = str(out_dir)
    summary.files = {
        name: str(out_dir / name) for name in (RESULTS_JSONL, RESULTS_CSV, RESULTS_XLSX, SUMMARY_JSON, REPORT_HTML)
    }

    _write_text_atomic(jsonl, "".join(_dump(r) + "\n" for r in results))
    write_tables(results, out_dir)
    on_disk = on_disk_summary(summary)  # files in the run folder name no server path
    _write_text_atomic(out_dir / SUMMARY_JSON, json.dumps(on_disk.to_json(), indent=2, ensure_ascii=False) + "\n")
    write_report(on_disk, results, out_dir / REPORT_HTML, threshold)
    return summary
