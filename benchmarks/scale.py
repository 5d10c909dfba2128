"""Indexing speed and scale, measured side by side in one run (issue 6); prints figures, asserts nothing.

    python benchmarks/scale.py --limerick PATH/limerick/corpus.jsonl [--index DIR] [--million] [--skip-embed]

Prints: embedding passages/s plain vs fast and their ratio (benchmarks/embed_speed.py); the Limerick index
build time (built into --index if it is not there yet, else read from its manifest); warm query latency
p50/p95 for BM25, dense and hybrid on that index; app cold start to first answer; and with --million, p95
query latency and resident memory of a synthetic 1M-vector index.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "planning permission refused for the housing development",
    "what did the council decide about the library closure",
    "apologies for absence from the meeting",
    "road safety measures near the school",
    "budget for the coming financial year",
    "notice of motion on climate change",
    "who was elected cathaoirleach",
    "flooding works on the river",
    "derelict sites levy",
    "public lighting repairs in the estate",
    "tourism strategy for the city",
    "traffic management plan for the town centre",
    "housing adaptation grants for older people",
    "litter and illegal dumping enforcement",
    "funding for the sports club",
    "water supply problems in the village",
    "casual trading bye-laws",
    "minutes of the previous meeting adopted",
    "speed limit review",
    "community grants scheme",
]


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """The peak RSS of this process since it started. Not `ru_maxrss`: a child started by fork + exec from a
    large parent reports the parent's size at the fork there, not its own peak."""
    return rss_mb("VmHWM")


def percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):7.1f} ms   p95 {np.percentile(values, 95):7.1f} ms"


def limerick(corpus: Path, index_dir: Path) -> None:
    from precedent.index.build import build_index
    from precedent.index.index import Index
    from precedent.index.search import CONFIGS, search
    from precedent.index.store import read_manifest

    if not (index_dir / "manifest.json").exists():
        report = build_index([corpus], index_dir)
        print(f"Limerick build: {report.summary()}")
    manifest = read_manifest(index_dir)
    seconds = manifest.get("build_seconds")
    print(
        f"Limerick index: {manifest['counts']['documents']} documents, {manifest['counts']['chunks']} passages; "
        f"last build {seconds if seconds is not None else '?'} s"
    )
    index = Index.load(index_dir)
    print(f"  dense index: {index.dense.kind}")
    for name in ("bm25", "dense", "hybrid"):
        config = CONFIGS[name]
        for query in QUERIES[:3]:
            search(index, query, config=config)
        latencies = []
        for _ in range(3):
            for query in QUERIES:
                started = time.perf_counter()
                search(index, query, config=config)
                latencies.append((time.perf_counter() - started) * 1000)
        print(f"  {name:<7} {percentiles(latencies)}  ({len(latencies)} warm queries)")
    approximate_recall(index)
    cold_start(index_dir)


def approximate_recall(index) -> None:
    """Recall@10 of the approximate (IVF-SQ8) index against exact search, on this index's real vectors."""
    import precedent.index.dense as dense
    from precedent.embed.encoder import load_encoder

    vectors = np.asarray(index.vectors, dtype=np.float32)
    limit = dense.EXACT_LIMIT
    try:
        dense.EXACT_LIMIT = 0
        approx = dense.VectorIndex.build(vectors)
        dense.EXACT_LIMIT = len(vectors)
        exact = dense.VectorIndex.build(vectors)
    finally:
        dense.EXACT_LIMIT = limit
    rng = np.random.default_rng(0)
    queries = np.concatenate([load_encoder(index.model).encode(QUERIES), vectors[rng.choice(len(vectors), 180)]])
    recall = np.mean([len(set(approx.search(q, 10)[1]) & set(exact.search(q, 10)[1])) / 10 for q in queries])
    print(
        f"  recall@10 of {approx.kind} vs exact on {len(vectors):,} real vectors, {len(queries)} queries: {recall:.3f}"
    )


