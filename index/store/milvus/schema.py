"""Milvus layout of an index: the store URI, the client, collection names and schemas, lexical encoding.

An index is a set of immutable *segments* listed by a small published *manifest* (manifest.py).
A segment is three collections named by a build token T (prefix `groundqa`):
    groundqa_T_p  passages: row (pk), doc_id, start, end, page_start, page_end (-1: none), section, text,
                  lex (analysed VARCHAR) → sparse (Milvus BM25 function);
    groundqa_T_u  sentence units: id (pk), row, doc_id, start, end, vec (FLOAT_VECTOR, IP), lex → sparse (BM25);
    groundqa_T_d  documents, keyed rows: `cur/<doc_id>/m` (metadata JSON; `source` also as a field, for
                  server-side filters), `cur/<doc_id>/t/<n>` (canonical text pieces), `cur/<doc_id>/p/<n>` (page
                  starts, comma separated, in pieces); the same under `arc/` for archived versions.
Row and unit ids are `segment id << 32 | local number`, so they are unique across segments.
A manifest is one collection groundqa_M_m: `manifest/<n>` (the manifest JSON in pieces), `committed`, and
the commit's BM25 statistics layer `df/<term>`, `udf/<term>` (signed change in the number of passages /
units containing a term). Milvus needs a vector field in every collection: `dummy` (dim 2).
Aliases: `groundqa_live` → the live manifest collection (what readers follow) and `groundqa_head_<n>` →
manifest n (what writers claim; see commit.py).

Lexical fields hold the bm25s tokens (index/store/lexical.py: lower-cased, stop-worded, Snowball-stemmed) of
the same texts the embedded backend indexes, so both backends score the same terms. Milvus Lite's analyzers
know only the `standard` and `jieba` tokenizers, which would split tokens such as `covid_19` or `naïve`; a
token that is not plain [a-z0-9] is therefore written as `z` + 16 hex digits of its hash, which no tokenizer
splits. VARCHAR limits are in bytes (65,535): texts are cut into pieces of at most PIECE_CHARS characters and
PIECE_BYTES bytes.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from typing import Iterator, Sequence

from index.store.errors import IndexFailure
from index.store.milvus.filter import literal

PREFIX = "groundqa"
TOKEN_ENV = "GROUNDQA_MILVUS_TOKEN"
PIECE_CHARS = 60_000
PIECE_BYTES = 65_000
VARCHAR_MAX = 65_535
FLAT_LIMIT = 2_000_000
"""Unit vectors up to which the dense index is FLAT (exact, same ranking as FAISS IndexFlatIP); HNSW above."""
BM25_K1 = 1.2
BM25_B = 0.75
_PLAIN = re.compile(r"[a-z0-9]{1,64}", re.ASCII)


class MilvusStoreError(IndexFailure):
    """A Milvus store that cannot be used, worded for the user."""


@dataclass(frozen=True)
class StoreSpec:
    """Where a Milvus store is: `milvus://HOST:PORT/DB` (server) or `milvus:PATH` (Milvus Lite file)."""

    uri: str
    """What MilvusClient connects to: http://HOST:PORT, or the .db file path."""
    db_name: str
    text: str
    """The spec as given (never holds the token)."""

    @property
    def is_file(self) -> bool:
        """True for a Milvus Lite file (one process at a time), False for a server."""
        return not self.uri.startswith("http")


def parse_store(spec: str) -> StoreSpec:
    """Parse a --store value; raises MilvusStoreError naming the accepted forms."""
    s = str(spec).strip()
    if s.startswith("milvus://"):
        rest = s[len("milvus://"):]
        host, _, db = rest.partition("/")
        if not host or ":" not in host or not host.rsplit(":", 1)[1].isdigit():
            raise MilvusStoreError(f"store {s!r} lacks HOST:PORT — write milvus://127.0.0.1:19530/DB")
        db = db.strip("/") or "default"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", db):
            raise MilvusStoreError(f"store {s!r}: database name {db!r} must be letters, digits and _")
        return StoreSpec(f"http://{host}", db, s)
    if s.startswith("milvus:"):
        path = s[len("milvus:"):]
        if not path:
            raise MilvusStoreError(f"store {s!r} names no file — write milvus:./groundqa.db")
        return StoreSpec(os.path.abspath(path), "default", s)
    raise MilvusStoreError(f"store {s!r} is not a Milvus store — write milvus://HOST:PORT/DB or milvus:./groundqa.db")


_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()


def client(spec: StoreSpec):
    """One MilvusClient per store and process (it is thread-safe); the token comes from $GROUNDQA_MILVUS_TOKEN."""
    key = (spec.uri, spec.db_name)
    with _clients_lock:
        c = _clients.get(key)
        if c is None:
            import logging

            from pymilvus import MilvusClient

            # pymilvus logs every failed RPC at ERROR, including the alias claims that are expected to fail.
            logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
            # Milvus Lite's in-process server logs a traceback for every query iterator (AllocTimestamp is not
            # implemented there; pymilvus falls back to a client-side timestamp, which is correct here).
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            token = os.environ.get(TOKEN_ENV, "")
            try:
                if spec.is_file:
                    c = MilvusClient(spec.uri)
                else:
                    c = MilvusClient(uri=spec.uri, token=token)
                    if spec.db_name != "default":
                        if spec.db_name not in c.list_databases():
                            try:
                                c.create_database(spec.db_name)
                            except Exception:  # created meanwhile by another process
                                pass
                        c.use_database(spec.db_name)
            except Exception as exc:
                raise MilvusStoreError(f"cannot connect to Milvus store {spec.text} ({_short(exc)}) — start the "
                                       f"server, check the address, or set ${TOKEN_ENV}") from exc
            _clients[key] = c
        return c


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def names(token: str) -> tuple[str, str, str]:
    """(passages, units, documents) collection names of the segment built under `token`."""
    return f"{PREFIX}_{token}_p", f"{PREFIX}_{token}_u", f"{PREFIX}_{token}_d"


