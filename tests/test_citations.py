"""Citation ids: format, strict parsing, resolution with context."""
from __future__ import annotations

import pytest

from index.citations import CitationError, make_citation_id, parse_citation_id


def test_round_trip():
    cid = make_citation_id("0123456789abcdef", 10, 42)
    assert cid == "0123456789ab-10-42"
    p = parse_citation_id(f"[{cid}]")
    assert (p.doc_prefix, p.start, p.end) == ("0123456789ab", 10, 42)


@pytest.mark.parametrize("bad", ["", "abc", "../../etc/passwd", "0123456789ab-10", "0123456789ab-5-5",
                                 "0123456789ab-9-3", "0123456789ab-1-99999999999", "0123456789AB-1-2",
                                 "0123456789ab/../x-1-2", "0123456789ab-1-2; rm -rf /"])
def test_malformed_ids_rejected(bad):
    with pytest.raises(CitationError):
        parse_citation_id(bad)


def test_resolve_with_context(fake_api):
    hit = fake_api.search("Hanoi Vietnam summit", k=1)[0]
    res = fake_api.cite(hit.citation, context=50)
    assert res.text == hit.text and res.status == "current"
    text = fake_api.doc_text(hit.doc_id)
    assert text[res.start - len(res.before):res.start] == res.before
    assert text[res.end:res.end + len(res.after)] == res.after
    assert 0 < len(res.after) <= 50 + 40


def test_unknown_document_and_out_of_range(fake_api):
    with pytest.raises(CitationError, match="not in this index"):
        fake_api.cite("ffffffffffff-0-10")
    hit = fake_api.search("Hanoi", k=1)[0]
    with pytest.raises(CitationError, match="past the end"):
        fake_api.cite(f"{hit.doc_id[:12]}-0-999999")
