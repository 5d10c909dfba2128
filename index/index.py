"""A loaded index: chunks, vectors, the FAISS and BM25 indexes and the documents they came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from precedent.corpus.chunking import Chunk
from precedent.corpus.links import REFERENCES, ItemKey, Link, load_links
from precedent.index.bm25 import KeywordIndex
from precedent.index.dense import VectorIndex
from precedent.index.glossary import Glossary
from precedent.index.store import check_model, generation_dir, read_manifest

from precedent.errors import IndexMismatch, PrecedentError

LOAD_ATTEMPTS = 10
"""How many times a load starts again on a generation swapped in mid-load before it gives up."""


@dataclass
class Index:
    """Everything search needs, loaded from one index directory."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: VectorIndex
    keywords: KeywordIndex
    documents: dict[str, dict]
    glossary: Glossary
    owners: np.ndarray
    """For each row of `vectors`, the chunk it belongs to (a long passage is embedded as several windows)."""
    _by_paper: dict[str, dict[tuple[str, str, str], list[int]]] = field(default_factory=dict, repr=False)
    links: list[Link] = field(default_factory=list, repr=False)
    """Every reference found in the minutes, resolved to the item or meeting it names where the index holds it."""
    _links_by: dict[str, dict[ItemKey, list[Link]]] = field(default_factory=dict, repr=False)

    def references_from(self, key: ItemKey) -> list[Link]:
        """What an item refers to, in the order its text does; `link.target` None when the index lacks it."""
        return self._links("source").get(key, [])

    def references_to(self, key: ItemKey) -> list[Link]:
        """What refers to an item, or to a meeting (`key.item` None), in document order of the referring text."""
        return self._links("target").get(key, [])

    def _links(self, end: str) -> dict[ItemKey, list[Link]]:
        if end not in self._links_by:
            found: dict[ItemKey, list[Link]] = {}
            for link in self.links:
                key = getattr(link, end)
                if key is not None:
                    found.setdefault(key, []).append(link)
            self._links_by[end] = found
        return self._links_by[end]

    def passages_by_paper(self, kind: str) -> dict[tuple[str, str, str], list[int]]:
        """Ids of the passages of `kind` ("contact") of each paper, found once per loaded index."""
        if kind not in self._by_paper:
            found: dict[tuple[str, str, str], list[int]] = {}
            for chunk_id, chunk in enumerate(self.chunks):
                if chunk.kind == kind:
                    found.setdefault(chunk.paper, []).append(chunk_id)
            self._by_paper[kind] = found
        return self._by_paper[kind]

    @classmethod
    def load(cls, index_dir: str | Path, *, model: str | None = None) -> Index:
        """Load the live generation; raises `IndexMissing`/`IndexMismatch` naming the command to run.

        A rebuild that finishes mid-load swaps the manifest and deletes the generation being read; the load
        then starts again from the generation the manifest now names.
        """
        index_dir = Path(index_dir)
        manifest = read_manifest(index_dir)
        if "shards" in manifest:  # built with `precedent index --ray`; served by its shards (index.shards)
            from precedent.index.shards import load_sharded

            return load_sharded(index_dir, manifest, model)
        for _ in range(LOAD_ATTEMPTS):
            check_model(manifest, model, index_dir)
            try:
                return cls._load_generation(index_dir, manifest)
            except Exception as err:
                live = read_manifest(index_dir)
                if live["generation"] != manifest["generation"]:
                    manifest = live  # superseded while being read
                    continue
                if not generation_dir(index_dir, manifest).is_dir():
                    raise IndexMismatch(
                        f"the index at {index_dir} names {manifest['generation']}, which is missing; rebuild "
                        f"with `precedent index --rebuild --index {index_dir}`"
                    ) from err
                raise
        raise PrecedentError(
            f"the index at {index_dir} was replaced {LOAD_ATTEMPTS} times while loading; try again once "
            "`precedent index` has finished"
        )

    @classmethod
    def _load_generation(cls, index_dir: Path, manifest: dict) -> Index:
        gen = generation_dir(index_dir, manifest)
        chunks, documents, vectors = read_stored(gen)
        return cls(
            path=index_dir,
            manifest=manifest,
            chunks=chunks,
            vectors=vectors,
            dense=VectorIndex.load(gen / "dense.faiss"),
            keywords=KeywordIndex.load(gen / "bm25", len(chunks)),
            documents=documents,
            glossary=Glossary.load(gen / "glossary.json"),
            owners=read_owners(gen, len(chunks)),
            links=load_links(gen / REFERENCES),
        )

    def dense_search(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None):
        """The `n` chunks nearest to `vector` by their best window: (cosines, chunk ids), best first.

        Args:
            allowed: a boolean mask over chunks (filters); None searches them all.
        """
        rows = None if allowed is None else np.flatnonzero(allowed[self.owners])
        per_chunk = max(1, -(-len(self.owners) // max(1, len(self.chunks))))
        wanted = min(len(self.owners) if rows is None else len(rows), n * (per_chunk + 2))
        scores, hits = self.dense.search(vector, wanted, rows)
        chunk_ids = self.owners[hits]
        _, first = np.unique(chunk_ids, return_index=True)
        first = np.sort(first)[:n]  # rows come best first, so a chunk's first row is its best window
        return scores[first], chunk_ids[first]

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def generation(self) -> str:
        return self.manifest["generation"]


def read_stored(gen: Path) -> tuple[list[Chunk], dict[str, dict], np.ndarray]:
    """A generation's chunks, document records and (memory-mapped) vectors, without the search indexes."""
    chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(gen / "chunks.jsonl")]
    documents = {}
    for line in _lines(gen / "documents.jsonl"):
        record = json.loads(line)
        documents[record["doc_id"]] = record
    return chunks, documents, np.load(gen / "vectors.npy", mmap_mode="r")


def read_owners(gen: Path, chunks: int) -> np.ndarray:
    """Which chunk each vector row belongs to; an index from before windows has one row per chunk."""
    path = gen / "owners.npy"
    return np.load(path) if path.exists() else np.arange(chunks, dtype=np.int64)


def _lines(path: Path):
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line
