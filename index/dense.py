"""Vector retrieval with FAISS: inner product over unit vectors, i.e. cosine similarity."""

from __future__ import annotations

from pathlib import Path

import numpy as np

EXACT_LIMIT = 200_000
"""Up to this many passages a flat index is exact and fast enough (~30 ms a query on 2 cores)."""
NPROBE = 32


class VectorIndex:
    """A FAISS index over chunk vectors; ids are chunk positions."""

    def __init__(self, faiss_index, dim: int):
        self.faiss_index = faiss_index
        self.dim = dim

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        """Exact search up to `EXACT_LIMIT` vectors; beyond it an IVF index with 8-bit scalar codes."""
        import faiss

        dim = vectors.shape[1]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) <= EXACT_LIMIT:
            index = faiss.IndexFlatIP(dim)
        else:
            nlist = int(4 * np.sqrt(len(vectors)))
            index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)
            index.train(vectors[np.sort(sample)])
            index.nprobe = NPROBE
        if len(vectors):
            index.add(vectors)
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
