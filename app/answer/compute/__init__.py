"""Computed answers: figures (ratios, margins, turnover, days, averages, changes, growth) computed in decimal
arithmetic from cited statement cells, each operand re-checked by `app.answer.verify`.

Modules: `figures` (reading printed figures, rounding), `expr` (formula trees and their expression strings),
`concepts` (line items), `lexicon` (standard definitions), `phrases` and `question` (reading the question),
`sheets` (a document's statement tables), `operands` (finding a line item's cell), `engine` (expanding,
finding, computing), `render` (the answer text), `answer` (the Answer), `compare` (yes/no and which-is-largest
questions on figures), `segments` (which segment had the most), `derive` (whether a stated number follows from
cited cells, for the LLM check).
"""
from app.answer.compute.answer import compute_answer
from app.answer.compute.derive import derivable, derivation
from app.answer.compute.sheets import MapTables, TextTables

__all__ = ["MapTables", "TextTables", "compute_answer", "derivable", "derivation"]
