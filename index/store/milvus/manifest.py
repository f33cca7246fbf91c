"""The published state of a Milvus store: numbered manifests, claimed by alias compare-and-swap.

A manifest (one small collection, schema.create_manifest) lists the live segments in order, each with
its tombstones (`dead`: documents of that segment removed or replaced later, with when and by what), the
statistics layers whose signed term counts sum to the BM25 document frequencies, and the live totals (N and
summed token lengths, for BM25's average length). Manifest n is committed by creating the alias
`groundqa_head_<n>` → its collection: Milvus refuses to create an alias that exists, so exactly one writer
wins each number. `groundqa_live` (what readers follow) is then pointed at the highest head. Superseded
manifests are dropped GRACE_S after their successor went live, and with them every segment and layer no
retained manifest lists; collections no manifest ever claimed (a writer died) are dropped after ORPHAN_S.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from typing import Sequence

from index.store.errors import NoIndex
from index.store.manifest import Manifest
from index.store.milvus.schema import (LIVE_ALIAS, PREFIX, client, create_manifest, drop_collections, ensure_loaded,
                                       StoreSpec, head_alias, head_number, manifest_name, names, parse_store,
                                       pieces, quote_str, token_of)

FORMAT = "groundqa-milvus-segments/1"
GRACE_S = float(os.environ.get("GROUNDQA_MILVUS_GRACE_S", "300"))
"""A superseded manifest (and what only it lists) is dropped this long after its successor went live."""
ORPHAN_S = 6 * 3600.0
"""Collections no manifest ever claimed (their writer died) are dropped after this long."""


def new_token() -> str:
    """A fresh build token: creation time (hex seconds) + 8 random hex digits."""
    return f"{int(time.time()):x}{secrets.token_hex(4)}"


def token_time(token: str) -> float:
    """Creation time of a build token (0 when unreadable)."""
    try:
        return float(int(token[:-8], 16))
    except ValueError:
        return 0.0


def heads(c) -> dict[int, str]:
    """Committed manifests: number → manifest collection."""
    out = {}
    for a in c.list_aliases().get("aliases", []):
        n = head_number(a)
        if n is not None:
            try:
                out[n] = c.describe_alias(a)["collection_name"]
            except Exception:  # dropped meanwhile
                pass
    return out


def head_numbers(c) -> list[int]:
    """Committed manifest numbers, ascending (one call: the numbers are in the alias names)."""
    return sorted(n for a in c.list_aliases().get("aliases", []) if (n := head_number(a)) is not None)


def newest(c) -> tuple[int, str | None]:
    """(n, manifest collection) of the highest committed manifest; (0, None) for an empty store."""
    for n in reversed(head_numbers(c)):
        try:
            return n, c.describe_alias(head_alias(n))["collection_name"]
        except Exception:  # dropped meanwhile by a clean-up: an older one is not the newest either
            continue
    return 0, None


def read_manifest(c, token: str) -> Manifest:
    """The manifest written under `token` (its collection is loaded first if it was released)."""
    name = manifest_name(token)
    try:
        ensure_loaded(c, [name])
        rows = c.query(name, filter='key like "manifest/%"', output_fields=["n", "body"])
    except Exception as exc:
        raise NoIndex(f"manifest {token} is unreadable ({str(exc).splitlines()[0][:120]}) — it was dropped; "
                      "read the live one") from exc
    if not rows:
        raise NoIndex(f"manifest {token} is empty — it is being written or was dropped")
    data = json.loads("".join(r["body"] for r in sorted(rows, key=lambda r: r["n"])))
    if data.get("format") != FORMAT:
        raise NoIndex(f"store manifest {token} has format {data.get('format')!r}, not {FORMAT!r} — index the "
                      "documents again into a new database (milvus://HOST:PORT/NEWDB)")
    return Manifest(data)


def write_manifest(c, data: dict, layer: dict[str, int]) -> str:
    """Create a manifest collection holding `data` and the statistics layer; returns its token."""
    token = new_token()
    create_manifest(c, token, f"groundqa manifest {token}")
    data = dict(data, token=token)
    if token not in data["layers"]:
        data["layers"] = list(data["layers"]) + [token]
    rows = [{"key": f"manifest/{i}", "n": i, "body": p, "dummy": [0.0, 0.0]}
            for i, p in enumerate(pieces(json.dumps(data)))]
    rows += [{"key": k, "n": int(v), "body": "", "dummy": [0.0, 0.0]} for k, v in layer.items() if v]
    name = manifest_name(token)
    try:
        for lo in range(0, len(rows), 5000):
            c.insert(name, rows[lo:lo + 5000])
        c.flush(name)
    except BaseException:
        drop_collections(c, token)
        raise
    return token


def claim(c, n: int, token: str) -> bool:
    """Claim manifest number n for the manifest `token` (False: another writer holds n)."""
    try:
        c.create_alias(manifest_name(token), head_alias(n))
    except Exception:
        return False
    if max(head_numbers(c), default=n) > n:  # a stale number (only after a clean-up race): give it up
        try:
            c.drop_alias(head_alias(n))
        except Exception:
            pass
        return False
    c.insert(manifest_name(token), [{"key": "committed", "n": int(time.time() * 1000), "body": "",
                                     "dummy": [0.0, 0.0]}])
    return True


def ensure_live(c) -> None:
    """Point the live alias at the highest committed manifest (rolls forward after a crashed writer)."""
    for _ in range(50):
        n, target = newest(c)
        if target is None:
            return
        try:
            cur = c.describe_alias(LIVE_ALIAS)["collection_name"]
        except Exception:
            cur = None
        if cur == target:
            return
        try:
            if cur is None:
                c.create_alias(target, LIVE_ALIAS)
            else:
                c.alter_alias(target, LIVE_ALIAS)
        except Exception:  # another writer created or moved it meanwhile: look again
            time.sleep(0.05)


def referenced(man: Manifest) -> set[str]:
    """Build tokens a manifest needs: its own, its statistics layers and its segments."""
    d = man.data
    return {str(d["token"])} | set(d.get("layers", [])) | {s["token"] for s in d.get("segments", [])}


def collect_garbage(c, grace_s: float = GRACE_S) -> list[str]:
    """Drop manifests superseded more than grace_s ago with what only they list, and never-claimed builds
    after ORPHAN_S; returns the dropped tokens."""
    if not _superseded_past_grace(c, grace_s) and not _orphans_possible(c):
        return []  # nothing to drop: no need to read every manifest
    hs = heads(c)
    try:
        live = c.describe_alias(LIVE_ALIAS)["collection_name"]
    except Exception:
        return []
    live_n = next((n for n, col in hs.items() if col == live), None)
    if live_n is None:
        return []
    now = time.time()
    gone: set[str] = set()
    for n in sorted(hs):
        if n >= live_n or hs.get(n + 1) is None:
            continue
        got = c.get(hs[n + 1], ids=["committed"], output_fields=["n"])
        since = got[0]["n"] / 1000 if got else token_time(token_of(hs[n + 1])) + 86_400
        if now - since < grace_s:
            continue
        try:
            old = read_manifest(c, token_of(hs[n]))
            c.drop_alias(head_alias(n))
        except Exception:
            continue
        gone |= referenced(old)
    keep: set[str] = {token_of(live)}
    for col in heads(c).values():
        try:
            keep |= referenced(read_manifest(c, token_of(col)))
        except NoIndex:
            keep.add(token_of(col))
    dropped = []
    for name in c.list_collections():
        if not name.startswith(PREFIX + "_") or name[-2:] not in ("_p", "_m", "_d", "_u"):
            continue
        tok = token_of(name)
        if tok in keep or tok in dropped:
            continue
        if tok in gone or now - token_time(tok) > ORPHAN_S:
            drop_collections(c, tok)
            dropped.append(tok)
    return sorted(dropped)


def _superseded_past_grace(c, grace_s: float) -> bool:
    """Whether the oldest superseded manifest's successor went live more than grace_s ago (later ones did later)."""
    nums = head_numbers(c)
    if len(nums) <= 1:
        return False
    try:
        got = c.get(c.describe_alias(head_alias(nums[1]))["collection_name"], ids=["committed"], output_fields=["n"])
    except Exception:
        return True
    return not got or time.time() - got[0]["n"] / 1000 >= grace_s


