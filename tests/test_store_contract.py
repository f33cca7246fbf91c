"""One contract for every storage backend: the embedded folder (SQLite + FAISS + bm25s), a Milvus Lite file,
and a Milvus Lite gRPC server started here on 127.0.0.1. Fake embedder throughout.

Every backend must: index; re-index incrementally by content hash; remove; return the same excerpts and answers
as the embedded backend; resolve citation ids (on Milvus from the store alone, with the local folder deleted);
pass `check`; and switch generations atomically (a reader keeps a whole generation, a failed write leaves the
previous one live).
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.store_corpus import NAMING, QUERIES, write_corpus

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

BACKENDS = ["embedded", "milvus-file", "milvus-server"]


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """One Milvus Lite server for the session (each test uses its own database in it)."""
    from tests.milvus_server import MilvusLiteServer

    srv = MilvusLiteServer(tmp_path_factory.mktemp("milvus-server") / "data").start()
    yield srv
    srv.stop()


def make_store(kind: str, tmp: Path, request) -> str | None:
    """A fresh, empty store of one backend (None: the embedded index folder)."""
    if kind == "embedded":
        return None
    if kind == "milvus-file":
        return f"milvus:{tmp / f'store-{uuid.uuid4().hex[:8]}.db'}"
    srv = request.getfixturevalue("milvus_server")
    return f"milvus://{srv.address}/t_{uuid.uuid4().hex[:12]}"


def make_api(index_dir: Path, store: str | None):
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    api = GroundQA(index_dir, embedder=FakeEmbedder(64), store=store)
    api.settings = api.settings.with_(threshold=0.0)  # the fake embedder's confidences are not calibrated
    return api


def check(api) -> list[str]:
    from index.store.local.check import check_index
    from index.store.milvus.check import check_milvus

    return check_milvus(api.store) if api.store else check_index(api.index_dir)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The embedded backend over the corpus: what every backend must answer."""
    root = tmp_path_factory.mktemp("reference")
    api = make_api(root / "index", None)
    api.index([write_corpus(root)])
    return api


@pytest.fixture(scope="module", params=BACKENDS)
def indexed(request, tmp_path_factory):
    """(api, docs folder) of the corpus indexed into one backend."""
    root = tmp_path_factory.mktemp(request.param)
    api = make_api(root / "index", make_store(request.param, root, request))
    docs = write_corpus(root)
    report = api.index([docs])
    assert report.n_documents == 6 and not report.skipped
    return api, docs


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    return make_store(request.param, tmp_path, request)


def _excerpts(api, q: str) -> list[tuple[str, str, float, str]]:
    return [(e.citation, e.doc, e.score, e.section) for e in api.search(q, k=5)]


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Same excerpts in the same order; fused scores equal within 3% (a passage deep in one ranking, among
    candidates tied at its cut-off, may rank differently on Milvus: the fused score moves a little)."""
    return [x[:2] + x[3:] for x in a] == [x[:2] + x[3:] for x in b] and \
        all(abs(x[2] - y[2]) <= 0.03 * max(x[2], y[2]) for x, y in zip(a, b))


def test_search_returns_the_embedded_excerpts(indexed, reference):
    api, _ = indexed
    exact = 0
    for q in QUERIES:
        a, b = _excerpts(api, q), _excerpts(reference, q)
        assert _same(a, b), (q, a, b)
        exact += a == b
        for mode in ("dense", "lexical"):
            assert [e.citation for e in api.search(q, k=5, mode=mode)] == \
                   [e.citation for e in reference.search(q, k=5, mode=mode)], (q, mode)
    assert exact >= len(QUERIES) - 2  # scores identical too, except where a ranking's cut-off falls in a tie


def test_sentence_bm25_scores_match_embedded_table_rows_included(indexed, reference):
    # Table rows are read with their caption and row group ("Cargo vessels"): a store that indexed the
    # bare row would score "cargo vessels" lower for the "Container ship" row.
    api, _ = indexed
    for q in ("cargo vessels container ship", "dues by vessel class bulk carrier", "pear harvest Monday"):
        (r1, s1), (r2, s2) = api.loaded().unit_lexical_passages(q, 10), reference.loaded().unit_lexical_passages(q, 10)
        assert _spans(api.loaded(), r1) == _spans(reference.loaded(), r2) and abs(s1 - s2).max() < 1e-4, q


def _spans(view, rows) -> list[tuple[str, int, int]]:
    """Passages as (doc id, start, end): row numbers are the store's own (Milvus: segment id << 32 | n)."""
    got = view.passage_rows([int(r) for r in rows])
    return [(got[int(r)]["doc_id"], got[int(r)]["start"], got[int(r)]["end"]) for r in rows]


