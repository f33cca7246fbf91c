"""Fitted numbers of the correctness model (app/answer/correctness.py) and the card order
(app/answer/cards.py), written by `python -m bench.outcomes --fit --write` on 2026-12-05.

Measurement that set them (held-out folds; the model below is then fitted on all rows):

    737 candidates of 557 questions (cell 34, frontmatter 1, sentence 702; sets covid-qa-dev, financebench-dev,
        seed-report, squad2-normans); row weights: sqrt; threshold 0.5

    Held out:
      set covid-qa-dev              393 candidates (166 right)  log loss 0.609  Brier 0.211  AUC 0.761  answered
        42/297 questions, precision 0.86 (a right candidate existed for 161)
      set financebench-dev          112 candidates (18 right)  log loss 0.546  Brier 0.163  AUC 0.303  answered 2/45
        questions, precision 0.00 (a right candidate existed for 11)
      set seed-report                14 candidates (13 right)  log loss 0.508  Brier 0.164  AUC 1.000  answered
        10/13 questions, precision 1.00 (a right candidate existed for 12)
      set squad2-normans            218 candidates (81 right)  log loss 0.735  Brier 0.266  AUC 0.628  answered
        132/202 questions, precision 0.43 (a right candidate existed for 81)
      documents 1/5                 156 candidates (64 right)  log loss 0.639  Brier 0.224  AUC 0.663  answered
        39/123 questions, precision 0.56 (a right candidate existed for 61)
      documents 2/5                 140 candidates (46 right)  log loss 0.549  Brier 0.183  AUC 0.773  answered
        47/112 questions, precision 0.60 (a right candidate existed for 45)
      documents 3/5                 164 candidates (74 right)  log loss 0.575  Brier 0.193  AUC 0.824  answered
        43/119 questions, precision 0.91 (a right candidate existed for 72)
      documents 4/5                  97 candidates (26 right)  log loss 0.576  Brier 0.200  AUC 0.712  answered
        33/74 questions, precision 0.42 (a right candidate existed for 24)
      documents 5/5                 180 candidates (68 right)  log loss 0.631  Brier 0.214  AUC 0.691  answered
        37/129 questions, precision 0.59 (a right candidate existed for 63)

    Per set, its documents held out (the document folds above):
      covid-qa-dev               answered 97/297 questions at threshold 0.5, precision 0.72 (a right candidate
        existed for 161)
      financebench-dev           answered 3/45 questions at threshold 0.5, precision 0.00 (a right candidate existed
        for 11)
      seed-report                answered 12/13 questions at threshold 0.5, precision 1.00 (a right candidate
        existed for 12)
      squad2-normans             answered 87/202 questions at threshold 0.5, precision 0.49 (a right candidate
        existed for 81)

    Reliability of the held-out document folds' probabilities:
      0.0–0.1     37 candidates  mean confidence 0.06  right 0.19
      0.1–0.2     74 candidates  mean confidence 0.15  right 0.11
      0.2–0.3    137 candidates  mean confidence 0.25  right 0.20
      0.3–0.4    166 candidates  mean confidence 0.35  right 0.34
      0.4–0.5    121 candidates  mean confidence 0.45  right 0.45
      0.5–0.6    118 candidates  mean confidence 0.55  right 0.62
      0.6–0.7     62 candidates  mean confidence 0.64  right 0.63
      0.7–0.8     19 candidates  mean confidence 0.74  right 0.58
      0.8–0.9      3 candidates  mean confidence 0.84  right 1.00

    Fitted on all rows: cell +0.84, frontmatter +0.00, rank +0.67, cov +1.69, pcov +0.43, dense +1.12, pdense +0.93,
        type +0.27, oov +0.10, maxmiss +0.55, margin +3.27, no_figure -0.60, year_miss -0.05, label +0.38, statement
        +0.19, derived -0.32, row_line -0.33; intercept -4.38; front matter right at rate 0.667 ((right + 1) / (n +
        2), n = 1)

    Card order:
      held-out covid-qa-dev               evidence among the first 3 cards: 0.768 (retrieval order 0.732)
      held-out financebench-dev           evidence among the first 3 cards: 0.356 (retrieval order 0.333)
      held-out seed-report                evidence among the first 3 cards: 0.750 (retrieval order 0.750)
      held-out squad2-normans             evidence among the first 3 cards: 0.447 (retrieval order 0.438)
      fitted on all sets (rank +2.29, line +1.12, pcov +1.56, pdense +1.58, statement +0.37, year_table +0.17, row
        +0.92): covid-qa-dev 0.768, financebench-dev 0.422, seed-report 0.750, squad2-normans 0.447
      held-out covid-qa-dev               evidence among the first 5 cards: 0.839 (retrieval order 0.815)
      held-out financebench-dev           evidence among the first 5 cards: 0.489 (retrieval order 0.467)
      held-out seed-report                evidence among the first 5 cards: 0.750 (retrieval order 0.750)
      held-out squad2-normans             evidence among the first 5 cards: 0.452 (retrieval order 0.447)
      fitted on all sets (rank +2.29, line +1.12, pcov +1.56, pdense +1.58, statement +0.37, year_table +0.17, row
        +0.92): covid-qa-dev 0.839, financebench-dev 0.511, seed-report 0.750, squad2-normans 0.452
"""
COEF = {
    "cell": 0.8408,
    "computed": 0.0,
    "frontmatter": 0.0,
    "rank": 0.6655,
    "cov": 1.6909,
    "pcov": 0.4317,
    "dense": 1.1236,
    "pdense": 0.9308,
    "type": 0.2728,
    "oov": 0.0966,
    "maxmiss": 0.5506,
    "margin": 3.2695,
    "no_figure": -0.5994,
    "year_miss": -0.0534,
    "label": 0.3819,
    "statement": 0.1949,
    "derived": -0.3198,
    "row_line": -0.328
}
"""Per feature (app.answer.correctness.FEATURES), its weight in the log-odds that the answer is right."""
INTERCEPT = -4.3827
FRONTMATTER_RATE = 0.6667
"""How often a front-matter answer was right on the dev sets: (right + 1) / (n + 2)."""
CARD_WEIGHTS = {"rank": 2.2894, "line": 1.1187, "pcov": 1.5638, "pdense": 1.5809, "statement": 0.3681, "year_table": 0.1715, "row": 0.9205}
"""Per passage feature (app.answer.cards.PASSAGE_FEATURES), its weight in the card order: the coefficients of
the fitted model of "this passage holds the evidence"."""
