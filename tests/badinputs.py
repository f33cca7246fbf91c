"""Generate a corpus of hostile and awkward input files (nothing binary is committed).

`make_bad_corpus(folder)` writes every case and returns their specs: file name, what it is, and
whether indexing must skip it (`bad=True`) or index it (`bad=False`), plus a word the reason or
indexed text must contain.
"""
from __future__ import annotations

import io
import random
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

BIG_TEXT_BYTES = 50 * 1024 * 1024
ZIP_BOMB_BYTES = 300 * 1024 * 1024  # over corpus.loaders.DOCX_MAX_UNCOMPRESSED_BYTES, ~300 KB packed


@dataclass(frozen=True)
class Case:
    """One generated input file and the outcome indexing must have."""

    name: str
    what: str
    bad: bool          # True: skipped with a one-line warning; False: indexed
    expect: str        # bad: a word in the warning's reason; good: a word of the indexed text


def _pdf_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _font(writer: PdfWriter):
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))


def make_pdf(pages: list[list[str]], password: str | None = None) -> bytes:
    """A real text PDF, one Helvetica line per list item (built with pypdf)."""
    writer = PdfWriter()
    font = _font(writer)
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        ops = " T* ".join(f"({_pdf_escape(line)}) Tj" for line in lines)
        stream = StreamObject()
        stream.set_data(f"BT /F1 10 Tf 12 TL 72 740 Td {ops} ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_scanned_pdf() -> bytes:
    """A PDF whose only page paints a grey-scale image: no text layer at all (like a scan)."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    rng = random.Random(7)
    img = StreamObject()
    img.set_data(bytes(rng.randrange(256) for _ in range(64 * 64)))
    img.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(64),
        NameObject("/Height"): NumberObject(64),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(8),
    })
    content = StreamObject()
    content.set_data(b"q 500 0 0 700 50 50 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(img)}),
        NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/ImageB")]),
    })
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    """A small valid .docx (python-docx)."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def write_zip_bomb(path: Path, expanded: int = ZIP_BOMB_BYTES) -> None:
    """A .docx-named zip whose document part inflates to `expanded` bytes of zeros (streamed, low memory)."""
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            left = expanded
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)


def write_big_text(path: Path, size: int = BIG_TEXT_BYTES) -> None:
    """`size` bytes of varied English-like prose, written in blocks (the fixture stays low-memory)."""
    rng = random.Random(50)
    words = ("ledger harbour granite quorum lantern meadow copper signal orchard tundra velvet "
             "beacon canyon delta ember falcon glacier horizon island jasmine kernel lagoon").split()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Big Ledger Of Harbours\n\n")
        written = 0
        n = 0
        while written < size:
            sents = []
            for _ in range(6):
                n += 1
                sents.append(f"Record {n} notes the " + " ".join(rng.choice(words) for _ in range(10)) + ".")
            para = " ".join(sents) + "\n\n"
            fh.write(para)
            written += len(para)


