"""Confidence model coefficients, fitted on the dev sets by `python -m bench.calibrate`.

Features, in order: sentence coverage, passage coverage, sentence dense similarity,
passage dense similarity, answer-type match, out-of-corpus share, rarest missing term.
"""
COEF = [6.0, 2.0, 4.0, 1.0, 1.0, -6.0, -3.0]
INTERCEPT = -6.0
SENTENCE_WEIGHTS = {"cov": 0.45, "pcov": 0.10, "dense": 0.30, "pdense": 0.05, "type": 0.10, "rank": 0.05}
