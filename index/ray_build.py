"""Building a sharded index on Ray: Ray Data reads, structures, chunks and embeds; one task per shard writes it.

The pipeline is `read_binary_files` -> `map_batches(tasks: read, structure, chunk)` -> `map_batches(actor pool:
embed)`; each embedding actor loads the encoder once. Per-document passages and vectors go to `staging/` on storage
every node shares, so a killed worker's batch is redone by Ray and a killed build resumes from what was staged.
When every document is staged, one Ray task per shard writes its generation directory, the corpus-wide BM25
statistics are summed, each shard's BM25 is built with them, and only then is the manifest swapped.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from precedent.corpus.chunking import ChunkerSettings, chunk_document, dense_texts
from precedent.embed.encoder import DEFAULT_MODEL, Encoder
from precedent.index.build import BuildReport, _fingerprint, _settings_key, _versions, _why_nothing
from precedent.index.reuse import Embedded, stored_documents
from precedent.index.shards import assign_shards, merge_glossaries, shard_group, shard_name
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

PAPERS_PER_BATCH = 4
"""Documents an embedding actor takes at once (a council paper is tens to hundreds of passages)."""
COLUMNS = ("file", "record", "doc_id", "fingerprint", "state", "passages", "vectors", "group", "source", "failure")
"""One row a document; the chunking step adds "texts" (JSON), which the embedding step consumes."""


def build_index_ray(
    paths: Sequence[str | Path],
    index_dir: str | Path,
    *,
    address: str,
    shards: int = 4,
    model: str = DEFAULT_MODEL,
    settings: ChunkerSettings = ChunkerSettings(),
    rebuild: bool = False,
    workers: int | None = None,
    threads: int = 1,
    encoder_factory: Callable[[], Encoder] | None = None,
    progress: bool = True,
) -> BuildReport:
    """Build or update the sharded index at `index_dir` on the Ray cluster at `address`.

    Args:
        paths: folders of papers, files or JSONL records, on storage every node of the cluster mounts.
        shards: how many shards to write; documents of one committee share a shard.
        workers: embedding actors (default: the cluster's CPUs less one, left for reading and chunking).
        threads: intra-op threads of each actor's encoder (Ray itself sets OMP_NUM_THREADS=1).
        encoder_factory: builds each actor's encoder (tests inject a fake one); default: `model`.

    An unchanged document (same fingerprint and settings) is reused whole and any other is embedded in full:
    vectors are not reused passage by passage as `index.build` does, so the report's `chunks_reused` stays 0.
    """
    from precedent.index.ray_cluster import connect

    started = time.perf_counter()
    index_dir = Path(index_dir).resolve()
    report = BuildReport(index_dir)
    files, failures = _list_files(paths)
    key = _settings_key(model, settings)
    with build_lock(index_dir):
        previous, old_gen = ({}, None) if rebuild else _previous(index_dir, key)
        staging = index_dir / "staging" / key
        with writing(index_dir):
            staging.mkdir(parents=True, exist_ok=True)
        ray = connect(address, threads)
        workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)) - 1)
        if workers >= ray.cluster_resources().get("CPU", 1):
            raise PrecedentError(
                f"{workers} embedding workers would take every CPU of the cluster at {address}, leaving none to "
                f"read papers; pass --workers below {int(ray.cluster_resources().get('CPU', 1))}"
            )
        rows = _staged_rows(ray, files, previous, staging, settings, model, workers, threads, encoder_factory, progress)
        docs, bad = _documents(rows, files)
        report.failures = [*failures, *bad]
        if not docs:
            raise CorpusError(f"nothing readable in {', '.join(map(str, paths))}: {_why_nothing(report.failures)}")
        report.reused = [d["doc_id"] for d in docs if d["state"] == "reused"]
        report.embedded = [d["doc_id"] for d in docs if d["state"] != "reused"]
        report.chunks_embedded = sum(d["passages"] for d in docs if d["state"] == "embedded")
        report.vectors_embedded = sum(d["vectors"] for d in docs if d["state"] == "embedded")
        report.removed = sorted(set(previous) - {d["doc_id"] for d in docs})
        with writing(index_dir):
            _write_generation(ray, index_dir, docs, shards, staging, old_gen, model, settings, key, report, started)
        shutil.rmtree(index_dir / "staging", ignore_errors=True)
    report.documents = len(docs)
    report.chunks = sum(d["passages"] for d in docs)
    report.seconds = time.perf_counter() - started
    return report


def _previous(index_dir: Path, key: str) -> tuple[dict[str, dict], Path | None]:
    """Documents of the live sharded generation (fingerprint, shard, passages) if it was built the same way."""
    try:
        manifest = read_manifest(index_dir)
    except PrecedentError:
        return {}, None
    if manifest.get("settings_key") != key or "shards" not in manifest:
        return {}, None
    return manifest["documents"], generation_dir(index_dir, manifest)


def _list_files(paths: Sequence[str | Path]) -> tuple[dict[str, tuple[int, str, str]], list[dict]]:
    """Every file to read, in the order `read_corpus` reads them: real path -> (number, doc_id, path as given)."""
    from precedent.corpus.readers import UnreadableFile, _roots, _walk

    files: dict[str, tuple[int, str, str]] = {}
    failures: list[dict] = []
    dirs_seen: set[str] = set()
    for root in _roots(paths):
        for item in _walk(root, dirs_seen) if root.is_dir() else iter([(root, root.name)]):
            if isinstance(item, UnreadableFile):
                failures.append({"path": item.path, "reason": item.reason})
                continue
            path, doc_id = item
            real = os.path.realpath(path)
            if real in files:
                failures.append({"path": path, "reason": f"same file as {files[real][2]}, already read"})
                continue
            files[real] = (len(files), doc_id, str(path))
    return files, failures


def _staged_rows(ray, files, previous, staging, settings, model, workers, threads, encoder_factory, progress):
    """Run the Ray Data pipeline; one small row per document (or unreadable file), its passages staged."""
    from ray.data import DataContext

    DataContext.get_current().enable_progress_bars = progress
    if not files:
        return []
    papers = ray.data.read_binary_files(sorted(files), include_paths=True).map_batches(
        _chunk_papers,
        batch_size=PAPERS_PER_BATCH,
        fn_kwargs={
            "files": files,
            "previous": {d: (e["fingerprint"], e["passages"], e["group"]) for d, e in previous.items()},
            "staging": str(staging),
            "settings": settings,
        },
        batch_format="pandas",
    )
    embedded = papers.map_batches(
        Embedder,
        batch_size=PAPERS_PER_BATCH,
        fn_constructor_kwargs={"model": model, "threads": threads, "staging": str(staging), "factory": encoder_factory},
        concurrency=workers,
        num_cpus=1,
        batch_format="pandas",
    )
    return embedded.take_all()


def _chunk_papers(batch, *, files, previous, staging, settings):
    """Read, structure and chunk a batch of files; unchanged documents are only fingerprinted."""
    from precedent.corpus.papers import parse_document
    from precedent.corpus.structure import document_record

    out = {name: [] for name in (*COLUMNS, "texts")}
    staging = Path(staging)
    for data, path in zip(batch["bytes"], batch["path"], strict=True):
        number, doc_id, given = files[_real(path)]
        documents, failures = _read(bytes(data), Path(given), doc_id)
        for failure in failures:
            _row(out, number, -1, "", "", "failed", 0, 0, "", given, json.dumps(failure, default=str))
        for record_number, doc in enumerate(documents):
            fp = _fingerprint(doc.text)
            if doc.doc_id in previous and previous[doc.doc_id][0] == fp:
                _, passages, group = previous[doc.doc_id]
                _row(out, number, record_number, doc.doc_id, fp, "reused", passages, 0, group, doc.source, "")
                continue
            parsed = parse_document(doc)
            chunks = chunk_document(parsed, settings)
            texts, owners = dense_texts(chunks, settings.dense_window)
            record = document_record(parsed, fp)
            staged = {"record": record, "chunks": [c.to_dict() for c in chunks], "owners": owners}
            _write_atomic(staging / f"{fp}.json", json.dumps(staged, ensure_ascii=False).encode())
            vectors = _staged_vectors(staging / f"{fp}.npy")
            state = "staged" if vectors is not None and len(vectors) == len(texts) else "embed"
            group = shard_group(record)
            _row(out, number, record_number, doc.doc_id, fp, state, len(chunks), len(texts), group, doc.source, "")
            out["texts"][-1] = json.dumps(texts, ensure_ascii=False) if state == "embed" else ""
    import pandas as pd

    return pd.DataFrame(out)


def _row(out, number, record, doc_id, fp, state, passages, vectors, group, source, failure) -> None:
    values = (number, record, doc_id, fp, state, passages, vectors, group, source, failure)
    for name, value in zip(COLUMNS, values, strict=True):
        out[name].append(value)
    out["texts"].append("")


def _real(path: str) -> str:
    """A path as Ray Data reports it (local paths may lose their leading slash) as a real path."""
    return os.path.realpath(path if os.path.exists(path) else "/" + path.lstrip("/"))


def _read(data: bytes, path: Path, doc_id: str) -> tuple[list, list[dict]]:
    """One file's documents from its bytes, as `corpus.readers.read_corpus` reads them."""
    from precedent.corpus.readers import MAX_BYTES, SUPPORTED_SUFFIXES, UnreadableFile, _readers, _too_large

    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            raise UnreadableFile(path, f"unsupported file type '{suffix}'; supported: {', '.join(SUPPORTED_SUFFIXES)}")
        if not data:
            raise UnreadableFile(path, "empty file (0 bytes)")
        if len(data) > MAX_BYTES:
            raise UnreadableFile(path, _too_large(len(data)))
        if suffix == ".jsonl":
            from precedent.corpus.jsonl import read_jsonl

            documents, bad = read_jsonl(data, path)
            return documents, [{"path": str(f.path), "reason": f.reason} for f in bad]
        return [_readers()[suffix](data, path, doc_id)], []
    except UnreadableFile as failure:
        return [], [{"path": str(failure.path), "reason": failure.reason}]
    except Exception as error:  # noqa: BLE001 - one file fails, not the corpus
        return [], [{"path": str(path), "reason": f"could not be read ({type(error).__name__}: {error})"}]


class Embedder:
    """A Ray Data actor: loads the encoder once, embeds each batch's new documents and stages their vectors."""

    def __init__(self, model: str, threads: int, staging: str, factory: Callable[[], Encoder] | None = None):
        _limit_threads(threads)
        self.staging = Path(staging)
        self.encoder = factory() if factory else _encoder(model, threads)

    def __call__(self, batch):
        todo = [row for row, state in enumerate(batch["state"]) if state == "embed"]
        texts = [json.loads(batch["texts"].iloc[row]) for row in todo]
        flat = [text for doc in texts for text in doc]
        vectors = self.encoder.encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        offset = 0
        for row, doc in zip(todo, texts, strict=True):
            doc_vectors = np.asarray(vectors[offset : offset + len(doc)], dtype=np.float32).reshape(len(doc), -1)
            offset += len(doc)
            _save_vectors(self.staging / f"{batch['fingerprint'].iloc[row]}.npy", doc_vectors)
        batch.loc[batch.index[todo], "state"] = "embedded"
        return batch.drop(columns=["texts"])


def _limit_threads(threads: int) -> None:
    """Ray sets OMP_NUM_THREADS=1 in workers; torch and FAISS are given `threads` explicitly instead."""
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    import faiss

    faiss.omp_set_num_threads(threads)


def _encoder(model: str, threads: int) -> Encoder:
    """The fast (ONNX) encoder with `threads` intra-op threads, else the plain one, as `load_encoder` picks."""
    from precedent.embed.encoder import load_encoder

    from precedent.errors import ModelUnavailable

    if os.environ.get("PRECEDENT_FAST_EMBED", "1") != "0":
        from precedent.embed.onnx import OnnxEncoder

        try:
            return OnnxEncoder(model, threads=threads)
        except ModelUnavailable:
            raise
        except Exception:  # noqa: BLE001 - as load_fast_encoder: any failure means the plain path
            pass
    return load_encoder(model)


def _staged_vectors(path: Path) -> np.ndarray | None:
    try:
        return np.load(path) if path.exists() else None
    except (OSError, ValueError, EOFError):
        return None


def _save_vectors(path: Path, vectors: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.npy")
    np.save(tmp, vectors)
    os.replace(tmp, path)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _documents(rows: list[dict], files) -> tuple[list[dict], list[dict]]:
    """Documents in read order, each doc_id once (a repeat is a failure, as `read_corpus` reports it)."""
    rows = sorted(rows, key=lambda r: (r["file"], r["record"]))
    failures = [json.loads(r["failure"]) for r in rows if r["failure"]]
    docs: list[dict] = []
    owners: dict[str, str] = {}
    for row in rows:
        if row["failure"]:
            continue
        if row["doc_id"] in owners:
            failures.append(
                {
                    "path": row["source"],
                    "reason": f"doc_id {row['doc_id']!r} is already used by {owners[row['doc_id']]}; rename one, "
                    "or pass their common parent folder so each id keeps its subfolder",
                }
            )
            continue
        owners[row["doc_id"]] = row["source"]
        docs.append({name: _plain(row[name]) for name in COLUMNS})
    return docs, failures


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _write_generation(ray, index_dir, docs, shards, staging, old_gen, model, settings, key, report, started) -> None:
    """One task per shard writes it; BM25 is built with the summed statistics; then the manifest is swapped."""
    from precedent.index.corpus_terms import CorpusTerms

    position = 0
    for doc in docs:
        doc["position"] = position
        position += doc["passages"]
    sizes: dict[str, int] = {}
    for doc in docs:
        sizes[doc["group"]] = sizes.get(doc["group"], 0) + doc["passages"]
    placed = assign_shards(sizes, shards)
    old = {d: e["shard"] for d, e in (read_manifest(index_dir)["documents"].items() if old_gen else ())}
    for doc in docs:
        doc["shard"] = shard_name(placed[doc["group"]])
        if doc["state"] == "reused":
            doc["from"] = str(old_gen / old[doc["doc_id"]])
    generation = next_generation(index_dir)
    tmp = index_dir / f".{generation}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        names = [shard_name(n) for n in range(shards)]
        write = ray.remote(num_cpus=1, max_retries=3)(write_shard)
        written = ray.get(
            [write.remote(str(tmp / n), [d for d in docs if d["shard"] == n], str(staging)) for n in names]
        )
        terms = CorpusTerms.total(w["terms"] for w in written)
        finish = ray.remote(num_cpus=1, max_retries=3)(write_shard_keywords)
        ray.get([finish.remote(str(tmp / n), terms) for n, w in zip(names, written, strict=True) if w["passages"]])
        terms.save(tmp / "terms.json")
        merge_glossaries(w["glossary"] for w in written).save(tmp / "glossary.json")
        fsync_tree(tmp)
        os.replace(tmp, index_dir / generation)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    dims = {w["dim"] for w in written if w["dim"]}
    report.seconds = time.perf_counter() - started
    manifest = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "model": model,
        "dimension": int(dims.pop()) if dims else 0,
        "chunker": settings.as_dict(),
        "settings_key": key,
        "packages": {**_versions(), "ray": ray.__version__},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": len(docs), "chunks": sum(d["passages"] for d in docs)},
        "build_seconds": round(report.seconds, 1),
        "dense_index": sorted({w["dense_index"] for w in written if w["passages"]}),
        "shards": [{"name": n, **w["summary"]} for n, w in zip(names, written, strict=True)],
        "documents": {
            d["doc_id"]: {k: d[k] for k in ("fingerprint", "source", "shard", "passages", "group")} for d in docs
        },
        "failures": report.failures,
    }
    write_json_atomic(index_dir / MANIFEST, manifest)
    remove_stale(index_dir, generation)


def write_shard(folder: str, docs: list[dict], staging: str) -> dict:
    """Write one shard's passages, documents, vectors, positions and FAISS index; return its BM25 statistics."""
    from precedent.corpus.chunking import Chunk
    from precedent.index.bm25 import tokenize
    from precedent.index.build import _write_vectors
    from precedent.index.corpus_terms import CorpusTerms
    from precedent.index.dense import VectorIndex
    from precedent.index.shards import glossary_parts, summarise

    folder, staging = Path(folder), Path(staging)
    folder.mkdir(parents=True, exist_ok=True)
    stored: dict[str, tuple[dict, dict]] = {}
    records, parts, positions = [], [], []
    for doc in docs:
        if doc["state"] == "reused":
            if doc["from"] not in stored:
                stored[doc["from"]] = stored_documents(Path(doc["from"]))
            old_records, old_embedded = stored[doc["from"]]
            records.append(old_records[doc["doc_id"]])
            parts.append(old_embedded[doc["doc_id"]])
        else:
            staged = json.loads((staging / f"{doc['fingerprint']}.json").read_text(encoding="utf-8"))
            records.append(staged["record"])
            chunks = [Chunk.from_dict(c) for c in staged["chunks"]]
            vectors = np.load(staging / f"{doc['fingerprint']}.npy")
            parts.append(Embedded(chunks, vectors, np.asarray(staged["owners"], dtype=np.int64)))
        positions.extend(range(doc["position"], doc["position"] + doc["passages"]))
    chunks = [c for part in parts for c in part.chunks]
    dim = next((p.vectors.shape[1] for p in parts if p.vectors is not None and p.vectors.ndim == 2), 0)
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks)
    with open(folder / "documents.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    np.save(folder / "positions.npy", np.asarray(positions, dtype=np.int64))
    owners = _write_vectors(folder / "vectors.npy", parts, dim or 1)
    np.save(folder / "owners.npy", owners)
    dense = VectorIndex.build(np.load(folder / "vectors.npy", mmap_mode="r"))
    dense.save(folder / "dense.faiss")
    return {
        "passages": len(chunks),
        "dim": dim,
        "dense_index": dense.kind,
        "terms": CorpusTerms.count(tokenize([c.indexed_text for c in chunks])),
        "summary": summarise(chunks),
        "glossary": glossary_parts((c.text for c in chunks), positions),
    }


def write_shard_keywords(folder: str, terms) -> None:
    """The shard's BM25, scored with the whole corpus's statistics (`index.corpus_terms`)."""
    from precedent.index.corpus_terms import build_keywords
    from precedent.index.index import read_stored

    chunks, _, _ = read_stored(Path(folder))
    build_keywords([c.indexed_text for c in chunks], terms).save(Path(folder) / "bm25")
