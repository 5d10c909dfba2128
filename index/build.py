"""Building and updating an index: only texts the live generation has no vector for are embedded; a killed
build resumes."""

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
from precedent.corpus.chunking import CHUNKER_VERSION, ChunkerSettings, chunk_document, dense_texts
from precedent.corpus.links import REFERENCES, link_references, save_links
from precedent.corpus.papers import parse_document
from precedent.corpus.structure import document_record
from precedent.embed.encoder import DEFAULT_MODEL, Encoder, load_encoder
from precedent.index.bm25 import KeywordIndex
from precedent.index.dense import VectorIndex
from precedent.index.glossary import Glossary
from precedent.index.reuse import Embedded, Previous, live_generation
from precedent.index.store import (
    FORMAT_VERSION,
    MANIFEST,
    build_lock,
    fsync_tree,
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
    """Documents chunked again (new, changed, or built with other settings); most of their vectors may be reused."""
    removed: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    chunks_embedded: int = 0
    """Passages of which at least one text went to the encoder."""
    vectors_embedded: int = 0
    """Texts embedded: a long passage is embedded as several windows (`ChunkerSettings.dense_window`)."""
    chunks_reused: int = 0
    """Passages of `embedded` documents whose every text the live generation had embedded with the same model."""
    vectors_reused: int = 0
    seconds: float = 0.0
    empty: list[str] = field(default_factory=list)
    """Documents read but too short to give a passage: indexed with none, and named in the summary."""

    def summary(self) -> str:
        reused = f", {self.chunks_reused} passages' vectors reused" if self.chunks_reused else ""
        lines = [
            f"indexed {self.documents} documents ({self.chunks} passages) into {self.index_dir} "
            f"in {self.seconds:.1f}s: {len(self.embedded)} embedded ({self.chunks_embedded} passages), "
            f"{len(self.reused)} unchanged, {len(self.removed)} removed{reused}"
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
        previous = Previous() if rebuild else live_generation(index_dir, key, model, encoder.dim if encoder else None)
        staging = index_dir / "staging" / key
        with writing(index_dir):
            staging.mkdir(parents=True, exist_ok=True)
        plan = _plan(read.documents, previous, settings, staging)
        if plan.pending and encoder is None:
            encoder = load_encoder(model)
            if previous.dim not in (None, encoder.dim):  # the model under this name now gives other vectors
                previous = Previous()
                plan = _plan(read.documents, previous, settings, staging)
        records, docs = plan.records, plan.docs
        report.reused, report.embedded = plan.reused, plan.embedded
        report.chunks_reused, report.vectors_reused = plan.chunks_reused, plan.vectors_reused
        report.removed = sorted(set(previous.records) - {r["doc_id"] for r in records})
        if not any(d.chunks for d in docs):
            names = ", ".join(r["doc_id"] for r in records[:5]) + (" ..." if len(records) > 5 else "")
            raise CorpusError(
                f"no text to index in {', '.join(map(str, paths))}: every readable document ({names}) is too "
                "short for a passage; add papers with text"
            )

        if plan.pending:
            with writing(index_dir):
                report.chunks_embedded, report.vectors_embedded = _embed(
                    plan.pending, records, docs, encoder, staging, progress, on_step
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


@dataclass
class Plan:
    """Each document's record and passages, with vectors where known; `pending` is what is left to embed."""

    records: list[dict] = field(default_factory=list)
    docs: list[Embedded] = field(default_factory=list)
    pending: dict[int, tuple[list[int], list[str]]] = field(default_factory=dict)
    """Document (by position) -> the positions among its texts that need vectors, and those texts."""
    reused: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    chunks_reused: int = 0
    vectors_reused: int = 0


def _plan(documents, previous: Previous, settings: ChunkerSettings, staging: Path) -> Plan:
    """Reuse an unchanged document whole; chunk the others, taking vectors from staging, else text by text."""
    plan = Plan()
    for doc in documents:
        fp = _fingerprint(doc.text + (doc.published.passage_key if doc.published else ""))
        old = previous.records.get(doc.doc_id)
        if old and old["fingerprint"] == fp and doc.doc_id in previous.embedded:
            plan.records.append(old)
            plan.docs.append(previous.embedded[doc.doc_id])
            plan.reused.append(doc.doc_id)
            continue
        parsed = parse_document(doc)
        chunks = chunk_document(parsed, settings)
        plan.records.append(document_record(parsed, fp))
        plan.embedded.append(doc.doc_id)
        texts, positions = dense_texts(chunks, settings.dense_window)
        owners = np.asarray(positions, dtype=np.int64)
        vectors = _staged(staging / f"{fp}.npy")
        if vectors is not None and len(vectors) == len(texts):
            plan.docs.append(Embedded(chunks, vectors, owners))
            continue
        vectors, missing = previous.known(texts)
        plan.docs.append(Embedded(chunks, vectors, owners))
        if missing:
            plan.pending[len(plan.docs) - 1] = (missing, [texts[m] for m in missing])
        plan.chunks_reused += len(chunks) - len(set(owners[missing].tolist()))
        plan.vectors_reused += len(texts) - len(missing)
    return plan


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


def _embed(
    pending: dict[int, tuple[list[int], list[str]]], records, docs: list[Embedded], encoder, staging, progress, on_step
):
    """Embed the texts in `pending` in steps, saving each finished document's vectors to staging.

    Returns the number of passages and of texts (passages and windows) embedded.
    """
    from tqdm import tqdm

    todo = list(pending)
    passages = {i: len(set(docs[i].owners[pending[i][0]].tolist())) for i in todo}
    done = embedded = 0
    with tqdm(total=sum(passages.values()), desc="embedding passages", unit="passage", disable=not progress) as bar:
        group: list[int] = []
        for position, doc_index in enumerate(todo):
            group.append(doc_index)
            if sum(len(pending[i][1]) for i in group) < EMBED_GROUP and position + 1 < len(todo):
                continue
            batch = [text for i in group for text in pending[i][1]]
            vectors = encoder.encode(batch)
            offset = 0
            for i in group:
                rows, texts = pending[i]
                doc = docs[i]
                if doc.vectors is None:
                    doc.vectors = np.zeros((len(doc.owners), encoder.dim), dtype=np.float32)
                doc.vectors[rows] = np.asarray(vectors[offset : offset + len(texts)], dtype=np.float32)
                offset += len(texts)
                tmp = staging / f".{records[i]['fingerprint']}.{os.getpid()}.npy"
                try:
                    np.save(tmp, doc.vectors)
                    os.replace(tmp, staging / f"{records[i]['fingerprint']}.npy")
                except OSError:
                    tmp.unlink(missing_ok=True)
                    raise
            done += sum(passages[i] for i in group)
            embedded += len(batch)
            bar.update(sum(passages[i] for i in group))
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
