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
import resource
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


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):7.1f} ms   p95 {np.percentile(values, 95):7.1f} ms"


def limerick(corpus: Path, index_dir: Path) -> None:
    from index.build import build_index
    from index.index import Index
    from index.search import CONFIGS, search
    from index.store import read_manifest

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
    import index.dense as dense
    from embed.encoder import load_encoder

    vectors = np.asarray(index.vectors, dtype=np.float32)
    limit, dense.EXACT_LIMIT = dense.EXACT_LIMIT, 0
    try:
        approx = dense.VectorIndex.build(vectors)
    finally:
        dense.EXACT_LIMIT = limit
    exact = dense.VectorIndex.build(vectors)
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
    """A synthetic index the size of a large archive, built in slices so the vectors never sit in RAM."""
    import faiss

    from index.dense import NPROBE

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2000, dim)).astype(np.float32)

    def block(size: int) -> np.ndarray:
        points = centres[rng.integers(0, len(centres), size)] + 0.35 * rng.normal(size=(size, dim)).astype(np.float32)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    before = rss_mb()
    started = time.perf_counter()
    nlist = int(4 * np.sqrt(n))
    index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(block(40 * nlist))
    for _ in range(n // 100_000):
        index.add(block(100_000))
    index.nprobe = NPROBE
    built = time.perf_counter() - started
    queries = block(200)
    latencies = []
    for q in queries:
        t = time.perf_counter()
        index.search(q.reshape(1, -1), 10)
        latencies.append((time.perf_counter() - t) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"synthetic {index.ntotal:,} vectors ({index.__class__.__name__}, IVF{nlist},SQ8, nprobe {NPROBE}): "
        f"built in {built:.0f} s; query {percentiles(latencies)}; RSS {rss_mb():.0f} MB "
        f"(index ~{rss_mb() - before:.0f} MB; peak {peak:.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limerick", type=Path, help="benchmarks/limerick/corpus.jsonl")
    parser.add_argument("--index", type=Path, default=Path(".precedent/limerick"))
    parser.add_argument("--million", action="store_true", help="also the synthetic 1M-vector index")
    parser.add_argument("--skip-embed", action="store_true", help="skip the embedding speed comparison")
    args = parser.parse_args(argv)
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
