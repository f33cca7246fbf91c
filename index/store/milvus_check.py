"""`groundqa check --store milvus:…`: verify the live generation of a Milvus store end to end."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from corpus.types import content_hash
from index.citations import make_citation_id
from index.store.milvus_schema import LIVE_ALIAS, client, names, parse_store, token_of

SAMPLE = 256


def _all(c, collection: str, expr: str, fields: list[str]) -> list[dict]:
    it = c.query_iterator(collection, batch_size=2000, filter=expr, output_fields=fields)
    out: list[dict] = []
    try:
        while batch := it.next():
            out.extend(batch)
    finally:
        it.close()
    return out


def check_milvus(store: str) -> list[str]:
    """Problems found in the live generation of a Milvus store (empty list: sound). Never raises.

    Checks what `check_index` checks for a folder: the live alias names a committed generation; counts match
    the manifest; passage rows and unit ids are 0..N-1; every passage's text is its span of its document's
    canonical text and every document's text matches its content hash; units lie inside their passages;
    source files exist; sampled vectors are unit length and find themselves; BM25 finds a passage's own words.
    """
    from index.store.milvus_generations import heads
    from index.store.milvus_store import MilvusIndex

    try:
        spec = parse_store(store)
        c = client(spec)
        live = c.describe_alias(LIVE_ALIAS)["collection_name"]
    except Exception as exc:
        return [f"{store}: no live generation ({str(exc).splitlines()[0][:160]})"]
    problems: list[str] = []
    hs = heads(c)
    if live not in hs.values():
        problems.append(f"live alias points at {live}, which no committed generation claims")
    elif hs and hs[max(hs)] != live:
        problems.append(f"generation {max(hs)} is committed but not live — run `groundqa index --store {store}` "
                        "(it rolls the alias forward)")
    try:
        view = MilvusIndex(spec, token_of(live))
    except Exception as exc:
        return problems + [f"generation {token_of(live)} unreadable: {str(exc).splitlines()[0][:200]}"]
    man = view.manifest
    p_name, u_name, d_name = names(view.token)
    docs = {r["doc_id"]: json.loads(r["body"]) for r in _all(c, d_name, 'kind == "meta" and key like "cur/%"',
                                                             ["doc_id", "body"])}
    pieces: dict[str, dict[int, str]] = {}
    for r in _all(c, d_name, 'kind == "text" and key like "cur/%"', ["doc_id", "n", "body"]):  # one pass, no per-doc reads
        pieces.setdefault(r["doc_id"], {})[r["n"]] = r["body"]
    texts = {d: "".join(pieces.get(d, {})[i] for i in sorted(pieces.get(d, {}))) for d in docs}
    if len(docs) != int(man.data.get("n_documents", len(docs))):  # type: ignore[arg-type]
        problems.append(f"documents collection holds {len(docs)} documents, manifest says {man.data['n_documents']}")
    for doc_id, t in texts.items():
        if content_hash(t) != doc_id:
            problems.append(f"document {doc_id} text does not match its content hash")
        if len(t) != docs[doc_id]["n_chars"]:
            problems.append(f"document {doc_id} holds {len(t)} characters, its metadata says {docs[doc_id]['n_chars']}")
    missing = sorted(m["path"] for m in docs.values() if m["source"] and not Path(m["source"]).is_file())
    for path in missing[:5]:
        problems.append(f"source file of indexed document {path} is missing — put the file back, or remove it "
                        f"with `groundqa remove {path} --store {store}`")
    passages = _all(c, p_name, "row >= 0", ["row", "doc_id", "start", "end", "text"])
    if len(passages) != man.n_passages:
        problems.append(f"passages collection has {len(passages)} rows, manifest says {man.n_passages}")
    if sorted(p["row"] for p in passages) != list(range(len(passages))):
        problems.append("passage row ids are not 0..N-1")
    span = {}
    bad = 0
    for p in passages:
        span[p["row"]] = (p["doc_id"], p["start"], p["end"])
        t = texts.get(p["doc_id"])
        if t is None or (p["text"] and t[p["start"]:p["end"]] != p["text"]):
            bad += 1
            if bad <= 5:
                problems.append(f"passage {p['row']} ({make_citation_id(p['doc_id'], p['start'], p['end'])}) "
                                "text differs from its document span")
    units = _all(c, u_name, "id >= 0", ["id", "row", "doc_id", "start", "end"])
    if len(units) != man.n_units:
        problems.append(f"units collection has {len(units)} rows, manifest says {man.n_units}")
    if sorted(u["id"] for u in units) != list(range(len(units))):
        problems.append("unit ids are not 0..N-1")
    outside = sum(1 for u in units if u["row"] not in span or span[u["row"]][0] != u["doc_id"]
                  or u["start"] < span[u["row"]][1] or u["end"] > span[u["row"]][2])
    if outside:
        problems.append(f"{outside} sentence units lie outside their passage")
    problems += _check_vectors(c, u_name, len(units))
    if passages:
        p0 = min(passages, key=lambda p: p["row"])
        _, rows = view.lexical_search(texts.get(p0["doc_id"], "")[p0["start"]:p0["end"]], 10)
        if len(rows) == 0:
            problems.append("BM25 search finds nothing for a passage's own text")
    return problems


def _check_vectors(c, u_name: str, n: int) -> list[str]:
    if n == 0:
        return []
    ids = np.unique(np.linspace(0, n - 1, min(n, SAMPLE)).astype(np.int64)).tolist()
    got = c.query(u_name, filter=f"id in [{', '.join(map(str, ids))}]", output_fields=["id", "vec"])
    vecs = {r["id"]: np.asarray(r["vec"], np.float32) for r in got}
    problems = []
    norms = np.array([np.linalg.norm(v) for v in vecs.values()])
    if len(vecs) != len(ids) or not np.all(np.isfinite(norms)) or np.abs(norms - 1).max() > 1e-3:
        problems.append("units collection holds vectors that are missing, not finite or not unit length")
    wrong = 0
    for i in ids[:32]:
        v = vecs.get(i)
        if v is None:
            continue
        hit = c.search(u_name, data=[v.tolist()], anns_field="vec", limit=1, output_fields=["id"],
                       search_params={"metric_type": "IP"})[0]
        if not hit or (int(hit[0]["id"]) != i and float(hit[0]["distance"]) < 1 - 1e-3):
            wrong += 1
    if wrong:
        problems.append(f"vector search does not find {wrong} sampled unit vectors themselves")
    return problems
