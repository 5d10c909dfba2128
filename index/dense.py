"""Vector retrieval with FAISS: inner product over unit vectors, i.e. cosine similarity."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np

EXACT_LIMIT = 200_000
"""Up to this many vectors search is exact: a council's archive is searched exactly (Limerick's 975 minutes,
76,799 window vectors: ~15 ms a query flat on one core). IVF with 32 of its lists probed there cost MRR@10
0.782 -> 0.725 on held-out questions, and 256 lists 0.765 (docs/design.md); beyond this size, IVF."""
NPROBE = 32
TRAIN_PER_LIST = 40
"""IVF training sample: this many vectors per inverted list (FAISS warns below 39)."""
SLICE = 65_536
"""Vectors converted and added per step, so a build holds one slice in float32 beside the index, not all."""


class VectorIndex:
    """A FAISS index over chunk vectors; ids are chunk positions."""

    def __init__(self, faiss_index, dim: int):
        self.faiss_index = faiss_index
        self.dim = dim

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        """Exact search up to `EXACT_LIMIT` vectors; beyond it an IVF index with 8-bit scalar codes.

        `vectors` may be memory-mapped (`np.load(path, mmap_mode="r")`): the IVF index is trained on a sample
        and every index is filled a slice at a time, and pages already read are handed back to the kernel, so
        a 1M x 384 build peaks under 1 GB (`benchmarks/scale.py --million`).
        """
        import faiss

        n, dim = vectors.shape
        if n <= EXACT_LIMIT:
            index = faiss.IndexFlatIP(dim)
        else:
            nlist = int(4 * np.sqrt(n))
            index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(n, min(n, TRAIN_PER_LIST * nlist), replace=False)
            index.train(_rows(vectors, np.sort(sample)))
            index.nprobe = NPROBE
        for start in range(0, n, SLICE):
            index.add(np.ascontiguousarray(vectors[start : start + SLICE], dtype=np.float32))
            _drop_pages(vectors)
        return cls(index, dim)

    @property
    def kind(self) -> str:
        return "exact" if self.faiss_index.__class__.__name__ == "IndexFlatIP" else "ivf-sq8"

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.faiss_index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        if hasattr(index, "nprobe"):
            faiss.extract_index_ivf(index).nprobe = NPROBE
        return cls(index, index.d)

    @property
    def size(self) -> int:
        return int(self.faiss_index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top `k` (scores, ids) for one unit query vector, restricted to `allowed` ids when given."""
        import faiss

        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = (
                faiss.SearchParameters(sel=selector)
                if self.kind == "exact"
                else faiss.SearchParametersIVF(sel=selector, nprobe=NPROBE)
            )
        scores, ids = self.faiss_index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]


def _rows(vectors: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """`vectors[ids]` as float32 for sorted `ids`, gathered a slice at a time so a memory map is never all read in."""
    out = np.empty((len(ids), vectors.shape[1]), dtype=np.float32)
    bounds = np.searchsorted(ids, np.arange(0, len(vectors) + SLICE, SLICE))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        out[lo:hi] = vectors[ids[lo:hi]]
        _drop_pages(vectors)
    return out


def _drop_pages(vectors: np.ndarray) -> None:
    """Unmap the pages of a memory-mapped array read so far; they stay in the page cache, not in this process."""
    handle = getattr(vectors, "_mmap", None)  # numpy.memmap keeps its mmap.mmap here; in-memory arrays have none
    if isinstance(handle, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        handle.madvise(mmap.MADV_DONTNEED)
