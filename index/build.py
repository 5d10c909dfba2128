"""Building and updating an index: only new or changed papers are embedded; a killed build resumes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
from precedent.corpus.chunking import CHUNKER_VERSION, Chunk, ChunkerSettings, chunk_document, dense_texts
from precedent.corpus.links import REFERENCES, link_references, save_links
from precedent.corpus.papers import parse_document
from precedent.corpus.structure import document_record
from precedent.embed.encoder import DEFAULT_MODEL, Encoder, load_encoder
from precedent.index.bm25 import KeywordIndex
from precedent.index.dense import VectorIndex
from precedent.index.glossary import Glossary
from precedent.index.store import (
    FORMAT_VERSION,
    MANIFEST,
    build_lock,
    fsync_tree,
    generation_dir,
    next_generation,
    read_manifest,
    remove_stale,
    write_json_atomic,
    writing,
)

from precedent.errors import CorpusError, PrecedentError

EMBED_GROUP = 256
"""Texts embedded per step; each step's vectors are saved so an interrupted build resumes from it."""


@dataclass
class BuildReport:
    index_dir: Path
    documents: int = 0
    chunks: int = 0
    reused: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    chunks_embedded: int = 0
    vectors_embedded: int = 0
    """Texts embedded: a long passage is embedded as several windows (`ChunkerSettings.dense_window`)."""
    seconds: float = 0.0
    empty: list[str] = field(default_factory=list)
    """Documents read but too short to give a passage: indexed with none, and named in the summary."""

    def summary(self) -> str:
        lines = [
            f"indexed {self.documents} documents ({self.chunks} passages) into {self.index_dir} "
            f"in {self.seconds:.1f}s: {len(self.embedded)} embedded ({self.chunks_embedded} passages), "
            f"{len(self.reused)} unchanged, {len(self.removed)} removed"
        ]
        lines += [f"  could not read {f['path']}: {f['reason']}" for f in self.failures]
        lines += [f"  no text to index in {name}: too short for a passage; indexed with none" for name in self.empty]
        return "\n".join(lines)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _settings_key(model: str, settings: ChunkerSettings) -> str:
    raw = json.dumps(
        {"model": model, "chunker": settings.as_dict(), "chunker_version": CHUNKER_VERSION, "format": FORMAT_VERSION},
        sort_keys=True,
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _versions() -> dict[str, str]:
    found = {}
    for name in ("sentence-transformers", "faiss-cpu", "bm25s", "langchain-text-splitters", "torch"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = ""
    return found


@dataclass
class Embedded:
    """One document's passages and vectors; `owners[i]` is the passage (by position) vector row i is for."""

    chunks: list[Chunk]
    vectors: np.ndarray | None
    owners: np.ndarray


def _previous(index_dir: Path, key: str) -> tuple[dict[str, dict], dict[str, Embedded]]:
    """Records and embedded passages per document of the live generation, if it was built the same way."""
    try:
        manifest = read_manifest(index_dir)
    except PrecedentError:
        return {}, {}
    if manifest.get("settings_key") != key:
        return {}, {}
    return stored_documents(generation_dir(index_dir, manifest))


def stored_documents(gen: Path) -> tuple[dict[str, dict], dict[str, Embedded]]:
    """A generation's document records, and each document's passages and (memory-mapped) vectors."""
    from precedent.index.index import read_owners, read_stored

    old_chunks, documents, old_vectors = read_stored(gen)
    owners = read_owners(gen, len(old_chunks))
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


def build_index(
    paths: Sequence[str | Path],
    index_dir: str | Path,
    *,
    model: str = DEFAULT_MODEL,
    settings: ChunkerSettings = ChunkerSettings(),
    rebuild: bool = False,
    encoder: Encoder | None = None,
    progress: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> BuildReport:
    """Read `paths`, embed what changed, and swap in a new generation of the index at `index_dir`.

    Args:
        paths: folders of papers, single files or JSONL files of `{"_id","title","text"}` records.
        index_dir: the index directory; created if missing.
        model: a sentence-transformers path or hub id, or the bundled default.
        rebuild: ignore the existing index and re-embed everything.
        encoder: an already-loaded encoder (tests inject a small fake one for plumbing).
        on_step: called after each embedding step with the passages embedded so far.
    """
    from precedent.corpus.readers import read_corpus

    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport(index_dir)
    read = read_corpus(paths)
    report.failures = [{"path": f.path, "reason": f.reason} for f in read.failures]
    if not read.documents:
        raise CorpusError(f"nothing readable in {', '.join(map(str, paths))}: {_why_nothing(read.failures)}")
    key = _settings_key(model, settings)
    with build_lock(index_dir):
        old_records, old_embedded = ({}, {}) if rebuild else _previous(index_dir, key)
        staging = index_dir / "staging" / key
        with writing(index_dir):
            staging.mkdir(parents=True, exist_ok=True)

        records: list[dict] = []
        docs: list[Embedded] = []
        texts: dict[int, list[str]] = {}
        for doc in read.documents:
            fp = _fingerprint(doc.text + (doc.published.passage_key if doc.published else ""))
            previous = old_records.get(doc.doc_id)
            if previous and previous["fingerprint"] == fp and doc.doc_id in old_embedded:
                records.append(previous)
                docs.append(old_embedded[doc.doc_id])
                report.reused.append(doc.doc_id)
                continue
            parsed = parse_document(doc)
            chunks = chunk_document(parsed, settings)
            records.append(document_record(parsed, fp))
            doc_texts, owners = dense_texts(chunks, settings.dense_window)
            vectors = _staged(staging / f"{fp}.npy")
            fits = vectors is not None and len(vectors) == len(doc_texts)
            docs.append(Embedded(chunks, vectors if fits else None, np.asarray(owners, dtype=np.int64)))
            if not fits:
                texts[len(records) - 1] = doc_texts
            report.embedded.append(doc.doc_id)
        report.removed = sorted(set(old_records) - {r["doc_id"] for r in records})
        if not any(d.chunks for d in docs):
            names = ", ".join(r["doc_id"] for r in records[:5]) + (" ..." if len(records) > 5 else "")
            raise CorpusError(
                f"no text to index in {', '.join(map(str, paths))}: every readable document ({names}) is too "
                "short for a passage; add papers with text"
            )

        if texts:
            encoder = encoder or load_encoder(model)
            with writing(index_dir):
                report.chunks_embedded, report.vectors_embedded = _embed(
                    texts, records, docs, encoder, staging, progress, on_step
                )
        dim = next((d.vectors.shape[1] for d in docs if d.vectors is not None and d.vectors.ndim == 2), None)
        dim = dim or (encoder.dim if encoder else load_encoder(model).dim)
        report.seconds = time.perf_counter() - started
        with writing(index_dir):
            _write_generation(index_dir, records, docs, model, dim, settings, key, report)
        shutil.rmtree(index_dir / "staging", ignore_errors=True)
    report.documents = len(records)
    report.chunks = sum(len(d.chunks) for d in docs)
    report.empty = [r["doc_id"] for r, d in zip(records, docs, strict=True) if not d.chunks]
    report.seconds = time.perf_counter() - started
    return report


def _why_nothing(failures) -> str:
    """Why no document was read, naming the first failure: its reason is usually the fix."""
    what = "pass a folder of .txt/.md/.html/.pdf/.docx papers or a .jsonl of {_id, title, text}"
    if not failures:
        return f"no papers found; {what}"
    more = f" (and {len(failures) - 1} more files could not be read)" if len(failures) > 1 else ""
    return f"{failures[0]}{more}; {what}"


def _staged(path: Path) -> np.ndarray | None:
    """Vectors a killed build saved, or None when absent or unreadable (then they are embedded again)."""
    try:
        return np.load(path) if path.exists() else None
    except (OSError, ValueError, EOFError):
        return None


def _embed(texts: dict[int, list[str]], records, docs: list[Embedded], encoder, staging, progress, on_step):
    """Embed the documents in `texts` in steps, saving each finished document's vectors to staging.

    Returns the number of passages and of texts (passages and windows) embedded.
    """
    from tqdm import tqdm

    todo = list(texts)
    total = sum(len(docs[i].chunks) for i in todo)
    done = embedded = 0
    with tqdm(total=total, desc="embedding passages", unit="passage", disable=not progress) as bar:
        group: list[int] = []
        for position, doc_index in enumerate(todo):
            group.append(doc_index)
            if sum(len(texts[i]) for i in group) < EMBED_GROUP and position + 1 < len(todo):
                continue
            batch = [text for i in group for text in texts[i]]
            vectors = encoder.encode(batch) if batch else np.zeros((0, encoder.dim), dtype=np.float32)
            offset = 0
            for i in group:
                count = len(texts[i])
                doc_vectors = np.asarray(vectors[offset : offset + count], dtype=np.float32).reshape(count, encoder.dim)
                offset += count
                docs[i].vectors = doc_vectors
                tmp = staging / f".{records[i]['fingerprint']}.{os.getpid()}.npy"
                try:
                    np.save(tmp, doc_vectors)
                    os.replace(tmp, staging / f"{records[i]['fingerprint']}.npy")
                except OSError:
                    tmp.unlink(missing_ok=True)
                    raise
            passages = sum(len(docs[i].chunks) for i in group)
            done += passages
            embedded += len(batch)
            bar.update(passages)
            if on_step:
                on_step(done)
            group = []
    return done, embedded


def _write_vectors(path: Path, docs: list[Embedded], dim: int) -> np.ndarray:
    """Every document's vectors into one .npy, a document at a time (never all of them in memory), and
    the owners array mapping each row to its chunk's position in the whole index."""
    from numpy.lib.format import open_memmap

    rows = sum(len(d.vectors) for d in docs if d.vectors is not None)
    out = open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, dim))
    owners = np.zeros(rows, dtype=np.int64)
    row = chunk = 0
    for doc in docs:
        if doc.vectors is not None and len(doc.vectors):
            out[row : row + len(doc.vectors)] = doc.vectors
            owners[row : row + len(doc.vectors)] = doc.owners + chunk
            row += len(doc.vectors)
        chunk += len(doc.chunks)
    out.flush()
    del out
    return owners


def _write_generation(index_dir, records, docs, model, dim, settings, key, report) -> None:
    chunks = [c for d in docs for c in d.chunks]
    generation = next_generation(index_dir)
    gen = index_dir / generation
    tmp = index_dir / f".{generation}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        with open(tmp / "documents.jsonl", "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        save_links(tmp / REFERENCES, link_references(records))
        owners = _write_vectors(tmp / "vectors.npy", docs, dim)
        np.save(tmp / "owners.npy", owners)
        dense = VectorIndex.build(np.load(tmp / "vectors.npy", mmap_mode="r"))
        dense.save(tmp / "dense.faiss")
        KeywordIndex.build([c.indexed_text for c in chunks]).save(tmp / "bm25")
        Glossary.build(c.text for c in chunks).save(tmp / "glossary.json")
        fsync_tree(tmp)
        os.replace(tmp, gen)
    except OSError:  # a full disk must not keep a half-written generation's space
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "model": model,
        "dimension": int(dim),
        "chunker": settings.as_dict(),
        "settings_key": key,
        "packages": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": len(records), "chunks": len(chunks)},
        "build_seconds": round(report.seconds, 1),
        "dense_index": dense.kind,
        "documents": {r["doc_id"]: {"fingerprint": r["fingerprint"], "source": r["source"]} for r in records},
        "failures": report.failures,
        "empty": [r["doc_id"] for r, d in zip(records, docs, strict=True) if not d.chunks],
    }
    try:
        write_json_atomic(index_dir / MANIFEST, manifest)
    except OSError:
        if _live_generation(index_dir) != generation:
            shutil.rmtree(gen, ignore_errors=True)
        raise
    remove_stale(index_dir, generation)


def _live_generation(index_dir: Path) -> str | None:
    try:
        return read_manifest(index_dir)["generation"]
    except PrecedentError:
        return None
