"""The Milvus store at scale: a commit writes only what changed (one segment, tombstones, a small manifest),
BM25 statistics stay exact across commits and compaction, a reader bound to an older manifest keeps answering
with valid citations while a compaction publishes, and the store layer does not import the builder.
Fake embedder; Milvus Lite (a file, and a gRPC server started here on 127.0.0.1).
"""
from __future__ import annotations

import ast
import threading
import uuid
from pathlib import Path

import pytest

from tests.store_corpus import write_corpus
from tests.test_store_contract import make_api, milvus_server  # noqa: F401  (the session's server fixture)

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["pilot boat Osprey estuary", "pear harvest September", "comet Lyra telescope", "covid_19 protocol",
           "mobile library van bequest", "frost apple blossom", "harbour tariff fishing vessels", "registers digitised"]


def _server_store(srv) -> str:
    return f"milvus://{srv.address}/s_{uuid.uuid4().hex[:12]}"


def _segments(api) -> list[dict]:
    return api.loaded().manifest.data["segments"]


def test_a_commit_writes_only_the_documents_it_changes(tmp_path):
    from index.store.milvus.schema import client, parse_store

    store = f"milvus:{tmp_path / 's.db'}"
    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    api.index([docs])
    [base] = _segments(api)
    (docs / "mill.txt").write_text("Mill register\n\nThe parish registers of the mill were digitised in 1901.\n")
    rep = api.index([docs])
    assert rep.added == ["mill.txt"] and rep.unchanged == 4 and rep.embedded == 2  # title + sentence
    segs = _segments(api)
    assert [s["token"] for s in segs[:1]] == [base["token"]] and segs[0] == base  # the old segment is untouched
    assert len(segs) == 2 and segs[1]["n_documents"] == 1 and segs[1]["n_passages"] == 1
    c = client(parse_store(store))
    assert c.query(f"groundqa_{base['token']}_p", filter="", output_fields=["count(*)"])[0]["count(*)"] == \
        base["n_passages"]
    rm = api.remove(["library.txt"])  # a removal writes no rows: a tombstone in the manifest
    assert rm.removed == ["library.txt"]
    segs = _segments(api)
    assert len(segs) == 2 and segs[1]["dead"] == {} and len(segs[0]["dead"]) == 1
    assert api.loaded().manifest.n_passages == base["n_passages"] + 1 - segs[0]["dead_passages"]
    assert "library.txt" not in {d.path for d in api.documents()}


def _lexical(view, q: str) -> list[tuple[str, int, int, float]]:
    scores, rows = view.lexical_search(q, 8)
    got = view.passage_rows([int(r) for r in rows])
    return [(got[int(r)]["doc_id"], got[int(r)]["start"], got[int(r)]["end"], float(s)) for s, r in zip(scores, rows)]


def _units(view, q: str) -> list[float]:
    return [float(s) for s in view.unit_lexical_passages(q, 8)[1]]


def _assert_same_bm25(view, ref) -> None:
    for q in QUERIES:
        a, b = _lexical(view, q), _lexical(ref, q)
        assert [x[:3] for x in a] == [x[:3] for x in b], q
        assert [x[3] for x in a] == [x[3] for x in b], q  # exactly equal scores: same N, avgdl, df
        assert _units(view, q) == _units(ref, q), q
    terms = ["harbour", "pear", "comet", "registers", "library", "osprey", "kestrel", "mill"]
    from index.tokens import tokenize

    toks = [t for t in tokenize([" ".join(terms)])[0]]
    assert view.doc_freqs(toks) == ref.doc_freqs(toks)


def test_bm25_statistics_stay_exact_across_commits_and_compaction(tmp_path, milvus_server):  # noqa: F811
    from index.store.milvus.commit import compact

    store = _server_store(milvus_server)
    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    api.index([docs])
    (docs / "mill.txt").write_text("Mill register\n\nThe parish registers of the mill were digitised in 1901.\n")
    api.index([docs])  # add
    f = docs / "harbour.txt"
    f.write_text(f.read_text().replace("Osprey", "Kestrel"))
    api.index([docs])  # change
    api.remove(["library.txt"])  # remove
    (docs / "library.txt").unlink()
    ref = make_api(tmp_path / "reference", None)  # the embedded index of the same files, built in one go
    ref.index([docs])
    assert len(_segments(api)) == 3 and len(api.loaded().manifest.data["layers"]) == 4
    _assert_same_bm25(api.loaded(), ref.loaded())
    assert compact(store, full=False) is not None  # the tail: segments and layers after the first
    assert len(_segments(api)) == 2 and len(api.loaded().manifest.data["layers"]) == 2
    _assert_same_bm25(api.loaded(), ref.loaded())
    assert compact(store, full=True) is not None  # everything: tombstoned rows dropped
    [seg] = _segments(api)
    assert seg["dead"] == {} and seg["n_passages"] == len(ref.loaded())
    _assert_same_bm25(api.loaded(), ref.loaded())