def test_a_question_naming_a_document_is_routed_to_it_on_every_backend(indexed):
    api, _ = indexed
    router = api.answerer().retriever.router()
    names = {d.doc_id: Path(d.path).name for d in api.documents()}
    for q, doc in NAMING.items():
        assert [names[d] for d in router.route(q)] == [doc], q
        assert Path(api.search(q, k=1)[0].doc).name == doc


def test_ask_gives_the_embedded_answers_verified(indexed, reference):
    api, _ = indexed
    answered = 0
    for q in QUERIES:
        a, b = api.ask(q), reference.ask(q)
        assert (a.abstained, a.answer, [c.citation for c in a.citations]) == \
               (b.abstained, b.answer, [c.citation for c in b.citations]), q
        for c in a.citations:  # the invariant: every cited span is the document's text at that id
            assert api.cite(c.citation).text == c.text
        answered += not a.abstained
    assert answered >= 5


def test_quote_and_documents_match_embedded(indexed, reference):
    api, _ = indexed
    for text in ("fourteen metres", "The chess club meets", "pear harvest woud begin on the second Monday"):
        assert [m.citation for m in api.quote(text)] == [m.citation for m in reference.quote(text)], text
    assert [(d.doc_id, d.path, d.n_passages, d.n_pages) for d in api.documents()] == \
           [(d.doc_id, d.path, d.n_passages, d.n_pages) for d in reference.documents()]


def test_statement_map_is_stored_on_every_backend(indexed, reference):
    api, _ = indexed
    ref = {d.path: d for d in reference.documents()}
    for d in api.documents():
        want = reference.loaded().statements(ref[d.path].doc_id)
        assert [s.to_json() for s in api.loaded().statements(d.doc_id)] == [s.to_json() for s in want]
        assert d.statements == ref[d.path].statements
    lib = next(d for d in api.documents() if d.path.endswith("library.txt"))
    assert [(s["kind"], s["name"]) for s in lib.statements] == [("balance", "Balance Sheets")]
    (st,) = api.loaded().statements(lib.doc_id)
    assert st.scale == 1_000 and [str(p) for p in st.periods] == ["as of 2023", "as of 2022"]


def test_check_is_clean(indexed):
    assert check(indexed[0]) == []


def test_cite_resolves_from_the_store_alone(indexed, tmp_path):
    api, _ = indexed
    ex = api.search("When does the pear harvest begin?", k=1)[0]
    long_ex = api.search("turbine and lantern of district", k=1)[0]
    if api.store:  # a fresh server process with no local files at all
        fresh = make_api(tmp_path / "nothing-here", api.store)
        shutil.rmtree(api.index_dir, ignore_errors=True)  # the folder `index --store` left (it holds only STORE)
    else:
        fresh = make_api(api.index_dir, None)
    for e in (ex, long_ex):
        r = fresh.cite(e.citation)
        assert r.text == e.text and r.status == "current" and r.doc == e.doc
    assert "pear harvest" in fresh.cite(ex.citation).text
    assert fresh.doc_text(long_ex.doc_id)[long_ex.start:long_ex.end] == long_ex.text
    assert len(fresh.doc_text(long_ex.doc_id)) > 60_000  # reassembled from several stored pieces


