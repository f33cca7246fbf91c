"""Aggregates of a run: abstention precision/recall and latency percentiles."""
from __future__ import annotations

import math
from typing import Sequence

def abstention_scores(pairs: Sequence[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """Precision/recall/F1 of abstaining on unanswerable questions, and false-abstention rate on answerable ones.

    `pairs` holds (abstained, answerable) per question; undefined ratios are None.
    """
    tp = sum(1 for a, ok in pairs if a and not ok)
    fp = sum(1 for a, ok in pairs if a and ok)
    fn = sum(1 for a, ok in pairs if not a and not ok)
    n_answerable = sum(1 for _, ok in pairs if ok)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_abstention_rate": fp / n_answerable if n_answerable else None,
        "n_abstained": tp + fp,
        "n_unanswerable": tp + fn,
        "n_answerable": n_answerable,
    }


# --------------------------------------------------------------------------------------------- latency

PERCENTILE_METHOD = "nearest-rank"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least q% of values <= it); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_stats(latencies_ms: Sequence[float], wall_s: float | None = None) -> dict[str, float | None]:
    """p50/p95 (nearest-rank), mean and max latency in ms, and throughput (answers per wall-clock second)."""
    return {
        "p50": percentile(latencies_ms, 50),
        "p95": percentile(latencies_ms, 95),
        "mean": sum(latencies_ms) / len(latencies_ms) if latencies_ms else None,
        "max": max(latencies_ms) if latencies_ms else None,
        "qps": qps(len(latencies_ms), wall_s) if wall_s is not None else None,
    }


def qps(n: int, wall_s: float) -> float | None:
    """Questions answered per second of wall-clock time; None for a zero-length run."""
    return n / wall_s if wall_s > 0 else None
