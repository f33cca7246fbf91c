"""What a per-format loader returns."""
from __future__ import annotations

__all__ = ["Loaded"]

Loaded = tuple[str, "str | None", tuple[int, ...]]
"""(canonical text, title or None, start offset of each page; empty for formats without pages)."""
