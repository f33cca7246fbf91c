"""Per-question table of figure answers from `groundqa eval` runs (#32): question, how the answer was obtained
(formula, operands found), result, reference, numeric match — the table the issue asks for.

    python -m bench.figures RUN_DIR:SET_DIR [RUN_DIR:SET_DIR ...] [--markdown]

Each RUN_DIR is a `groundqa eval --out` folder (its results.jsonl), SET_DIR the question set it answered. Only
questions whose reference starts with a number are listed (eval.metrics.reference_figure), as the independent
scorer counts them. Prints the table and the totals: numeric match over all, per figure kind, and over the
answers that were computed (the ≥ 0.90 target), and whether every computed answer's operands verified (the run's
answers were shown, so each passed `verify`; an answer that failed it would have been withdrawn).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from eval.metrics import numeric_match, reference_figure


def _rows(run: Path, qset: Path) -> list[dict]:
    qs = {json.loads(line)["id"]: json.loads(line) for line in (qset / "questions.jsonl").open(encoding="utf-8")}
    out = []
    for line in (run / "results.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        q = qs.get(r["id"]) or {}
        ref = q.get("reference_answer") or r.get("reference_answer") or ""
        if reference_figure(ref) is None:
            continue
        comp = r.get("computation") or {}
        answer = "" if r.get("abstained") else r.get("answer", "")
        ops = "; ".join(f"{o['label']} {o['text']} ({o['period']})" for o in comp.get("operands", []))
        how = comp.get("expression") or ("missing: " + "; ".join(comp["missing"]) if comp.get("missing") else "")
        out.append({"id": r["id"], "question": r["question"], "kind": r.get("figure_kind") or "",
                    "outcome": r.get("outcome") or ("not_found" if r.get("abstained") else "answered"),
                    "formula": comp.get("definition", "") + (f" | {how}" if how else ""), "operands": ops,
                    "result": comp.get("result") or (answer[:80] if answer else ""), "reference": ref[:40],
                    "computed": bool(comp.get("result")) and not r.get("abstained"),
                    "match": bool(numeric_match(ref, answer))})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="RUN_DIR:SET_DIR pairs")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    rows = []
    for pair in args.runs:
        run, qset = pair.split(":", 1)
        rows += _rows(Path(run), Path(qset))
    if args.markdown:
        print("| question | kind | formula | operands found | result | reference | match |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            cells = [r["question"][:90], r["kind"], r["formula"][:90], r["operands"][:160], r["result"], r["reference"],
                     "✓" if r["match"] else "✗"]
            print("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    else:
        for r in rows:
            print(f"{'OK' if r['match'] else '--'} {r['id']} [{r['kind']}, {r['outcome']}] {r['question'][:80]}\n"
                  f"   formula: {r['formula'][:120]}\n   operands: {r['operands'][:200]}\n"
                  f"   result: {r['result']}   reference: {r['reference']}")
    n = len(rows)
    hit = sum(r["match"] for r in rows)
    comp = [r for r in rows if r["computed"]]
    print(f"\nnumeric match: {hit}/{n} = {hit / n:.3f}" if n else "\nno figure questions")
    for kind in sorted({r["kind"] for r in rows if r["kind"]}):
        sub = [r for r in rows if r["kind"] == kind]
        print(f"  {kind}: {sum(r['match'] for r in sub)}/{len(sub)}")
    if comp:
        print(f"computed answers shown: {len(comp)}, matching: {sum(r['match'] for r in comp)}/{len(comp)} = "
              f"{sum(r['match'] for r in comp) / len(comp):.3f}")


if __name__ == "__main__":
    main()
