"""Single machine against Ray, side by side in one run: build throughput and query latency, and Ray's own overhead.

    .venv/bin/python benchmarks/ray_scale.py                      # bundled papers; starts a 2-node local cluster
    .venv/bin/python benchmarks/ray_scale.py --limerick /path/to/limerick/corpus.jsonl --records 60 --shards 3
    .venv/bin/python benchmarks/ray_scale.py --address 127.0.0.1:6379   # an existing cluster
    .venv/bin/python benchmarks/ray_scale.py --recall INDEX_DIR  # what IVF-PQ costs in recall@10 on real vectors

Every builder gets the same intra-op thread count (`--threads`, default 1): Ray sets OMP_NUM_THREADS=1 in its
workers, and onnxruntime, torch and FAISS are given their thread counts explicitly on both sides. Embedding actors
take one logical CPU each and the cluster has one more than them, so Ray Data's read and chunk tasks always run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _limerick_sample(path: Path, records: int, folder: Path) -> Path:
    out = folder / "limerick.jsonl"
    with open(path, encoding="utf-8") as source, open(out, "w", encoding="utf-8") as sample:
        for number, line in enumerate(source):
            if number >= records:
                break
            record = json.loads(line)
            sample.write(json.dumps({k: record[k] for k in ("_id", "title", "text")}, ensure_ascii=False) + "\n")
    return out


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


def _latencies(index, queries: list[str], encoder, rounds: int) -> tuple[float, float]:
    from precedent.index.search import search

    search(index, "warm up", k=10, encoder=encoder)
    for query in queries:  # first look at each candidate's dates is paid once, as in a warm server
        search(index, query, k=10, encoder=encoder)
    times = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            search(index, query, k=10, encoder=encoder)
            times.append(time.perf_counter() - started)
    return _percentiles(times)


def recall(index_dir: Path, threads: int) -> None:
    """Recall@10 against exact search, and query time, of the per-shard FAISS choices on an index's real vectors.

    Queries are the 255 council questions of eval/, embedded as `search()` embeds them.
    """
    import faiss
    import numpy as np
    from precedent.eval.scoring import load_questions
    from precedent.index.index import Index
    from precedent.index.ray_build import _encoder

    index = Index.load(index_dir)
    vectors = np.ascontiguousarray(index.vectors, dtype=np.float32)
    n, dim = vectors.shape
    queries = [q.query for path in sorted((ROOT / "eval").glob("coventry_*.jsonl")) for q in load_questions(path)]
    queries = _encoder(index.model, threads).encode(queries)
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    started = time.perf_counter()
    _, truth = exact.search(queries, 10)
    flat_ms = (time.perf_counter() - started) * 1000 / len(queries)
    nlist = int(4 * np.sqrt(n))
    sample = vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
    print(f"\n{index_dir}: {n} real vectors x {dim}, {len(queries)} questions; nlist {nlist}, nprobe 32")
    print(f"{'faiss index':<16} {'bytes/vector':>12} {'recall@10':>9} {'ms/query':>8}")
    print(f"{'Flat (exact)':<16} {4 * dim:>12} {1.0:>9.3f} {flat_ms:>8.2f}")
    for spec, size in ((f"IVF{nlist},SQ8", dim), (f"IVF{nlist},PQ96", 96), (f"IVF{nlist},PQ48", 48)):
        candidate = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        candidate.train(sample)
        candidate.add(vectors)
        faiss.extract_index_ivf(candidate).nprobe = 32
        started = time.perf_counter()
        _, found = candidate.search(queries, 10)
        ms = (time.perf_counter() - started) * 1000 / len(queries)
        hits = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found.tolist(), truth.tolist(), strict=True)])
        print(f"{spec.split(',')[1]:<16} {size:>12} {hits:>9.3f} {ms:>8.2f}")


def _rss() -> int:
    """This process's resident memory in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _footprint(gen: Path, manifest: dict, loaded: int) -> None:
    """Disk bytes per passage by file, and memory per passage of the shards loaded in-process."""
    import numpy as np

    passages = manifest["counts"]["chunks"]
    sizes: dict[str, int] = {}
    vectors = 0
    for shard in manifest["shards"]:
        folder = gen / shard["name"]
        vectors += len(np.load(folder / "owners.npy"))
        for path in folder.rglob("*"):
            if path.is_file():
                name = path.relative_to(folder).parts[0]
                sizes[name] = sizes.get(name, 0) + path.stat().st_size
    print(f"\nshard footprint: {passages} passages, {vectors} vectors ({vectors / passages:.2f} a passage)")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {name:<16} {size / passages:>8.0f} bytes a passage on disk")
    print(f"  loaded in memory (RSS growth): {loaded / passages:.0f} bytes a passage")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limerick", type=Path, help="add the first --records records of this corpus.jsonl")
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--only-limerick", action="store_true", help="leave the bundled papers out (a faster run)")
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per encoder (both sides)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the dev questions per latency figure")
    parser.add_argument("--address", help="an existing Ray cluster; default: start a head and one more node here")
    parser.add_argument("--recall", type=Path, metavar="INDEX_DIR", help="only measure FAISS recall on its vectors")
    args = parser.parse_args()
    if args.recall:
        recall(args.recall, args.threads)
        return 0

    import faiss
    import torch
    from precedent.corpus import BUNDLED_CORPUS
    from precedent.eval.scoring import load_questions
    from precedent.index.build import build_index
    from precedent.index.index import Index
    from precedent.index.ray_build import _encoder, build_index_ray
    from precedent.index.shards import LocalShards, ShardedIndex
    from precedent.index.store import generation_dir, read_manifest

    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="ray-scale-"))
    papers = [] if args.only_limerick and args.limerick else [BUNDLED_CORPUS]
    if args.limerick:
        papers.append(_limerick_sample(args.limerick, args.records, work))
    encoder = _encoder("bundled:all-MiniLM-L6-v2", args.threads)
    encoder.encode(["warm up"])

    rows = []
    started = time.perf_counter()
    single = build_index(papers, work / "single", encoder=encoder, progress=False)
    rows.append(("single process", 1, time.perf_counter() - started, single))

    import ray

    cluster = None
    started = time.perf_counter()
    if args.address:
        address = args.address
    else:
        from ray.cluster_utils import Cluster

        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 2, "node_ip_address": "127.0.0.1", "include_dashboard": False},
        )
        cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")
        cluster.wait_for_nodes()
        address = cluster.address
    cluster_start = time.perf_counter() - started
    try:
        for workers in (1, 2):
            started = time.perf_counter()
            report = build_index_ray(
                papers, work / f"ray-{workers}", address=address, shards=args.shards, workers=workers,
                threads=args.threads, progress=False,
            )  # fmt: skip
            rows.append((f"ray, {workers} worker{'s' * (workers > 1)}", workers, time.perf_counter() - started, report))
        print(f"\ncorpus: {single.documents} documents, {single.chunks} passages, {single.vectors_embedded} texts")
        print(f"threads per encoder {args.threads}; {os.cpu_count()} cores on this machine\n")
        print(f"{'build':<20} {'seconds':>8} {'passages/s':>11} {'texts/s':>8}")
        for name, _, seconds, report in rows:
            print(
                f"{name:<20} {seconds:>8.1f} {report.chunks / seconds:>11.1f} {single.vectors_embedded / seconds:>8.1f}"
            )
        base = rows[0][2]
        print(f"\nRay overhead: local cluster start {cluster_start:.1f} s; 1-worker build {rows[1][2] - base:+.1f} s")
        print("  against the single process: scheduling, actor and encoder start, staging, shard tasks")

        questions = [
            q.query for q in load_questions(Path(__file__).resolve().parent.parent / "eval/coventry_dev.jsonl")
        ]
        index_dir = work / "ray-2"
        manifest = read_manifest(index_dir)
        one = Index.load(work / "single")
        before = _rss()
        local = ShardedIndex(index_dir, manifest, LocalShards(generation_dir(index_dir, manifest), manifest))
        _footprint(generation_dir(index_dir, manifest), manifest, _rss() - before)
        os.environ["PRECEDENT_RAY"] = address
        started = time.perf_counter()
        routed = Index.load(index_dir)
        actors_up = time.perf_counter() - started
        results = [
            ("in-process, one index", _latencies(one, questions, encoder, args.rounds)),
            ("in-process, shards", _latencies(local, questions, encoder, args.rounds)),
            ("router -> shard actors", _latencies(routed, questions, encoder, args.rounds)),
        ]
        print(
            f"\n{'query (hybrid, k=10)':<24} {'p50 ms':>7} {'p95 ms':>7}   ({len(questions)} questions x {args.rounds})"
        )
        for name, (p50, p95) in results:
            print(f"{name:<24} {p50:>7.1f} {p95:>7.1f}")
        fan_out = results[2][1][0] - results[1][1][0]
        print(f"\nRay overhead: {len(routed.shards.actors)} shard actors up in {actors_up:.1f} s; fan-out and "
              f"gather {fan_out:+.1f} ms a query at p50 (router against the same shards in-process)")  # fmt: skip
        routed.close()
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
