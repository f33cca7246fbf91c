"""HTML: visible text with block elements as paragraphs, and the page title."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from corpus.loaders.decode import decode_text
from corpus.loaders.titles import document_title
from corpus.normalize import normalize_text
from corpus.loaders.types import Loaded

__all__ = ["html_to_text", "load_html"]

# Not <head> itself: html.parser does not close an unclosed <head>, so skipping it could drop
# the whole body; everything that normally lives in <head> is skipped (or textless) anyway.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "title", "meta", "link"})
_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main
    menu nav ol p pre section summary table tbody tfoot thead ul
    """.split()
)
# Table rows become one line each, cells separated by " | " (the canonical form of a table in every format).
_ROW_TAGS = frozenset({"tr"})
_CELL_TAGS = frozenset({"td", "th"})
# Private-use sentinels survive whitespace collapsing; they become newlines at the end.
_PARA = "\ue000"
_LINE = "\ue001"
_CELL = "\ue002"
_SENTINELS = re.compile(f"[{_PARA}{_LINE}{_CELL}]")
_END_BLOCK = object()


def _finish_html_text(pieces: list[str]) -> str:
    """Collapse HTML whitespace, then turn the break sentinels into newlines."""
    text = re.sub(r"\s+", " ", "".join(pieces))
    text = re.sub(rf" *([{_PARA}{_LINE}{_CELL}]) *", r"\1", text)
    # Empty cells vanish; a row's first cell needs no separator before it, its last none after it.
    text = re.sub(f"{_CELL}+", _CELL, text)
    text = re.sub(f"(^|[{_PARA}{_LINE}]){_CELL}", r"\1", text)
    text = re.sub(f"{_CELL}(?=[{_PARA}{_LINE}]|$)", "", text)
    text = text.replace(_CELL, " | ")
    text = re.sub(f"{_LINE}*{_PARA}[{_PARA}{_LINE}]*", "\n\n", text)
    return text.replace(_LINE, "\n")


def _html_text_bs4(markup: str) -> tuple[str, str | None]:
    """Extract (text, title) with BeautifulSoup; iterative walk, so deep nesting is fine."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(markup, "html.parser")
    title = None
    if soup.title is not None and soup.title.get_text(strip=True):
        title = " ".join(soup.title.get_text().split())
    else:
        h1 = soup.find("h1")
        if h1 is not None and h1.get_text(strip=True):
            title = " ".join(h1.get_text().split())

    pieces: list[str] = []
    # Explicit stack instead of recursion: thousands of nested <div>s must not overflow.
    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if node is _END_BLOCK:
            pieces.append(_PARA)

        elif isinstance(node, NavigableString):
            if not isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
                pieces.append(_SENTINELS.sub("", str(node)))
        elif isinstance(node, Tag):
            name = (node.name or "").lower()
            if name in _SKIP_TAGS:
                continue
            if name == "br":
                pieces.append(_LINE)
                continue
            if name == "pre":
                # Preformatted text keeps its line breaks.
                pieces.append(_PARA + _SENTINELS.sub("", node.get_text()).replace("\n", _LINE) + _PARA)
                continue
            if name in _BLOCK_TAGS:
                pieces.append(_PARA)
                stack.append(_END_BLOCK)
            elif name in _ROW_TAGS:
                pieces.append(_LINE)  # only before a row: two in a row would read as a paragraph break
            elif name in _CELL_TAGS:
                pieces.append(_CELL)
            stack.extend(reversed(node.contents))
    return _finish_html_text(pieces), title


class _FlatHTMLText(HTMLParser):
    """Stdlib fallback: a flat event stream, so no nesting depth can recurse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skip_depth = 0
        self.title: str | None = None
        self._in_title = False
        self._h1: list[str] | None = None
        self.h1: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "h1" and self.h1 is None:
            self._h1 = []
        if tag in _SKIP_TAGS and tag not in ("meta", "link"):  # void tags never close
            self.skip_depth += 1
        elif tag == "br" or tag in _ROW_TAGS:
            self.pieces.append(_LINE)
        elif tag in _CELL_TAGS:
            self.pieces.append(_CELL)
        elif tag in _BLOCK_TAGS:
            self.pieces.append(_PARA)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1" and self._h1 is not None:
            self.h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None
        if tag in _SKIP_TAGS and tag not in ("meta", "link"):
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append(_PARA)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = " ".join(((self.title or "") + " " + data).split())
        if self._h1 is not None:
            self._h1.append(data)
        if self.skip_depth == 0:
            self.pieces.append(_SENTINELS.sub("", data))


def _html_text_flat(markup: str) -> tuple[str, str | None]:
    """Extract (text, title) with the stdlib parser; used when BeautifulSoup recurses too deep."""
    parser = _FlatHTMLText()
    parser.feed(markup)
    parser.close()
    return _finish_html_text(parser.pieces), parser.title or parser.h1


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Visible text of an HTML page (blocks as paragraphs) and its title, if any."""
    try:
        return _html_text_bs4(markup)
    except RecursionError:
        return _html_text_flat(markup)


def load_html(raw: bytes, path: Path, shown: str) -> Loaded:
    """HTML: visible text only, block elements as paragraph breaks."""
    body, title = html_to_text(decode_text(raw, shown))
    text = normalize_text(body)
    # EDGAR pages are often titled with the accession number or "10-K"; document_title reads the cover instead.
    return text, document_title(title, text, path, from_lines=False), ()
