"""Loaders: every format to canonical text, and one-line LoadErrors for everything that fails."""
from __future__ import annotations

import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

import corpus.loaders as loaders
from corpus import (
    SAMPLE_DIR,
    ChunkParams,
    Document,
    LoadError,
    chunk_document,
    discover,
    iter_documents,
    load_file,
)

# --------------------------------------------------------------------------- fixtures


def _pdf_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], title: str | None = None, password: str | None = None) -> bytes:
    """A real PDF with one Helvetica text line per list item, built with pypdf (no binary fixtures)."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        if lines:
            ops = " T* ".join(f"({_pdf_escape(line)}) Tj" for line in lines)
            stream = StreamObject()
            stream.set_data(f"BT /F1 10 Tf 12 TL 72 740 Td {ops} ET".encode("latin-1"))
            page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if title:
        writer.add_metadata({"/Title": title})
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PAGE1 = [
    "Page one opens the report. It explains the exam-",
    "ple that follows and the methods used here.",
    "The final sentence of page one runs on to the",
]
PAGE2 = [
    "next page without a break in the middle of it.",
    "Page two then adds its own findings.",
]
PAGE3 = ["Page three concludes everything."]


@pytest.fixture()
def pdf_path(tmp_path: Path) -> Path:
    p = tmp_path / "report.pdf"
    p.write_bytes(make_pdf([PAGE1, PAGE2, PAGE3], title="Annual Report"))
    return p


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    return p


def load_error(path: Path) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_file(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{path}: ")
    return info.value


# --------------------------------------------------------------------------- LoadError


def test_load_error_is_one_line_with_fix() -> None:
    e = LoadError("report.pdf", "PDF is\nencrypted", "decrypt it or export it as text")
    assert str(e) == "report.pdf: PDF is encrypted — decrypt it or export it as text"
    assert e.path == "report.pdf" and e.reason == "PDF is encrypted"


# --------------------------------------------------------------------------- text and markdown


def test_sample_report_loads() -> None:
    doc = load_file(SAMPLE_DIR / "pursuing-stable-coexistence.txt", root=SAMPLE_DIR)
    raw = (SAMPLE_DIR / "pursuing-stable-coexistence.txt").read_bytes()
    assert doc.path == "pursuing-stable-coexistence.txt"
    assert doc.title == "Pursuing Stable Coexistence: A Reorientation of U.S. Policy Toward North Korea"
    assert doc.file_hash == hashlib.sha256(raw).hexdigest()
    assert doc.page_starts == () and doc.page_of(10) is None
    assert doc.text.startswith("8 May 2025\n\nPursuing") and doc.text.endswith("No comments:")
    assert doc.doc_id == Document(path="x", title="y", text=doc.text).doc_id


def test_path_relative_to_root_or_as_given(tmp_path: Path) -> None:
    p = write(tmp_path, "sub/dir/note.txt", "Hello there.")
    assert load_file(p, root=tmp_path).path == "sub/dir/note.txt"
    assert load_file(p).path == str(p)
    assert load_file(str(p)).path == str(p)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("caf\u00e9 \u201cquote\u201d".encode("utf-8"), "caf\u00e9 \u201cquote\u201d"),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "caf\u00e9"),
        ("caf\u00e9 na\u00efve \u00bd".encode("latin-1"), "caf\u00e9 na\u00efve \u00bd"),
        (b"\x93smart\x94 quotes \x96 dash \x80", "\u201csmart\u201d quotes \u2013 dash \u20ac"),
        ("\ufeffUTF-16 caf\u00e9 \u2603".encode("utf-16-le"), "UTF-16 caf\u00e9 \u2603"),
        ("\ufeffUTF-16 caf\u00e9 \u2603".encode("utf-16-be"), "UTF-16 caf\u00e9 \u2603"),
        ("caf\u00e9 in UTF-16".encode("utf-16"), "caf\u00e9 in UTF-16"),
    ],
)
def test_text_decoding(tmp_path: Path, data: bytes, expected: str) -> None:
    assert load_file(write(tmp_path, "t.txt", data)).text == expected


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x01\x02\x03\x04\x05\x06 text \x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17" * 20,
        b"PK\x03\x04" + bytes(range(1, 200)) + b"\x00" * 8,
    ],
    ids=["all-bytes", "control-chars-no-nul", "zip-header"],
)
def test_binary_named_txt_is_refused(tmp_path: Path, data: bytes) -> None:
    e = load_error(write(tmp_path, "image.txt", data))
    assert e.reason == "looks like a binary file, not text"


@pytest.mark.parametrize("data", [b"", b"  \n\t \r\n", "\ufeff\u200b".encode("utf-8")])
def test_empty_text_is_refused(tmp_path: Path, data: bytes) -> None:
    assert "no text found" in load_error(write(tmp_path, "empty.txt", data)).reason


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    p = write(tmp_path, "big.txt", b"word " * (700 * 1024))
    msg = str(load_error(p))
    assert msg.endswith("file is 3 MB, over the 2 MB limit — split it")


def test_unsupported_suffix(tmp_path: Path) -> None:
    e = load_error(write(tmp_path, "sheet.xlsx", b"data"))
    assert "unsupported file type '.xlsx'" in e.reason and ".pdf" in e.fix


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("my_notes-2024.txt", "x" * 130 + "\n\nbody", "my notes 2024"),
        ("a.txt", "\n\n  Short Title  \n\nBody text.", "Short Title"),
        ("a.txt", "12 March 2024\n\nReal Title\n\nBody.", "Real Title"),
        ("guide.md", "Intro line\n\n# The Guide #\n\n## Part\n\nText *here*.", "The Guide"),
        ("plain.md", "No heading here.\n\nMore.", "No heading here."),
    ],
)
def test_titles(tmp_path: Path, name: str, content: str, title: str) -> None:
    assert load_file(write(tmp_path, name, content)).title == title


def test_markdown_kept_as_written(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "g.md", "# Title\n\n- item *one*\n- item two\n\n```\ncode\n```\n"))
    assert doc.text == "# Title\n\n- item *one*\n- item two\n\n```\ncode\n```"


def test_invisible_and_control_chars_removed_on_load(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "z.txt", "ze\u200bro\u00a0wi\u2060dth\x07 ok\r\nnext\tline"))
    assert doc.text == "zero\u00a0width ok\nnext line"


# --------------------------------------------------------------------------- html

HTML = """<!DOCTYPE html>
<html><head><title> The  Page </title><style>p { color: red }</style>
<script>var secret = "do not index";</script></head>
<body><!-- a comment -->
<h1>Main heading</h1>
<p>First   paragraph
 spans lines with <b>bold</b> and <a href="#">a link</a>.</p>
