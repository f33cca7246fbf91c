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
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}
img.plot{max-width:100%;border:1px solid #eee;margin:0.5em 0}
.cite{font-size:90%;color:#444;margin:2px 0}.err{color:#b00}.bad{background:#fff3f3}
"""


def _e(x: Any) -> str:
    """Escaped text of anything: document, question and answer text may hold markup such as <script>."""
    return escape("" if x is None else str(x), quote=True)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1000 else f"{v:.1f}"
    return str(v)


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
    values = {k: v for k, v in summary.get("metrics", {}).items() if v is not None}
    for k in ("precision", "recall", "f1"):
        v = summary.get("abstention", {}).get(k)
        if v is not None:
            values[f"abstain {k}"] = v
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    if values:
        names = list(values)
        bars = ax.bar(names, [values[n] for n in names], color="#4c72b0")
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
        ax.tick_params(axis="x", labelrotation=45)
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
    rows = []
    for key in ("n_questions", "n_answerable", "n_unanswerable", "n_abstained", "n_errors", "n_resumed",
                "fragment_answers"):
        rows.append((key, summary.get(key)))
    counts = summary.get("metric_counts", {})
    for k, v in summary.get("metrics", {}).items():
        rows.append((f"{k} (n={counts.get(k, '?')})", v))
    for k, v in summary.get("abstention", {}).items():
        rows.append((f"abstention {k}", v))
    for k, v in summary.get("latency_ms", {}).items():
        rows.append((f"latency {k} ms ({summary.get('latency_method', '')})" if k in ("p50", "p95") else f"latency {k} ms", v))
    rows += [
        (f"qps (workers={summary.get('workers')})", summary.get("qps")),
        ("wall s", summary.get("wall_s")),
        ("threshold", summary.get("threshold")),
        ("contexts not located", f"{summary.get('contexts_unlocated')} of {summary.get('contexts_total')}"),
    ]
    return "\n".join(f'<tr><th>{_e(k)}</th><td class="num">{_e(_fmt(v))}</td></tr>' for k, v in rows)


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
            f"<td>{_e(_fmt(r.get('abstained')))}</td><td class=\"num\">{_e(_fmt(r.get('confidence')))}</td>"
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
<html lang="en"><head><meta charset="utf-8"><title>groundqa eval report</title><style>{_CSS}</style></head>
<body>
<h1>Evaluation report</h1>
<p>{_e(s.get("out_dir", ""))}</p>
<h2>Summary</h2>
<table>{_summary_rows(s)}</table>
<h2>Plots</h2>
{plots[0]}<br>{plots[1]}{plots[2]}
<h2>Worst {N_WORST} questions</h2>
<p>Errors first, then wrong abstentions, then the lowest contains + F1.</p>
<table><tr><th>id</th><th>question</th><th>answerable</th><th>reference</th><th>answer and citations</th>
<th>abstained</th><th>confidence</th><th>f1</th><th>contains</th></tr>
{_worst_rows(results)}
</table>
<details><summary>summary.json</summary><pre>{_e(json.dumps(s, indent=2, ensure_ascii=False))}</pre></details>
</body></html>
"""
    out_path = Path(out_path)
    out_path.write_text(html, encoding="utf-8")
    return out_path