def manifest_name(token: str) -> str:
    """Collection name of the manifest written under `token`."""
    return f"{PREFIX}_{token}_m"


def token_of(collection: str) -> str:
    """The build token of a segment's or manifest's collection name."""
    return collection[len(PREFIX) + 1:-2]


SEG_SHIFT = 32
"""Row and unit ids are `segment id << SEG_SHIFT | local number` (≤ 4G rows a segment, 2^31 segment ids)."""


def seg_of(global_id: int) -> int:
    """The segment id of a row or unit id."""
    return int(global_id) >> SEG_SHIFT


LIVE_ALIAS = f"{PREFIX}_live"


def head_alias(n: int) -> str:
    """Alias that claims generation number n."""
    return f"{PREFIX}_head_{n:08d}"


def head_number(alias: str) -> int | None:
    """n of a head alias, None for other aliases."""
    m = re.fullmatch(re.escape(PREFIX) + r"_head_(\d{8})", alias)
    return int(m.group(1)) if m else None


def lex_token(t: str) -> str:
    """A bm25s token as written to a Milvus lexical field (see module docstring)."""
    return t if _PLAIN.fullmatch(t) else "z" + hashlib.blake2b(t.encode(), digest_size=8).hexdigest()


def pieces(text: str) -> Iterator[str]:
    """`text` in consecutive pieces of ≤ PIECE_CHARS characters and ≤ PIECE_BYTES UTF-8 bytes."""
    i = 0
    while i < len(text):
        j = min(len(text), i + PIECE_CHARS)
        while len(text[i:j].encode("utf-8", "surrogatepass")) > PIECE_BYTES:
            j = i + (j - i) * 3 // 4
        yield text[i:j]
        i = j


def create_segment(c, token: str, dim: int, n_units: int, description: str) -> None:
    """Create the three empty collections of a segment with their indexes and BM25 functions."""
    from pymilvus import DataType, Function, FunctionType

    p_name, u_name, d_name = names(token)
    analyzer = {"tokenizer": "standard"}
    bm25 = {"bm25_k1": BM25_K1, "bm25_b": BM25_B}

    def lexical(schema, ip) -> None:
        schema.add_field("lex", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True,
                         analyzer_params=analyzer)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["lex"],
                                     output_field_names=["sparse"]))
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=bm25)

    s = c.create_schema(auto_id=False, enable_dynamic_field=False, description=description)
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("doc_id", DataType.VARCHAR, max_length=64)
    for f in ("start", "end", "page_start", "page_end"):
        s.add_field(f, DataType.INT64)
    s.add_field("section", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX)
    ip = c.prepare_index_params()
    lexical(s, ip)
    _create(c, p_name, s, ip)

    s = c.create_schema(auto_id=False, enable_dynamic_field=False, description=description)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("row", DataType.INT64)
    s.add_field("doc_id", DataType.VARCHAR, max_length=64)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    ip = c.prepare_index_params()
    if n_units <= FLAT_LIMIT:
        ip.add_index("vec", index_type="FLAT", metric_type="IP")
    else:
        ip.add_index("vec", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
    lexical(s, ip)
    _create(c, u_name, s, ip)

    s = c.create_schema(auto_id=False, enable_dynamic_field=False, description=description)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
    s.add_field("kind", DataType.VARCHAR, max_length=16)
    s.add_field("doc_id", DataType.VARCHAR, max_length=64)
    s.add_field("source", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("n", DataType.INT64)
    s.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)
    ip = c.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    _create(c, d_name, s, ip)


def create_manifest(c, token: str, description: str) -> None:
    """Create an empty manifest collection (manifest pieces, commit time, statistics layer)."""
    from pymilvus import DataType

    s = c.create_schema(auto_id=False, enable_dynamic_field=False, description=description)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
    s.add_field("n", DataType.INT64)
    s.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)
    ip = c.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    _create(c, manifest_name(token), s, ip)


def _create(c, name: str, schema, index_params) -> None:
    """Create, index and load an empty collection. sync=False: pymilvus would otherwise sleep 0.5 s per index
    before asking whether an index over no rows is built (2 s per generation); loading waits for it anyway."""
    c.create_collection(name, schema=schema, consistency_level="Strong")
    c.create_index(name, index_params, sync=False)
    c.load_collection(name)


def ensure_loaded(c, collections: Sequence[str]) -> None:
    """Load collections into memory if they are not (Milvus Lite releases them on reopen)."""
    for name in collections:
        try:
            state = str(c.get_load_state(name).get("state", ""))
        except Exception:
            state = ""
        if "Loaded" not in state:
            c.load_collection(name)


def drop_collections(c, token: str) -> None:
    """Drop the collections built under `token`: a segment's or a manifest's (missing ones are skipped)."""
    for name in (*names(token), manifest_name(token)):
        try:
            if c.has_collection(name):
                c.drop_collection(name)
        except Exception:  # dropped meanwhile by another writer's clean-up
            pass


def quote_str(s: str) -> str:
    """A string literal for a Milvus filter expression."""
    return literal(s)  # index.store.milvus.filter: the one escaping function
