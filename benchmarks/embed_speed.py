"""Passages per second: plain `SentenceTransformer.encode` vs the ONNX path (fp32 and int8), same texts.

    python benchmarks/embed_speed.py [--n 300] [--model PATH] [--repeats 3] [--part 256]

Texts are real council paragraphs from the bundled corpus, merged or split to 800-1000 characters
(about 200-256 tokens). Each path encodes a warm-up batch first. The texts are then encoded in parts of
`--part` passages (default: as many as an index build passes to one encode call), the paths taking turns on
each part, `--repeats` times over; a path's time is the sum over parts of its fastest run. Other work on a
shared machine only slows runs down, and taking turns keeps the paths under the same load. Parts much
smaller than a build's (25) understate the fast path: its length-sorted batches of 16 fill badly.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.corpus import BUNDLED_CORPUS  # noqa: E402
from precedent.embed.encoder import DEFAULT_MODEL  # noqa: E402
from precedent.index.build import EMBED_GROUP  # noqa: E402


def council_passages(n: int, seed: int = 0) -> list[str]:
    """`n` passages of 800-1000 characters from the bundled corpus, a seeded sample in corpus order."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=0)
    chunks = [
        chunk
        for path in sorted(BUNDLED_CORPUS.glob("*.txt"))
        for chunk in splitter.split_text(path.read_text(encoding="utf-8"))
        if len(chunk) >= 800
    ]
    if n > len(chunks):
        raise SystemExit(f"only {len(chunks)} passages of 800-1000 characters in {BUNDLED_CORPUS}; pass --n <= that")
    return [chunks[i] for i in sorted(random.Random(seed).sample(range(len(chunks)), n))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="passages to encode (default 300)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="bundled model or a local folder")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per path; the fastest counts")
    parser.add_argument("--part", type=int, default=EMBED_GROUP, help=f"passages per timed call ({EMBED_GROUP})")
    parser.add_argument("--cache-dir", help="ONNX export cache (default: the one the app uses)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from precedent.embed.encoder import SentenceTransformerEncoder
    from precedent.embed.onnx import OnnxEncoder

    texts = council_passages(args.n)
    encoders = {}
    started = time.perf_counter()
    encoders["plain"] = SentenceTransformerEncoder(args.model)
    print(f"load plain: {time.perf_counter() - started:.1f}s")
    for label, quantize in (("onnx fp32", False), ("onnx int8", True)):
        started = time.perf_counter()
        encoders[label] = OnnxEncoder(args.model, quantize=quantize, cache_dir=args.cache_dir)
        print(f"load {label} (exports on first use): {time.perf_counter() - started:.1f}s")
    if not encoders["onnx int8"].quantized:
        print("int8 not offered: it failed the agreement check, so that path runs fp32")
    tokens = [len(e.ids) for e in encoders["onnx fp32"].tokenizer.encode_batch(texts)]
    print(
        f"{len(texts)} passages, {np.mean([len(t) for t in texts]):.0f} characters and {np.mean(tokens):.0f} "
        f"tokens on average (max_seq_length {encoders['onnx fp32'].max_seq_length}); {os.cpu_count()} CPUs"
    )

    for encoder in encoders.values():
        encoder.encode(texts[:16])  # warm-up
    parts = [texts[i : i + args.part] for i in range(0, len(texts), args.part)]
    best = {label: [float("inf")] * len(parts) for label in encoders}
    vectors = {label: [None] * len(parts) for label in encoders}
    for _ in range(args.repeats):
        for p, part in enumerate(parts):
            for label, encoder in encoders.items():
                started = time.perf_counter()
                vectors[label][p] = encoder.encode(part)
                best[label][p] = min(best[label][p], time.perf_counter() - started)
    best = {label: sum(times) for label, times in best.items()}
    vectors = {label: np.concatenate(rows) for label, rows in vectors.items()}

    plain_rate = len(texts) / best["plain"]
    print(f"{'path':<10} {'passages/s':>10} {'x plain':>8} {'min cos':>9} {'mean cos':>9}")
    for label in encoders:
        rate = len(texts) / best[label]
        cosine = (vectors[label] * vectors["plain"]).sum(axis=1)
        print(f"{label:<10} {rate:>10.1f} {rate / plain_rate:>8.2f} {cosine.min():>9.4f} {cosine.mean():>9.4f}")


if __name__ == "__main__":
    main()
