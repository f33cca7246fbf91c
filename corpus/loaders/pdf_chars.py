"""PDF page geometry from pdfium: words with their boxes, font size and weight, grouped into lines.

pypdfium2 gives every character's box and font; reading them for a page costs ~6 ms (3M 2022 10-K, 252 pages,
2 shared cores) against ~145 ms/page for pypdf's text extraction. Only the first and last character of each
word are asked for their box (pdfium already puts a generated space between words), so a page is a few
hundred calls, not thousands.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

__all__ = ["Line", "Word", "lines_of_text", "page_lines"]

BOLD_WEIGHT = 600
"""pdfium font weight (100-900) at or above which a word counts as bold."""
_LINE_TOLERANCE = 0.4  # words whose baselines differ by less than this many font sizes share a line
# pdfium marks a hyphen it takes for a line-break hyphen as U+FFFE (or 0x02); in the text it is a hyphen.
_HYPHEN_MARKS = {0xFFFE: "-", 0x02: "-"}
_HYPHEN_MARKS_STR = "\ufffe\x02"
_SPLIT_GAP = 1.0  # a gap inside a pdfium "word" wider than this many font sizes splits it (no space generated)


@dataclass(slots=True)
class Word:
    """A run of non-space characters: text, left and right x, baseline y (PDF points, y upwards), size, bold."""

    text: str
    x0: float
    x1: float
    y: float
    size: float
    bold: bool


@dataclass(slots=True)
class Line:
    """Words on one baseline, left to right."""

    words: list[Word] = field(default_factory=list)

    @property
    def y(self) -> float:
        return self.words[0].y if self.words else 0.0

    @property
    def size(self) -> float:
        """The line's font size: its largest word's (a heading's capitals decide, not a footnote marker)."""
        return max((w.size for w in self.words), default=0.0)

    @property
    def bold(self) -> bool:
        return bool(self.words) and all(w.bold for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class _Boxes:
    """Reusable ctypes out-parameters for pdfium's per-character calls (allocating them per call is the cost)."""

    def __init__(self) -> None:
        self.l, self.r, self.b, self.t = (ctypes.c_double() for _ in range(4))
        self.refs = tuple(ctypes.byref(v) for v in (self.l, self.r, self.b, self.t))
        self.ox, self.oy = ctypes.c_double(), ctypes.c_double()
        self.orefs = (ctypes.byref(self.ox), ctypes.byref(self.oy))
        import pypdfium2.raw as raw

        self.rect = raw.FS_RECTF()
        self.rect_ref = ctypes.byref(self.rect)


def _clean(word: str) -> str:
    """A word with pdfium's line-break hyphen marks as hyphens (translate only when there is one: it is slow)."""
    return word.translate(_HYPHEN_MARKS) if "\ufffe" in word or "\x02" in word else word


def _page_text(raw, handle, count: int, text: str) -> str:  # noqa: ANN001 - pdfium handles
    """Text whose index i is character i: pdfium's range text when it maps one to one, else char by char."""
    if len(text) != count:
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i) or 32) for i in range(count))
    return text


def _words(textpage) -> list[Word]:  # noqa: ANN001 - a pypdfium2 PdfTextPage
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    if count <= 0:
        return []
    handle = textpage.raw
    text = _page_text(raw, handle, count, textpage.get_text_range(0, count))
    box = _Boxes()
    out: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
            if text[j - 1] in _HYPHEN_MARKS_STR:
                break  # pdfium runs a line-break hyphen (U+FFFE) straight into the next line's word
        # The loose box's height is the size the glyphs are drawn at; FPDFText_GetFontSize gives the size
        # before the text matrix scales it (13 for 9-point figures in the 3M 10-K), so sizes would not compare.
        raw.FPDFText_GetLooseCharBox(handle, i, box.rect_ref)
        size = (box.rect.top - box.rect.bottom) or raw.FPDFText_GetFontSize(handle, i) or 1.0
        bold = raw.FPDFText_GetFontWeight(handle, i) >= BOLD_WEIGHT
        raw.FPDFText_GetCharOrigin(handle, i, *box.orefs)
        x0, y = box.ox.value, box.oy.value
        raw.FPDFText_GetCharBox(handle, j - 1, *box.refs)
        x1 = box.r.value
        if x1 < x0 or x1 - x0 > (j - i) * size * 0.75 + size or box.t.value < y or box.b.value > y + 0.5 * size:
            # Wider than its letters can be, or ending on another line: pdfium put no space or line break
            # into a gap (table cells drawn close, a wrapped line run on).
            out.extend(_split(raw, handle, text, i, j, size, bold, box))
        else:
            out.append(Word(_clean(text[i:j]), x0, x1, y, size, bold))
        i = j
    return out


def _split(raw, handle, text: str, i: int, j: int, size: float, bold: bool,  # noqa: ANN001
           box: _Boxes) -> list[Word]:
    """One pdfium word cut, from each character's box and origin, wherever the next character is more than
    _SPLIT_GAP font sizes to the right, back to the left, or on another baseline."""
    out: list[Word] = []
    start = i
    left0 = right0 = y0 = 0.0
    for k in range(i, j):
        raw.FPDFText_GetCharBox(handle, k, *box.refs)
        raw.FPDFText_GetCharOrigin(handle, k, *box.orefs)
        left, right, y = box.l.value, box.r.value, box.oy.value
        if k > i and (left - right0 > _SPLIT_GAP * size or left < right0 - size
                      or abs(y - y0) > _LINE_TOLERANCE * size):
            out.append(Word(_clean(text[start:k]), left0, right0, y0, size, bold))
            start = k
        if k == start:
            left0, y0 = left, y
        right0 = max(right, left0)
    out.append(Word(_clean(text[start:j]), left0, right0, y0, size, bold))
    return out


def group_lines(words: list[Word]) -> list[Line]:
    """Words grouped by baseline, top of the page first, each line left to right."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: -w.y):
        if lines and abs(lines[-1].words[0].y - w.y) <= _LINE_TOLERANCE * min(w.size, lines[-1].words[0].size):
            lines[-1].words.append(w)
        else:
            lines.append(Line([w]))
    for ln in lines:
        ln.words.sort(key=lambda w: w.x0)
    return lines


def page_lines(page) -> list[Line]:  # noqa: ANN001 - a pypdfium2 PdfPage
    """A pdfium page's text as lines of positioned words, top first."""
    textpage = page.get_textpage()
    try:
        return group_lines(_words(textpage))
    finally:
        textpage.close()


def lines_of_text(text: str, size: float = 10.0) -> list[Line]:
    """Lines for text without geometry (OCR output): one line per text line, words at their character column,
    a blank line read as a paragraph gap."""
    lines: list[Line] = []
    y = 0.0
    width = size * 0.5
    for raw_line in text.split("\n"):
        y -= size * 1.2
        if not raw_line.strip():
            y -= size * 1.2
            continue
        words: list[Word] = []
        col = 0
        for part in raw_line.split(" "):
            if part:
                words.append(Word(part, col * width, (col + len(part)) * width, y, size, False))
            col += len(part) + 1
        lines.append(Line(words))
    return lines
