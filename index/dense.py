"""Vector retrieval with FAISS: inner product over unit vectors, i.e. cosine similarity."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    """A FAISS index over chunk vectors; ids are chunk positions."""

    def __init__(self, faiss_index, dim: int):
        self.faiss_index = faiss_index
        self.dim = dim

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        import faiss

        dim = vectors.shape[1]
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, dim)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.faiss_index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
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
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, ids = self.faiss_index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
