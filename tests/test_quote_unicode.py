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