def _orphans_possible(c) -> bool:
    """Whether any of the store's collections is older than ORPHAN_S (only then can one be an orphan)."""
    now = time.time()
    return any(n.startswith(PREFIX + "_") and now - token_time(token_of(n)) > ORPHAN_S for n in c.list_collections())


def segment_collections(man: Manifest) -> list[str]:
    """Every collection a manifest's readers touch (to load them)."""
    out = [manifest_name(t) for t in man.data.get("layers", [])]
    for s in man.data.get("segments", []):
        out += list(names(s["token"]))
    return out


class Segment:
    """One segment as a manifest lists it."""

    def __init__(self, entry: dict, pos: int) -> None:
        self.token = entry["token"]
        self.id = int(entry["id"])
        self.pos = pos
        self.p, self.u, self.d = names(self.token)
        self.dead: dict[str, list] = dict(entry.get("dead", {}))
        self.live_passages = int(entry["n_passages"]) - int(entry.get("dead_passages", 0))
        self.live_units = int(entry["n_units"]) - int(entry.get("dead_units", 0))

    def where(self, docs: Sequence[str] | None) -> str | None:
        """The server-side filter for this segment's live rows (of `docs`); None: nothing to search."""
        if docs is not None:
            keep = sorted(set(docs) - set(self.dead))
            return f"doc_id in [{', '.join(quote_str(d) for d in keep)}]" if keep else None
        if self.dead:
            return f"doc_id not in [{', '.join(quote_str(d) for d in sorted(self.dead))}]"
        return ""


def live_token(spec: StoreSpec) -> str:
    """Token of the live manifest ('' when nothing was committed yet)."""
    c = client(spec)
    try:
        return token_of(c.describe_alias(LIVE_ALIAS)["collection_name"])
    except Exception:
        return ""


def live_manifest(store: str) -> Manifest | None:
    """The live manifest, or None when nothing was committed yet."""
    spec = parse_store(store)
    token = live_token(spec)
    return read_manifest(client(spec), token) if token else None
