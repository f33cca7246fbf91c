"""A PDF page's layout lines read from pdfium's character boxes: the same fixed-width lines pypdf's layout mode
makes (pdf_layout rebuilds columns, table rows and paragraphs from them), ~10x faster.

Each glyph's loose box (pdfium: from its origin to its advance, the font's ascent to descent) gives where it
sits. Spaces come from the geometry, never from pdfium's generated spaces: between two glyphs of one line the
gap is counted in the font's space widths (SPACE_EM of the glyph height, as pypdf counts a text operator's
offset), so a word placed by offset gets its space and a kerned pair does not. Glyphs that run on form a run;
a run starts where the gap is a cell gap (RUN_GAP spaces or more), the baseline moves, or the text goes back.
Runs are placed on the line at their column (x over the page's fixed character width, as pypdf does), so table
cells and text columns line up down the page; blank lines stand for vertical gaps as in pypdf's
`layout_mode_space_vertically`.

Some producers draw each glyph as its own text object and each space as a zero-width one, which pdfium's text
page drops ("range oftwenty", the 3M 2022 10-K). On such pages (text objects nearly one per glyph) the dropped
objects are found from pdfium's object list and the glyphs on either side of one are kept apart.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

__all__ = ["RUN_GAP", "SPACE_EM", "pdfium_lines"]

SPACE_EM = 0.25
"""A space's width as a share of the glyph height (loose box: ascent to descent, ~ the font size). Times' space
is 0.25 em, Helvetica's 0.278; a gap of half that or more is a space, as pypdf rounds a text offset."""
RUN_GAP = 3.0
"""A gap of this many space widths or more ends a run: the next glyphs are placed at their own column (a table
cell, a second text column), at least three spaces on, which pdf_layout reads as a cell gap."""
TRUST_SPACE = 2
"""Which spaces between two glyphs with no gap count: 2 only those drawn in the file, 1 pdfium's generated ones too."""
_SAME_RUN = 0.8  # a glyph whose box sits within this share of the glyph height of its run's continues it (a
# footnote marker raised a few points stays with its words, as in pypdf's text groups)
_LINE_MERGE = 1.0  # as pypdf: runs within a font size of a line's baseline join it unless they overlap it
_BACK = 1.0  # a glyph this many space widths left of the previous one's end starts a new run
_WIDTH_WEIGHT = 1.25  # pypdf's fixed character width: the mean advance per character divided by this
_CURRENCY = frozenset("$€£")
_MARKS = str.maketrans({"\ufffe": "-", "\x02": "-", "\x00": " "})  # pdfium's line-break hyphen marks
_BLANKS = frozenset(" \t\r\n\xa0\u2002\u2003\u2009\u200a\u202f\u3000\x0b\x0c")
_GLYPH_PER_OBJECT = 0.6  # text objects per glyph above which a page is drawn glyph by glyph


@dataclass(slots=True)
class _Run:
    """Glyphs that run on: their text (spaces included), left and right x, baseline y, glyph height."""

    text: list[str]
    x0: float
    x1: float
    y: float
    h: float
    size: float
    last_x0: float = 0.0  # left x of the run's last glyph


_ADDR: dict[str, object] = {}


def _addr_fn(name: str):  # noqa: ANN202 - a ctypes function
    """pdfium function `name` returning the handle as a plain int (pypdfium2's typed pointers need a slow cast
    to compare)."""
    fn = _ADDR.get(name)
    if fn is None:
        import pypdfium2.raw as raw
        from pypdfium2_raw.bindings import _libs

        fn = _libs["pdfium"][name]
        fn.argtypes = getattr(raw, name).argtypes
        fn.restype = ctypes.c_void_p
        _ADDR[name] = fn
    return fn


def _glyph_objects(raw, page, handle, count: int) -> list[int] | None:  # noqa: ANN001 - pdfium handles
    """For a page drawn glyph by glyph: each character's text object's position in the page's object list (-1
    for none), so that a dropped object between two glyphs shows as a jump; None for other pages."""
    objects = raw.FPDFPage_CountObjects(page)
    if objects < _GLYPH_PER_OBJECT * count:
        return None
    get_object, text_object = _addr_fn("FPDFPage_GetObject"), _addr_fn("FPDFText_GetTextObject")
    where = {get_object(page, k): k for k in range(objects)}
    get = where.get
    return [get(text_object(handle, i), -1) for i in range(count)]


def _skipped_space(raw, page, objs: list[int] | None, a: int, b: int) -> bool:  # noqa: ANN001
    """Whether characters a and b (a < b, consecutive glyphs) were drawn with a text object between them that
    pdfium's text page left out (a zero-width space)."""
    if objs is None or objs[a] < 0 or objs[b] != objs[a] + 2:
        return False
    obj = raw.FPDFPage_GetObject(page, objs[a] + 1)
    return raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_TEXT


