"""Compare label-free adaptation recipes by dense-only gold hit@1/hit@5 (the sweep behind index/embed/adapt.py).

    python -m bench.adapt_sweep INDEX_GEN/passages.sqlite QUESTIONS.jsonl MODEL_DIR \\
        [--variants ict:1:2e-5:32:128,next,kw ...] [--device cuda]

Reads only the passage table of an index generation (canonical texts, passages, sentence units), so it
runs wherever torch and sentence-transformers are (no FAISS or BM25 needed: a GPU machine). Each variant
is `recipe[:epochs[:lr[:batch[:max_tokens]]]]`; recipes: `ict` (index.embed.adapt.training_pairs, the shipped
one), `next` (sentence → next sentence), `kw` (3–6 rarest words of a sentence → the sentence), `mix`
(ict + kw). Every variant starts from MODEL_DIR; the baseline is MODEL_DIR untouched.
"""
from __future__ import annotations

import argparse
import math
import random
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from eval.metrics import locate
from eval.questions import load_questions
from index.embed.adapt import AdaptSettings, train, training_pairs

_WORD = re.compile(r"[A-Za-z0-9][\w\-]*")
_STOP = set("a an the of in on at to for by with from and or but is are was were be been being this that these "
            "those it its as not no can may which who whom what when where why how than then there their they we "
            "our also such".split())


def _units(con: sqlite3.Connection) -> tuple[list[tuple[int, str]], dict[str, str]]:
    texts = {r["doc_id"]: r["text"] for r in con.execute("SELECT doc_id, text FROM documents")}
    units = [(r["row"], texts[r["doc_id"]][r["start"]:r["end"]])
             for r in con.execute("SELECT row, doc_id, start, end FROM units ORDER BY id")]
    return units, texts


def other_pairs(units: list[tuple[int, str]], recipe: str, rng: random.Random) -> list[tuple[str, str]]:
    """Pairs of the recipes that were tried and not shipped (`next`, `kw`), from (row, text) units."""
    out: list[tuple[str, str]] = []
    if recipe == "next":
        out = [(a, b) for (ra, a), (rb, b) in zip(units, units[1:]) if ra == rb and len(a) >= 30 and len(b) >= 30]
    elif recipe == "kw":
        toks = [[w.lower() for w in _WORD.findall(t)] for _, t in units]
        df = Counter(w for t in toks for w in set(t))
        for (_, text), t in zip(units, toks):
            cand = [w for w in dict.fromkeys(t) if w not in _STOP and len(w) > 2]
            if len(cand) >= 3:
                top = set(sorted(cand, key=lambda w: -math.log(len(units) / df[w]))[:rng.randint(3, min(6, len(cand)))])
                out.append((" ".join(w for w in dict.fromkeys(t) if w in top), text))
    rng.shuffle(out)
    return out


def dense_hits(model, con: sqlite3.Connection, units: list[tuple[int, str]], texts: dict[str, str],
               questions_file: Path) -> tuple[float, float]:
    """Gold hit@1/@5 ranking passages by their best sentence's cosine similarity to the question."""
    rows = np.array([r for r, _ in units])
    passages = {r["row"]: (r["doc_id"], r["start"], r["end"]) for r in con.execute("SELECT row, doc_id, start, end FROM passages")}
    by_name = {Path(r["path"]).name: r["doc_id"] for r in con.execute("SELECT doc_id, path FROM documents")}
    qs = [q for q in load_questions(questions_file)[0] if q.answerable and q.source in by_name]
    enc = dict(batch_size=256, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    sims = model.encode([q.question for q in qs], **enc) @ model.encode([t for _, t in units], **enc).T
    h1 = h5 = 0
    for q, s in zip(qs, sims):
        doc = by_name[q.source]
        spans = [sp for c in q.reference_contexts if (sp := locate(c, texts[doc]))]
        top: list[int] = []
        for u in np.argsort(-s):
            if int(rows[u]) not in top:
                top.append(int(rows[u]))
                if len(top) == 5:
                    break
        rel = [passages[r][0] == doc and any(passages[r][1] < b and a < passages[r][2] for a, b in spans) for r in top]
        h1 += rel[0]
        h5 += any(rel)
    return round(h1 / len(qs), 3), round(h5 / len(qs), 3)


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("sqlite")
    ap.add_argument("questions")
    ap.add_argument("model")
    ap.add_argument("--variants", default="ict:1:2e-5:32:128")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from sentence_transformers import SentenceTransformer

    con = sqlite3.connect(f"file:{a.sqlite}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    load = lambda: SentenceTransformer(a.model, device=a.device, local_files_only=True).float()
    units, texts = _units(con)
    print("base", dense_hits(load(), con, units, texts, Path(a.questions)), flush=True)
    for v in a.variants.split(","):
        recipe, *rest = v.split(":")
        ep, lr, bs, ml = (rest + ["1", "2e-5", "32", "128"][len(rest):])[:4]
        s = AdaptSettings(epochs=int(ep), learning_rate=float(lr), batch_size=int(bs), max_tokens=int(ml), seed=a.seed)
        rng = random.Random(a.seed)
        pairs = training_pairs(con, s)
        if recipe in ("next", "kw"):
            pairs = other_pairs(units, recipe, rng)
        elif recipe == "mix":
            pairs = pairs + other_pairs(units, "kw", rng)
            rng.shuffle(pairs)
        model = load()
        steps = train(model, pairs, s, a.device)
        print(v, "pairs", len(pairs), "steps", steps, dense_hits(model, con, units, texts, Path(a.questions)),
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
