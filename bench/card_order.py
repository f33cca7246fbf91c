"""The card order's fit (app/answer/cards.py): per question, the showable passages with their card-order features
and whether each holds the evidence (`card_row`, collected by bench/outcomes.py), and a logistic model of "this
passage holds the evidence" whose coefficients are the order's weights (`fit_cards`, reported per set held out
against the retrieval order; `fit_order` for both card counts shown)."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from bench.correctness import fit_logistic


def _card_matrix(cards: Sequence[dict], pool: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    from app.answer.cards import PASSAGE_FEATURES

    rows = [(c, x) for c in cards for x in c["passages"] if x["rank"] <= pool]
    X = np.array([[x["f"][k] for k in PASSAGE_FEATURES] for _c, x in rows], float)
    y = np.array([float(x["holds"]) for _c, x in rows])
    n: dict[str, int] = {}
    for c, _x in rows:
        n[c["set"]] = n.get(c["set"], 0) + 1
    w = np.array([1 / math.sqrt(n[c["set"]]) for c, _x in rows])
    return X, y, w, [c["qid"] for c, _x in rows]


def cards_in_view(cards: Sequence[dict], weights: dict[str, float], n: int, pool: int) -> float:
    """Share of questions whose evidence is among the first `n` passages of the top `pool`, ordered by weights."""
    from app.answer.cards import PASSAGE_FEATURES

    hit = 0
    for c in cards:
        top = [x for x in c["passages"] if x["rank"] <= pool]
        order = sorted(top, key=lambda x: (-sum(weights.get(k, 0.0) * x["f"][k] for k in PASSAGE_FEATURES), x["rank"]))
        hit += any(x["holds"] for x in order[:n])
    return hit / max(1, len(cards))


def fit_cards(cards: Sequence[dict], n: int = 3, pool: int = 6) -> tuple[dict[str, float], str]:
    """The card order: a logistic model of "the passage holds the evidence" over the top `pool` passages (its
    coefficients are the order's weights), reported by the evidence among the first `n` cards, per set held out
    (fitted on the other sets) against the retrieval order."""
    from app.answer.cards import PASSAGE_FEATURES

    sets = sorted({c["set"] for c in cards})
    lines = []
    for s in sets:
        train = [c for c in cards if c["set"] != s]
        test = [c for c in cards if c["set"] == s]
        X, y, w, _ = _card_matrix(train, pool)
        coef, _b = fit_logistic(X, y, w)
        held = cards_in_view(test, dict(zip(PASSAGE_FEATURES, coef)), n, pool)
        base = cards_in_view(test, {"rank": 1.0}, n, pool)
        lines.append(f"  held-out {s:26s} evidence among the first {n} cards: {held:.3f} (retrieval order {base:.3f})")
    X, y, w, _ = _card_matrix(cards, pool)
    coef, _b = fit_logistic(X, y, w)
    weights = {k: round(float(v), 4) for k, v in zip(PASSAGE_FEATURES, coef)}
    fitted = ", ".join(f"{s} {cards_in_view([c for c in cards if c['set'] == s], weights, n, pool):.3f}" for s in sets)
    lines.append(f"  fitted on all sets ({', '.join(f'{k} {v:+.2f}' for k, v in weights.items())}): {fitted}")
    return weights, "\n".join(lines)


def card_row(set_name: str, qid: str, question: str, judge: Any, excerpts: Sequence[Any],
             sentences: Sequence[Any], rows: Sequence[float]) -> dict:
    """One question's showable passages (in retrieval order): their card-order features and whether each holds
    the evidence."""
    from app.answer.cards import best_lines, named_statements, passage_features
    from app.answer.correctness import question_years

    best = best_lines(sentences)
    statements, years = named_statements(question), question_years(question)
    return {"set": set_name, "qid": f"{set_name}/{qid}", "group": "", "passages": [
        {"rank": r, "f": passage_features(r, e, best.get((e.doc_id, e.start)), statements, years, rows[r - 1]),
         "holds": judge.holds(e), "doc": e.doc_id, "pages": list(e.pages) if e.pages else None}
        for r, e in enumerate(excerpts, start=1)]}


def fit_order(cards: Sequence[dict]) -> tuple[dict[str, float], str]:
    """The card order's weights (fitted for the first `CARDS` cards of the top `card_pool` passages) and the report
    for both card counts a reply shows (`CARDS` after an answer, `EVIDENCE_CARDS` as an evidence reply's body)."""
    from app.answer.cards import CARDS, EVIDENCE_CARDS
    from app.settings import AnswerSettings

    pool = AnswerSettings().card_pool
    weights, text = fit_cards(cards, n=CARDS, pool=pool)
    return weights, text + "\n" + fit_cards(cards, n=EVIDENCE_CARDS, pool=pool)[1]
