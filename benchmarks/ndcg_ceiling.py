"""The highest nDCG@10 the dev-set rule allows with an index's passages: what a perfect ranking would score.

    python benchmarks/ndcg_ceiling.py --index DIR eval/coventry_dev.jsonl [more question files]

The rule gives one gain per passage that answers a not-yet-answered evidence item, so when several items
of a question are only ever found together in one passage, no ranking earns a gain for each. Larger
passages lower this ceiling; compare it with `precedent eval` to see how much is ranking and how much is
passage size.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.eval.metrics import best_ndcg  # noqa: E402
from precedent.eval.scoring import PASSAGE_CHARS, answers_normalised, load_questions, normalise  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="index directory (`precedent index --index DIR`)")
    parser.add_argument("questions", nargs="+", type=Path, help="question files (format of eval/coventry_dev.jsonl)")
    args = parser.parse_args()
    from precedent.index.index import Index

    index = Index.load(args.index)
    texts = [normalise(chunk.text[:PASSAGE_CHARS]) for chunk in index.chunks]
    print(f"index {index.path}: {len(texts)} passages\n")
    print("| questions | n | nDCG@10 ceiling | questions whose items cannot each earn a gain |")
    print("|---|---|---|---|")
    for path in args.questions:
        questions = load_questions(path)
        ceilings = []
        for question in questions:
            quotes = [normalise(e.quote) for e in question.evidence]
            ceilings.append(best_ndcg([[i for i, t in enumerate(texts) if answers_normalised(t, q)] for q in quotes]))
        short = sum(c < 1.0 for c in ceilings)
        print(f"| {path.name} | {len(questions)} | {sum(ceilings) / len(ceilings):.3f} | {short} |")


if __name__ == "__main__":
    main()
