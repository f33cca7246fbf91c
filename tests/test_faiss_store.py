"""FAISS store: the index-type rule, exact re-scoring, pread row reads, save/load round trips."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.store.local.faiss import FaissStore, _RowReader, kind_for, nlist_for, pq_subquantizers


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim)).astype(np.float32)
    x = centres[rng.integers(0, 40, n)] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _memmap(tmp: Path, x: np.ndarray) -> np.ndarray:
    x.astype(np.float32).tofile(tmp / "v.f32")
    return np.memmap(tmp / "v.f32", dtype=np.float32, mode="r", shape=x.shape)


def test_rule_picks_flat_sq8_pq_by_size():
    assert kind_for(49_999) == "flat"
    assert kind_for(50_000) == "sq8"
    assert kind_for(999_999) == "sq8"
    assert kind_for(4_200_000) == "pq"
    assert nlist_for(10) == 256 and nlist_for(1_000_000) == 1000 and nlist_for(10**9) == 4096
    assert pq_subquantizers(384) == 48 and 384 % pq_subquantizers(384) == 0
    assert pq_subquantizers(30) in (1, 2, 3, 5) and 30 % pq_subquantizers(30) == 0


@pytest.mark.parametrize("limits,kind", [({}, "IndexFlatIP"), ({"exact_limit": 500}, "SQ8"),
                                         ({"exact_limit": 500, "pq_limit": 1000}, "PQ")])
def test_search_matches_exact_and_round_trips(tmp_path, limits, kind):
    x = _clustered(3000)
    vecs = _memmap(tmp_path, x)
    store = FaissStore.build(vecs, seed=1, **limits)
    assert kind in store.describe()
    q = x[:25] + 0.01
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    scores, ids = store.search(q, 10)
    exact = np.argsort(-(x @ q.T).T, axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids.tolist(), exact.tolist())])
    assert recall >= 0.9
    # returned scores are exact inner products, best first
    np.testing.assert_allclose(scores, np.einsum("qkd,qd->qk", x[ids], q), rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)
    store.save(tmp_path)
    again = FaissStore.load(tmp_path, vecs)
    s2, i2 = again.search(q, 10)
    assert np.array_equal(i2, ids) and len(again) == 3000


def test_small_and_empty_stores(tmp_path):
    empty = FaissStore.build(np.zeros((0, 8), np.float32))
    s, i = empty.search(np.ones(8, np.float32), 5)
    assert s.shape == (1, 0) and i.shape == (1, 0)
    x = _clustered(7, dim=8)
    store = FaissStore.build(x)
    s, i = store.search(x[0], 50)  # k above n: all rows once
    assert sorted(i[0].tolist()) == list(range(7))


def test_row_reader_preads_the_same_rows(tmp_path):
    x = _clustered(100, dim=16)
    mm = _memmap(tmp_path, x)
    ids = np.array([0, 3, 50, 99])
    np.testing.assert_array_equal(_RowReader(mm).rows(ids), x[ids])
    np.testing.assert_array_equal(_RowReader(x).rows(ids), x[ids])  # plain arrays are indexed directly
