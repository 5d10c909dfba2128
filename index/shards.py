"""A sharded index: its layout on disk, and the router that sends a question to its shards and merges the answers.

Layout of a sharded generation `DIR/gen-NNNNNN/`:
    shard-000/, ...   each a plain generation (chunks.jsonl, documents.jsonl, vectors.npy, owners.npy, dense.faiss,
                      bm25/ scored with corpus-wide statistics) plus positions.npy: each passage's position in
                      the whole index, the id a single index of the same papers would give it
    terms.json        corpus-wide BM25 statistics (`index.corpus_terms`), for coverage and highlighting
    glossary.json     the acronyms the whole corpus defines
The manifest's "shards" lists each shard with what routing by filters needs (committees, paper types, kinds,
meeting dates). Search over a sharded index is `index.search.search`, unchanged: the router gathers each
shard's candidates (`index.search.gather`) and `index.search.ranked` fuses them as for one index.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
from precedent.corpus.chunking import Chunk
from precedent.index.corpus_terms import CorpusTerms
from precedent.index.filters import Filters
from precedent.index.glossary import Glossary, _meaning, definitions
from precedent.index.search import Candidates, best_before_filters, gather
from precedent.index.store import check_model, generation_dir

HASH_GROUPS = 64
"""Documents without a committee are grouped by a hash of their id into this many groups."""
RAY_ADDRESS = "PRECEDENT_RAY"
"""Environment variable: a Ray cluster address; a sharded index loaded with it set is served by shard actors."""


def shard_group(record: dict) -> str:
    """Papers of one committee stay together, so a committee filter asks one shard; others go by hash."""
    return record.get("committee") or f"#{zlib.crc32(record['doc_id'].encode()) % HASH_GROUPS}"


def assign_shards(sizes: dict[str, int], shards: int) -> dict[str, int]:
    """Group -> shard number: largest group first onto the lightest shard (ties by name), so it is deterministic."""
    load = [0] * shards
    placed = {}
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        target = min(range(shards), key=lambda s: (load[s], s))
        placed[group] = target
        load[target] += sizes[group]
    return placed


def shard_name(number: int) -> str:
    return f"shard-{number:03d}"


def summarise(chunks: Sequence[Chunk]) -> dict:
    """What routing by filters needs to know of a shard's passages."""
    dates = sorted({c.meeting_date for c in chunks if c.meeting_date})
    return {
        "passages": len(chunks),
        "committees": sorted({c.committee for c in chunks}),
        "paper_types": sorted({c.paper_type for c in chunks}),
        "kinds": sorted({c.kind for c in chunks}),
        "dates": [dates[0], dates[-1]] if dates else [],
    }


def may_match(summary: dict, filters: Filters) -> bool:
    """False only when no passage of the shard can pass `filters` (`Filters.mask`), so skipping it changes nothing."""
    if not summary["passages"]:
        return False
    committee = filters.committee.casefold()
    if committee and not any(committee in c.casefold() for c in summary["committees"]):
        return False
    if filters.paper_types and not set(filters.paper_types) & set(summary["paper_types"]):
        return False
    if filters.kinds and not set(filters.kinds) & set(summary["kinds"]):
        return False
    if filters.date_from or filters.date_to:
        if not summary["dates"]:
            return False
        first, last = summary["dates"]
        if (filters.date_from and last < filters.date_from.isoformat()) or (
            filters.date_to and first > filters.date_to.isoformat()
        ):
            return False
    return True


def glossary_parts(texts: Iterable[str], positions: Iterable[int]) -> dict[str, list]:
    """Acronym -> [first position, first long form, meanings] over one shard's passages."""
    parts: dict[str, list] = {}
    for text, position in zip(texts, positions, strict=True):
        for acronym, long_form in definitions(text).items():
            part = parts.setdefault(acronym, [int(position), long_form, set()])
            part[2].add(_meaning(long_form))
    return {acronym: [p, long, sorted(m)] for acronym, (p, long, m) in parts.items()}


def merge_glossaries(parts: Iterable[dict[str, list]]) -> Glossary:
    """The glossary `Glossary.build` makes of every passage in position order, from each shard's parts."""
    first: dict[str, tuple[int, str]] = {}
    meanings: dict[str, set[str]] = {}
    for part in parts:
        for acronym, (position, long_form, its) in part.items():
            if acronym not in first or position < first[acronym][0]:
                first[acronym] = (position, long_form)
            meanings.setdefault(acronym, set()).update(its)
    return Glossary({a: first[a][1] for a in sorted(first) if len(meanings[a]) == 1})


