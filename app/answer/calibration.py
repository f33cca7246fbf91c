"""Confidence model and sentence weights, fitted on the dev sets by `python -m bench.calibrate --write`.

Features, in order: sentence coverage, passage coverage, sentence dense similarity,
passage dense similarity, answer-type match, out-of-corpus share, rarest missing term.
"""
COEF = [0.8588, 0.6775, 0.5841, 0.588, 0.2454, -0.0284, 0.2705]
INTERCEPT = -2.4376
SENTENCE_WEIGHTS = {'cov': 0.25, 'pcov': 0.0, 'dense': 0.25, 'pdense': 0.05, 'type': 0.1, 'rank': 0.0}
