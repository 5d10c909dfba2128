"""`precedent` command line: index, search, serve, eval. Errors become one line and exit code 1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from precedent.errors import PrecedentError


def _index_arg(parser: argparse.ArgumentParser) -> None:
    from index.store import default_index_dir

    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"index directory (default: $PRECEDENT_INDEX or {default_index_dir()})",
    )


def _filters(args):
    from index.filters import Filters, parse_day

    return Filters(
        committee=args.committee or "",
        date_from=parse_day(args.date_from, "--from"),
        date_to=parse_day(args.date_to, "--to"),
        paper_types=tuple(args.type or ()),
    )


def cmd_index(args) -> int:
    from corpus import BUNDLED_CORPUS
    from embed.encoder import DEFAULT_MODEL
    from index.build import build_index
    from index.store import default_index_dir, read_manifest

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
    paths = args.paths or [BUNDLED_CORPUS]
    report = build_index(paths, index_dir, model=args.model or DEFAULT_MODEL, rebuild=args.rebuild)
    print(report.summary())
    return 0


def cmd_tune(args) -> int:
    from corpus import BUNDLED_CORPUS
    from corpus.pairs import corpus_pairs
    from embed.tune import tune_model

    pairs = corpus_pairs(args.paths or [BUNDLED_CORPUS])  # shuffled, so the first N are a random sample
    kept = pairs[: args.max_pairs]
    print(f"{len(pairs)} pairs mined; training on {len(kept)}", file=sys.stderr)
    report = tune_model([(p.anchor, p.positive) for p in kept], args.out, base=args.base, epochs=args.epochs)
    print(report.summary())
    print(f"use it with: precedent index PATHS --model {args.out} --index DIR")
    return 0


def cmd_search(args) -> int:
    from index.ask import ask
    from index.index import Index
    from precedent.display import to_text

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
    print("   " + to_text(answer.text).strip().replace("\n", "\n   "))
    print()
    for hit in answered.hits:
        print(f"{hit.rank}. [{hit.score:.3f}] {hit.citation().line()}")
        print("   " + to_text(hit.text).strip().replace("\n", "\n   "))
        print()
    return 0


def cmd_decisions(args) -> int:
    from index.decisions import decisions, to_csv, to_json
    from index.index import Index
    from precedent.display import to_text

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
    import search_app

    search_app.serve(index_dir=args.index or _default_index(), host=args.host, port=args.port)
    return 0


def cmd_eval(args) -> int:
    from eval.run import main as eval_main

    return eval_main(args)


def _default_index() -> Path:
    from index.store import default_index_dir

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
    p.set_defaults(func=cmd_index)

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
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("eval", help="measure retrieval on gold questions or a BEIR dataset")
    _index_arg(p)
    p.set_defaults(func=cmd_eval)
    try:
        from eval.run import add_arguments

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
