"""One self-contained HTML report of a run: summary table, inline PNG plots and the worst questions."""
from __future__ import annotations

import base64
import io
import json
from html import escape
from pathlib import Path
from typing import Any, Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

N_WORST = 15

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;padding:0 1em;max-width:1200px;color:#222}
h1{font-size:1.6em}.scroll{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.summary{width:100%;max-width:46em}table.summary th{background:none;font-weight:500;width:55%}
table.summary td.num{white-space:normal}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:0.8em;align-items:start}
.plots .wide{grid-column:1/-1}img.plot{width:100%;height:auto;border:1px solid #eee;box-sizing:border-box}
.cite{font-size:90%;color:#444;margin:2px 0;overflow-wrap:anywhere}.err{color:#b00}.bad{background:#fff3f3}
.path{overflow-wrap:anywhere;color:#555}pre{white-space:pre-wrap;overflow-wrap:anywhere}
table.worst td{overflow-wrap:anywhere;min-width:4em}table.worst td:first-child{white-space:nowrap}
@media (max-width:640px){body{margin:1em auto;padding:0 0.6em}table.worst{font-size:90%}}
"""

LABELS = {
    "n_questions": "Questions", "n_answerable": "Answerable questions", "n_unanswerable": "Unanswerable questions",
    "n_abstained": "Abstained", "n_errors": "Errors", "n_resumed": "Resumed from an earlier run",
    "fragment_answers": "Fragment answers (a heading or title)",
    "hit@1": "Hit@1", "hit@5": "Hit@5", "hit@10": "Hit@10", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10",
    "em": "Exact match", "f1": "Token F1", "contains": "Contains the reference",
    "supported": "Supported by citations", "citation_precision": "Citation precision",
    "unsupported_rate": "Unsupported sentence rate", "evidence_precision": "Evidence precision",
    "fragment": "Fragment answer rate",
    "answer_right": "Answered replies right", "first_citation": "First citation holds the reference",
    "in_view": "Evidence in view (citations + cards)",
    "precision": "Abstention precision", "recall": "Abstention recall", "false_abstention_rate": "False abstention rate",
}
"""Readable names of summary keys and metrics (the report and its plots; raw keys stay in summary.json)."""


def label(key: str) -> str:
    """The readable name of a summary key or metric ('false_abstention_rate' → 'False abstention rate')."""
    return LABELS.get(key, key.replace("_", " ").capitalize())


def _e(x: Any) -> str:
    """Escaped text of anything: document, question and answer text may hold markup such as <script>."""
    return escape("" if x is None else str(x), quote=True)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1000 else f"{v:.1f}"
    return str(v)


def _conf(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}"


def _ms(v: Any) -> str:
    """Milliseconds as a whole number ('1,234'): finer digits are noise at this scale."""
    return "—" if v is None else f"{v:,.0f}"


def _png(fig: Figure) -> str:
    # Figure + Agg canvas, not pyplot: no global state, no display backend, safe in any thread.
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(kind: str, b64: str, alt: str) -> str:
    return f'<img class="plot" data-plot="{kind}" id="plot-{kind}" alt="{_e(alt)}" src="data:image/png;base64,{b64}">'


def _no_data(ax: Any) -> None:
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#888")


def _metrics_plot(summary: Mapping[str, Any]) -> str:
    values = {label(k): v for k, v in summary.get("metrics", {}).items() if v is not None}
    for k in ("precision", "recall", "f1", "false_abstention_rate"):
        v = summary.get("abstention", {}).get(k)
        if v is not None:
            values["Abstention F1" if k == "f1" else label(k)] = v
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    if values:
        names = list(values)
        bars = ax.bar(names, [values[n] for n in names], color="#4c72b0")
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
        ax.tick_params(axis="x", labelrotation=40, labelsize=8)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
    else:
        _no_data(ax)
    ax.set_ylim(0, 1.1)
    ax.set_title("Mean metrics")
    return _png(fig)


def _latency_plot(results: Sequence[Mapping[str, Any]]) -> str:
    lat = [r["latency_ms"] for r in results if r.get("latency_ms") is not None and not r.get("error")]
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot()
    if lat:
        ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="#55a868")
    else:
        _no_data(ax)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    return _png(fig)


def _confidence_plot(results: Sequence[Mapping[str, Any]], threshold: float | None) -> str:
    ok = [r for r in results if not r.get("error") and r.get("confidence") is not None]
    yes = [r["confidence"] for r in ok if r["answerable"]]
    no = [r["confidence"] for r in ok if not r["answerable"]]
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot()
    if yes or no:
        lo = min(yes + no + ([threshold] if threshold is not None else []))
        hi = max(yes + no + ([threshold] if threshold is not None else []))
        bins = [lo + (hi - lo) * i / 20 for i in range(21)] if hi > lo else 10
        if yes:
            ax.hist(yes, bins=bins, alpha=0.6, label=f"answerable ({len(yes)})", color="#4c72b0")
        if no:
            ax.hist(no, bins=bins, alpha=0.6, label=f"unanswerable ({len(no)})", color="#c44e52")
    else:
        _no_data(ax)
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:g}")
    if yes or no or threshold is not None:
        ax.legend(fontsize=8)
    ax.set_xlabel("confidence")
    ax.set_ylabel("questions")
    ax.set_title("Confidence by answerability")
    return _png(fig)


def _badness(r: Mapping[str, Any]) -> float | None:
    """Lower is worse; None for results that are not worth showing (correct abstention, perfect answer)."""
    if r.get("error"):
        return -2.0
    mt = r.get("metrics", {})
    if r["abstained"] != (not r["answerable"]):
        return -1.0  # abstained on an answerable question, or answered an unanswerable one
    if not r["answerable"]:
        return None
    if mt.get("contains") is None and mt.get("f1") is None:
        return None  # no reference answer to judge it by
    score = (mt.get("contains") or 0.0) + (mt.get("f1") or 0.0)
    return None if score >= 2.0 else score


def worst(results: Sequence[Mapping[str, Any]], n: int = N_WORST) -> list[Mapping[str, Any]]:
    """The n worst results: errors, wrong abstentions, then lowest contains + f1 (input order breaks ties)."""
    scored = [(b, i, r) for i, r in enumerate(results) if (b := _badness(r)) is not None]
    return [r for _, _, r in sorted(scored, key=lambda t: (t[0], t[1]))[:n]]


def _summary_rows(summary: Mapping[str, Any]) -> str:
    rows: list[tuple[str, str]] = []
    for key in ("n_questions", "n_answerable", "n_unanswerable", "n_abstained", "n_errors", "n_resumed",
                "fragment_answers"):
        rows.append((label(key), _fmt(summary.get(key))))
    counts = summary.get("metric_counts", {})
    unscored = {k: v for k, v in (summary.get("retrieval_unscored") or {}).items() if v}
    from eval.summary import NOT_SCORED

    why = "; ".join(f"{v} {NOT_SCORED.get(k, k.replace('_', ' '))}" for k, v in sorted(unscored.items()))
    rows.append(("Retrieval scored", f"{counts.get('hit@5', 0)} of {summary.get('n_questions')} questions"
                 + (f" ({why})" if why else "")))
    for k, v in summary.get("metrics", {}).items():
        if v is None and not counts.get(k):
            continue  # not measured in this run (no LLM answers, free-text references only, …)
        rows.append((f"{label(k)} (n={counts.get(k, '?')})", _fmt(v)))
    if summary.get("free_text_references"):
        rows.append(("Exact match, contains: left out", f"{summary['free_text_references']} free-text references"))
    ab = summary.get("abstention", {})
    for k in ("precision", "recall", "f1", "false_abstention_rate"):
        rows.append(("Abstention F1" if k == "f1" else label(k), _fmt(ab.get(k))))
    lat = summary.get("latency_ms", {})
    for k in ("p50", "p95", "mean"):
        if k in lat:
            rows.append((f"Latency {k} (ms)", _ms(lat.get(k))))
    qps = summary.get("qps")
    wall = summary.get("wall_s")
    rows += [
        (f"Questions per second ({summary.get('workers')} worker(s))", "—" if qps is None else f"{qps:.2f}"),
        ("Wall time (s)", "—" if wall is None else f"{wall:.1f}"),
        ("Abstention threshold", _fmt(summary.get("threshold"))),
        ("Reference contexts found by overlap", f"{summary.get('contexts_overlap', 0)} of {summary.get('contexts_total')}"),
        ("Reference contexts not found", f"{summary.get('contexts_unlocated')} of {summary.get('contexts_total')}"),
    ]
    return "\n".join(f'<tr><th>{_e(k)}</th><td class="num">{_e(v)}</td></tr>' for k, v in rows)


def _outcome_rows(summary: Mapping[str, Any]) -> str:
    """Per outcome: replies, how many could be judged, how many were right, precision."""
    out = []
    for name, o in (summary.get("outcomes") or {}).items():
        prec = "—" if o.get("precision") is None else f"{o['precision']:.3f}"
        out.append(f"<tr><th>{_e(name)}</th><td class=\"num\">{_e(o.get('n'))}</td>"
                   f"<td class=\"num\">{_e(o.get('judged'))}</td><td class=\"num\">{_e(o.get('right'))}</td>"
                   f"<td class=\"num\">{_e(prec)}</td></tr>")
    return "\n".join(out) or '<tr><td colspan="5">no outcomes recorded</td></tr>'


def _reliability_rows(summary: Mapping[str, Any]) -> str:
    """Per confidence bin of the judged answered replies: replies, mean confidence, share right."""
    out = [f"<tr><th>{_e(b['bin'])}</th><td class=\"num\">{_e(b['n'])}</td>"
           f"<td class=\"num\">{b['confidence']:.3f}</td><td class=\"num\">{b['right']:.3f}</td></tr>"
           for b in summary.get("reliability") or []]
    return "\n".join(out) or '<tr><td colspan="4">no judged answered replies</td></tr>'


def _worst_rows(results: Sequence[Mapping[str, Any]]) -> str:
    out = []
    for r in worst(results):
        mt = r.get("metrics", {})
        cites = "".join(
            f'<div class="cite">[{i}] {_e(c.get("citation"))} — {_e(c.get("doc"))}:{_e(c.get("start"))}–{_e(c.get("end"))}'
            f"<br>{_e(c.get('text'))}</div>"
            for i, c in enumerate(r.get("citations", []), start=1)
        )
        answer = f'<span class="err">error: {_e(r["error"])}</span>' if r.get("error") else _e(r.get("answer"))
        refs = "<br>".join(_e(a) for a in r.get("reference_answers", []) or [r.get("reference_answer", "")])
        out.append(
            "<tr class=\"bad\">"
            f"<td>{_e(r['id'])}</td><td>{_e(r['question'])}</td>"
            f"<td>{'yes' if r['answerable'] else 'no'}</td><td>{refs}</td>"
            f"<td>{answer}{cites}</td>"
            f"<td>{_e(r.get('outcome') or ('not_found' if r.get('abstained') else 'answered'))}</td>"
            f"<td class=\"num\">{_e(_conf(r.get('confidence')))}</td>"
            f"<td class=\"num\">{_e(_fmt(mt.get('f1')))}</td><td class=\"num\">{_e(_fmt(mt.get('contains')))}</td>"
            "</tr>"
        )
    return "\n".join(out) or '<tr><td colspan="9">none</td></tr>'


def write_report(
    summary: Any, results: Sequence[Mapping[str, Any]], out_path: Path, threshold: float | None
) -> Path:
    """Write one self-contained HTML report (inline CSS and base64 PNG plots, all text escaped)."""
    s: Mapping[str, Any] = summary.to_json() if hasattr(summary, "to_json") else summary
    plots = [
        _img("metrics", _metrics_plot(s), "bar chart of mean metrics"),
        _img("latency", _latency_plot(results), "histogram of latency"),
        _img("confidence", _confidence_plot(results, threshold), "confidence of answerable vs unanswerable"),
    ]
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>groundqa eval report</title><style>{_CSS}</style></head>
<body>
<h1>Evaluation report</h1>
<p class="path">{_e(s.get("out_dir", ""))}</p>
<h2>Summary</h2>
<div class="scroll"><table class="summary">{_summary_rows(s)}</table></div>
<h2>Outcomes</h2>
<p>Right means: an answer whose first citation holds the reference context (or that contains a short reference
answer); related passages (<em>evidence</em>) with the reference context in view; <em>not found</em> for a
question the documents do not answer.</p>
<div class="scroll"><table class="outcomes"><tr><th>Outcome</th><th>Replies</th><th>Judged</th><th>Right</th>
<th>Precision</th></tr>{_outcome_rows(s)}</table></div>
<h2>Reliability of the confidence</h2>
<p>Answered replies by reported confidence (the probability that the answer is right): the share right in each
bin should be close to its mean confidence. Run with threshold 0 to see every bin.</p>
<div class="scroll"><table class="reliability"><tr><th>Confidence</th><th>Replies</th><th>Mean confidence</th>
<th>Share right</th></tr>{_reliability_rows(s)}</table></div>
<h2>Plots</h2>
<div class="plots"><div class="wide">{plots[0]}</div><div>{plots[1]}</div><div>{plots[2]}</div></div>
<h2>Worst {N_WORST} questions</h2>
<p>Errors first, then wrong abstentions, then the lowest contains + F1.</p>
<div class="scroll"><table class="worst"><tr><th>Id</th><th>Question</th><th>Answerable</th><th>Reference</th>
<th>Answer and citations</th><th>Outcome</th><th>Confidence</th><th>Token F1</th><th>Contains</th></tr>
{_worst_rows(results)}
</table></div>
<details><summary>summary.json</summary><pre>{_e(json.dumps(s, indent=2, ensure_ascii=False))}</pre></details>
</body></html>
"""
    out_path = Path(out_path)
    out_path.write_text(html, encoding="utf-8")
    return out_path
