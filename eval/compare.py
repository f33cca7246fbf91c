"""Compare two eval runs: metric deltas and the questions that flipped between right and wrong."""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Mapping

from eval.runner import RESULTS_JSONL, SUMMARY_JSON


@dataclass(frozen=True)
class MetricDelta:
    """One summary number in both runs; delta = b - a (None when either is missing)."""

    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class Flip:
    """A question right in one run and wrong in the other."""

    id: str
    question: str
    answerable: bool
    answer_a: str
    answer_b: str


@dataclass
class Comparison:
    """Result of comparing run B against run A."""

    run_a: str
    run_b: str
    deltas: list[MetricDelta] = field(default_factory=list)
    right_to_wrong: list[Flip] = field(default_factory=list)
    wrong_to_right: list[Flip] = field(default_factory=list)
    n_common: int = 0
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)


def is_right(r: Mapping[str, Any]) -> bool | None:
    """Right = contains the reference (answerable) or abstained (unanswerable); None when it cannot be judged."""
    if r.get("error"):
        return False
    if not r.get("answerable", True):
        return bool(r.get("abstained"))
    contains = (r.get("metrics") or {}).get("contains")
    return None if contains is None else bool(contains)


def _numbers(summary: Mapping[str, Any]) -> dict[str, float | None]:
    # The comparable numbers: mean metrics, abstention ratios, latency and throughput, failure counts.
    out: dict[str, float | None] = {}
    for k, v in (summary.get("metrics") or {}).items():
        out[k] = v
    for k in ("precision", "recall", "f1", "false_abstention_rate"):
        out[f"abstain_{k}"] = (summary.get("abstention") or {}).get(k)
    for k in ("p50", "p95"):
        out[f"latency_{k}_ms"] = (summary.get("latency_ms") or {}).get(k)
    for k in ("qps", "n_errors", "n_abstained", "contexts_unlocated"):
        out[k] = summary.get(k)
    return out


def _load_run(run: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    summary_path, results_path = run / SUMMARY_JSON, run / RESULTS_JSONL
    for p in (summary_path, results_path):
        if not p.exists():
            raise FileNotFoundError(f"{p}: missing; point at a finished run_eval output folder")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    results: dict[str, dict[str, Any]] = {}
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            results[r["id"]] = r
    return summary, results


def compare_runs(run_a: Path, run_b: Path) -> Comparison:
    """Metric deltas (B - A) from the two summary.json files and right/wrong flips joined by question id."""
    run_a, run_b = Path(run_a), Path(run_b)
    sa, ra = _load_run(run_a)
    sb, rb = _load_run(run_b)
    na, nb = _numbers(sa), _numbers(sb)
    c = Comparison(run_a=str(run_a), run_b=str(run_b))
    c.deltas = [MetricDelta(k, na.get(k), nb.get(k)) for k in dict.fromkeys([*na, *nb])]
    common = [i for i in ra if i in rb]
    c.n_common = len(common)
    c.only_in_a = [i for i in ra if i not in rb]
    c.only_in_b = [i for i in rb if i not in ra]
    for i in common:
        a, b = ra[i], rb[i]
        right_a, right_b = is_right(a), is_right(b)
        if right_a is None or right_b is None or right_a == right_b:
            continue
        flip = Flip(i, a["question"], bool(a.get("answerable", True)), a.get("answer", ""), b.get("answer", ""))
        (c.right_to_wrong if right_a else c.wrong_to_right).append(flip)
    return c


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


def format_comparison(c: Comparison) -> str:
    """Plain-text table of metric deltas and the flipped question ids."""
    width = max([len(d.name) for d in c.deltas] + [6])
    lines = [f"A: {c.run_a}", f"B: {c.run_b}", "", f"{'metric':<{width}}  {'A':>10}  {'B':>10}  {'B-A':>10}"]
    for d in c.deltas:
        delta = "—" if d.delta is None else f"{d.delta:+.4f}"
        lines.append(f"{d.name:<{width}}  {_f(d.a):>10}  {_f(d.b):>10}  {delta:>10}")
    lines += ["", f"questions in both runs: {c.n_common} (only A: {len(c.only_in_a)}, only B: {len(c.only_in_b)})"]
    for title, flips in (("right -> wrong", c.right_to_wrong), ("wrong -> right", c.wrong_to_right)):
        lines.append(f"{title}: {len(flips)}")
        lines += [f"  {f.id}: {f.question}" for f in flips]
    return "\n".join(lines) + "\n"


def write_comparison_html(c: Comparison, path: Path) -> Path:
    """Write the comparison as one self-contained HTML page with all text escaped."""
    e = escape
    rows = "\n".join(
        f"<tr><td>{e(d.name)}</td><td>{_f(d.a)}</td><td>{_f(d.b)}</td>"
        f"<td>{'—' if d.delta is None else f'{d.delta:+.4f}'}</td></tr>"
        for d in c.deltas
    )

    def flips(title: str, items: list[Flip]) -> str:
        body = "\n".join(
            f"<tr><td>{e(f.id)}</td><td>{e(f.question)}</td><td>{'yes' if f.answerable else 'no'}</td>"
            f"<td>{e(f.answer_a)}</td><td>{e(f.answer_b)}</td></tr>"
            for f in items
        )
        return (
            f"<h2>{e(title)} ({len(items)})</h2><table><tr><th>id</th><th>question</th><th>answerable</th>"
            f"<th>answer A</th><th>answer B</th></tr>{body}</table>"
        )

    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>eval comparison</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}</style></head><body>
<h1>Comparison</h1><p>A: {e(c.run_a)}<br>B: {e(c.run_b)}</p>
<table><tr><th>metric</th><th>A</th><th>B</th><th>B−A</th></tr>{rows}</table>
<p>Questions in both runs: {c.n_common} (only A: {len(c.only_in_a)}, only B: {len(c.only_in_b)})</p>
{flips("right → wrong", c.right_to_wrong)}
{flips("wrong → right", c.wrong_to_right)}
</body></html>
"""
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m eval.compare RUN_A RUN_B [--html out.html]."""
    p = argparse.ArgumentParser(prog="python -m eval.compare", description=compare_runs.__doc__)
    p.add_argument("run_a", type=Path)
    p.add_argument("run_b", type=Path)
    p.add_argument("--html", type=Path, help="also write the comparison as HTML here")
    args = p.parse_args(argv)
    c = compare_runs(args.run_a, args.run_b)
    print(format_comparison(c), end="")
    if args.html:
        write_comparison_html(c, args.html)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