@dataclass(frozen=True)
class Ranked:
    """One shard's first answer: its retrievers' best in whole-index ids, without passages (those come second)."""

    found: Candidates
    contacts: dict[int, list[int]]
    """For each candidate whose paper has authors' blocks within the filters, those blocks."""


@dataclass
class Shard:
    """One shard: a plain `Index` over its passages, and each passage's position in the whole index (ascending)."""

    index: object
    positions: np.ndarray

    @classmethod
    def load(cls, gen: Path, name: str, manifest: dict) -> Shard:
        from precedent.index.index import Index

        index = Index._load_generation(gen, {**manifest, "generation": name})
        return cls(index, np.load(gen / name / "positions.npy"))

    def candidates(
        self, keywords: str | None, vector: np.ndarray | None, pool: int, filters: Filters, contacts: bool
    ) -> Ranked:
        """`search.gather` on this shard, in whole-index ids; passages are fetched with `chunks` for the winners."""
        found = gather(self.index, keywords, vector, pool, filters, contacts)
        at = self.positions
        blocks = {}
        for i in found.ids.tolist() if found.contacts else ():
            ids = found.contacts.get(self.index.chunks[i].paper)
            if ids:
                blocks[int(at[i])] = at[ids].tolist()
        ranked = Candidates(
            chunks={},
            ids=at[found.ids],
            bm25=at[found.bm25],
            bm25_scores={int(at[i]): score for i, score in found.bm25_scores.items()},
            dense=None if found.dense is None else at[found.dense],
            dense_scores=found.dense_scores,
            contacts={},
            best=found.best,
        )
        return Ranked(ranked, blocks)

    def best(self, keywords: str | None, vector: np.ndarray | None) -> dict[str, float]:
        """The shard's best BM25 score and cosine, for a question whose filters exclude all of it."""
        return best_before_filters(self.index, keywords, vector)

    def chunks(self, positions: Sequence[int]) -> dict[int, Chunk]:
        local = np.searchsorted(self.positions, np.asarray(positions, dtype=np.int64))
        return {int(p): self.index.chunks[i] for p, i in zip(positions, local.tolist(), strict=True)}

    def passages(self) -> tuple[np.ndarray, list[Chunk]]:
        return self.positions, self.index.chunks

    def documents(self) -> dict[str, dict]:
        return self.index.documents


def merge(
    parts: Sequence[Candidates], pool: int, bm25: bool, dense: bool, best: Sequence[dict[str, float]] = ()
) -> Candidates:
    """Every shard's candidates as one index's: each retriever's `pool` best over all shards (no passages yet).

    Args:
        best: the best scores of the shards the filters excluded (the whole index's best is judged before filters).
    """
    scores: dict[int, float] = {}
    keyword_best: list[tuple[float, int]] = []
    dense_best: list[tuple[float, int]] = []
    for found in parts:
        scores.update(found.bm25_scores)
        keyword_best += [(found.bm25_scores[i], i) for i in found.bm25.tolist()]
        if found.dense is not None:
            dense_best += zip(found.dense_scores.tolist(), found.dense.tolist(), strict=True)
    keyword_best = sorted(keyword_best, key=lambda pair: (-pair[0], pair[1]))[:pool]
    dense_best = sorted(dense_best, key=lambda pair: (-pair[0], pair[1]))[:pool]
    top = np.asarray([i for _, i in keyword_best], dtype=np.int64)
    near = np.asarray([i for _, i in dense_best], dtype=np.int64)
    ids = np.unique(np.concatenate([top, near])).astype(np.int64)
    return Candidates(
        chunks={},
        ids=ids,
        bm25=top,
        bm25_scores={i: scores[i] for i in ids.tolist()} if bm25 else {},
        dense=near if dense else None,
        dense_scores=np.asarray([s for s, _ in dense_best], dtype=np.float32) if dense else None,
        contacts={},
        best={k: max((b[k] for b in [*(p.best for p in parts), *best]), default=0.0) for k in ("bm25", "dense")},
    )


