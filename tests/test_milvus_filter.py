"""Issue #24 row 4: Milvus filter strings come from one escaping function, tested on every character class,
and a quote holding `%`, `_`, a quote mark, a backslash or a newline is answered, not a 500, on both backends.
"""
from __future__ import annotations

import shutil
import uuid

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

# Every ASCII character (controls included), and letters and marks from elsewhere in Unicode.
CHARS = [chr(i) for i in range(128) if chr(i) != "Q"] + [
    "İ", "ß", "\u2028", "\u0301", "😀", "\ufeff", "\x85", "\u00a0", "中", "\\%", "\\_", "\\\\", '\\"', "%_", "\\n"]


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """A Milvus Lite collection with one row `zQ<c>Qz` per entry of CHARS (id = its index)."""
    from pymilvus import DataType, MilvusClient

    path = tmp_path_factory.mktemp("milvus-filter") / "f.db"
    c = MilvusClient(str(path))
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("body", DataType.VARCHAR, max_length=64)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    params = c.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="IP")
    c.create_collection("t", schema=schema, index_params=params)
    c.insert("t", [{"id": i, "body": f"zQ{ch}Qz", "v": [1.0, 0.0]} for i, ch in enumerate(CHARS)])
    c.load_collection("t")
    yield c
    c.close()
    shutil.rmtree(path, ignore_errors=True)


def _ids(c, expr: str) -> list[int]:
    return sorted(r["id"] for r in c.query("t", filter=expr, output_fields=["id"], limit=500))


def test_literal_and_like_mean_each_character_itself(collection):
    from index.store.milvus.filter import like_contains, literal

    wrong = []
    for i, ch in enumerate(CHARS):
        try:
            eq = _ids(collection, f"body == {literal('zQ' + ch + 'Qz')}")
            like = _ids(collection, f"body like {like_contains('Q' + ch + 'Q')}")
        except Exception as exc:  # a MilvusException: the expression did not parse
            wrong.append((ch, type(exc).__name__))
            continue
        if eq != [i]:
            wrong.append((ch, "==", eq))
        # `%` and `_` are not wildcards; only a backslash may widen the match (callers check the text).
        if i not in like or ("\\" not in ch and like != [i]):
            wrong.append((ch, "like", like))
    assert not wrong, wrong


def test_store_helpers_use_the_one_escaping_function():
    from index.store.milvus.filter import literal
    from index.store.milvus.schema import quote_str

    for s in ("abc", 'a"b', "a\\b", "line\nbreak", "tab\there"):
        assert quote_str(s) == literal(s)


NOT_FOUND = ["exports fell 50% in 2019", "the snake_case name", "two\nlines here", 'a "quoted" word',
             "back\\slash path", "100%_\\\"\n"]


@pytest.mark.parametrize("backend", ["embedded", "milvus-file"])
def test_not_found_quotes_with_filter_characters(backend, tmp_path):
    from tests.store_corpus import write_corpus
    from tests.test_store_contract import make_api

    store = None if backend == "embedded" else f"milvus:{tmp_path / f'store-{uuid.uuid4().hex[:8]}.db'}"
    api = make_api(tmp_path / "index", store)
    api.index([write_corpus(tmp_path)])
    for q in NOT_FOUND:
        assert list(api.quote(q)) == [], q


def test_api_quote_on_milvus_answers_not_found(tmp_path, monkeypatch):
    httpx = pytest.importorskip("httpx")
    from app.web.server import BackgroundServer, make_app
    from tests.store_corpus import write_corpus
    from tests.test_store_contract import make_api

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    api = make_api(tmp_path / "index", f"milvus:{tmp_path / 'store.db'}")
    api.index([write_corpus(tmp_path)])
    srv = BackgroundServer(make_app(api))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            for q in NOT_FOUND:
                r = c.post("/api/quote", json={"quote": q})
                assert r.status_code == 200 and r.json()["found"] is False, (q, r.status_code, r.text[:200])
    finally:
        srv.stop()