def test_a_reader_on_an_older_manifest_answers_with_valid_citations_while_a_compaction_publishes(
        tmp_path, milvus_server):  # noqa: F811
    from index.resolve import resolve_citation
    from index.retriever import Retriever
    from index.store.milvus.commit import compact
    from app.answer.extractive import Answerer

    store = _server_store(milvus_server)
    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    for name in ("harbour.txt", "orchard.md", "observatory.txt", "library.txt"):  # four commits, four segments
        api.index([docs / name])
    f = docs / "harbour.txt"
    f.write_text(f.read_text().replace("Osprey", "Kestrel"))
    api.index([docs / "harbour.txt"])  # a tombstone in the first segment
    old = api.loaded()
    assert len(old.manifest.data["segments"]) == 5
    answerer = Answerer(Retriever(old, api.embedder))
    questions = ["Who funded the mobile library van?", "When does the pear harvest begin?",
                 "What is the pilot boat called?", "Which comet did the astronomers record?"]
    expected = {q: answerer.answer(q, api.settings).answer for q in questions}
    done = threading.Event()
    result: dict = {}

    def run() -> None:
        try:
            result["compacted"] = compact(store, full=True)
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            result["error"] = exc
        finally:
            done.set()
    t = threading.Thread(target=run)
    t.start()
    asked = verified = 0
    while not done.is_set() or asked < 8:
        q = questions[asked % len(questions)]
        ans = answerer.answer(q, api.settings)
        assert ans.answer == expected[q]  # the older manifest's answer, unchanged while the compaction runs
        for cit in ans.citations:
            assert resolve_citation(old, cit.citation).text == cit.text
            verified += 1
        asked += 1
    t.join(timeout=120)
    assert "error" not in result and result["compacted"]["segments"] == 1, result
    new = api.loaded()
    assert new.token != old.token and len(new.manifest.data["segments"]) == 1
    assert verified > 0
    # After the compaction published, the old view still answers (its segments live for the grace period),
    # and the new one gives the same answers with citations that resolve.
    for q in questions:
        assert answerer.answer(q, api.settings).answer == expected[q]
        ans = api.ask(q)
        assert ans.answer == expected[q]
        assert all(api.cite(c.citation).text == c.text for c in ans.citations)
    assert api.cite(old.list_documents()[0].doc_id[:12] + "-0-10").text  # ids resolve across manifests


def test_check_compact_on_the_command_line(tmp_path, capsys):
    from app.cli.main import main

    store = f"milvus:{tmp_path / 'c.db'}"
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    idx = tmp_path / "index"
    api = make_api(idx, store)
    api.index([docs / "harbour.txt"])
    api.index([docs / "harbour.txt", docs / "orchard.md"])
    assert main(["check", "--compact", "--store", store, "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert "compacted: 2 segment(s) into one" in out and "index OK" in out
    assert len(_segments(api)) == 1
    assert main(["check", "--compact", "--index", str(tmp_path / "embedded")]) == 2


def test_the_store_layer_does_not_import_the_builder():
    """index/store/ defines what a writer hands it (index/store/writes.py); the builder calls it."""
    above = {"index.builder", "index.store.milvus.build"}
    for path in sorted((ROOT / "index" / "store").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            bad = [n for n in names if n in above or any(n.startswith(a + ".") for a in above)]
            assert not bad, f"{path.name} imports {bad}"


def test_rebuild_with_another_model_replaces_every_document(tmp_path):
    from app.api import GroundQA
    from index.embed import FakeEmbedder
    from index.store.milvus.check import check_milvus
    from index.store.milvus.commit import compact

    store = f"milvus:{tmp_path / 'r.db'}"
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    make_api(tmp_path / "index", store).index([docs])
    api = GroundQA(tmp_path / "index", embedder=FakeEmbedder(32), store=store)
    rep = api.index([docs], rebuild=True)
    assert rep.changed and rep.n_documents == 4
    man = api.loaded().manifest
    assert man.model == "fake-32" and man.dim == 32
    segs = man.data["segments"]
    assert len(segs) == 2 and segs[0]["n_documents"] == len(segs[0]["dead"])  # the old model's rows: all dead
    assert api.search("What is the pilot boat called?", k=1)[0].doc == "harbour.txt"
    assert check_milvus(store) == []
    assert compact(store, full=True)["segments"] == 1
    assert api.search("What is the pilot boat called?", k=1)[0].doc == "harbour.txt" and check_milvus(store) == []


def test_the_writer_compacts_the_tail_past_eight_layers_and_old_ids_still_resolve(tmp_path):
    from index.store.milvus.check import check_milvus

    store = f"milvus:{tmp_path / 'a.db'}"
    api = make_api(tmp_path / "index", store)
    docs = write_corpus(tmp_path, with_sample=False, long_doc=False)
    api.index([docs])
    extra = tmp_path / "extra"
    extra.mkdir()
    f = extra / "mill.txt"
    cited = []
    for i in range(6):  # each round: an add (a segment, a layer) and a removal (a layer)
        f.write_text(f"Mill register\n\nThe parish registers of the mill were digitised in {1901 + i}.\n")
        api.index([extra])
        cited.append(api.search("When were the mill registers digitised?", k=1)[0])
        assert str(1901 + i) in cited[-1].text
        api.remove(["mill.txt"])
    man = api.loaded().manifest.data
    assert len(man["layers"]) <= 8 and len(man["segments"]) <= 8  # compacted along the way
    assert "mill.txt" not in {d.path for d in api.documents()}
    for ex in cited:  # every version's id resolves to its archived text, removed
        res = api.cite(ex.citation)
        assert res.status == "removed" and res.text == ex.text
    assert check_milvus(store) == []
