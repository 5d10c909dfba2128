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

    The figures below were measured when each setting was chosen (before the fourth session's 1,100-character
    passages unless they say otherwise); the README has the current ones."""

    name: str = "hybrid"
    bm25: bool = True
    dense: bool = True
    bm25_weight: float = 1.0
    dense_weight: float = 0.5
    """BM25 is the stronger retriever on council papers. Convex fusion, 0.35 / 0.5 / 0.7 / 1.0: the 145
    developed-on council questions MRR@10 0.838 / 0.827 / 0.814 / 0.816, SciFact nDCG@10 0.714 / 0.729 /
    0.730 / 0.735; 0.5 serves both."""
    candidates: int = 200
    """How deep each retriever's list goes into fusion. Dev + extra questions (105), hybrid: MRR@10 0.787 at
    100, 0.797 at 200 and 300, 0.796 at 500; 50 loses 0.004. Convex fusion: 145 questions 0.819 / 0.827 /
    0.832 and SciFact nDCG@10 0.729 / 0.729 / 0.724 at 100 / 200 / 400."""
    fusion: str = "convex"
    """"convex" (weighted sum of min-max normalised scores) or "rrf" (weighted reciprocal rank fusion).
    Measured side by side (fast embeddings, final code, boosts 1.5 with convex and 1.3 with RRF, the best of
    each): SciFact nDCG@10 0.729 against 0.712; the 145 developed-on council questions (dev + extra +
    extra2) MRR@10 0.827 against 0.802 (plain embeddings 0.819 against 0.789). RRF keeps only ranks, so a
    passage BM25 scores far above the rest counts no more than a narrow winner; on the dev set alone, tuned
    on under RRF for three sessions, RRF stays ahead (MRR 0.813 against 0.795)."""
    decision_boost: float = 1.5
    """Multiplier for RESOLVED passages when the question asks what was agreed or decided. Convex scores
    spread wider than RRF's, so they need a larger multiplier: 145 questions, MRR@10 0.817 at 1.3, 0.821 at
    1.5 (with the recommendation boost at 1.5 too: 0.827), 0.817 at 2.0 (all boosts)."""
    period_boost: float = 1.3
    """Multiplier for passages about a period the question names ("in April 2023", "since 2015", "the last
    meeting"; `rerank.query_period`). Meeting dates only, MRR@10 without -> with, convex fusion: dev 0.795 ->
    0.784, extra 0.838 -> 0.839, extra2 0.845 -> 0.859 (even over these 145 developed-on questions), holdout
    0.797 -> 0.804, fresh 0.769 -> 0.786. On because a search product should honour the date a question
    names and the held-out sets agree; under RRF it was off (dev S@1 0.622 -> 0.600 in the first session).
    Since the fifth session a passage that names a day or month in the period counts too, unless it names
    many (`rerank.about_period`): 145 questions 0.847 -> 0.854, dev-009 and dev-032 rank 2 -> 1, nothing
    else moves."""
    attendance_boost: float = 1.5
    """Multiplier for attendance blocks when the question asks who chaired, attended or sent apologies.
    Dev set: dev-029 rank 2 -> 1, nothing else moves, the same at 1.15, 1.3 and 1.5 (an earlier version
    that fired on every "who"/"when" question cost S@1 0.622 -> 0.600 and was left off). Under convex
    fusion 1.3 and 1.5 rank the 145 questions identically; 1.5 like the other boosts."""
    contact_boost: float = 1.5
    """Multiplier for report authors' blocks when the question asks who wrote a paper or whom to contact;
    such a block first scores at least as well as its paper's best passage (it names no topic itself).
    1.0 switches both off. Dev + extra + extra2 (145), under RRF: x-056 none -> 4 (boost), x-060 none -> 1
    (lift)."""
    recommendation_boost: float = 1.5
    """Multiplier for a report's or briefing note's Recommendations section when the question asks what the
    meeting was "recommended / asked / requested to" do. Dev + extra + extra2 (145), hybrid under RRF: MRR@10
    0.785 -> 0.792 (two questions up, none down; the same with plain embeddings)."""
    min_dense: float = 0.40
    min_bm25: float = 2.0
    min_coverage: float = 0.75
    """No good match: when the best passage's cosine is below `min_dense` and either fewer than
    `min_coverage` of the query's words occur anywhere in the corpus or its best BM25 is below `min_bm25`,
    search returns nothing rather than neighbours. Calibrated on the bundled corpus (dense scores are
    best-window cosines): every dev question has cosine >= 0.45 except one (0.349, with 91% of its words
    in the corpus and BM25 10.3); off-topic queries ("premier league results", "weather tomorrow in
    paris", "best pizza recipe with pineapple") have cosine <= 0.35 and at most a third of their words
    in the corpus; one-word queries such as "allotments", "apologies" or "dog" have every word in the
    corpus and BM25 >= 2.2."""
    merge_duplicates: bool = True
    """Show text printed in several papers once, with every source in `Hit.also_in`."""
    expand_acronyms: bool = True
    """Widen the question with the definitions the papers make ("Senior Responsible Owner (SRO)"; see
    `index.glossary`): BM25 also gets the acronym of each long form the question spells out, the dense
    model also gets the long form of each acronym (it does not know council acronyms; BM25 matches them
    as written). Dev hybrid: MRR 0.741 -> 0.758. SciFact (1,092 defined acronyms) loses ~0.005 nDCG@10
    with both directions for both retrievers; this split loses ~0.004, within noise."""


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
