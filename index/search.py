"""The one search function every surface calls: query -> ranked `Hit`s with citations."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from embed.encoder import Encoder, load_encoder
from index.bm25 import terms
from index.duplicates import merge_duplicates
from index.filters import Filters
from index.fusion import convex_fusion, reciprocal_rank_fusion, top_ids
from index.highlight import best_sentences
from index.hit import Hit
from index.index import Index
from index.rerank import boost_kind, boost_period, lift_to_paper
from precedent.errors import InvalidQuery

MAX_QUERY_CHARS = 1000
MAX_K = 100


@dataclass(frozen=True)
class SearchConfig:
    """How retrieval is done; `precedent eval --compare` runs several of these side by side.

    Each default's measurements, and the alternatives tried, are in docs/design.md."""

    name: str = "hybrid"
    bm25: bool = True
    dense: bool = True
    bm25_weight: float = 1.0
    dense_weight: float = 0.5
    """BM25 is the stronger retriever on council papers; 0.5 serves them and SciFact alike."""
    candidates: int = 200
    """How deep each retriever's list goes into fusion."""
    fusion: str = "convex"
    """"convex" (weighted sum of min-max normalised scores) or "rrf" (weighted reciprocal rank fusion)."""
    decision_boost: float = 1.5
    """Multiplier for RESOLVED passages when the question asks what was agreed or decided."""
    period_boost: float = 1.3
    """Multiplier for passages about a period the question names ("in April 2023", "since 2015", "the last
    meeting"; `rerank.query_period`): a meeting in it, or a day or month in it named in the passage."""
    attendance_boost: float = 1.5
    """Multiplier for attendance blocks when the question asks who chaired, attended or sent apologies."""
    contact_boost: float = 1.5
    """Multiplier for report authors' blocks when the question asks who wrote a paper or whom to contact;
    such a block first scores at least as well as its paper's best passage (it names no topic itself).
    1.0 switches both off."""
    recommendation_boost: float = 1.5
    """Multiplier for a report's Recommendations section when the question asks what the meeting was
    "recommended / asked / requested to" do."""
    min_dense: float = 0.40
    min_bm25: float = 2.0
    min_coverage: float = 0.75
    """No good match: when the best passage's cosine is below `min_dense` and either fewer than
    `min_coverage` of the query's words occur anywhere in the corpus or its best BM25 is below `min_bm25`,
    search returns nothing rather than neighbours. Judged on the whole index, before filters."""
    merge_duplicates: bool = True
    """Show text printed in several papers once, with every source in `Hit.also_in`."""
    expand_acronyms: bool = True
    """Widen the question with the definitions the papers make ("Senior Responsible Owner (SRO)"; see
    `index.glossary`): BM25 also gets the acronym of each long form the question spells out, the dense
    model the long form of each acronym (it does not know council acronyms; BM25 matches them as written)."""


NO_BOOSTS = dict(
    decision_boost=1.0, attendance_boost=1.0, contact_boost=1.0, recommendation_boost=1.0, period_boost=1.0
)
CONFIGS = {
    "bm25": SearchConfig("bm25", dense=False, **NO_BOOSTS),
    "dense": SearchConfig("dense", bm25=False, **NO_BOOSTS),
    "hybrid-plain": SearchConfig("hybrid-plain", **NO_BOOSTS, expand_acronyms=False),
    "hybrid-no-dates": SearchConfig("hybrid-no-dates", period_boost=1.0),
    "hybrid": SearchConfig("hybrid"),
}
DEFAULT_CONFIG = CONFIGS["hybrid"]


def validate_query(query: str) -> str:
    query = (query or "").strip()
    if not query:
        raise InvalidQuery("the question is empty; type a few words, e.g. 'dog control order call-in'")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the question is {len(query)} characters; shorten it to at most {MAX_QUERY_CHARS}")
    return query


