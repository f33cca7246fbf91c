"""What a per-format loader returns."""
from __future__ import annotations

__all__ = ["Loaded"]

Loaded = tuple  # (text, title, page starts) or (text, title, page starts, OCRed page numbers)
"""(canonical text, title or None, start offset of each page; empty for formats without pages), optionally
followed by the 1-based numbers of pages whose text was read by OCR."""
