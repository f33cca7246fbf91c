"""The summary of an evaluation run: which metrics are averaged, why a question's retrieval may be unscored,
and the aggregates of one run (summary.json)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from eval import metrics as m
from eval.outcomes import outcome_counts, reliability

RANK_METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")
ANSWER_METRICS = ("em", "f1", "contains", "numeric")
CITATION_METRICS = ("supported", "citation_precision", "unsupported_rate", "evidence_precision", "fragment")
OUTCOME_METRICS = ("answer_right", "first_citation", "in_view")
"""Per reply: an answer is right (eval/outcomes.py), its first citation holds the reference context, and the
reference context is in view (citations + cards)."""
METRICS = RANK_METRICS + ANSWER_METRICS + CITATION_METRICS + OUTCOME_METRICS  # averaged in the summary

NOT_SCORED = {
    "no_contexts": "no reference contexts",
    "no_source": "source document not indexed",
    "not_found": "reference contexts not found in the document",
}
"""Why a question's retrieval is not scored (keys of Summary.retrieval_unscored) → how the summary says it."""



@dataclass
class Summary:
    """Aggregates of one run; `metrics` are means over the questions where each metric is defined."""

    n_questions: int
    n_answerable: int
    n_unanswerable: int
    n_abstained: int
    n_errors: int
    n_resumed: int
    metrics: dict[str, float | None]
    metric_counts: dict[str, int]
    abstention: dict[str, float | int | None]
    latency_ms: dict[str, float | None]
    latency_method: str
    qps: float | None
    workers: int
    wall_s: float
    threshold: float | None
    contexts_total: int
    contexts_unlocated: int
    retrieval_unscored: dict[str, int] = field(default_factory=dict)
    """Questions whose retrieval was not scored, per reason (keys of NOT_SCORED)."""
    contexts_overlap: int = 0
    """Reference contexts not in the documents verbatim but found by shingle overlap (another extraction)."""
    free_text_references: int = 0
    """Questions whose references are all free text: exact match and contains-reference left out for them."""
    fragment_answers: int = 0
    """Answers whose first segment is a heading, title or contents line (eval.metrics.is_fragment_answer)."""
    out_dir: str = ""
    files: dict[str, str] = field(default_factory=dict)
    answerers: dict[str, int] = field(default_factory=dict)
    """Answers per answerer ("extractive", "llm:MODEL", "LLM fallback"), for systems that say who answered."""
    outcomes: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    """Per outcome (answered / evidence / not_found): replies, judged, right and precision (eval/outcomes.py)."""
    reliability: list[dict[str, float | int | str]] = field(default_factory=list)
    """Per confidence bin of the judged answered replies: n, mean confidence, share right."""
    numeric: dict[str, list[int]] = field(default_factory=dict)
    """Numeric match split: "computed" / "read-off" (questions whose set says how the figure was obtained) and
    "computed answers" (answers computed from cells), each [matched, questions]."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the content of summary.json)."""
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Summary":
        """Rebuild a Summary from summary.json content, ignoring unknown keys."""
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)



def summarize(
    results: list[dict[str, Any]],
    *,
    workers: int,
    wall_s: float,
    n_run: int,
    threshold: float | None,
    n_resumed: int = 0,
    contexts_total: int = 0,
    contexts_overlap: int = 0,
) -> Summary:
    """Aggregate per-question results; `n_run` questions were answered in `wall_s` seconds by this run."""
    means: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for name in METRICS:
        vals = [r["metrics"][name] for r in results if r["metrics"].get(name) is not None]
        means[name] = sum(vals) / len(vals) if vals else None
        counts[name] = len(vals)
    ok = [r for r in results if not r.get("error")]
    lat = m.latency_stats([r["latency_ms"] for r in ok if r.get("latency_ms") is not None])
    lat.pop("qps")
    return Summary(
        n_questions=len(results),
        n_answerable=sum(1 for r in results if r["answerable"]),
        n_unanswerable=sum(1 for r in results if not r["answerable"]),
        n_abstained=sum(1 for r in ok if r["abstained"]),
        n_errors=len(results) - len(ok),
        n_resumed=n_resumed,
        metrics=means,
        metric_counts=counts,
        abstention=m.abstention_scores([(bool(r["abstained"]), bool(r["answerable"])) for r in ok]),
        latency_ms=lat,
        latency_method=m.PERCENTILE_METHOD,
        # Throughput is this run's only: resumed answers were timed by an earlier process.
        qps=m.qps(n_run, wall_s) if n_run else None,
        workers=workers,
        wall_s=wall_s,
        threshold=threshold,
        contexts_total=contexts_total,
        contexts_unlocated=sum(int(r["metrics"].get("contexts_unlocated") or 0) for r in results),
        answerers=_answerer_counts(ok),
        retrieval_unscored=_reason_counts(results),
        contexts_overlap=contexts_overlap,
        free_text_references=sum(1 for r in results if r.get("free_text_reference")),
        fragment_answers=sum(1 for r in ok if r["metrics"].get("fragment")),
        outcomes=outcome_counts(results),
        reliability=reliability(results),
        numeric=_numeric_split(results),
    )


def _numeric_split(results: list[dict[str, Any]]) -> dict[str, list[int]]:
    """[matched, scored] of numeric match per figure kind, and over the answers that were computed."""
    out: dict[str, list[int]] = {}
    for r in results:
        v = r["metrics"].get("numeric")
        if v is None:
            continue
        keys = [r["figure_kind"]] if r.get("figure_kind") else []
        if r.get("computation") and not r.get("abstained") and r["computation"].get("result"):
            keys.append("computed answers")
        for k in keys:
            cell = out.setdefault(k, [0, 0])
            cell[0] += int(v)
            cell[1] += 1
    return out


def _reason_counts(results: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        if r.get("error"):
            counts["error"] = counts.get("error", 0) + 1
        elif r.get("retrieval_unscored"):
            counts[r["retrieval_unscored"]] = counts.get(r["retrieval_unscored"], 0) + 1
    return counts


def _answerer_counts(results: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        name = r.get("answerer")
        if name:
            name = "LLM fallback" if "fallback" in name else name  # the fallback reason varies per question
            counts[name] = counts.get(name, 0) + 1
    return counts


def on_disk_summary(summary: Summary) -> Summary:
    """The summary as summary.json and report.html hold it: the run folder's name and file names only (the
    folder may be moved or served; the absolute path is the caller's, `summary.out_dir`)."""
    return replace(summary, out_dir=Path(summary.out_dir).name,
                   files={name: Path(path).name for name, path in summary.files.items()})
