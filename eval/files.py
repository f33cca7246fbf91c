"""The files of an evaluation run: results.jsonl (written as questions finish, read back to resume),
results.csv and results.xlsx (safe to open in a spreadsheet)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

RESULTS_JSONL = "results.jsonl"
RESULTS_CSV = "results.csv"
RESULTS_XLSX = "results.xlsx"
SUMMARY_JSON = "summary.json"
REPORT_HTML = "report.html"

_XLSX_CELL_MAX = 32_767  # Excel's hard limit on characters in one cell


def _dump(r: Mapping[str, Any]) -> str:
    return json.dumps(r, ensure_ascii=False)


def _load_done(path: Path, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Finished results of an earlier run: valid lines for known ids; errored ones are dropped to be retried."""
    done: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return done
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue  # the line an interrupted run was writing
            if isinstance(r, dict) and r.get("id") in ids and not r.get("error"):
                done.setdefault(r["id"], r)
    return done


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a crash never leaves a half-written file behind


def _flat_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        row: dict[str, Any] = {}
        for k, v in r.items():
            if k == "metrics":
                row.update(v)  # one column per metric reads better in a spreadsheet than a JSON blob
            elif isinstance(v, (list, dict)):
                row[k] = json.dumps(v, ensure_ascii=False)
            else:
                row[k] = v
        rows.append(row)
    return rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (OWASP CSV injection)."""


def _csv_safe(v: Any) -> Any:
    # OWASP's rule: a leading quote makes a spreadsheet show the cell as text, never evaluate it.
    return "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v


def _xlsx_safe(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # openpyxl refuses control characters (PDF text has form feeds) and Excel truncates long cells.
    v = ILLEGAL_CHARACTERS_RE.sub("", v)
    return v if len(v) <= _XLSX_CELL_MAX else v[: _XLSX_CELL_MAX - 1] + "…"


def write_tables(results: list[dict[str, Any]], out_dir: Path) -> None:
    """Write results.csv and results.xlsx (metrics as columns, nested lists as JSON strings); text cells that
    start like a formula are written as text in both."""
    import pandas as pd  # slow to import; only needed at the end of a run

    df = pd.DataFrame(_flat_rows(results))
    df.map(_csv_safe).to_csv(out_dir / RESULTS_CSV, index=False)
    with pd.ExcelWriter(out_dir / RESULTS_XLSX, engine="openpyxl") as xw:
        df.map(_xlsx_safe).to_excel(xw, index=False)
        for row in xw.sheets["Sheet1"].iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl stores any string starting with "=" as a formula
                    cell.data_type = "s"
