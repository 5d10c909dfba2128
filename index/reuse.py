"""What a build takes from the live generation: whole unchanged documents, and vectors by the text they embed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from precedent.corpus.chunking import Chunk, dense_texts
from precedent.index.store import generation_dir, read_manifest

from precedent.errors import PrecedentError


@dataclass
class Embedded:
    """One document's passages and vectors; `owners[i]` is the passage (by position) vector row i is for."""

    chunks: list[Chunk]
    vectors: np.ndarray | None
    owners: np.ndarray


@dataclass
class Previous:
    """The live generation as a build may reuse it (empty when there is none, or it was built by another model).

    `records` and `embedded` (whole documents) are filled only when it was built with the same settings key;
    `rows` maps a hash of each text the encoder saw to that text's row of the memory-mapped `vectors`.
    """

    records: dict[str, dict] = field(default_factory=dict)
    embedded: dict[str, Embedded] = field(default_factory=dict)
    vectors: np.ndarray | None = None
    rows: dict[bytes, int] = field(default_factory=dict)
    dim: int | None = None

    def known(self, texts: list[str]) -> tuple[np.ndarray | None, list[int]]:
        """Vectors for `texts` with every row already embedded filled in, and the positions still to embed."""
        rows = [self.rows.get(text_key(text), -1) for text in texts]
        missing = [position for position, row in enumerate(rows) if row < 0]
        if len(missing) == len(texts):
            return None, missing
        if not missing and rows == list(range(rows[0], rows[0] + len(rows))):
            return self.vectors[rows[0] : rows[0] + len(rows)], []  # a slice stays memory-mapped
        found = [position for position, row in enumerate(rows) if row >= 0]
        vectors = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        vectors[found] = self.vectors[[rows[position] for position in found]]
        return vectors, missing


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def live_generation(index_dir: Path, key: str, model: str, dim: int | None) -> Previous:
    """What the live generation offers a build with settings `key`, `model` and (when known) dimension `dim`.

    Its texts are recomputed from its stored passages with its own `dense_window`; they are trusted only when
    they give as many windows per passage as it stored vectors for.
    """
    from precedent.index.index import read_owners, read_stored

    try:
        manifest = read_manifest(index_dir)
    except PrecedentError:
        return Previous()
    if "shards" in manifest or manifest.get("model") != model or dim not in (None, manifest.get("dimension")):
        return Previous()  # a sharded (Ray) generation is reused by `index.ray_build` only
    gen = generation_dir(index_dir, manifest)
    chunks, documents, vectors = read_stored(gen)
    owners = read_owners(gen, len(chunks))
    previous = Previous(dim=manifest.get("dimension"))
    if manifest.get("settings_key") == key:
        previous.records, previous.embedded = by_document(chunks, documents, vectors, owners)
    window = manifest.get("chunker", {}).get("dense_window")
    if window is None or vectors.ndim != 2:
        return previous
    texts, text_owners = dense_texts(chunks, window)
    if len(texts) == len(vectors) and np.array_equal(np.asarray(text_owners, dtype=np.int64), owners):
        previous.vectors = vectors
        for row, text in enumerate(texts):
            previous.rows.setdefault(text_key(text), row)
    return previous


def stored_documents(gen: Path) -> tuple[dict[str, dict], dict[str, Embedded]]:
    """A generation's document records, and each document's passages and (memory-mapped) vectors."""
    from precedent.index.index import read_owners, read_stored

    chunks, documents, vectors = read_stored(gen)
    return by_document(chunks, documents, vectors, read_owners(gen, len(chunks)))


def by_document(
    old_chunks: list[Chunk], documents: dict[str, dict], old_vectors: np.ndarray, owners: np.ndarray
) -> tuple[dict[str, dict], dict[str, Embedded]]:
    first_chunk: dict[str, int] = {}
    chunks: dict[str, list[Chunk]] = {}
    for row, chunk in enumerate(old_chunks):
        first_chunk.setdefault(chunk.doc_id, row)
        chunks.setdefault(chunk.doc_id, []).append(chunk)
    rows: dict[str, list[int]] = {}
    for row, owner in enumerate(owners.tolist()):
        rows.setdefault(old_chunks[owner].doc_id, []).append(row)
    embedded = {  # a document's rows are contiguous: a slice stays memory-mapped, not read into memory
        doc_id: Embedded(chunks[doc_id], old_vectors[r[0] : r[-1] + 1], owners[r[0] : r[-1] + 1] - first_chunk[doc_id])
        for doc_id, r in rows.items()
    }
    return documents, embedded