<div>Block two<br>after a break</div>
<noscript>Enable JS</noscript><template><p>hidden template</p></template>
<p>Escaped &lt;script&gt;alert(1)&lt;/script&gt; stays &amp; shows.</p>
<ul><li>one</li><li>two</li></ul>
<pre>line 1
  line 2</pre>
</body></html>"""


def test_html_visible_text_only(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "page.html", HTML))
    assert doc.title == "The Page"
    assert doc.text == (
        "Main heading\n\n"
        "First paragraph spans lines with bold and a link.\n\n"
        "Block two\nafter a break\n\n"
        "Escaped <script>alert(1)</script> stays & shows.\n\n"
        "one\n\ntwo\n\n"
        "line 1\nline 2"  # <pre> keeps its line breaks (indentation collapses like all spaces)
    )
    for hidden in ("do not index", "color", "comment", "Enable JS", "hidden template"):
        assert hidden not in doc.text


def test_html_title_falls_back_to_h1_then_stem(tmp_path: Path) -> None:
    assert load_file(write(tmp_path, "a.htm", "<h1>Heading <i>One</i></h1><p>x y</p>")).title == "Heading One"
    assert load_file(write(tmp_path, "some_page.html", "<p>Only text.</p>")).title == "some page"


def test_html_deeply_nested(tmp_path: Path) -> None:
    depth = 5000
    markup = "<html><body>" + "<div>" * depth + "deep <span>text</span>" + "</div>" * depth + "</body></html>"
    doc = load_file(write(tmp_path, "deep.html", markup))
    assert doc.text == "deep text"


def test_html_flat_fallback_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_file(write(tmp_path, "page.html", HTML))

    def boom(markup: str) -> tuple[str, str | None]:
        raise RecursionError("too deep")

    monkeypatch.setattr(loaders.html, "_html_text_bs4", boom)
    doc = load_file(tmp_path / "page.html")
    assert doc.title == expected.title
    # The flat parser cannot see <pre>, so only its whitespace may differ.
    assert doc.text.split() == expected.text.split()


@pytest.mark.parametrize(
    "markup",
    [
        "<html><head><title>T</title><body><p>Hi there</p></body></html>",
        "<html><head><title>T</title><meta charset=utf-8><p>Hi there",
    ],
)
def test_html_unclosed_head_keeps_body(tmp_path: Path, markup: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_file(write(tmp_path, "u.html", markup)).text == "Hi there"
    monkeypatch.setattr(loaders.html, "_html_text_bs4", loaders.html._html_text_flat)
    assert load_file(tmp_path / "u.html").text == "Hi there"


def test_html_empty_body_refused(tmp_path: Path) -> None:
    e = load_error(write(tmp_path, "e.html", "<html><head><title>T</title><script>x()</script></head><body> </body></html>"))
    assert "no text found" in e.reason


# --------------------------------------------------------------------------- pdf


def test_pdf_pages_and_hyphenation(pdf_path: Path) -> None:
    doc = load_file(pdf_path)
    assert doc.title == "Annual Report"
    assert len(doc.page_starts) == 3 and doc.page_starts[0] == 0
    assert "explains the example that follows" in doc.text and "exam-" not in doc.text
    p2 = doc.text.index("next page without")
    p3 = doc.text.index("Page three")
    assert doc.page_starts[1] == p2 and doc.page_starts[2] == p3
    assert doc.text[p2 - 2 : p2] == "\n\n"
    assert doc.page_of(0) == 1 and doc.page_of(p2 - 1) == 1 and doc.page_of(p2) == 2 and doc.page_of(p3 + 3) == 3


def test_pdf_passage_crossing_pages(pdf_path: Path) -> None:
    doc = load_file(pdf_path)
    # A page break is not a paragraph break: passages flow on across pages.
    (whole,) = chunk_document(doc)
    assert (whole.start, whole.end, whole.pages) == (0, len(doc.text), (1, 3))
    passages = chunk_document(doc, ChunkParams(max_chars=150, overlap_sentences=1, min_chars=0))
    for p in passages:
        assert p.text == doc.text[p.start : p.end] and p.pages == doc.page_range(p.start, p.end)
    crossing = [p for p in passages if "runs on to the\n\nnext page" in p.text]
    assert len(crossing) == 1 and crossing[0].pages == (1, 2)
    assert passages[0].pages == (1, 1) and passages[-1].pages in ((2, 3), (3, 3))


def test_pdf_blank_page_keeps_numbering(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "gap.pdf", make_pdf([["First page text."], [], ["Third page text."]])))
    assert doc.text == "First page text.\n\nThird page text."
    assert doc.page_of(doc.text.index("Third")) == 3


def test_pdf_encrypted(tmp_path: Path) -> None:
    e = load_error(write(tmp_path, "report.pdf", make_pdf([PAGE1], password="secret")))
    assert str(e).endswith("report.pdf: PDF is encrypted and needs a password to open — save an unprotected copy and index that")


def test_pdf_owner_password_only_opens(tmp_path: Path) -> None:
    writer_pdf = make_pdf([["Readable without a password."]], password="")
    assert load_file(write(tmp_path, "open.pdf", writer_pdf)).text == "Readable without a password."


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.05])
def test_pdf_truncated(tmp_path: Path, keep: float) -> None:
    data = make_pdf([PAGE1, PAGE2])
    e = load_error(write(tmp_path, "cut.pdf", data[: int(len(data) * keep)]))
    assert "PDF" in e.reason


def test_pdf_not_a_pdf(tmp_path: Path) -> None:
    assert "PDF" in load_error(write(tmp_path, "fake.pdf", b"just some text, not a pdf")).reason


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    e = load_error(write(tmp_path, "scan.pdf", make_pdf([[], []])))
    assert str(e).endswith("PDF has no text layer (scanned images?) — run OCR first")


# --------------------------------------------------------------------------- docx


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = ""
    d.add_heading("Quarterly Review", level=0)
    d.add_paragraph("First paragraph of the review.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Sales"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "42"
    d.add_paragraph("")
    d.add_paragraph("Closing   paragraph.")
    p = tmp_path / "review.docx"
    d.save(str(p))
    doc = load_file(p)
    assert doc.title == "Quarterly Review"
    assert doc.text == (
        "Quarterly Review\n\nFirst paragraph of the review.\n\nRegion | Sales\nNorth | 42\n\nClosing paragraph."
    )


def test_docx_zip_bomb_ratio(tmp_path: Path) -> None:
    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    e = load_error(p)
    assert "zip bomb" in e.fix and "limit" in e.reason


def test_docx_zip_bomb_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders.docx, "DOCX_MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    p = tmp_path / "big.docx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("word/document.xml", random.Random(0).randbytes(2 * 1024 * 1024))  # incompressible
    assert "expands to 2 MB" in load_error(p).reason


def test_docx_not_a_zip(tmp_path: Path) -> None:
    assert "not a valid .docx" in load_error(write(tmp_path, "x.docx", b"plain text pretending")).reason


def test_docx_zip_without_document(tmp_path: Path) -> None:
    p = tmp_path / "hollow.docx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "could not read .docx" in load_error(p).reason


# --------------------------------------------------------------------------- discover / iter_documents


def test_discover_and_iter_documents(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root, "b.txt", "Bee text.")
    write(root, "a.md", "# A\n\nAy text.")
    write(root, "sub/c.HTML", "<p>Sea text.</p>")
    write(root, "sub/skip.xlsx", b"x")
    write(root, ".hidden.txt", "secret")
    write(root, ".git/config.txt", "secret")
    write(root, "z/empty.txt", b"")
    loose = write(tmp_path / "elsewhere", "loose.txt", "Loose text.")
    found = discover([root, loose, root / "b.txt"])  # the repeated b.txt is listed once
    assert [(f.relative_to(r).as_posix(), r) for f, r in found] == [
        ("a.md", root),
        ("b.txt", root),
        ("sub/c.HTML", root),
        ("z/empty.txt", root),
        ("loose.txt", loose.parent),
    ]
    results = list(iter_documents([root]))
    assert [r.path for r in results] == ["a.md", "b.txt", "sub/c.HTML", "z/empty.txt"]
    assert isinstance(results[-1], LoadError) and all(isinstance(r, Document) for r in results[:-1])


def test_discover_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope: no such file or folder"):
        discover([tmp_path / "nope"])


def test_explicit_unsupported_file_reported(tmp_path: Path) -> None:
    p = write(tmp_path, "data.csv", "a,b")
    (result,) = list(iter_documents([p]))
    assert isinstance(result, LoadError) and "unsupported" in result.reason
