"""Fusing rankings from several retrievers."""

from __future__ import annotations

import numpy as np

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: dict[str, np.ndarray], weights: dict[str, float], k: int = RRF_K
) -> dict[int, float]:
    """Weighted RRF: each retriever adds weight / (k + rank) for every chunk id it ranks."""
    fused: dict[int, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, chunk_id in enumerate(ids.tolist(), start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (k + rank)
    return fused


def top_ids(scores: np.ndarray, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Ids of the `n` highest positive scores, best first, among `allowed` rows."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    n = min(n, int(np.sum(scores > 0)))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n]
    return part[np.argsort(-scores[part], kind="stable")]


def convex_fusion(scores: dict[str, dict[int, float]], weights: dict[str, float]) -> dict[int, float]:
    """Weighted sum of each retriever's scores, min-max normalised over the shared candidates.

    Unlike RRF, a passage that one retriever ranks highly and the other merely ranks low keeps the
    evidence of both scores, rather than losing half its weight for missing from one top list.
    """
    fused: dict[int, float] = {}
    total = sum(weights.get(name, 1.0) for name in scores) or 1.0
    for name, values in scores.items():
        if not values:
            continue
        low, high = min(values.values()), max(values.values())
        span = (high - low) or 1.0
        weight = weights.get(name, 1.0) / total
        for chunk_id, value in values.items():
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight * (value - low) / span
    return fused
