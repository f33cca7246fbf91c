"""Question sets: load JSONL, CSV or XLSX files into `Question`s, reporting bad rows by line."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from eval.metrics import figure_kind

SUFFIXES = (".jsonl", ".csv", ".xlsx")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


@dataclass
class Question:
    """One evaluation question with its accepted answers and the passages that hold them."""

    id: str
    question: str
    reference_answers: list[str] = field(default_factory=list)
    reference_contexts: list[str] = field(default_factory=list)
    source: str | None = None
    answerable: bool = True
    figure_kind: str | None = None
    """For a figure question, how its reference was obtained: "computed" or "read-off" (eval.metrics.figure_kind,
    from the set's `meta.justification`); None when the set does not say."""


@dataclass(frozen=True)
class RowError:
    """A skipped row: its 1-based line (JSONL/CSV) or sheet row (XLSX) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class QuestionFileError(ValueError):
    """The question file as a whole cannot be used; the message names the file, the problem and the fix."""


class _RowProblem(ValueError):
    pass


def _parse_bool(value: Any) -> bool:
    # Spreadsheets hand us real bools, ints or floats; CSV and hand-written JSONL hand us strings.
    if value is None or (isinstance(value, str) and not value.strip()):
        return True  # missing means answerable
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    raise _RowProblem(f"answerable must be true/false/1/0/yes/no, got {value!r}")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets store 42 as 42.0
    return str(value)


def _parse_list(value: Any, *, cell: bool) -> list[str]:
    """A list of strings from a JSON list, or one string; in a CSV/XLSX cell, text holding a JSON list is a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_as_text(v) for v in value if _as_text(v).strip()]
    text = _as_text(value)
    if cell and text.lstrip().startswith("["):
        # A context may itself start with "[" (a reference marker), so only a well-formed list counts as one.
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [_as_text(v) for v in parsed if _as_text(v).strip()]
    return [text] if text.strip() else []


def _dedup(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for s in items:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _question_from_row(row: dict[str, Any], line: int, *, cell: bool) -> Question:
    text = _as_text(row.get("question")).strip()
    if not text:
        raise _RowProblem("missing or empty question")
    qid = _as_text(row.get("id")).strip() or f"q{line}"
    answers = _parse_list(row.get("reference_answer"), cell=cell)
    meta = row.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("all_answers"), list):
        answers += _parse_list(meta["all_answers"], cell=False)  # SQuAD keeps every accepted answer here
    source = _as_text(row.get("source")).strip() or None
    return Question(
        id=qid,
        question=text,
        reference_answers=_dedup([a.strip() for a in answers if a.strip()]),
        reference_contexts=_parse_list(row.get("reference_contexts"), cell=cell),
        source=source,
        answerable=_parse_bool(row.get("answerable")),
        figure_kind=figure_kind(meta),
    )


def _jsonl_rows(path: Path, errors: list[RowError]) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(RowError(line_no, f"bad JSON: {e.msg} at column {e.colno}"))
                continue
            if not isinstance(obj, dict):
                errors.append(RowError(line_no, f"expected a JSON object, got {type(obj).__name__}"))
                continue
            yield line_no, obj


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    f = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(f)
    header = [h.strip() for h in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with f:
            start = reader.line_num + 1
            for values in reader:
                # A quoted cell may span lines; report the line the record starts on.
                if any(v.strip() for v in values):
                    yield start, dict(zip(header, values))
                start = reader.line_num + 1

    return header, rows()


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    import openpyxl  # only needed for spreadsheets

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [_as_text(h).strip() for h in next(it, ())]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for row_no, values in enumerate(it, start=2):
                if any(v is not None and _as_text(v).strip() for v in values):
                    yield row_no, dict(zip(header, values))
        finally:
            wb.close()

    return header, rows()


def load_questions(path: str | Path) -> tuple[list[Question], list[RowError]]:
    """Read questions from a .jsonl, .csv or .xlsx file; bad rows are skipped and returned as RowErrors."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise QuestionFileError(
            f"{path}: unknown file type {suffix or '(none)'!r}; use a .jsonl, .csv or .xlsx file with a 'question' column"
        )
    errors: list[RowError] = []
    try:
        if suffix == ".jsonl":
            header = None
            rows = list(_jsonl_rows(path, errors))
        else:
            header, it = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
            rows = list(it)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise QuestionFileError(f"{path}: cannot read the file ({e}); check the path and that it is UTF-8 {suffix[1:]}") from e
    except Exception as e:  # openpyxl raises several unrelated types for a corrupt workbook
        raise QuestionFileError(f"{path}: cannot read the file ({type(e).__name__}: {e}); save it again as {suffix[1:]}") from e

    if header is not None:
        has_question = "question" in header
    else:  # JSONL has no header: the column exists when some object has the key (or nothing parsed at all)
        has_question = not rows or any("question" in r for _, r in rows)
    if not has_question:
        raise QuestionFileError(
            f"{path}: no 'question' column; add a 'question' field/column holding each question's text"
        )

    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        try:
            q = _question_from_row(row, line, cell=header is not None)
        except _RowProblem as e:
            errors.append(RowError(line, str(e)))
            continue
        if q.id in first_line:
            # Results are joined and resumed by id, so a repeated id would silently shadow a question.
            errors.append(RowError(line, f"duplicate id {q.id!r} (first on line {first_line[q.id]})"))
            continue
        first_line[q.id] = line
        questions.append(q)

    if not questions:
        detail = f"; first problem: {sorted(errors, key=lambda e: e.line)[0]}" if errors else ""
        raise QuestionFileError(f"{path}: no valid question rows{detail}; add rows with a non-empty 'question'")
    errors.sort(key=lambda e: e.line)
    return questions, errors
