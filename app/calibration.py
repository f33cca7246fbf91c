"""Confidence model coefficients, fitted on the dev sets by `python -m app.calibrate`.

Features, in order: sentence coverage, passage coverage, sentence dense similarity,
passage dense similarity, answer-type match.
"""
COEF = [6.0, 2.0, 4.0, 1.0, 1.0]
INTERCEPT = -6.0
