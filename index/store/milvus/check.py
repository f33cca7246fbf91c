"""`groundqa check --store milvus:…`: verify the live manifest of a Milvus store, in seconds at any size.

Counts are the server's (`count(*)` with filters), per segment; texts, spans, units and vectors are checked
on a sample (SAMPLE passages spread over the segments, with their documents), never by reading every row.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from corpus.types import content_hash
from index.citations import make_citation_id
from index.store.milvus.schema import LIVE_ALIAS, SEG_SHIFT, client, parse_store, token_of

SAMPLE = 256


def check_milvus(store: str, sample: int = SAMPLE) -> list[str]:
    """Problems found in the live manifest of a Milvus store (empty list: sound). Never raises.

    The live alias names a committed manifest; every segment it lists exists and holds as many passages,
    units and documents as the manifest says, live ones included (server-side counts); the live totals add
    up; sampled passages are their span of their document's text, whose content hash is its id; their units
    lie inside them; sampled vectors are unit length and find themselves; BM25 finds a passage's own words;
    source files exist.
    """
    from index.store.milvus.manifest import heads
    from index.store.milvus.segments import count
    from index.store.milvus.store import MilvusIndex

    try:
        spec = parse_store(store)
        c = client(spec)
        live = c.describe_alias(LIVE_ALIAS)["collection_name"]
    except Exception as exc:
        return [f"{store}: no live manifest ({str(exc).splitlines()[0][:160]})"]
    problems: list[str] = []
    hs = heads(c)
    if live not in hs.values():
        problems.append(f"live alias points at {live}, which no committed manifest claims")
    elif hs and hs[max(hs)] != live:
        problems.append(f"manifest {max(hs)} is committed but not live — run `groundqa index --store {store}` "
                        "(it rolls the alias forward)")
    try:
        view = MilvusIndex(spec, token_of(live))
    except Exception as exc:
        return problems + [f"manifest {token_of(live)} unreadable: {str(exc).splitlines()[0][:200]}"]
    man = view.manifest
    live_p = live_u = 0
    for seg in view.segments:
        try:
            e = man.data["segments"][seg.pos]  # type: ignore[index]
            got = (count(c, seg.p), count(c, seg.u), count(c, seg.d, 'kind == "meta" and key like "cur/%"'))
            want = (e["n_passages"], e["n_units"], e["n_documents"])
            if got != want:
                problems.append(f"segment {seg.token} holds {got} passages/units/documents, the manifest says {want}")
            where = seg.where(None)
            lp = count(c, seg.p, where or "") if seg.dead else got[0]
            lu = count(c, seg.u, where or "") if seg.dead else got[1]
            if (lp, lu) != (seg.live_passages, seg.live_units):
                problems.append(f"segment {seg.token} holds {lp}/{lu} live passages/units, the manifest says "
                                f"{seg.live_passages}/{seg.live_units}")
            live_p, live_u = live_p + lp, live_u + lu
        except Exception as exc:  # a dropped or damaged collection
            problems.append(f"segment {seg.token} unreadable: {str(exc).splitlines()[0][:200]}")
    if (live_p, live_u) != (man.n_passages, man.n_units):
        problems.append(f"segments hold {live_p} passages / {live_u} units, manifest says "
                        f"{man.n_passages} / {man.n_units}")
    docs = view.list_documents()
    if len(docs) != int(man.data.get("n_documents", len(docs))):  # type: ignore[arg-type]
        problems.append(f"the segments list {len(docs)} current documents, manifest says {man.data['n_documents']}")
    missing = sorted(d.path for d in docs if d.source and not Path(d.source).is_file())
    for path in missing[:5]:
        problems.append(f"source file of indexed document {path} is missing — put the file back, or remove it "
                        f"with `groundqa remove {path} --store {store}`")
    if len(missing) > 5:
        problems.append(f"{len(missing) - 5} more indexed documents have no source file")
    problems += _check_sample(c, view, sample)
    return problems


def _check_sample(c, view, sample: int) -> list[str]:
    """Texts, spans, units, vectors and BM25 on sampled passages of each segment."""
    problems: list[str] = []
    rng = random.Random(0)
    total = max(1, len(view))
    bad = outside = 0
    first_text = None
    for seg in view.segments:
        if seg.live_passages <= 0:
            continue
        e = view.manifest.data["segments"][seg.pos]
        k = max(1, sample * seg.live_passages // total)
        locals_ = sorted(rng.sample(range(e["n_passages"]), min(k, e["n_passages"])))
        rows = [(seg.id << SEG_SHIFT) | i for i in locals_]
        got = c.get(seg.p, ids=rows, output_fields=["row", "doc_id", "start", "end", "text"])
        if len(got) != len(rows):
            problems.append(f"segment {seg.token}: passage rows are not numbered 0..N-1 ({len(rows) - len(got)} of "
                            f"{len(rows)} sampled rows missing)")
        live = [p for p in got if p["doc_id"] not in seg.dead]
        for p in live:
            stored = view._read(seg, p["doc_id"], "cur")
            t = stored.doc.text if stored else None
            if t is None or content_hash(t) != p["doc_id"]:
                problems.append(f"document {p['doc_id']} is missing or its text does not match its content hash")
                continue
            if p["text"] and t[p["start"]:p["end"]] != p["text"]:
                bad += 1
                if bad <= 5:
                    problems.append(f"passage {p['row']} ({make_citation_id(p['doc_id'], p['start'], p['end'])}) "
                                    "text differs from its document span")
            if first_text is None:
                first_text = t[p["start"]:p["end"]]
        span = {p["row"]: (p["doc_id"], p["start"], p["end"]) for p in live}
        if span:
            units = c.query(seg.u, filter=f"row in [{', '.join(map(str, span))}]",
                            output_fields=["id", "row", "doc_id", "start", "end", "vec"], limit=16_384)
            outside += sum(1 for u in units if span[u["row"]][0] != u["doc_id"] or u["start"] < span[u["row"]][1]
                           or u["end"] > span[u["row"]][2])
            problems += _check_vectors(c, seg.u, units[:32])
    if outside:
        problems.append(f"{outside} sampled sentence units lie outside their passage")
    if first_text:
        _, rows = view.lexical_search(first_text, 10)
        if len(rows) == 0:
            problems.append("BM25 search finds nothing for a passage's own text")
    return problems


def _check_vectors(c, u_name: str, units: list[dict]) -> list[str]:
    if not units:
        return []
    vecs = {u["id"]: np.asarray(u["vec"], np.float32) for u in units}
    norms = np.array([np.linalg.norm(v) for v in vecs.values()])
    problems = []
    if not np.all(np.isfinite(norms)) or np.abs(norms - 1).max() > 1e-3:
        problems.append(f"{u_name} holds vectors that are not finite or not unit length")
    wrong = 0
    for i, v in list(vecs.items())[:8]:
        hit = c.search(u_name, data=[v.tolist()], anns_field="vec", limit=1, output_fields=["id"],
                       search_params={"metric_type": "IP"})[0]
        if not hit or (int(hit[0]["id"]) != i and float(hit[0]["distance"]) < 1 - 1e-3):
            wrong += 1
    if wrong:
        problems.append(f"vector search does not find {wrong} sampled unit vectors of {u_name} themselves")
    return problems