def _runs(page) -> list[_Run]:  # noqa: ANN001 - a pypdfium2 PdfPage
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        if len(text) != count:  # characters outside the BMP: one string index per pdfium index
            text = "".join(chr(raw.FPDFText_GetUnicode(handle, i) or 32) for i in range(count))
        text = text.translate(_MARKS)
        objs = _glyph_objects(raw, page.raw, handle, count)
        box = raw.FS_RECTF()
        ref = ctypes.byref(box)
        ox, oy = ctypes.c_double(), ctypes.c_double()
        get_box, get_origin, get_angle = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharOrigin, raw.FPDFText_GetCharAngle
        is_generated = raw.FPDFText_IsGenerated
        matrix = raw.FS_MATRIX()
        mref = ctypes.byref(matrix)
        runs: list[_Run] = []
        run: _Run | None = None
        # The run under way, in locals (attribute access per glyph is what this loop would spend its time on).
        parts: list[str] = []
        x1 = bottom = rh = space = 0.0
        last = -1
        spaced = 0  # whitespace since the last glyph: 2 a space drawn in the file, 1 one pdfium generated
        for i, ch in enumerate(text):
            if ch in _BLANKS:
                if spaced < 2 and ch in " \xa0":
                    spaced = 1 if is_generated(handle, i) else 2
                continue  # line breaks are pdfium's: the baselines decide
            get_box(handle, i, ref)
            left, right, h = box.left, box.right, box.top - box.bottom
            if h <= 0:
                continue  # a glyph with no extent is nothing a reader sees
            if run is not None:
                gap = left - x1
                sp = space if space >= SPACE_EM * h else SPACE_EM * h
                dy = box.bottom - bottom
                if -_SAME_RUN * rh < dy < _SAME_RUN * rh and -_BACK * sp < gap < RUN_GAP * sp:
                    n = int(gap / sp + 0.5) if gap > 0 else 0
                    if n == 0 and (spaced >= TRUST_SPACE or objs is not None and _skipped_space(raw, page.raw, objs, last, i)):
                        n = 1
                    if n:
                        parts.append("  " if n > 1 else " ")
                    parts.append(ch)
                    if right > x1:
                        x1 = right
                    run.last_x0 = left
                    last, spaced = i, 0
                    continue
                run.x1 = x1
            angle = get_angle(handle, i)
            if 0.01 < angle < 6.27:  # rotated text (a sideways label): left out, as pypdf's layout mode does
                run = None
                continue
            if run is not None and len(parts) > 2 and parts[-1] in _CURRENCY and parts[-2].isspace():
                # A currency sign set apart from its figure (left of a right-aligned column) is a cell of its
                # own, which pdf_layout joins to the figure after it: "$(13)   $   2,802", not "$(13) $ | 2,802".
                sign = parts[-1]
                del parts[-2:]
                runs.append(_Run([sign], run.last_x0, run.x1, run.y, run.h, run.size, run.last_x0))
                run.x1 = run.last_x0
            get_origin(handle, i, ox, oy)
            # The font size as drawn (pypdf's font height: the size times the text matrix's vertical scale),
            # which decides blank lines as pypdf's layout mode does; the loose box's height is the font's
            # ascent to descent, a few percent off it.
            size = raw.FPDFText_GetFontSize(handle, i)
            if raw.FPDFText_GetMatrix(handle, i, mref):
                size *= (matrix.b * matrix.b + matrix.d * matrix.d) ** 0.5
            parts = [ch]
            run = _Run(parts, left, right, oy.value, h, size if size > 0 else h, left)
            runs.append(run)
            x1, bottom, rh, space = right, box.bottom, h, SPACE_EM * h
            last, spaced = i, 0
        if run is not None:
            run.x1 = x1
        return runs
    finally:
        textpage.close()


def _lines(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped by baseline, top first, each line left to right: a run within a font size of a line's first
    baseline joins it when it overlaps none of its runs (a footnote marker, figures set between two lines of
    their label), as pypdf's layout mode groups them."""
    lines: list[list[_Run]] = []
    ys: list[float] = []
    for r in sorted(runs, key=lambda r: (-r.y, r.x0)):
        if lines and abs(ys[-1] - r.y) < _LINE_MERGE * min(r.size, lines[-1][0].size) and not any(
                q.x0 < r.x1 and r.x0 < q.x1 for q in lines[-1]):
            lines[-1].append(r)
        else:
            lines.append([r])
            ys.append(r.y)
    for ln in lines:
        ln.sort(key=lambda r: r.x0)
    return lines


def pdfium_lines(page) -> list[str]:  # noqa: ANN001 - a pypdfium2 PdfPage
    """The page's text as fixed-width layout lines (columns at their x position, blank lines for vertical
    gaps), the form pypdf's layout mode gives."""
    runs = _runs(page)
    if not runs:
        return []
    x_min = min(r.x0 for r in runs)
    width = sum(r.x1 - r.x0 for r in runs)
    chars = sum(sum(len(t) for t in r.text) for r in runs)
    char_w = width / (chars * _WIDTH_WEIGHT) if chars and width > 0 else 0.0
    out: list[str] = []
    prev_y: float | None = None
    for line in _lines(runs):
        y, h = line[0].y, line[0].size
        if prev_y is not None and h > 0:
            out.extend([""] * min(max(int(abs(prev_y - y) / h) - 1, 0), 10))
        prev_y = y
        parts: list[str] = []
        length = 0
        for k, r in enumerate(line):
            col = int((r.x0 - x_min) / char_w) if char_w else length
            gap = r.x0 - line[k - 1].x1 if k else 0.0
            least = 0 if not k else (3 if gap >= RUN_GAP * SPACE_EM * r.h else 1)
            pad = max(col - length, least)
            if pad:
                parts.append(" " * pad)
                length += pad
            s = "".join(r.text)
            parts.append(s)
            length += len(s)
        out.append("".join(parts).rstrip())
    return out
