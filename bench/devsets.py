"""Measure retrieval and answer quality on ../shared/eval-data with the real model (tuning harness).

    python -m bench.devsets [--sets seed-report squad2-normans covid-qa-dev] [--work /tmp/gq-dev] [--backend torch]

Indexes each set once into WORK/<set> (incremental afterwards), then prints hit@1/5 for dense,
BM25 and hybrid retrieval, and the answer metrics (contains-reference, median length, abstention).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from app.api import GroundQA
import json

from app.evaluation import doc_texts
from eval.metrics import (abstention_scores, contains_reference, context_relevance, hit_at_k, is_fragment_answer,
                          locate)
from eval.questions import load_questions
from eval.runner import locate_contexts

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval-data"
SETS = ["seed-report", "squad2-normans", "covid-qa-dev"]
# Sets whose evidence is copied from another PDF extraction (bench.outcomes matches them by overlap only);
# hit_rates needs no list: eval.runner.locate_contexts falls back to overlap for any context not found verbatim.
EVIDENCE_SETS = {"financebench-dev"}


def docs_of(name: str) -> Path:
    """The documents folder of a dev set."""
    return DATA.parent / "corpus" if name == "seed-report" else DATA / name / "docs"


def open_set(name: str, work: Path, docs: Path | None = None, **kw) -> GroundQA:
    """GroundQA over a dev set's documents (or the `docs` folder, a subset of them), indexed
    (incrementally) under work/name."""
    api = GroundQA(work / name, **kw)
    api.index([docs or docs_of(name)])
    return api


def spans_for(api: GroundQA, q) -> list[tuple[int, int]]:
    """Located reference-context spans in the source document."""
    docs = {d.path.split("/")[-1]: d.doc_id for d in api.documents()}
    doc_id = docs.get(q.source or "")
    if not doc_id:
        return []
    text = api.doc_text(doc_id)
    return [s for c in q.reference_contexts if (s := locate(c, text))]


def hit_rates(api: GroundQA, questions, mode: str) -> tuple[float, float]:
    """Gold hit@1 and hit@5 of one retrieval mode, with `groundqa eval`'s rule for reference contexts (located
    verbatim, else matched by shingle overlap: evidence copied from another extraction of the document) and over
    the same questions: those whose contexts were found either way (eval's "retrieval scored")."""
    docs = doc_texts(api)
    h1 = h5 = n = 0
    for q in questions:
        loc = locate_contexts(q, docs)
        if not loc.scorable:
            continue
        hits = api.search(q.question, k=5, mode=mode)
        rel = context_relevance(hits, loc.source or "", loc.spans, loc.evidence)
        h1 += hit_at_k(rel, 1)
        h5 += hit_at_k(rel, 5)
        n += 1
    return (h1 / n, h5 / n) if n else (0.0, 0.0)


def run(name: str, work: Path, modes=("dense", "lexical", "hybrid"), answer: bool = True, backend: str = "auto",
        dump: Path | None = None, docs: Path | None = None) -> dict[str, float]:
    """Print and return the metrics of one set (with `docs`: of the questions on the documents in that folder)."""
    api = open_set(name, work, docs, backend=backend)
    qs, _ = load_questions(DATA / name / "questions.jsonl")
    if docs is not None:
        names = {p.name for p in docs.iterdir()}
        qs = [q for q in qs if (q.source or "").split("/")[-1] in names]
    print(name, f"{len(qs)} questions", flush=True)
    out: dict[str, float] = {}
    ans_qs = [q for q in qs if q.answerable]
    for mode in modes:
        out[f"{mode} hit@1"], out[f"{mode} hit@5"] = hit_rates(api, ans_qs, mode)
    if answer:
        contains, lengths, pairs, lat, fragments, rows = [], [], [], [], 0, []
        for q in qs:
            t = time.perf_counter()
            a = api.ask(q.question)
            lat.append((time.perf_counter() - t) * 1000)
            first = a.segments[0].text if a.segments else ""
            fragments += (not a.abstained) and is_fragment_answer(first, q.question)
            rows.append({"id": q.id, "question": q.question, "reference": q.reference_answers[:1],
                         "abstained": a.abstained, "confidence": round(a.confidence, 3), "answer": a.answer,
                         "sections": [getattr(c, "section", "") for c in a.citations]})
            pairs.append((a.abstained, q.answerable))
            if q.answerable:
                contains.append(0.0 if a.abstained else contains_reference(a.answer, q.reference_answers) or 0.0)
                if not a.abstained:
                    lengths.append(len(a.answer))
        out["contains"] = sum(contains) / len(contains)
        out["median_len"] = statistics.median(lengths) if lengths else 0
        ab = abstention_scores(pairs)
        out.update({f"abst_{k}": v for k, v in ab.items() if isinstance(v, float)})
        out["p50_ms"] = statistics.median(lat)
        out["fragment_answers"] = fragments
        if dump:
            dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(name, {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}, flush=True)
    return out


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=SETS)
    ap.add_argument("--work", default="/tmp/gq-dev")
    ap.add_argument("--no-answer", action="store_true")
    ap.add_argument("--backend", default="auto", help="embedding backend (as `groundqa index --backend`); "
                    "use a fresh --work folder per backend")
    ap.add_argument("--dump", help="folder to write each set's answers to (SET.answers.jsonl)")
    ap.add_argument("--docs", help="a folder holding a subset of the set's documents (one set only): index "
                    "it and ask only the questions on those documents")
    a = ap.parse_args()
    for s in a.sets:
        run(s, Path(a.work), answer=not a.no_answer, backend=a.backend,
            dump=Path(a.dump) / f"{s}.answers.jsonl" if a.dump else None, docs=Path(a.docs) if a.docs else None)


if __name__ == "__main__":
    main()
