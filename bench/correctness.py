"""Fit the correctness model (app/answer/correctness.py) and the card order (app/answer/cards.py) on the dev sets,
report them on held-out folds, and write their numbers to app/answer/correctness_fit.py.

Run through `python -m bench.outcomes --fit [--write]`, which asks every dev question and collects, per question,
every composed candidate answer (its features and whether it is right) and every passage it could show (its rank,
its best line's score and whether it holds the evidence).

What "right" means (the label):
- FinanceBench-style sets (questions carrying `meta.evidence_page_num_zero_indexed`): the answer's first citation
  holds text of the analysts' evidence page that occurs on no other page of the filing — the rule of the
  independent scorer ../shared/scorers/score.py, whose functions are used here so the fit aims at what is judged —
  and, when the reference figure is computed from line items ("24.26"), the answer states it (the rule of
  ../shared/scorers/numeric.py): a line item from the right page is not the answer to a ratio question;
- other sets: the answer contains a reference answer (SQuAD normalisation); an unanswerable question has no
  right answer.
A passage holds the evidence by the same rules (FinanceBench), or overlaps a reference context's span.

Folds hold out whole sets (leave one set out) and whole documents (5 folds of documents across all sets); the
report gives the held-out predictions' log loss, Brier score, AUC, answered precision at the threshold, and a
reliability table. The written model is then fitted on everything.
"""
from __future__ import annotations

import importlib.util
import json
import math
import zlib
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from app.answer.correctness import FEATURES
from bench.devsets import DATA, spans_for
from eval.metrics import basename, contains_reference, strip_markers