def make_bad_corpus(folder: Path, big: bool = True) -> list[Case]:
    """Write every case into `folder`; returns the cases (see Case)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def put(name: str, data: bytes, what: str, bad: bool, expect: str) -> None:
        (folder / name).write_bytes(data)
        cases.append(Case(name, what, bad, expect))

    good_pdf = make_pdf([["The lighthouse keeper logged every passing ship in the harbour."],
                         ["A second page lists the tides of the northern estuary."]] * 20)
    put("good.pdf", good_pdf, "valid 40-page text PDF", False, "lighthouse")
    put("good.txt", b"Orchard report.\n\nThe apple orchard produced nine tonnes of fruit in 2024.\n",
        "valid UTF-8 text", False, "orchard")
    put("good.docx", make_docx(["Quarry notes", "The granite quarry reopened in March after the floods."]),
        "valid DOCX", False, "quarry")
    put("truncated.pdf", good_pdf[: len(good_pdf) // 3], "PDF cut to its first third (no xref, no trailer)",
        True, "PDF")
    rng = random.Random(3)
    put("corrupt.pdf", b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(20_000)),
        "PDF header followed by random bytes", True, "PDF")
    put("encrypted.pdf", make_pdf([["Secret minutes of the board."]], password="hunter2"),
        "RC4-128 encrypted PDF with a user password", True, "encrypted")
    put("scanned.pdf", make_scanned_pdf(), "PDF whose page is an image, no text layer", True, "no text layer")
    put("empty.txt", b"", "0-byte file", True, "empty")
    rng5 = random.Random(5)
    put("binary.txt", bytes(rng5.randrange(256) for _ in range(50_000)),
        "random binary bytes named .txt", True, "binary")
    put("latin1.txt", "Café crème in Besançon: the fromagerie sold Comté and Mont d'Or.\n".encode("latin-1"),
        "Latin-1 (ISO-8859-1) text", False, "fromagerie")
    put("utf16.txt", "Das Übungsheft erklärt die Gezeiten der Nordsee.\n".encode("utf-16"),
        "UTF-16 text with BOM", False, "Nordsee")
    zw = "\x07 ".join("\u200b".join(w) + "\u200d\x1b" for w in "Zerowidth glacier survey measured the ice.".split())
    put("zerowidth.txt", ("\ufeff" + zw + "\n").encode("utf-8"),
        "text with zero-width chars between all letters, control chars in every word",
        False, "glacier")
    ctl = "".join(ch + "\x01\x02\x03" for ch in "Mostly control characters here.")
    put("controls.txt", ctl.encode("utf-8"), "text where control characters outnumber letters 3:1", True, "binary")
    put("nested.html", (b"<html><body>" + b"<div>" * 100_000 + b"<p>The nested canyon trail is open.</p>"
                        + b"</div>" * 100_000 + b"</body></html>"), "HTML nested 100,000 divs deep", False,
        "canyon")
    put("a..b ü.txt", "Dotted name file about the falcon sanctuary.\n".encode("utf-8"),
        "file name with spaces, unicode and '..'", False, "falcon")
    write_zip_bomb(folder / "bomb.docx")
    cases.append(Case("bomb.docx", "ZIP bomb named .docx (300 MB of zeros, ~300 KB packed)", True, "zip bomb"))
    if big:
        write_big_text(folder / "big.txt")
        cases.append(Case("big.txt", "50 MB text file", False, "Harbours"))
    return cases


# --------------------------------------------------------------------------- running the CLI


def groundqa_cmd(*args: str) -> list[str]:
    """argv running the installed `groundqa` command (or `python -m app.cli` beside this interpreter)."""
    import shutil
    import sys

    exe = Path(sys.executable).parent / "groundqa"
    if exe.exists():
        return [str(exe), *args]
    found = shutil.which("groundqa")
    return [found, *args] if found else [sys.executable, "-m", "app.cli", *args]


def cli_env() -> dict[str, str]:
    """Environment for CLI subprocesses: offline, no debug tracebacks, unbuffered output."""
    import os

    env = dict(os.environ)
    env.pop("GROUNDQA_DEBUG", None)
    env.pop("GROUNDQA_INDEX", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1", GRADIO_ANALYTICS_ENABLED="False")
    return env


# --------------------------------------------------------------------------- many small documents

_TOPICS = ("harbour", "granite", "orchard", "tundra", "falcon", "lagoon", "copper", "meadow", "glacier", "beacon")


def write_many_docs(folder: Path, n: int, sentences: int = 12) -> None:
    """`n` distinct small text documents (doc-00000.txt ...), each about one numbered survey."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    words = ("survey team measured recorded observed noted counted sampled mapped logged the river "
             "ridge valley shore field station northern southern eastern western upper lower").split()
    for i in range(n):
        topic = _TOPICS[i % len(_TOPICS)]
        lines = [f"Survey {i} of the {topic} district", ""]
        for j in range(sentences):
            lines.append(f"In season {j} survey {i} {' '.join(rng.choice(words) for _ in range(12))} near the {topic}.")
        (folder / f"doc-{i:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
