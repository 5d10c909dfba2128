"""Two RUN.json files of the same questions, question by question: each metric and its paired difference.

    python benchmarks/compare_runs.py --questions eval/coventry_dev.jsonl BASE.json OTHER.json

For runs on two indexes (another model, another corpus build) that `precedent eval --compare` cannot set side
by side; each run is judged again from its stored passages with `eval/`'s rule, so highlight@10 is not scored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.eval.metrics import judge_question  # noqa: E402
from precedent.eval.report import difference_table, markdown_table  # noqa: E402
from precedent.eval.scoring import load_questions  # noqa: E402

SHOWN = ("success@1", "success@5", "success@10", "mrr@10", "ndcg@10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", required=True, type=Path, help="the question file both runs answered")
    parser.add_argument("runs", nargs="+", type=Path, help="RUN.json files (eval --output), base first")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    scores = {}
    for path in args.runs:
        run = json.loads(path.read_text(encoding="utf-8"))
        by_id = {q["id"]: q for q in run["queries"]}
        missing = [q.id for q in questions if q.id not in by_id]
        if missing:
            sys.exit(f"{path}: no answer to {len(missing)} questions (first: {missing[0]})")
        judged = [judge_question(q, [r["text"] for r in by_id[q.id]["results"]]) for q in questions]
        scores[path.stem] = [j.scores() for j in judged]
    rows = [{"run": name, **{m: sum(s[m] for s in per) / len(per) for m in SHOWN}} for name, per in scores.items()]
    print(f"{len(questions)} questions\n")
    print(markdown_table(rows, ["run", *SHOWN]))
    print("\n" + difference_table(scores, args.runs[0].stem, ("success@1", "success@5", "mrr@10", "ndcg@10")))


if __name__ == "__main__":
    main()