def search(
    index: Index,
    query: str,
    *,
    k: int = 10,
    filters: Filters = Filters(),
    config: SearchConfig = DEFAULT_CONFIG,
    encoder: Encoder | None = None,
) -> list[Hit]:
    """Rank the index's passages for `query`, best first.

    Args:
        index: a loaded `Index`.
        query: the question or keywords, at most 1,000 characters.
        k: how many hits to return (1-100).
        filters: committee, meeting date range and paper types to keep.
        config: which retrievers to use and how to weigh them.
        encoder: the query encoder; by default the model the index was built with.
    """
    query = validate_query(query)
    if not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be between 1 and {MAX_K}; got {k}")
    allowed = filters.mask(index.chunks) if filters.active else None
    long_forms, acronyms = index.glossary.additions(query) if config.expand_acronyms else ([], [])
    words = " ".join([query, *long_forms, *acronyms])  # for the dense model and highlighting
    keywords = " ".join([query, *acronyms])  # BM25 matches acronyms as written
    pool = max(config.candidates, k)
    rankings: dict[str, np.ndarray] = {}
    weights = {"bm25": config.bm25_weight, "dense": config.dense_weight}
    best = {"bm25": 0.0, "dense": 0.0}
    if config.bm25:
        scores = index.keywords.scores(keywords)
        rankings["bm25"] = top_ids(scores, pool, allowed)
        best["bm25"] = float(scores[rankings["bm25"][0]]) if len(rankings["bm25"]) else 0.0
    if config.dense and len(index.chunks):
        vector = (encoder or load_encoder(index.model)).encode([words])[0]
        dense_scores, rankings["dense"] = index.dense_search(vector, pool, allowed)
        best["dense"] = float(dense_scores[0]) if len(dense_scores) else 0.0
    if allowed is not None:  # whether the corpus holds a good match is judged before filters
        if config.bm25:
            best["bm25"] = float(scores.max()) if len(scores) else 0.0
        if config.dense and len(index.chunks):
            best["dense"] = float(index.dense_search(vector, 1)[0][0])
    if _no_good_match(index, query, config, best):
        return []
    if config.fusion == "rrf":
        fused = reciprocal_rank_fusion(rankings, weights)
    else:
        candidates = np.unique(np.concatenate(list(rankings.values()))).astype(np.int64)
        exact = {}
        if config.bm25:
            exact["bm25"] = dict(zip(candidates.tolist(), scores[candidates].tolist(), strict=True))
        if config.dense and len(index.chunks):
            found = dict(zip(rankings["dense"].tolist(), dense_scores.tolist(), strict=True))
            floor = min(found.values(), default=0.0)  # not among the dense candidates: at most their worst
            exact["dense"] = {cid: found.get(cid, floor) for cid in candidates.tolist()}
        fused = convex_fusion(exact, weights)
    fused = boost_kind("resolved", query, index.chunks, fused, config.decision_boost)
    fused = boost_period(query, index.chunks, fused, config.period_boost)
    fused = boost_kind("attendance", query, index.chunks, fused, config.attendance_boost)
    if config.contact_boost != 1.0:
        by_paper = index.passages_by_paper("contact")
        fused = lift_to_paper("contact", query, index.chunks, fused, by_paper, allowed)
        fused = boost_kind("contact", query, index.chunks, fused, config.contact_boost)
    fused = boost_kind("recommendation", query, index.chunks, fused, config.recommendation_boost)
    ordered = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[: 2 * k]
    found_by = {name: set(ids.tolist()) for name, ids in rankings.items()}
    hits = [
        Hit(
            chunk=index.chunks[chunk_id],
            score=score,
            rank=rank,
            retrievers=tuple(name for name, ids in found_by.items() if chunk_id in ids),
        )
        for rank, (chunk_id, score) in enumerate(ordered, start=1)
    ]
    hits = merge_duplicates(hits)[:k] if config.merge_duplicates else hits[:k]
    weights = index.keywords.idf(terms(words))
    return renumber(
        [replace(h, highlights=best_sentences(words, h.text, weights=weights, header=h.chunk.header)) for h in hits]
    )


def _no_good_match(index: Index, query: str, config: SearchConfig, best: dict[str, float]) -> bool:
    weak_words = best["bm25"] < config.min_bm25
    if not config.dense:
        return weak_words
    return best["dense"] < config.min_dense and (
        not config.bm25 or weak_words or index.keywords.coverage(query) < config.min_coverage
    )


def renumber(hits: list[Hit]) -> list[Hit]:
    return [replace(hit, rank=rank) for rank, hit in enumerate(hits, start=1)]
