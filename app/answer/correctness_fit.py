"""Fitted numbers of the correctness model (app/answer/correctness.py) and the card order
(app/answer/cards.py), written by `python -m bench.outcomes --fit --write` on 2026-12-05.

Measurement that set them (held-out folds; the model below is then fitted on all rows):

    625 candidates of 512 questions (frontmatter 1, sentence 624; sets covid-qa-dev, seed-report, squad2-normans); row weights: sqrt; threshold 0.5

    Held out:
      set covid-qa-dev              393 candidates (166 right)  log loss 0.578  Brier 0.197  AUC 0.804  answered 74/297 questions, precision 0.81 (a right candidate existed for 157)
      set seed-report                14 candidates (13 right)  log loss 0.437  Brier 0.132  AUC 1.000  answered 12/13 questions, precision 1.00 (a right candidate existed for 12)
      set squad2-normans            218 candidates (81 right)  log loss 0.789  Brier 0.284  AUC 0.625  answered 147/202 questions, precision 0.43 (a right candidate existed for 79)
      documents 1/5                 132 candidates (61 right)  log loss 0.665  Brier 0.237  AUC 0.636  answered 44/112 questions, precision 0.55 (a right candidate existed for 58)
      documents 2/5                 127 candidates (44 right)  log loss 0.566  Brier 0.190  AUC 0.789  answered 52/106 questions, precision 0.58 (a right candidate existed for 43)
      documents 3/5                 133 candidates (70 right)  log loss 0.608  Brier 0.208  AUC 0.808  answered 43/108 questions, precision 0.86 (a right candidate existed for 68)
      documents 4/5                  70 candidates (24 right)  log loss 0.637  Brier 0.225  AUC 0.667  answered 33/62 questions, precision 0.42 (a right candidate existed for 23)
      documents 5/5                 163 candidates (61 right)  log loss 0.563  Brier 0.192  AUC 0.770  answered 43/124 questions, precision 0.65 (a right candidate existed for 58)

    Reliability of the held-out document folds' probabilities:
      0.0–0.1      9 candidates  mean confidence 0.05  right 0.11
      0.1–0.2     50 candidates  mean confidence 0.16  right 0.06
      0.2–0.3     94 candidates  mean confidence 0.25  right 0.17
      0.3–0.4    129 candidates  mean confidence 0.35  right 0.33
      0.4–0.5    124 candidates  mean confidence 0.44  right 0.49
      0.5–0.6    128 candidates  mean confidence 0.55  right 0.60
      0.6–0.7     60 candidates  mean confidence 0.65  right 0.67
      0.7–0.8     24 candidates  mean confidence 0.74  right 0.54
      0.8–0.9      7 candidates  mean confidence 0.86  right 0.86

    Fitted on all rows: cell +0.00, frontmatter +0.00, rank +0.12, cov +1.45, pcov +1.20, dense +1.56, pdense +1.21, type +0.33, oov +0.29, maxmiss +0.95, margin +3.63, no_figure -0.66, year_miss +0.33, label +0.00; intercept -4.97; front matter right at rate 0.667 ((right + 1) / (n + 2), n = 1)

    Card order:
      line weight 0.0 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.876, seed-report 1.000, squad2-normans 0.978; mean 0.951
      line weight 0.25: evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.876, seed-report 1.000, squad2-normans 0.978; mean 0.951
      line weight 0.5 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.876, seed-report 1.000, squad2-normans 0.978; mean 0.951
      line weight 1.0 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.888, seed-report 1.000, squad2-normans 0.989; mean 0.959
      line weight 1.5 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.892, seed-report 1.000, squad2-normans 0.989; mean 0.960
      line weight 2.0 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.900, seed-report 1.000, squad2-normans 1.000; mean 0.967
      line weight 3.0 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.912, seed-report 1.000, squad2-normans 1.000; mean 0.971
      line weight 5.0 : evidence among the first 3 cards (questions whose shown passages hold it) covid-qa-dev 0.920, seed-report 1.000, squad2-normans 1.000; mean 0.973
"""
COEF = {
    "cell": 0.0,
    "frontmatter": 0.0,
    "rank": 0.1248,
    "cov": 1.4461,
    "pcov": 1.2039,
    "dense": 1.5557,
    "pdense": 1.2082,
    "type": 0.3299,
    "oov": 0.2895,
    "maxmiss": 0.9495,
    "margin": 3.6282,
    "no_figure": -0.6601,
    "year_miss": 0.3261,
    "label": 0.0
}
"""Per feature (app.answer.correctness.FEATURES), its weight in the log-odds that the answer is right."""
INTERCEPT = -4.9652
FRONTMATTER_RATE = 0.6667
"""How often a front-matter answer was right on the dev sets: (right + 1) / (n + 2)."""
CARD_WEIGHTS = {'rank': 1.0, 'line': 0.0}
"""A passage is shown higher for rank / its retrieval rank + line × its best line's sentence score."""
