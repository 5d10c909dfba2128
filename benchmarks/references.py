"""References found and resolved, by kind, in one or more corpora; with --sample, a seeded random sample of
links printed with the text around each reference and the start of its target, for checking by hand.

    .venv/bin/python benchmarks/references.py --corpus corpus/coventry
    .venv/bin/python benchmarks/references.py --corpus limerick/corpus.jsonl --sample 30 --seed 5
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.corpus.links import Archive, Link  # noqa: E402
from precedent.corpus.papers import parse_document  # noqa: E402
from precedent.corpus.readers import read_corpus  # noqa: E402
from precedent.corpus.references import KINDS  # noqa: E402
from precedent.corpus.structure import document_record  # noqa: E402

CONTEXT = 160


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", nargs="+", required=True, help="folders, files or JSONL corpora")
    parser.add_argument("--sample", type=int, default=0, help="links to print for checking by hand")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--all", action="store_true", help="print every link (a small corpus)")
    parser.add_argument("--kind", choices=KINDS, help="sample or print links of this kind only")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    read = read_corpus(args.corpus)
    records = [document_record(parse_document(doc), "") for doc in read.documents]
    parsed = time.perf_counter()
    archive = Archive(records)
    links = archive.links()
    linked = time.perf_counter()
    print(f"{len(records)} documents; parsed in {parsed - started:.1f}s, references in {linked - parsed:.1f}s")
    print(f"{'kind':<14}{'found':>7}{'resolved':>10}{'to item':>9}{'to meeting':>12}")
    found, resolved = Counter(), Counter()
    to_item, to_meeting = Counter(), Counter()
    for link in links:
        kind = link.reference.kind
        found[kind] += 1
        if link.target:
            resolved[kind] += 1
            (to_item if link.target.item is not None else to_meeting)[kind] += 1
    for kind in (*KINDS, "all"):
        pick = (lambda c: sum(c.values())) if kind == "all" else (lambda c, k=kind: c[k])
        print(f"{kind:<14}{pick(found):>7}{pick(resolved):>10}{pick(to_item):>9}{pick(to_meeting):>12}")
    pool = [link for link in links if link.reference.kind == args.kind] if args.kind else links
    shown = pool if args.all else sorted(pool, key=lambda link: _draw(args.seed, link))[: args.sample]
    for number, link in enumerate(shown, 1):
        print(f"\n--- {number}. {_describe(link)}")
        _show(archive, link)


def _draw(seed: int, link: Link) -> str:
    """A link's place in the seeded sample, fixed by where it is: a change elsewhere leaves the sample alone."""
    return hashlib.sha1(f"{seed}:{link.reference.doc_id}:{link.reference.start}".encode()).hexdigest()


def _describe(link: Link) -> str:
    ref = link.reference
    target = link.target.to_list() if link.target else None
    named = ", ".join(
        f"{k}={v}" for k, v in (("committee", ref.committee), ("date", ref.meeting_date), ("item", ref.item),
                                ("year", ref.year), ("direction", ref.direction)) if v
    )  # fmt: skip
    return f"[{ref.kind}] {ref.text!r} ({named}) in {link.source.to_list()} -> {target}"


def _show(archive: Archive, link: Link) -> None:
    ref = link.reference
    text = archive.records[ref.doc_id]["text"]
    before = text[max(0, ref.start - CONTEXT) : ref.start]
    after = text[ref.end : ref.end + CONTEXT]
    print(" ".join(f"{before}[[{ref.text}]]{after}".split()))
    if link.target:
        target = link.target
        record = archive.records[target.doc_id]
        start = next(
            (
                (i["start"], i["end"])
                for p in record["papers"]
                if (p["meeting_date"] or record["meeting_date"]) == target.meeting_date
                for i in p["items"]
                if i["number"] == target.item
            ),
            None,
        )
        if start is None:
            paper = next(
                p for p in record["papers"] if (p["meeting_date"] or record["meeting_date"]) == target.meeting_date
            )
            start = (paper["start"], paper["end"])
        print("  TARGET:", record["committee"], "|", " ".join(record["text"][start[0] : start[0] + 300].split()))


if __name__ == "__main__":
    main()