SCORER = DATA.parent / "scorers" / "score.py"
NUMERIC = DATA.parent / "scorers" / "numeric.py"
FIT_FILE = Path(__file__).resolve().parents[1] / "app" / "answer" / "correctness_fit.py"
L2 = 0.002
"""Ridge penalty of the logistic fit (on the mean weighted loss): the fit has a few hundred rows, 14 features."""
SWEEP = (0.25, 0.3, 0.4, 0.5, 0.6)
"""Bars the fit report's trade-off table shows."""
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@lru_cache(maxsize=None)
def scorer(path: Path = SCORER) -> Any:
    """An independent scorer's module (../shared/scorers/score.py or numeric.py), or an error naming the fix."""
    if not path.exists():
        raise SystemExit(f"{path} is missing — the fit labels FinanceBench answers with the shared scorers' rules")
    spec = importlib.util.spec_from_file_location(f"shared_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def label(cites: bool, states: bool | None, computed: bool) -> bool:
    """Right: the answer states the reference figure (numeric.py's rule: the analysts' number, within its
    rounding); or the first citation holds the evidence (the scorer's rule) and, for a question whose reference
    figure is computed from line items, the answer states no other figure for it (a line item is not the
    ratio). A figure read directly off a statement counts by its citation: references give it in other units
    ("$8.70" billion for a cell of 8,738 million)."""
    return states is True or (cites and not (computed and states is False))


class Judge:
    """Whether a passage holds a question's evidence and whether a composed answer is right (module docstring)."""

    def __init__(self, set_name: str, raw: dict[str, Any], api: Any, sc: Any) -> None:
        self.q = raw
        self.sc = sc
        self.numeric = scorer(NUMERIC)
        self.refs = [r for r in ((raw.get("meta") or {}).get("all_answers") or [raw.get("reference_answer") or ""]) if r]
        self.answerable = bool(raw.get("answerable", True))
        self.esh: list[str] | None = None
        self.spans: list[tuple[int, int]] = []
        if not self.answerable:
            return
        sh = [s for c in raw.get("reference_contexts") or [] for s in sc.shingles(c)]
        esh = sc.specific_shingles(raw, sh, str(DATA / set_name / "docs"))
        if esh is not None:
            self.esh = esh
        else:
            from types import SimpleNamespace

            self.spans = spans_for(api, SimpleNamespace(source=raw.get("source"),
                                                        reference_contexts=raw.get("reference_contexts") or []))

    @property
    def by_evidence_page(self) -> bool:
        """Whether answers are judged by the evidence page (FinanceBench-style)."""
        return self.esh is not None

    def holds(self, x: Any) -> bool:
        """A passage or citation holds the evidence."""
        if not self.answerable:
            return False
        if self.esh is not None:
            return bool(self.esh) and self.sc.relevant({"doc": x.doc, "text": x.text}, self.q, self.esh)
        return basename(x.doc) == basename(self.q.get("source") or "") and any(
            x.start < e and s < x.end for s, e in self.spans)

    def parts(self, answer: Any) -> tuple[bool, bool | None]:
        """(the first citation holds the evidence, the answer states the reference number — None when the
        reference is not a number or the set is not judged by evidence page)."""
        if not self.answerable or not answer.citations:
            return False, None
        if self.esh is not None:
            return self.holds(answer.citations[0]), self.numeric.matches(self.q.get("reference_answer"), answer.answer)
        return bool(contains_reference(strip_markers(answer.answer), self.refs)), None

    @property
    def computed(self) -> bool:
        """The reference answer is a figure computed from line items (FinanceBench's justification says so)."""
        return "directly extracted" not in ((self.q.get("meta") or {}).get("justification") or "")

    def right(self, answer: Any) -> bool:
        """A composed answer is right."""
        cites, states = self.parts(answer)
        return label(cites, states, self.computed)


# --------------------------------------------------------------------------------------------- fitting


def fit_logistic(X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2, steps: int = 50
                 ) -> tuple[np.ndarray, float]:
    """Weighted, ridge-penalised logistic regression by Newton's method (few features; no extra dependency).
    The penalty is on the mean weighted loss and leaves the intercept free."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    w = w / w.sum()
    beta = np.zeros(d + 1)
    pen = np.full(d + 1, l2)
    pen[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(A @ beta, -30, 30)))
        grad = A.T @ ((p - y) * w) + pen * beta
        H = (A * (w * p * (1 - p))[:, None]).T @ A + np.diag(pen) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(H, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _matrix(rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
    # a feature added after rows were dumped is 0 in them (a new kind had no candidates then)
    return (np.array([[r["f"].get(k, 0.0) for k in FEATURES] for r in rows], float),
            np.array([float(r["y"]) for r in rows]))


def weights(rows: Sequence[dict], mode: str) -> np.ndarray:
    """Row weights: 'none', or 'sqrt' (each set weighs as the square root of its size: the two large
    Wikipedia-style sets do not drown the filings)."""
    if mode == "none":
        return np.ones(len(rows))
    n: dict[str, int] = {}
    for r in rows:
        n[r["set"]] = n.get(r["set"], 0) + 1
    return np.array([1 / math.sqrt(n[r["set"]]) for r in rows])


def folds(rows: Sequence[dict], k: int = 5) -> list[tuple[str, list[int]]]:
    """Held-out folds: each set alone, then k folds of whole documents (by a hash of set/document)."""
    out = [(f"set {s}", [i for i, r in enumerate(rows) if r["set"] == s]) for s in sorted({r["set"] for r in rows})]
    for j in range(k):
        out.append((f"documents {j + 1}/{k}", [i for i, r in enumerate(rows)
                                               if zlib.crc32(r["group"].encode()) % k == j]))
    return out


def rule_rate(rows: Sequence[dict]) -> float:
    """How often front-matter answers are right: (right + 1) / (n + 2) (Laplace: no rows → 0.5)."""
    fm = [r["y"] for r in rows if r["kind"] == "frontmatter"]
    return (sum(fm) + 1) / (len(fm) + 2)


def fit_model(rows: Sequence[dict], mode: str) -> tuple[np.ndarray, float, float]:
    """(coefficients, intercept) of the logistic model on the non-front-matter rows, and the front-matter rate."""
    train = [r for r in rows if r["kind"] != "frontmatter"]
    X, y = _matrix(train)
    coef, b = fit_logistic(X, y, weights(train, mode))
    return coef, b, rule_rate(rows)


def predict(rows: Sequence[dict], coef: np.ndarray, b: float, rate: float) -> np.ndarray:
    """Probabilities of rows by a fitted model (app.answer.correctness.probability's arithmetic)."""
    X, _ = _matrix(rows)
    p = 1 / (1 + np.exp(-(X @ coef + b)))
    return np.array([rate if r["kind"] == "frontmatter" else pi for r, pi in zip(rows, p)])


def held_out(rows: Sequence[dict], idx: list[int], mode: str) -> np.ndarray:
    """Probabilities of rows[idx] from a model fitted on the other rows."""
    test = set(idx)
    coef, b, rate = fit_model([r for i, r in enumerate(rows) if i not in test], mode)
    return predict([rows[i] for i in idx], coef, b, rate)


def _auc(p: np.ndarray, y: np.ndarray) -> float | None:
    pos, neg = p[y == 1], p[y == 0]
    if not len(pos) or not len(neg):
        return None
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
                 / (len(pos) * len(neg)))


def decisions(rows: Sequence[dict], p: np.ndarray, threshold: float, text_threshold: float | None = None
              ) -> dict[str, float | int | None]:
    """Per question, the most probable candidate answered when p >= its bar (`threshold`; `text_threshold`,
    when set, for a candidate citing plain text — app.answer.correctness.bar): how many, and how many right."""
    best: dict[str, tuple[float, bool, float]] = {}
    any_right: set[str] = set()
    for r, pi in zip(rows, p):
        if r["y"]:
            any_right.add(r["qid"])
        if r["qid"] not in best or pi > best[r["qid"]][0]:
            paged = r["f"].get("paged") or text_threshold is None
            best[r["qid"]] = (float(pi), bool(r["y"]), threshold if paged else text_threshold)
    answered = [y for pi, y, t in best.values() if pi >= t]
    return {"questions": len(best), "answered": len(answered),
            "precision": sum(answered) / len(answered) if answered else None,
            "right_available": len(any_right)}


def reliability(p: np.ndarray, y: np.ndarray) -> list[tuple[str, int, float, float]]:
    """(bin, n, mean confidence, share right) per confidence bin."""
    out = []
    for lo, hi in zip(BINS, BINS[1:]):
        m = (p >= lo) & (p < hi)
        if m.any():
            out.append((f"{lo:.1f}–{min(hi, 1):.1f}", int(m.sum()), float(p[m].mean()), float(y[m].mean())))
    return out


def report(rows: list[dict], threshold: float, mode: str, text_threshold: float | None = None
           ) -> tuple[dict, str]:
    """Held-out figures per fold (as a dict and as text)."""
    lines, out = [], {}
    for name, idx in folds(rows):
        if not idx or len(idx) == len(rows):
            continue
        p = held_out(rows, idx, mode)
        sub = [rows[i] for i in idx]
        y = np.array([float(r["y"]) for r in sub])
        ll = float(-np.mean(y * np.log(np.clip(p, 1e-9, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-9, 1))))
        d = decisions(sub, p, threshold, text_threshold)
        auc = _auc(p, y)
        out[name] = {"candidates": len(sub), "right": int(y.sum()), "log_loss": round(ll, 3),
                     "brier": round(float(np.mean((p - y) ** 2)), 3), "auc": None if auc is None else round(auc, 3),
                     **d, "p": p.tolist(), "idx": idx}
        prec = "—" if d["precision"] is None else f"{d['precision']:.2f}"
        lines.append(f"  {name:28s} {len(sub):4d} candidates ({int(y.sum())} right)  log loss {ll:.3f}  "
                     f"Brier {out[name]['brier']:.3f}  AUC {'—' if auc is None else f'{auc:.3f}'}  answered "
                     f"{d['answered']}/{d['questions']} questions, precision {prec} "
                     f"(a right candidate existed for {d['right_available']})")
    return out, "\n".join(lines)


def write(coef: np.ndarray, b: float, rate: float, cards_w: dict[str, float], measured: str,
          path: Path = FIT_FILE) -> None:
    """Rewrite app/answer/correctness_fit.py with the fitted numbers and the measurement that set them."""
    c = {k: round(float(v), 4) for k, v in zip(FEATURES, coef)}
    import textwrap

    body = "\n".join("\n".join(textwrap.wrap(ln, 116, initial_indent="    ", subsequent_indent="        "))
                     if ln.strip() else "" for ln in measured.splitlines())
    path.write_text(
        f'"""Fitted numbers of the correctness model (app/answer/correctness.py) and the card order\n'
        f"(app/answer/cards.py), written by `python -m bench.outcomes --fit --write` on {date.today()}.\n\n"
        f"Measurement that set them (held-out folds; the model below is then fitted on all rows):\n\n{body}\n"
        '"""\n'
        f"COEF = {json.dumps(c, indent=4)}\n"
        f'"""Per feature (app.answer.correctness.FEATURES), its weight in the log-odds that the answer is right."""\n'
        f"INTERCEPT = {round(float(b), 4)}\n"
        f"FRONTMATTER_RATE = {round(rate, 4)}\n"
        f'"""How often a front-matter answer was right on the dev sets: (right + 1) / (n + 2)."""\n'
        f"CARD_WEIGHTS = {json.dumps(cards_w)}\n"
        f'"""Per passage feature (app.answer.cards.PASSAGE_FEATURES), its weight in the card order: the coefficients of\n'
        f'the fitted model of "this passage holds the evidence"."""\n')


def fit(rows: list[dict], order: tuple[dict[str, float], str], threshold: float, mode: str = "sqrt",
        write_file: bool = False, text_threshold: float | None = None) -> dict[str, Any]:
    """Report the held-out folds, fit on everything, and (write_file) rewrite the fit file with the card order
    `order` (its weights and report, bench.card_order.fit_order)."""
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    head = (f"{len(rows)} candidates of {len({r['qid'] for r in rows})} questions "
            f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; sets "
            f"{', '.join(sorted({r['set'] for r in rows}))}); row weights: {mode}; bars: threshold {threshold} "
            f"(answers citing a paginated document), text_threshold {text_threshold} (plain text)")
    folds_out, text = report(rows, threshold, mode, text_threshold)
    p_all = np.zeros(len(rows))
    for name, f in folds_out.items():  # the document folds cover every row once
        if name.startswith("documents"):
            p_all[f["idx"]] = f["p"]
    y_all = np.array([float(r["y"]) for r in rows])
    per_set = []
    for name in sorted({r["set"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["set"] == name]
        d = decisions([rows[i] for i in idx], p_all[idx], threshold, text_threshold)
        prec = "—" if d["precision"] is None else f"{d['precision']:.2f}"
        per_set.append(f"  {name:26s} answered {d['answered']}/{d['questions']} questions at the bars, "
                       f"precision {prec} (a right candidate existed for {d['right_available']})")
    text += "\n\nPer set, its documents held out (the document folds above):\n" + "\n".join(per_set)
    trade = []
    for name in sorted({r["set"] for r in rows}):  # the bar's trade-off, same held-out probabilities
        idx = [i for i, r in enumerate(rows) if r["set"] == name]
        cells = []
        for t in SWEEP:
            d = decisions([rows[i] for i in idx], p_all[idx], t)
            right = round((d["precision"] or 0) * d["answered"])
            cells.append(f"{t:.2f}: {d['answered']} answered, {right} right")
        trade.append(f"  {name:26s} " + "; ".join(cells))
    text += "\n\nTrade-off of one bar for every answer (same held-out probabilities; questions answered, right):\n" \
        + "\n".join(trade)
    rel = reliability(p_all, y_all)
    rel_text = "\n".join(f"  {b:9s} {n:4d} candidates  mean confidence {mc:.2f}  right {sr:.2f}" for b, n, mc, sr in rel)
    coef, b, rate = fit_model(rows, mode)
    cards_w, cards_text = order
    n_fm = sum(r["kind"] == "frontmatter" for r in rows)
    coef_text = (", ".join(f"{k} {v:+.2f}" for k, v in zip(FEATURES, coef)) + f"; intercept {b:+.2f}; front matter "
                 f"right at rate {rate:.3f} ((right + 1) / (n + 2), n = {n_fm})")
    measured = (f"{head}\n\nHeld out:\n{text}\n\nReliability of the held-out document folds' probabilities:\n"
                f"{rel_text}\n\nFitted on all rows: {coef_text}\n\nCard order:\n{cards_text}")
    print(measured, flush=True)
    if write_file:
        write(coef, b, rate, cards_w, measured)
        print(f"wrote {FIT_FILE}")
    return {"coef": dict(zip(FEATURES, coef.tolist())), "intercept": b, "cards": cards_w, "folds": {
        k: {kk: vv for kk, vv in v.items() if kk not in ("p", "idx")} for k, v in folds_out.items()},
        "reliability": rel}


def rows_of(set_name: str, qid: str, group: str, judge: Judge, candidates: Iterable[Any]) -> list[dict]:
    """Fit rows of one question's scored candidates."""
    out = []
    for c in candidates:
        cites, states = judge.parts(c.answer)
        out.append({"set": set_name, "qid": f"{set_name}/{qid}", "group": group, "kind": c.kind,
                    "f": dict(c.features), "y": label(cites, states, judge.computed), "cites": cites,
                    "states": states,
                    "p_now": c.p, "answer": c.answer.answer[:300]})
    return out
