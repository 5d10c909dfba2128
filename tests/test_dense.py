"""The vector index: exact while small, IVF (8-bit codes) once large, with recall checked against exact."""

from __future__ import annotations

import numpy as np
import precedent.index.dense as dense
from precedent.index.dense import VectorIndex


def clustered(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around 50 centres, like real passage embeddings, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dim))
    points = centres[rng.integers(0, 50, n)] + 0.35 * rng.normal(size=(n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_small_indexes_are_exact(tmp_path):
    vectors = clustered(500)
    built = VectorIndex.build(vectors)
    assert built.kind == "exact"
    scores, ids = built.search(vectors[7], 5)
    np.testing.assert_allclose(scores, np.sort(vectors @ vectors[7])[::-1][:5], rtol=1e-5)
    built.save(tmp_path / "d.faiss")
    again = VectorIndex.load(tmp_path / "d.faiss")
    assert again.search(vectors[7], 5)[1].tolist() == ids.tolist()


def test_large_indexes_are_approximate_with_high_recall(monkeypatch, tmp_path):
    monkeypatch.setattr(dense, "EXACT_LIMIT", 5_000)
    vectors = clustered(20_000)
    approx = VectorIndex.build(vectors)
    assert approx.kind == "ivf-sq8"
    approx.save(tmp_path / "d.faiss")
    approx = VectorIndex.load(tmp_path / "d.faiss")
    exact = VectorIndex(__import__("faiss").IndexFlatIP(64), 64)
    exact.faiss_index.add(vectors)
    queries = clustered(100, seed=1)
    recall = np.mean([len(set(approx.search(q, 10)[1]) & set(exact.search(q, 10)[1])) / 10 for q in queries])
    assert recall >= 0.95, recall
    allowed = np.arange(0, 20_000, 2)
    _, ids = approx.search(queries[0], 10, allowed)
    assert len(ids) == 10 and all(i % 2 == 0 for i in ids)


def test_a_memory_mapped_build_in_slices_equals_the_in_memory_build(monkeypatch, tmp_path):
    monkeypatch.setattr(dense, "EXACT_LIMIT", 5_000)
    monkeypatch.setattr(dense, "SLICE", 3_000)  # 20,000 vectors: 7 slices to train from and to add
    vectors = clustered(20_000)
    np.save(tmp_path / "v.npy", vectors)
    mapped = np.load(tmp_path / "v.npy", mmap_mode="r")
    in_memory, from_disk = VectorIndex.build(vectors), VectorIndex.build(mapped)
    assert from_disk.kind == "ivf-sq8" and from_disk.size == 20_000
    sample = np.sort(np.random.default_rng(0).choice(20_000, 1_000, replace=False))
    np.testing.assert_array_equal(dense._rows(mapped, sample), vectors[sample])
    for q in clustered(20, seed=2):
        a, b = in_memory.search(q, 10), from_disk.search(q, 10)
        assert a[1].tolist() == b[1].tolist()
        np.testing.assert_array_equal(a[0], b[0])
    exact = VectorIndex.build(mapped[:4_000])
    assert exact.kind == "exact" and exact.size == 4_000
    want = np.sort(vectors[:4_000] @ vectors[5])[::-1][:3]
    np.testing.assert_allclose(exact.search(vectors[5], 3)[0], want, rtol=1e-5)
