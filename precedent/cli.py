"""`precedent` command line: index, search, serve, eval. Errors become one line and exit code 1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from precedent.errors import PrecedentError


def _index_arg(parser: argparse.ArgumentParser) -> None:
    from precedent.index.store import default_index_dir

    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"index directory (default: $PRECEDENT_INDEX or {default_index_dir()})",
    )


def _filters(args):
    from precedent.index.filters import Filters, parse_day

    return Filters(
        committee=args.committee or "",
        date_from=parse_day(args.date_from, "--from"),
        date_to=parse_day(args.date_to, "--to"),
        paper_types=tuple(args.type or ()),
    )


def cmd_index(args) -> int:
    from precedent.corpus import BUNDLED_CORPUS
    from precedent.embed.encoder import DEFAULT_MODEL
    from precedent.index.build import build_index
    from precedent.index.store import default_index_dir, read_manifest

    index_dir = args.index or default_index_dir()
    if args.status:
        manifest = read_manifest(index_dir)
        print(
            f"{index_dir}: {manifest['counts']['documents']} documents, {manifest['counts']['chunks']} "
            f"passages, model {manifest['model']}, built {manifest['created']}"
        )
        for failure in manifest.get("failures", []):
            print(f"  not indexed: {failure['path']}: {failure['reason']}")
        for doc_id in manifest.get("empty", []):
            print(f"  no text to index: {doc_id} (too short for a passage)")
        return 0
    if args.fetch:
        report = _fetch(args)
        print(report.summary())
        args.paths = [*args.paths, report.out]
    paths = args.paths or [BUNDLED_CORPUS]
    if args.ray:
        from precedent.index.ray_build import build_index_ray

        report = build_index_ray(
            paths,
            index_dir,
            address=args.ray,
            shards=args.shards,
            workers=args.workers,
            model=args.model or DEFAULT_MODEL,
            rebuild=args.rebuild,
        )
    else:
        report = build_index(paths, index_dir, model=args.model or DEFAULT_MODEL, rebuild=args.rebuild)
    print(report.summary())
    return 0


def cmd_fetch(args) -> int:
    print(_fetch(args).summary())
    return 0


def _fetch(args):
    from precedent.corpus.fetch import fetch_site
    from precedent.corpus.polite_http import Politeness
    from precedent.index.filters import parse_day

    site = args.fetch if args.command == "index" else args.site
    politeness = Politeness(delay=args.delay, timeout=args.timeout, max_bytes=int(args.max_mb * 2**20))
    return fetch_site(
        site,
        args.out or _default_out(site),
        committees=args.committee or (),
        date_from=parse_day(args.date_from, "--from"),
        date_to=parse_day(args.date_to, "--to"),
        politeness=politeness,
    )


def _default_out(site: str) -> Path:
    from urllib.parse import urlsplit

    return Path("papers") / (urlsplit(site.strip()).hostname or "site")


def _fetch_args(parser: argparse.ArgumentParser) -> None:
    from precedent.corpus.polite_http import DELAY, MAX_BYTES, TIMEOUT

    parser.add_argument("--committee", action="append", metavar="NAME_OR_ID", help="committee to fetch (repeatable)")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="meetings on or after")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="meetings on or before")
    parser.add_argument("--out", type=Path, help="folder for the papers and their manifest (default: papers/HOST)")
    parser.add_argument("--delay", type=float, default=DELAY, help=f"seconds between requests (default {DELAY:g})")
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help=f"seconds to wait for an answer (default {TIMEOUT:g})"
    )
    parser.add_argument(
        "--max-mb",
        type=float,
        default=MAX_BYTES / 2**20,
        help=f"largest document to fetch (default {MAX_BYTES // 2**20})",
    )


def cmd_tune(args) -> int:
    from precedent.corpus import BUNDLED_CORPUS
    from precedent.corpus.pairs import corpus_pairs
    from precedent.embed.tune import tune_model

    pairs = corpus_pairs(args.paths or [BUNDLED_CORPUS])  # shuffled, so the first N are a random sample
    kept = pairs[: args.max_pairs]
    print(f"{len(pairs)} pairs mined; training on {len(kept)}", file=sys.stderr)
    report = tune_model([(p.anchor, p.positive) for p in kept], args.out, base=args.base, epochs=args.epochs)
    print(report.summary())
    print(f"use it with: precedent index PATHS --model {args.out} --index DIR")
    return 0


def cmd_search(args) -> int:
    from precedent.display import to_text
    from precedent.index.ask import ask
    from precedent.index.index import Index

    index = Index.load(args.index or _default_index())
    answered = ask(index, args.query, k=args.k, filters=_filters(args))
    if args.json:
        print(json.dumps(answered.to_dict(index), ensure_ascii=False, indent=1))
        return 0
    if not answered.hits:
        print("No passages match. Try other words or fewer filters.")
        return 0
    answer = answered.answer
    label = f"Answer ({answer.kind})" if answer.confident else "Closest passage (no clear answer)"
    print(f"{label}: {answer.citation.heading()}")
    if answer.citation.url:
        print(f"   {answer.citation.url}")
    print("   " + to_text(answer.text).strip().replace("\n", "\n   "))
    print()
    for hit in answered.hits:
        print(f"{hit.rank}. [{hit.score:.3f}] {hit.citation().line()}")
        if hit.chunk.url:
            print(f"   {hit.chunk.url}")
        print("   " + to_text(hit.text, hit.chunk.furniture).strip().replace("\n", "\n   "))
        print()
    return 0


def cmd_decisions(args) -> int:
    from precedent.display import to_text
    from precedent.index.decisions import decisions, to_csv, to_json
    from precedent.index.index import Index

    index = Index.load(args.index or _default_index())
    found = decisions(index, args.topic or "", filters=_filters(args))
    if args.format == "csv":
        sys.stdout.write(to_csv(found))
    elif args.format == "json":
        print(to_json(found))
    else:
        if not found:
            print("No decisions found. Try other words or fewer filters.")
        for decision in found:
            print(decision.citation.heading())
            print("   " + to_text(decision.text).strip().replace("\n", "\n   "))
            print()
    return 0


def cmd_serve(args) -> int:
    import os

    import search_app
    from precedent.index.shards import RAY_ADDRESS

    if args.ray:
        os.environ[RAY_ADDRESS] = args.ray  # a sharded index is then served by shard actors on that cluster

    search_app.serve(index_dir=args.index or _default_index(), host=args.host, port=args.port)
    return 0


def cmd_eval(args) -> int:
    from precedent.eval.run import main as eval_main

    return eval_main(args)


def _default_index() -> Path:
    from precedent.index.store import default_index_dir

    return default_index_dir()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="precedent", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("index", help="build or update an index (default: the bundled Coventry papers)")
    p.add_argument("paths", nargs="*", type=Path, help="folders of papers, files, or .jsonl records")
    _index_arg(p)
    p.add_argument("--model", help="sentence-transformers path or hub id (default: bundled all-MiniLM-L6-v2)")
    p.add_argument("--rebuild", action="store_true", help="re-embed everything")
    p.add_argument("--status", action="store_true", help="show what the index holds and what failed")
    p.add_argument("--fetch", metavar="SITE", help="first fetch this ModernGov site's papers (as `precedent fetch`)")
    _fetch_args(p)
    p.add_argument("--ray", metavar="ADDRESS", help="build on this Ray cluster (pip install precedent[ray])")
    p.add_argument("--shards", type=int, default=4, help="with --ray: index shards to write (default 4)")
    p.add_argument("--workers", type=int, help="with --ray: embedding workers (default: cluster CPUs less one)")
    p.set_defaults(func=cmd_index)

    p = commands.add_parser("fetch", help="download a ModernGov site's papers into a folder to index")
    p.add_argument("site", metavar="SITE", help="the site's base URL, e.g. https://democracy.example.gov.uk/")
    _fetch_args(p)
    p.set_defaults(func=cmd_fetch)

    p = commands.add_parser("tune", help="fine-tune the embedding model on pairs mined from the papers' structure")
    p.add_argument("paths", nargs="*", type=Path, help="papers, as for index (default: the bundled Coventry papers)")
    p.add_argument("--out", type=Path, required=True, help="model folder to write, for index --model")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the pairs (default 1)")
    p.add_argument("--max-pairs", type=int, default=20000, help="train on a random sample of this many (default 20000)")
    p.add_argument("--base", default="bundled:all-MiniLM-L6-v2", help="model to start from (default: bundled)")
    p.set_defaults(func=cmd_tune)

    p = commands.add_parser("search", help="search the index")
    p.add_argument("query")
    _index_arg(p)
    p.add_argument("--k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--committee", help="keep papers of committees whose name contains this")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="meetings on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="meetings on or before")
    p.add_argument("--type", action="append", help="paper type (repeatable): minutes, agenda, report, ...")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_search)

    p = commands.add_parser("decisions", help="the decisions register, or the decisions about a topic")
    p.add_argument("topic", nargs="?", default="", help="what the decisions are about (default: every decision)")
    _index_arg(p)
    p.add_argument("--committee", help="keep decisions of committees whose name contains this")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="meetings on or after")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="meetings on or before")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    p.set_defaults(func=cmd_decisions, type=None)

    p = commands.add_parser("serve", help="run the web app")
    _index_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--ray", metavar="ADDRESS", help="serve a sharded index from shard actors on this Ray cluster")
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("eval", help="measure retrieval on gold questions or a BEIR dataset")
    _index_arg(p)
    p.set_defaults(func=cmd_eval)
    try:
        from precedent.eval.run import add_arguments

        add_arguments(p)
    except ImportError:
        pass
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except PrecedentError as err:
        print(f"precedent: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("precedent: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