def cold_start(index_dir: Path) -> None:
    """Seconds from starting `search_app.py` to the first answer through its API."""
    import socket

    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "search_app.py"), "--index", str(index_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                client.predict(QUERIES[0], 5, "", "", "", "", api_name="/search")
                break
            except Exception:  # noqa: BLE001 - not up yet
                if time.perf_counter() - started > 300:
                    raise
                time.sleep(0.5)
        print(f"  app cold start to first answer: {time.perf_counter() - started:.1f} s")
    finally:
        app.terminate()
        app.wait(timeout=30)


def million(dim: int = 384, n: int = 1_000_000) -> None:
    """A synthetic index the size of a large archive: built and then served in fresh processes, as in use.

    The vectors are written to a `.npy` file a slice at a time and `VectorIndex.build` reads them through a
    memory map, as `index/build.py` could; the build's peak RSS is that process's own. A second process loads
    the saved index as the app does and reports query latency, RSS and recall@10 against exact search.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="precedent-1m-") as tmp:
        for stage in ("build", "serve"):
            subprocess.run(
                [sys.executable, __file__, "--million-stage", stage, "--million-dir", tmp, "--million-size", str(n)],
                check=True,
            )


def _synthetic(rng: np.random.Generator, centres: np.ndarray, size: int) -> np.ndarray:
    """Unit float32 vectors around `centres`, like passage embeddings (clustered, unlike uniform noise)."""
    points = centres[rng.integers(0, len(centres), size)]
    points += 0.35 * rng.standard_normal(points.shape, dtype=np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points


def _million_build(folder: Path, n: int, dim: int = 384, step: int = 50_000) -> None:
    from precedent.index.dense import VectorIndex

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((2000, dim), dtype=np.float32)
    path = folder / "vectors.npy"
    with path.open("wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (n, dim)})
        for start in range(0, n, step):
            _synthetic(rng, centres, min(step, n - start)).tofile(fh)
    queries = _synthetic(rng, centres, 200)
    np.save(folder / "queries.npy", queries)
    before = rss_mb()
    started = time.perf_counter()
    built = VectorIndex.build(np.load(path, mmap_mode="r"))
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    built.save(folder / "dense.faiss")
    print(
        f"synthetic {built.size:,} x {dim} vectors ({built.kind}, {built.faiss_index.nlist} lists): built by "
        f"VectorIndex.build from a memory-mapped file in {seconds:.0f} s; build process RSS before {before:.0f} MB, "
        f"peak {peak:.0f} MB"
    )
    del built
    np.save(folder / "truth.npy", _exact_top10(np.load(path, mmap_mode="r"), queries))


def _exact_top10(vectors: np.ndarray, queries: np.ndarray, step: int = 65_536) -> np.ndarray:
    """The ids of each query's 10 nearest vectors by inner product, scanning the memory map a slice at a time."""
    from precedent.index.dense import _drop_pages

    best_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 10), dtype=np.int64)
    for start in range(0, len(vectors), step):
        block = queries @ np.asarray(vectors[start : start + step]).T
        scores = np.concatenate([best_scores, block], axis=1)
        ids = np.concatenate([best_ids, np.broadcast_to(start + np.arange(block.shape[1]), block.shape)], axis=1)
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        best_scores, best_ids = np.take_along_axis(scores, top, 1), np.take_along_axis(ids, top, 1)
        _drop_pages(vectors)
    return best_ids


def _million_serve(folder: Path) -> None:
    from precedent.index.dense import NPROBE, VectorIndex

    before = rss_mb()
    index = VectorIndex.load(folder / "dense.faiss")
    queries, truth = np.load(folder / "queries.npy"), np.load(folder / "truth.npy")
    for q in queries[:20]:
        index.search(q, 10)
    latencies, recall = [], []
    for q, want in zip(queries, truth, strict=True):
        started = time.perf_counter()
        _, ids = index.search(q, 10)
        latencies.append((time.perf_counter() - started) * 1000)
        recall.append(len(set(ids.tolist()) & set(want.tolist())) / 10)
    print(
        f"  served from a fresh process (nprobe {NPROBE}): query {percentiles(latencies)}; "
        f"recall@10 vs exact {np.mean(recall):.3f} ({len(queries)} queries); RSS {rss_mb():.0f} MB "
        f"(index ~{rss_mb() - before:.0f} MB; peak {peak_rss_mb():.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limerick", type=Path, help="benchmarks/limerick/corpus.jsonl")
    parser.add_argument("--index", type=Path, default=Path(".precedent/limerick"))
    parser.add_argument("--million", action="store_true", help="also the synthetic 1M-vector index")
    parser.add_argument("--skip-embed", action="store_true", help="skip the embedding speed comparison")
    parser.add_argument("--million-stage", choices=("build", "serve"), help=argparse.SUPPRESS)
    parser.add_argument("--million-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--million-size", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.million_stage == "build":
        _million_build(args.million_dir, args.million_size)
        return 0
    if args.million_stage == "serve":
        _million_serve(args.million_dir)
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.skip_embed:
        import embed_speed

        embed_speed.main(["--n", "200", "--repeats", "2"])
    if args.limerick:
        limerick(args.limerick, args.index)
    if args.million:
        million()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
