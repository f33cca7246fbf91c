"""Issue #24 row 3: a case-insensitive quote match maps back to the exact original span, for every alphabet.

Folding a character can change its length (İ → i̇, ß and ẞ → ss, ﬁ → fi); the span of a match found after
such a character must still be the quoted words, character for character, both in `find_in_text` (a
property test over random text) and through POST /api/quote on a served index.
"""
from __future__ import annotations

import random

import pytest

from index.quote import find_in_text, fold

# Letters whose case-folded form has another length or needs context, plus combining marks and plain ones.
SPECIAL = ["İ", "ß", "ẞ", "ﬁ", "ﬂ", "Σ", "ς", "σ", "ŉ", "ǰ", "e\u0301", "a\u0308", "\u0130\u0307", "Å", "K"]
PLAIN = list("abcdefghijklmnopqrstuvwxyzABCDEFGH") + ["é", "ü", "ж", "Ж", "中"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SPECIAL) if rng.random() < 0.3 else rng.choice(PLAIN)
                   for _ in range(rng.randint(1, 7)))


def _variants(quote: str) -> list[str]:
    return [quote, quote.upper(), quote.lower(), quote.casefold()]


def test_folded_matches_map_back_to_exact_spans_property():
    rng = random.Random(24)
    checked = 0
    for _ in range(400):
        words = [_word(rng) + str(i) for i in range(rng.randint(4, 14))]  # numbered: each run is unique
        text = " ".join(words)
        a = rng.randint(1, len(words) - 2)
        b = rng.randint(a + 1, len(words) - 1)
        quoted = words[a:b]
        want_start = len(" ".join(words[:a])) + 1
        want = (want_start, want_start + len(" ".join(quoted)))
        for q in _variants(" ".join(quoted)):
            hits = find_in_text(q, text)
            assert hits, (text, q)
            spans = [(h.start, h.end) for h in hits]
            # Every hit's original text folds to the quote: no span is shifted or cut.
            for s, e in spans:
                assert fold(text[s:e])[0] == fold(q)[0], (text, q, text[s:e])
            assert want in spans, (text, q, [text[s:e] for s, e in spans], text[want[0]:want[1]])
            checked += 1
    assert checked == 1600


@pytest.mark.parametrize("prefix", ["İzmir and İstanbul", "Straße und STRAẞE", "ﬁnanz ﬂow", "ΟΔΟΣ οδος",
                                    "Cafe\u0301 and naïve"])
def test_span_after_a_length_changing_letter_is_the_quoted_words(prefix):
    text = f"{prefix} reported that the Ministry of Trade announced new customs rules for exports."
    hits = find_in_text("the ministry of trade announced new customs rules", text)
    assert [text[h.start:h.end] for h in hits] == ["the Ministry of Trade announced new customs rules"], prefix


def test_api_quote_returns_the_exact_span_after_dotted_capital_i(tmp_path, fake_embedder, monkeypatch):
    httpx = pytest.importorskip("httpx")
    from app.api import GroundQA
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "trade.txt").write_text(
        "Trade notes\n\nİzmir and İstanbul exporters met on Monday. Then the Ministry of Trade announced new "
        "customs rules for exports of dried figs, effective in May.\n", encoding="utf-8")
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([docs])
    srv = BackgroundServer(make_app(api))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            r = c.post("/api/quote", json={"quote": "the ministry of trade announced new customs rules"})
            assert r.status_code == 200, r.text
            m = r.json()["matches"][0]
            assert m["text"] == "the Ministry of Trade announced new customs rules", m
            cited = c.get(f"/api/cite/{m['citation']}").json()
            assert cited["text"] == m["text"], cited
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------- issue #34 row L1: fuzzy


def _turkish_capitals(quote: str) -> str:
    """The quote re-typed in capitals on a Turkish keyboard: every i a dotted capital İ."""
    return quote.replace("i", "İ").upper()


def _typo(quote: str, rng: random.Random, where: str) -> str:
    """One letter of the quote changed: in its first word, or in the middle."""
    spots = [k for k, ch in enumerate(quote) if ch.isalpha() and ch.isascii()]
    if where == "start":
        first_word_end = quote.find(" ")
        spots = [k for k in spots if k < min(2, first_word_end)]
    else:
        spots = [k for k in spots if len(quote) // 3 <= k <= 2 * len(quote) // 3]
    if not spots:
        return ""
    k = rng.choice(spots)
    return quote[:k] + ("q" if quote[k].lower() != "q" else "z") + quote[k + 1:]


def test_fuzzy_matches_map_back_to_exact_spans_property():
    rng = random.Random(34)
    checked = 0
    for _ in range(300):
        words = [_word(rng) + str(i) for i in range(rng.randint(6, 16))]
        text = "Preface İİ text. " + " ".join(words) + " — the end."
        a = rng.randint(0, len(words) - 4)
        b = rng.randint(a + 4, len(words))
        quoted = " ".join(words[a:b])
        if len(quoted) < 24 or len(words[a]) < 4:
            continue  # short quotes with a typo fall under the similarity threshold; edge typos need a word to complete
        start = text.index(quoted)
        want = (start, start + len(quoted))
        variants = {"turkish": _turkish_capitals(quoted), "typo": _typo(quoted, rng, "middle"),
                    "edge typo": _typo(quoted, rng, "start")}
        variants["turkish typo"] = _turkish_capitals(variants["typo"]) if variants["typo"] else ""
        for kind, q in variants.items():
            if not q or find_in_text(q, text):  # only what the exact and folded stages miss
                continue
            hits = find_in_text(q, text, window=(0, len(text)))
            assert [(h.start, h.end) for h in hits] == [want], (kind, text, q, [text[h.start:h.end] for h in hits])
            checked += 1
    assert checked > 400, checked


@pytest.mark.parametrize("backend", ["embedded", "milvus-file"])
def test_fuzzy_quote_spans_after_dotted_capital_i_on_every_store(backend, tmp_path):
    """The issue's probe: quotes re-typed in (Turkish) capitals after "İ" text, through the whole quote search."""
    if backend != "embedded":
        pytest.importorskip("pymilvus")
        pytest.importorskip("milvus_lite")
    from tests.test_store_contract import make_api

    docs = tmp_path / "docs"
    docs.mkdir()
    body = ("Trade notes for the İzmir and İstanbul offices.\n\nİSTANBUL İzmir ferry timetables were printed in "
            "spring. The harbour board met on Monday and agreed new customs rules for dried figs.\n\n"
            "Final note: percent signs are kept in every table of this report.\n")
    (docs / "trade.txt").write_text(body, encoding="utf-8")
    store = None if backend == "embedded" else f"milvus:{tmp_path / 'store.db'}"
    api = make_api(tmp_path / "index", store)
    api.index([docs])
    doc = api.documents()[0]
    expected = {"FİNAL NOTE: PERCENT SİGNS": "Final note: percent signs",
                "İSTANBUL İZMİR FERRY TİMETABLES": "İSTANBUL İzmir ferry timetables",
                "Fxnal note: percent signs are kept": "Final note: percent signs are kept",
                "the harbour board met on mondey": "The harbour board met on Monday"}
    for quote, want in expected.items():
        m = api.quote(quote)
        assert m and m[0].text == want and not m[0].exact, (backend, quote, [x.text for x in m])
        cited = api.cite(m[0].citation)
        assert cited.text == want and (cited.start, cited.end) == (m[0].start, m[0].end), (quote, cited)
    assert doc.path == "trade.txt"
