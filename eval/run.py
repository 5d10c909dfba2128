"""`precedent eval`: run gold questions or a BEIR dataset through `search()` and report metrics.

Gold runs write RUN.json: `{"config", "metrics", "queries": [{"id", "query", "latency_ms",
"results": [{"rank", "score", "doc", "text", "citation"}]}]}`. BEIR runs write TREC run files and score other
systems' TREC runs (`--run`) beside their own.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from precedent.eval.metrics import METRICS, RESAMPLES, aggregate, aggregate_by_type, judge_question, latency_summary
from precedent.eval.report import COMPARED, difference_table, failure_view, markdown_table, per_type_table, write_chart
from precedent.eval.scoring import load_questions

from precedent.errors import PrecedentError

DEV_SET = Path(__file__).resolve().parent / "coventry_dev.jsonl"
BEIR_METRICS = ("nDCG@10", "R@100", "RR@10")


def add_arguments(parser) -> None:
    parser.add_argument("--questions", type=Path, help="gold questions (JSONL, format of eval/coventry_dev.jsonl)")
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="papers to index for the run (folder or .jsonl); default: the existing index",
    )
    parser.add_argument("--model", help="with --corpus or --beir: the model to index with (default: bundled)")
    parser.add_argument("--beir", type=Path, help="a BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv")
    parser.add_argument("--k", type=int, default=10, help="passages per question (default 10)")
    parser.add_argument("--output", type=Path, help="write RUN.json here (with --beir: a TREC run file)")
    parser.add_argument("--config", action="append", help="retrieval configuration(s) to run (default: hybrid)")
    parser.add_argument("--compare", action="store_true", help="run every configuration side by side")
    parser.add_argument("--report", type=Path, help="write the table, RUN files and a chart into this folder")
    parser.add_argument("--failures", action="store_true", help="print the failure view")
    parser.add_argument(
        "--run",
        type=Path,
        action="append",
        help="with --beir: another system's TREC run file, scored beside Precedent's and compared per query",
    )
    parser.add_argument("--limit", type=int, help="only the first N questions (quick checks)")


def _configs(args):
    from precedent.index.search import CONFIGS

    names = list(CONFIGS) if args.compare else (args.config or ["hybrid"])
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise PrecedentError(f"unknown configuration {unknown[0]!r}; valid: {', '.join(CONFIGS)}")
    return [CONFIGS[n] for n in names]


def _index_for(corpus: list[Path] | None, index_dir: Path | None, cache_name: str, model: str | None = None) -> Path:
    """The index to evaluate: built (or updated, incrementally) from `corpus` when one is given."""
    from precedent.embed.encoder import DEFAULT_MODEL
    from precedent.index.build import build_index
    from precedent.index.store import default_index_dir

    if not corpus:
        return index_dir or default_index_dir()
    if index_dir is None:
        key = hashlib.sha256("|".join([*(str(p.resolve()) for p in corpus), *([model] if model else [])]).encode())
        key = key.hexdigest()[:10]
        index_dir = Path(".precedent") / "eval" / f"{cache_name}-{key}"
    started = time.perf_counter()
    report = build_index(corpus, index_dir, model=model or DEFAULT_MODEL)
    print(report.summary(), file=sys.stderr)
    print(f"index ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return index_dir


def _first_group_texts(index, answered) -> list[str]:
    """What the first card shows: its passages and, when it has one, the whole RESOLVED block."""
    if not answered.groups:
        return []
    from precedent.corpus.furniture import spaced_breaks, spans_within

    group = answered.groups[0]
    texts = [h.chunk.unbroken for h in group.hits]
    if group.resolution:
        start, end = group.resolution
        record = index.documents[group.citation.doc_id]
        texts.append(spaced_breaks(record["text"][start:end], spans_within(record.get("furniture", ()), start, end)))
    return texts


def run_questions(index, questions, config, k: int = 10) -> dict:
    """One configuration over every question: the RUN.json object, with judgements kept aside."""
    from precedent.index.ask import ask

    ask(index, "warm up", k=1, config=config)
    queries, judgements, latencies = [], [], []
    for question in questions:
        started = time.perf_counter()
        answered = ask(index, question.query, k=k, config=config)
        latency = (time.perf_counter() - started) * 1000
        latencies.append(latency)
        hits = answered.hits
        judgements.append(
            judge_question(
                question,
                [h.chunk.unbroken for h in hits],  # as shown: a page's header and footer are not read
                [h.highlights for h in hits],
                answer=answered.answer.text if answered.answer else None,
                first_group=_first_group_texts(index, answered),
            )
        )
        queries.append(
            {
                "id": question.id,
                "query": question.query,
                "type": question.type,
                "latency_ms": round(latency, 2),
                "first_answer_rank": judgements[-1].first_rank,
                "answer_highlighted": judgements[-1].highlighted,
                "answer": answered.answer.to_dict() if answered.answer else None,
                "results": [
                    {
                        "rank": h.rank,
                        "score": round(h.score, 6),
                        "doc": h.chunk.doc_id,
                        "text": h.text,
                        "citation": h.citation().line(),
                    }
                    for h in hits
                ],
            }
        )
    metrics = {**aggregate(judgements), **latency_summary(latencies)}
    return {
        "config": {
            **asdict(config),
            "k": k,
            "index": str(index.path),
            "model": index.model,
            "chunker": index.manifest["chunker"],
        },
        "metrics": metrics,
        "by_type": aggregate_by_type(judgements),
        "queries": queries,
        "_judgements": judgements,
    }


def _write_run(path: Path, run: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    public = {key: value for key, value in run.items() if not key.startswith("_")}
    path.write_text(json.dumps(public, ensure_ascii=False, indent=1), encoding="utf-8")


def gold(args) -> int:
    from precedent.index.index import Index

    questions = load_questions(args.questions)[: args.limit]
    index = Index.load(_index_for(args.corpus, args.index, "gold", args.model))
    runs = [run_questions(index, questions, config, args.k) for config in _configs(args)]
    columns = ["config", *METRICS, "p50_ms", "p95_ms"]
    rows = [{"config": run["config"]["name"], **run["metrics"]} for run in runs]
    table = markdown_table(rows, columns)
    print(f"{len(questions)} questions, index {index.path} ({len(index.chunks)} passages, model {index.model})\n")
    print(table)
    differences = ""
    if len(runs) > 1:
        scores = {run["config"]["name"]: [j.scores() for j in run["_judgements"]] for run in runs}
        differences = _differences(scores, runs[-1]["config"]["name"], COMPARED)
        print("\n" + differences)
    print(f"\nper question type ({runs[-1]['config']['name']}):\n")
    print(per_type_table(runs[-1]["by_type"]))
    if args.failures:
        print("\n" + failure_view(runs[-1]["_judgements"]))
    if args.output:
        _write_run(args.output, runs[-1])
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        for run in runs:
            _write_run(args.report / f"run-{run['config']['name']}.json", run)
        (args.report / "table.md").write_text(
            table
            + "\n\n"
            + (differences + "\n\n" if differences else "")
            + per_type_table(runs[-1]["by_type"])
            + "\n\n"
            + failure_view(runs[-1]["_judgements"])
            + "\n",
            encoding="utf-8",
        )
        write_chart(rows, list(METRICS), args.report / "metrics.png", title="Dev-set retrieval by configuration")
        print(f"\nreport written to {args.report}")
    return 0


def _differences(scores: dict[str, list[dict[str, float]]], against: str, metrics: Sequence[str]) -> str:
    return (
        f"per question, against {against} (mean difference, 95% paired bootstrap interval, sign-flip p; "
        f"{RESAMPLES:,} resamples):\n\n" + difference_table(scores, against, metrics)
    )


def beir(args) -> int:
    from precedent.eval.beir import (
        evaluate_run,
        load_beir,
        passages_to_documents,
        per_query,
        read_trec_run,
        write_trec_run,
    )
    from precedent.index.index import Index
    from precedent.index.search import search

    dataset = load_beir(args.beir)
    external = {path: read_trec_run(path) for path in args.run or []}
    corpus = [args.beir / "corpus.jsonl"]
    index = Index.load(_index_for(corpus, args.index, f"beir-{args.beir.name}", args.model))
    queries = list(dataset.queries.items())[: args.limit]
    qrels = {qid: dataset.qrels[qid] for qid, _ in queries}
    configs = _configs(args)
    rows, runs = [], {}
    for config in configs:
        # A benchmark measures ranking: every query gets its 100 best passages, with no "no good match" cut.
        config = replace(config, min_dense=0.0, min_bm25=0.0)
        run, latencies = {}, []
        for qid, query in queries:
            started = time.perf_counter()
            hits = search(index, query, k=100, config=config)
            latencies.append((time.perf_counter() - started) * 1000)
            run[qid] = passages_to_documents((h.chunk.doc_id, h.score) for h in hits)
        runs[config.name] = run
        rows.append({"config": config.name, **evaluate_run(qrels, run), **latency_summary(latencies)})
        print(f"{config.name}: {rows[-1]}", file=sys.stderr)
    default = rows[-1]["config"]
    for path, run in external.items():
        runs[path.name] = _on_queries(path, run, qrels)
        rows.append({"config": path.name, **evaluate_run(qrels, runs[path.name])})
    table = markdown_table(rows, ["config", *BEIR_METRICS, "p50_ms", "p95_ms"])
    if len(runs) > 1:
        scores = {name: [{"nDCG@10": v} for _, v in sorted(per_query(qrels, r).items())] for name, r in runs.items()}
        table += "\n" + _differences(scores, default, ["nDCG@10"])
    print(f"BEIR {args.beir.name}: {len(dataset.corpus)} documents, {len(qrels)} queries\n")
    print(table)
    if args.output:
        write_trec_run(args.output, runs[default], tag=f"precedent-{default}")
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        (args.report / "beir.md").write_text(table + "\n", encoding="utf-8")
        for config in configs:
            write_trec_run(args.report / f"run-{config.name}.trec", runs[config.name], tag=f"precedent-{config.name}")
        write_chart(rows, list(BEIR_METRICS), args.report / "beir.png", title=f"BEIR {args.beir.name}")
    return 0


def _on_queries(path: Path, run: dict, qrels: dict) -> dict:
    """An external run cut to the queries Precedent was scored on; queries it lacks score 0, as in trec_eval."""
    kept = {qid: docs for qid, docs in run.items() if qid in qrels}
    if not kept:
        raise PrecedentError(
            f"{path}: none of its {len(run)} queries has judgements in this dataset's qrels; "
            "pass a run made on the same BEIR dataset"
        )
    if len(kept) < len(qrels):
        print(f"{path}: no ranking for {len(qrels) - len(kept)} of {len(qrels)} queries; they score 0", file=sys.stderr)
    return kept


def main(args) -> int:
    if args.run and not args.beir:
        raise PrecedentError("--run scores another system's TREC run on a BEIR dataset; add --beir DIR")
    names = [path.name for path in args.run or []]
    if len(set(names)) < len(names):
        raise PrecedentError(f"two --run files share a name ({', '.join(names)}); rename one")
    if args.beir:
        return beir(args)
    if not args.questions:
        args.questions = DEV_SET
    return gold(args)