class LocalShards:
    """Every shard loaded in this process: the sharded index without a cluster."""

    def __init__(self, gen: Path, manifest: dict):
        self.shards = {s["name"]: Shard.load(gen, s["name"], manifest) for s in manifest["shards"] if s["passages"]}

    def candidates(self, names: Sequence[str], *args) -> list[Ranked]:
        return [self.shards[name].candidates(*args) for name in names]

    def chunks(self, wanted: dict[str, list[int]]) -> list[dict[int, Chunk]]:
        return [self.shards[name].chunks(positions) for name, positions in wanted.items()]

    def best(self, names: Sequence[str], *args) -> list[dict[str, float]]:
        return [self.shards[name].best(*args) for name in names]

    def passages(self) -> list[tuple[np.ndarray, list[Chunk]]]:
        return [shard.passages() for shard in self.shards.values()]

    def documents(self) -> list[dict[str, dict]]:
        return [shard.documents() for shard in self.shards.values()]

    def close(self) -> None:
        self.shards = {}


class ShardedChunks(Sequence):
    """The passages of every shard as one list; its length needs no shard, its items are fetched once."""

    def __init__(self, size: int, shards):
        self.size = size
        self.shards = shards

    def __len__(self) -> int:
        return self.size

    @cached_property
    def _all(self) -> list[Chunk]:
        out: list[Chunk | None] = [None] * self.size
        for positions, chunks in self.shards.passages():
            for position, chunk in zip(positions.tolist(), chunks, strict=True):
                out[position] = chunk
        return out

    def __getitem__(self, position):
        return self._all[position]


class ShardedIndex:
    """A sharded index as `search()` sees an `Index`: model, glossary, corpus-wide BM25 terms, chunks, documents."""

    def __init__(self, path: Path, manifest: dict, shards):
        gen = generation_dir(path, manifest)
        self.path = Path(path)
        self.manifest = manifest
        self.shards = shards
        self.keywords = CorpusTerms.load(gen / "terms.json")
        self.glossary = Glossary.load(gen / "glossary.json")

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def generation(self) -> str:
        return self.manifest["generation"]

    def gather(
        self, keywords: str | None, vector: np.ndarray | None, pool: int, filters: Filters, contacts: bool
    ) -> Candidates:
        """`search.gather` over the shards: first each allowed shard's best (ids and scores), merged; then the
        passages of the merged candidates only, from the shards holding them."""
        names = [s["name"] for s in self.manifest["shards"] if may_match(s, filters)]
        others = [s["name"] for s in self.manifest["shards"] if s["passages"] and s["name"] not in names]
        parts = self.shards.candidates(names, keywords, vector, pool, filters, contacts) if names else []
        best = self.shards.best(others, keywords, vector) if others else []
        found = [part.found for part in parts]
        merged = merge(found, pool, bm25=keywords is not None, dense=vector is not None, best=best)
        winners = set(merged.ids.tolist())
        wanted: dict[str, list[int]] = {}
        blocks: dict[int, list[int]] = {}
        for name, part in zip(names, parts, strict=True):
            mine = [i for i in part.found.ids.tolist() if i in winners]
            blocks.update((i, part.contacts[i]) for i in mine if i in part.contacts)
            extra = {c for i in mine for c in part.contacts.get(i, ())}
            if mine or extra:
                wanted[name] = sorted(set(mine) | extra)
        chunks: dict[int, Chunk] = {}
        for found in self.shards.chunks(wanted) if wanted else ():
            chunks.update(found)
        by_paper = {chunks[i].paper: ids for i, ids in blocks.items()}
        return replace(merged, chunks=chunks, contacts=by_paper)

    @cached_property
    def chunks(self) -> ShardedChunks:
        """Every passage in whole-index order; counted from the manifest, fetched from the shards on first read."""
        return ShardedChunks(self.manifest["counts"]["chunks"], self.shards)

    @cached_property
    def documents(self) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for part in self.shards.documents():
            found.update(part)
        return {doc_id: found[doc_id] for doc_id in self.manifest["documents"] if doc_id in found}

    def close(self) -> None:
        self.shards.close()


def load_sharded(index_dir: Path, manifest: dict, model: str | None = None) -> ShardedIndex:
    """The sharded index at `index_dir`: served by Ray shard actors when `$PRECEDENT_RAY` names a cluster."""
    check_model(manifest, model, index_dir)
    gen = generation_dir(index_dir, manifest)
    address = os.environ.get(RAY_ADDRESS)
    if address:
        from precedent.index.ray_serve import RayShards

        shards = RayShards(address, gen, manifest)
    else:
        shards = LocalShards(gen, manifest)
    return ShardedIndex(index_dir, manifest, shards)
