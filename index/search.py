"""The one search function every surface calls: query -> ranked `Hit`s with citations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from precedent.corpus.chunking import Chunk
from precedent.embed.encoder import Encoder, load_encoder
from precedent.index.bm25 import terms
from precedent.index.duplicates import merge_duplicates
from precedent.index.filters import Filters
from precedent.index.fusion import convex_fusion, reciprocal_rank_fusion, top_ids
from precedent.index.highlight import best_sentences
from precedent.index.hit import Hit
from precedent.index.index import Index
from precedent.index.rerank import asks_for, boost_kind, boost_period, lift_to_paper

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
    period_boost: float = 2.0
    """Multiplier for passages about a period the question names ("in April 2023", "since 2015", "the last
    meeting"; `rerank.query_period`): a meeting in it, or a day or month in it named in the passage. Strong
    enough to rank such passages first among the candidates: an archive of many years holds the same business
    at every meeting, and the named date is what tells them apart."""
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


@dataclass(frozen=True)
class Candidates:
    """What the retrievers found for one question, before fusion; ids are chunk positions in the whole index."""

    chunks: Sequence[Chunk] | Mapping[int, Chunk]
    """At least every candidate's chunk and every chunk in `contacts`."""
    ids: np.ndarray
    """Every candidate of either retriever, ascending."""
    bm25: np.ndarray
    """BM25's best, best first."""
    bm25_scores: dict[int, float]
    """The BM25 score of every candidate (empty when BM25 is off)."""
    dense: np.ndarray | None
    """The dense retriever's best, best first; None when it is off."""
    dense_scores: np.ndarray | None
    contacts: dict[tuple[str, str, str], list[int]]
    """The authors' blocks within the filters of each candidate's paper, when the question asks for them."""
    best: dict[str, float]
    """The best BM25 score and cosine of the whole index, before filters: whether it holds a good match."""


def validate_query(query: str) -> str:
    query = (query or "").strip()
    if not query:
        raise InvalidQuery("the question is empty; type a few words, e.g. 'dog control order call-in'")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the question is {len(query)} characters; shorten it to at most {MAX_QUERY_CHARS}")
    return query


def _title_line(chunk: Chunk) -> str:
    """The title a passage's own title line repeats: its minute item's, or its section's in minutes; a report's
    heading is kept with what it heads (a table's title with its rows)."""
    return chunk.item_title or (chunk.section if chunk.paper_type == "minutes" else "")


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
    long_forms, acronyms = index.glossary.additions(query) if config.expand_acronyms else ([], [])
    words = " ".join([query, *long_forms, *acronyms])  # for the dense model and highlighting
    keywords = " ".join([query, *acronyms])  # BM25 matches acronyms as written
    vector = None
    if config.dense and len(index.chunks):
        vector = (encoder or load_encoder(index.model)).encode([words])[0]
    lift = config.contact_boost != 1.0 and asks_for("contact", query)
    pool = max(config.candidates, k)
    gathered = index.gather if hasattr(index, "gather") else partial(gather, index)  # a sharded index fans out
    found = gathered(keywords if config.bm25 else None, vector, pool, filters, lift)
    if _no_good_match(index, query, config, found.best):
        return []
    return ranked(found, query, words, k, config, index.keywords.idf(terms(words)))


def gather(
    index: Index, keywords: str | None, vector: np.ndarray | None, pool: int, filters: Filters, contacts: bool
) -> Candidates:
    """Each retriever's `pool` best passages within `filters`; None for `keywords` or `vector` skips that retriever.

    Args:
        contacts: also collect the authors' blocks of the candidates' papers (`rerank.lift_to_paper`).
    """
    allowed = filters.mask(index.chunks) if filters.active else None
    none = np.zeros(0, dtype=np.int64)
    bm25, dense, dense_scores, scores = none, None, None, None
    if keywords is not None:
        scores = index.keywords.scores(keywords)
        bm25 = top_ids(scores, pool, allowed)
    if vector is not None:
        dense_scores, dense = index.dense_search(vector, pool, allowed)
    ids = np.unique(np.concatenate([bm25, none if dense is None else dense])).astype(np.int64)
    bm25_scores = dict(zip(ids.tolist(), scores[ids].tolist(), strict=True)) if scores is not None else {}
    best = {"bm25": bm25_scores[int(bm25[0])] if len(bm25) else 0.0, "dense": 0.0}
    if dense is not None and len(dense):
        best["dense"] = float(dense_scores[0])
    if allowed is not None:  # whether the corpus holds a good match is judged before filters
        best = best_before_filters(index, keywords, vector, scores)
    by_paper: dict[tuple[str, str, str], list[int]] = {}
    if contacts:
        everything = index.passages_by_paper("contact")
        for paper in {index.chunks[i].paper for i in ids.tolist()}:
            kept = [i for i in everything.get(paper, ()) if allowed is None or allowed[i]]
            if kept:
                by_paper[paper] = kept
    return Candidates(index.chunks, ids, bm25, bm25_scores, dense, dense_scores, by_paper, best)


def best_before_filters(
    index: Index, keywords: str | None, vector: np.ndarray | None, scores: np.ndarray | None = None
) -> dict[str, float]:
    """The best BM25 score and cosine in the whole index, filters aside (`_no_good_match`)."""
    best = {"bm25": 0.0, "dense": 0.0}
    if keywords is not None:
        scores = index.keywords.scores(keywords) if scores is None else scores
        best["bm25"] = float(scores.max()) if len(scores) else 0.0
    if vector is not None and len(index.chunks):
        best["dense"] = float(index.dense_search(vector, 1)[0][0])
    return best


def ranked(found: Candidates, query: str, words: str, k: int, config: SearchConfig, idf: dict[str, float]) -> list[Hit]:
    """Fuse, boost and cut the candidates to `k` hits with highlights; `idf` weighs the question's words."""
    rankings: dict[str, np.ndarray] = {}
    if config.bm25:
        rankings["bm25"] = found.bm25
    if found.dense is not None:
        rankings["dense"] = found.dense
    weights = {"bm25": config.bm25_weight, "dense": config.dense_weight}
    if config.fusion == "rrf":
        fused = reciprocal_rank_fusion(rankings, weights)
    else:
        candidates = found.ids.tolist()
        exact = {}
        if config.bm25:
            exact["bm25"] = {cid: found.bm25_scores[cid] for cid in candidates}
        if found.dense is not None:
            dense = dict(zip(found.dense.tolist(), found.dense_scores.tolist(), strict=True))
            floor = min(dense.values(), default=0.0)  # not among the dense candidates: at most their worst
            exact["dense"] = {cid: dense.get(cid, floor) for cid in candidates}
        fused = convex_fusion(exact, weights)
    chunks = found.chunks
    fused = boost_kind("resolved", query, chunks, fused, config.decision_boost)
    fused = boost_period(query, chunks, fused, config.period_boost)
    fused = boost_kind("attendance", query, chunks, fused, config.attendance_boost)
    if config.contact_boost != 1.0:
        fused = lift_to_paper("contact", query, chunks, fused, found.contacts, None)  # contacts are filtered
        fused = boost_kind("contact", query, chunks, fused, config.contact_boost)
    fused = boost_kind("recommendation", query, chunks, fused, config.recommendation_boost)
    ordered = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[: 2 * k]
    found_by = {name: set(ids.tolist()) for name, ids in rankings.items()}
    hits = [
        Hit(
            chunk=chunks[chunk_id],
            score=score,
            rank=rank,
            retrievers=tuple(name for name, ids in found_by.items() if chunk_id in ids),
        )
        for rank, (chunk_id, score) in enumerate(ordered, start=1)
    ]
    hits = merge_duplicates(hits)[:k] if config.merge_duplicates else hits[:k]
    marked = (
        best_sentences(
            words,
            h.chunk.unbroken,
            weights=idf,
            header=h.chunk.header,
            title=_title_line(h.chunk),
            wrapped=h.chunk.wrapped,
        )
        for h in hits
    )
    return renumber([replace(h, highlights=spans) for h, spans in zip(hits, marked, strict=True)])


def _no_good_match(index: Index, query: str, config: SearchConfig, best: dict[str, float]) -> bool:
    weak_words = best["bm25"] < config.min_bm25
    if not config.dense:
        return weak_words
    return best["dense"] < config.min_dense and (
        not config.bm25 or weak_words or index.keywords.coverage(query) < config.min_coverage
    )


def renumber(hits: list[Hit]) -> list[Hit]:
    return [replace(hit, rank=rank) for rank, hit in enumerate(hits, start=1)]