def test_incremental_reindex_and_remove(store, tmp_path):
    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, long_doc=False)
    first = api.index([docs])
    assert first.n_documents == 5 and first.embedded > 0
    again = api.index([docs])  # same bytes: nothing loaded, nothing embedded, no new generation
    assert (again.unchanged, again.embedded, again.changed) == (5, 0, False)
    old = api.search("What is the pilot boat called?", k=1)[0]
    f = docs / "harbour.txt"
    f.write_text(f.read_text().replace("Osprey", "Kestrel"))
    upd = api.index([docs])
    assert upd.updated == ["harbour.txt"] and upd.unchanged == 4
    assert 0 < upd.embedded <= 3 and upd.reused > 0  # only the changed sentence(s) embedded again
    assert "Kestrel" in api.search("What is the pilot boat called?", k=1)[0].text
    moved = api.cite(old.citation)
    assert moved.status == "changed" and moved.text == old.text and "Osprey" in moved.text
    lib = api.search("Who funded the mobile library van?", k=1)[0]
    assert lib.doc == "library.txt"
    rm = api.remove(["library.txt"])
    assert rm.removed == ["library.txt"]
    assert "library.txt" not in {d.path for d in api.documents()}
    assert all(e.doc != "library.txt" for e in api.search("Who funded the mobile library van?", k=5))
    gone = api.cite(lib.citation)  # an id made before the removal still resolves, to the archived text
    assert gone.status == "removed" and gone.text == lib.text
    assert check(api) == []


def test_generation_switch_is_atomic(store, tmp_path, monkeypatch):
    from index.store import IndexFailure

    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    api.index([docs])
    before = api.loaded()
    hits_before = _excerpts(api, "Which registers were digitised?")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "mill.txt").write_text("Mill register\n\nThe parish registers of the mill were digitised in 1901.\n")
    api.index([docs, extra])
    after = api.loaded()
    assert after is not before and len(after) == len(before) + 1
    # A reader that opened the old generation still sees all of it, and only it.
    from index.retriever import RetrievalSettings, Retriever

    old_view = Retriever(before, api.embedder)
    assert [(e.citation, e.doc, e.score, e.section) for e in old_view.search("Which registers were digitised?",
                                                                               RetrievalSettings(k=5))] == hits_before
    assert "mill.txt" in {d.path for d in after.list_documents()}
    assert "mill.txt" not in {d.path for d in before.list_documents()}
    # A write that fails half-way leaves the previous generation live and whole.
    (extra / "weir.txt").write_text("Weir notes\n\nThe weir gates were greased in May.\n")
    if store:
        import index.store.milvus.segments as ms

        real = ms._verify_counts

        def lose_writes(c, token, n_passages, n_units):
            real(c, token, n_passages, n_units)
            raise IndexFailure("simulated failure after writing the collections")
        monkeypatch.setattr(ms, "_verify_counts", lose_writes)
    else:
        import index.store.local.faiss as faiss_store

        monkeypatch.setattr(faiss_store.FaissStore, "build", classmethod(lambda *a, **k: (_ for _ in ()).throw(
            IndexFailure("simulated failure while building"))))
    with pytest.raises(IndexFailure, match="simulated"):
        api.index([docs, extra])
    monkeypatch.undo()
    assert "weir.txt" not in {d.path for d in api.documents()}
    assert len(api.loaded()) == len(after)
    assert check(api) == []
    if store:  # the failed build's collections are gone, not left for the clean-up
        from index.store.milvus.manifest import heads, read_manifest, referenced
        from index.store.milvus.schema import client, parse_store, token_of

        c = client(parse_store(store))
        needed = set().union(*(referenced(read_manifest(c, token_of(m))) for m in heads(c).values()))
        assert {token_of(n) for n in c.list_collections()} == needed


