"""Fitted numbers of the correctness model (app/answer/correctness.py) and the card order
(app/answer/cards.py), written by `python -m bench.outcomes --fit --write` on 2026-12-06.

Measurement that set them (held-out folds; the model below is then fitted on all rows):

    764 candidates of 557 questions (cell 38, computed 20, frontmatter 1, sentence 705; sets covid-qa-dev,
        financebench-dev, seed-report, squad2-normans); row weights: sqrt; bars: threshold 0.5 (answers citing a
        paginated document), text_threshold 0.3 (plain text)

    Held out:
      set covid-qa-dev              393 candidates (166 right)  log loss 0.626  Brier 0.217  AUC 0.727  answered
        279/297 questions, precision 0.49 (a right candidate existed for 161)
      set financebench-dev          139 candidates (51 right)  log loss 1.237  Brier 0.335  AUC 0.231  answered 2/45
        questions, precision 0.00 (a right candidate existed for 24)
      set seed-report                14 candidates (13 right)  log loss 0.572  Brier 0.193  AUC 1.000  answered
        12/13 questions, precision 1.00 (a right candidate existed for 12)
      set squad2-normans            218 candidates (81 right)  log loss 0.735  Brier 0.267  AUC 0.632  answered
        198/202 questions, precision 0.39 (a right candidate existed for 81)
      documents 1/5                 159 candidates (67 right)  log loss 0.633  Brier 0.223  AUC 0.668  answered
        108/123 questions, precision 0.50 (a right candidate existed for 63)
      documents 2/5                 141 candidates (47 right)  log loss 0.581  Brier 0.196  AUC 0.762  answered
        102/112 questions, precision 0.40 (a right candidate existed for 46)
      documents 3/5                 178 candidates (90 right)  log loss 0.622  Brier 0.215  AUC 0.762  answered
        109/119 questions, precision 0.64 (a right candidate existed for 77)
      documents 4/5                 103 candidates (35 right)  log loss 0.614  Brier 0.212  AUC 0.703  answered
        61/74 questions, precision 0.43 (a right candidate existed for 29)
      documents 5/5                 183 candidates (72 right)  log loss 0.637  Brier 0.219  AUC 0.678  answered
        116/129 questions, precision 0.47 (a right candidate existed for 63)

    Per set, its documents held out (the document folds above):
      covid-qa-dev               answered 277/297 questions at the bars, precision 0.51 (a right candidate existed
        for 161)
      financebench-dev           answered 22/45 questions at the bars, precision 0.73 (a right candidate existed for
        24)
      seed-report                answered 12/13 questions at the bars, precision 1.00 (a right candidate existed for
        12)
      squad2-normans             answered 185/202 questions at the bars, precision 0.42 (a right candidate existed
        for 81)

    Trade-off of one bar for every answer (same held-out probabilities; questions answered, right):
      covid-qa-dev               0.25: 290 answered, 144 right; 0.30: 277 answered, 140 right; 0.40: 180 answered,
        113 right; 0.50: 90 answered, 62 right; 0.60: 19 answered, 18 right
      financebench-dev           0.25: 38 answered, 21 right; 0.30: 34 answered, 21 right; 0.40: 27 answered, 18
        right; 0.50: 22 answered, 16 right; 0.60: 18 answered, 15 right
      seed-report                0.25: 13 answered, 12 right; 0.30: 12 answered, 12 right; 0.40: 12 answered, 12
        right; 0.50: 11 answered, 11 right; 0.60: 8 answered, 8 right
      squad2-normans             0.25: 198 answered, 78 right; 0.30: 185 answered, 77 right; 0.40: 144 answered, 63
        right; 0.50: 87 answered, 44 right; 0.60: 38 answered, 18 right

    Reliability of the held-out document folds' probabilities:
      0.0–0.1     11 candidates  mean confidence 0.06  right 0.18
      0.1–0.2     47 candidates  mean confidence 0.17  right 0.21
      0.2–0.3    116 candidates  mean confidence 0.25  right 0.19
      0.3–0.4    194 candidates  mean confidence 0.36  right 0.28
      0.4–0.5    167 candidates  mean confidence 0.45  right 0.47
      0.5–0.6    134 candidates  mean confidence 0.55  right 0.58
      0.6–0.7     64 candidates  mean confidence 0.65  right 0.69
      0.7–0.8     22 candidates  mean confidence 0.74  right 0.68
      0.8–0.9      5 candidates  mean confidence 0.82  right 0.80
      0.9–1.0      4 candidates  mean confidence 0.94  right 0.75

    Fitted on all rows: cell +0.09, computed +2.04, frontmatter +0.00, rank +0.71, cov +1.23, pcov -0.17, dense
        +0.67, pdense +0.60, type +0.04, oov -0.07, maxmiss +0.07, margin +3.41, no_figure -0.67, year_miss +0.34,
        label +1.44, statement +0.56, derived -0.47, row_line +0.03, paged -0.33; intercept -2.71; front matter
        right at rate 0.667 ((right + 1) / (n + 2), n = 1)

    Card order:
      held-out covid-qa-dev               evidence among the first 3 cards: 0.755 (retrieval order 0.732)
      held-out financebench-dev           evidence among the first 3 cards: 0.622 (retrieval order 0.644)
      held-out seed-report                evidence among the first 3 cards: 0.750 (retrieval order 0.750)
      held-out squad2-normans             evidence among the first 3 cards: 0.442 (retrieval order 0.438)
      fitted on all sets (rank +2.54, line +0.81, pcov +1.22, pdense +1.15, statement +1.85, year_table +0.68, row
        +0.84): covid-qa-dev 0.752, financebench-dev 0.711, seed-report 0.750, squad2-normans 0.447
      held-out covid-qa-dev               evidence among the first 5 cards: 0.836 (retrieval order 0.815)
      held-out financebench-dev           evidence among the first 5 cards: 0.756 (retrieval order 0.756)
      held-out seed-report                evidence among the first 5 cards: 0.750 (retrieval order 0.750)
      held-out squad2-normans             evidence among the first 5 cards: 0.452 (retrieval order 0.447)
      fitted on all sets (rank +2.54, line +0.81, pcov +1.22, pdense +1.15, statement +1.85, year_table +0.68, row
        +0.84): covid-qa-dev 0.832, financebench-dev 0.778, seed-report 0.750, squad2-normans 0.452
"""
COEF = {
    "cell": 0.087,
    "computed": 2.0352,
    "frontmatter": 0.0,
    "rank": 0.7083,
    "cov": 1.2261,
    "pcov": -0.1747,
    "dense": 0.67,
    "pdense": 0.5954,
    "type": 0.0435,
    "oov": -0.0742,
    "maxmiss": 0.0708,
    "margin": 3.4145,
    "no_figure": -0.672,
    "year_miss": 0.3371,
    "label": 1.4436,
    "statement": 0.5581,
    "derived": -0.4707,
    "row_line": 0.0332,
    "paged": -0.3264
}
"""Per feature (app.answer.correctness.FEATURES), its weight in the log-odds that the answer is right."""
INTERCEPT = -2.7113
FRONTMATTER_RATE = 0.6667
"""How often a front-matter answer was right on the dev sets: (right + 1) / (n + 2)."""
CARD_WEIGHTS = {"rank": 2.5425, "line": 0.815, "pcov": 1.2172, "pdense": 1.1481, "statement": 1.8531, "year_table": 0.6816, "row": 0.8384}
"""Per passage feature (app.answer.cards.PASSAGE_FEATURES), its weight in the card order: the coefficients of
the fitted model of "this passage holds the evidence"."""
