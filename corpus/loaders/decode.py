"""Decode the bytes of a text-typed file (BOMs, UTF-8, cp1252, Latin-1) and refuse binary content."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from corpus.loaders.errors import LoadError

__all__ = ["decode_text"]

_BINARY_SAMPLE = 8192
_BINARY_NONPRINTABLE_SHARE = 0.30

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _looks_binary(text: str) -> bool:
    """True when a decoded sample holds NULs or mostly non-printable characters."""
    sample = text[:_BINARY_SAMPLE]
    if "\x00" in sample:
        return True
    if not sample:
        return False
    bad = sum(
        1 for ch in sample if ch not in "\n\r\t\f" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    return bad / len(sample) > _BINARY_NONPRINTABLE_SHARE


def decode_text(raw: bytes, path: str | Path = "<bytes>") -> str:
    """Decode a text file's bytes: BOM-marked UTF-8/16/32, else UTF-8, else cp1252, else Latin-1."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as e:
                raise LoadError(path, f"invalid {encoding} text ({e.reason})", "re-save it as UTF-8") from e
            break
    else:
        # NUL bytes never occur in text in the 8-bit encodings tried below.
        if b"\x00" in raw[:_BINARY_SAMPLE]:
            raise _binary_error(path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                # Latin-1 maps every byte, so this is the last resort that never fails.
                text = raw.decode("latin-1")
    if _looks_binary(text):
        raise _binary_error(path)
    return text


def _binary_error(path: str | Path) -> LoadError:
    """The one error for binary content in a text-typed file."""
    return LoadError(path, "looks like a binary file, not text", "check the file type or convert it to text")
