"""Scoring of any `ask` function over a question set: retrieval, answer, citation and abstention metrics.

Depends on nothing in groundqa: the system under test is described by the Protocols in eval.protocol.
"""
from eval.compare import Comparison, compare_runs, format_comparison, write_comparison_html
from eval.protocol import AnswerLike, AskFn, CitedLike, ExcerptLike, SpanLike
from eval.questions import Question, QuestionFileError, RowError, load_questions
from eval.runner import Summary, run_eval

__all__ = [
    "AnswerLike",
    "AskFn",
    "CitedLike",
    "Comparison",
    "ExcerptLike",
    "Question",
    "QuestionFileError",
    "RowError",
    "SpanLike",
    "Summary",
    "compare_runs",
    "format_comparison",
    "load_questions",
    "run_eval",
    "write_comparison_html",
]