@pytest.mark.parametrize("kind", ["milvus-file", "milvus-server"])
def test_losing_writer_merges_and_crashed_commit_rolls_forward(kind, tmp_path, request, monkeypatch):
    """Writer A loses the claim to writer B (who commits during A's write): A merges, both folders stay.
    Then a writer dies after claiming but before moving the live alias: the next run rolls it forward."""
    import index.store.milvus.commit as mg
    from index.store.milvus.manifest import heads
    from index.store.milvus.schema import client, parse_store

    store = make_store(kind, tmp_path, request)
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    write_corpus(a_dir, with_sample=False, long_doc=False)
    (b_dir / "docs").mkdir(parents=True)
    (b_dir / "docs" / "ferry.txt").write_text("Ferry timetable\n\nThe first ferry leaves the quay at six.\n")
    make_api(tmp_path / "ia", store).index([a_dir / "docs" / "harbour.txt"])
    real_claim = mg.claim
    state = {"raced": False}

    def claim_after_b(c, n, token):
        if not state["raced"]:
            state["raced"] = True
            make_api(tmp_path / "ib", store).index([b_dir / "docs"])  # B commits generation n first
        return real_claim(c, n, token)
    monkeypatch.setattr(mg, "claim", claim_after_b)
    report = make_api(tmp_path / "ia", store).index([a_dir / "docs"])
    monkeypatch.undo()
    api = make_api(tmp_path / "reader", store)
    paths = {d.path for d in api.documents()}
    assert paths == {"harbour.txt", "orchard.md", "observatory.txt", "library.txt", "ferry.txt"}
    assert report.embedded > 0 and check(api) == []
    assert "six" in api.search("When does the first ferry leave?", k=1)[0].text
    c = client(parse_store(store))
    assert max(heads(c)) == 3  # A's base, B's commit, A's rebased commit

    monkeypatch.setattr(mg, "ensure_live", lambda c: None)  # dies between claim and alias switch
    (b_dir / "docs" / "weir.txt").write_text("Weir notes\n\nThe weir gates were greased in May.\n")
    make_api(tmp_path / "ib", store).index([b_dir / "docs"])
    monkeypatch.undo()
    assert "weir.txt" not in {d.path for d in make_api(tmp_path / "r2", store).documents()}
    assert any("not live" in p for p in check(api))
    make_api(tmp_path / "ib", store).index([b_dir / "docs"])  # nothing changed: it only rolls forward
    assert "weir.txt" in {d.path for d in make_api(tmp_path / "r3", store).documents()}
    assert check(api) == []


def test_superseded_manifests_are_dropped_after_the_grace_period(tmp_path, request, monkeypatch):
    """A superseded manifest stays readable for the grace period; then it goes, with every segment and layer
    only it listed (here: the segments a full compaction merged)."""
    import index.store.milvus.commit as mc
    from index.store.milvus.manifest import collect_garbage, heads, read_manifest, referenced
    from index.store.milvus.schema import client, parse_store, token_of

    store = make_store("milvus-server", tmp_path, request)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    api = make_api(tmp_path / "index", store)
    monkeypatch.setattr(mc, "GRACE_S", 3600.0)
    api.index([docs / "harbour.txt"])
    first = api.loaded()
    api.index([docs / "harbour.txt", docs / "orchard.md"])
    assert mc.compact(store, full=True, grace_s=3600.0) is not None
    assert first.list_documents()  # superseded, inside the grace period: still readable
    c = client(parse_store(store))
    assert len(heads(c)) == 3
    old = referenced(first.manifest) | referenced(read_manifest(c, token_of(heads(c)[2])))
    dropped = collect_garbage(c, grace_s=0.0)
    hs = heads(c)
    live = api.loaded()
    assert len(hs) == 1 and token_of(hs[max(hs)]) == live.token
    assert set(dropped) == old - referenced(live.manifest) and dropped
    assert {token_of(n) for n in c.list_collections()} == referenced(live.manifest)
    assert check(api) == []
