"""How much OCR noise a JSONL corpus holds, by kind, and which gold evidence quotes contain any of it.

    python benchmarks/ocr_noise.py LIMERICK/corpus.jsonl --questions eval/limerick_*.jsonl

Kinds: a capital inside a lower-case word ("carrIed"), a letter tripled ("Doooradoyle"), a word split by a
space ("developm ent": the two joined are a common word, one part is rare), two words run together
("thecouncil": rare, both halves common), and a line-end hyphen. Case is folded by search already.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

WORD = re.compile(r"[A-Za-z]+")
INNER_CAPITAL = re.compile(r"[a-z]+[A-Z][a-z]+")
TRIPLED = re.compile(r"([a-z])\1\1")
ROMAN_OR_ACRONYM = frozenset({"iii", "viii", "www", "lccc", "lcccs"})
COMMON, RARE = 200, 20


def noise(texts: list[str]) -> tuple[dict[str, Counter], Counter]:
    """Counts of each kind of noise (word -> occurrences) and of every lower-cased word."""
    words = Counter(w.lower() for text in texts for w in WORD.findall(text))
    found: dict[str, Counter] = {kind: Counter() for kind in ("inner capital", "tripled", "split", "run together")}
    for text in texts:
        tokens = WORD.findall(text)
        for word in tokens:
            lower = word.lower()
            if INNER_CAPITAL.fullmatch(word):
                found["inner capital"][word] += 1
            if TRIPLED.search(lower) and lower not in ROMAN_OR_ACRONYM and not set(lower) <= set("ivxlcdm"):
                found["tripled"][lower] += 1
        lowered = [t.lower() for t in tokens]
        for a, b in pairwise(lowered):
            if len(a) > 1 and len(b) > 1 and words[a + b] >= 50 and min(words[a], words[b]) < RARE:
                found["split"][f"{a} {b}"] += 1
    for word, count in words.items():
        if (
            count <= 2
            and len(word) >= 8
            and any(words[word[:i]] >= COMMON and words[word[i:]] >= COMMON for i in range(3, len(word) - 2))
        ):
            found["run together"][word] += count
    return found, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a JSONL corpus: one {_id, title, text} a line")
    parser.add_argument("--questions", type=Path, nargs="*", default=[], help="gold question files to check")
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in args.corpus.open(encoding="utf-8") if line.strip()]
    found, words = noise(texts)
    print(f"{len(texts)} records, {sum(words.values()):,} words")
    for kind, counts in found.items():
        print(f"{kind}: {sum(counts.values())} ({', '.join(f'{w} {n}' for w, n in counts.most_common(6))})")
    hyphens = sum(len(re.findall(r"[a-z]-\n[a-z]", text)) for text in texts)
    print(f"line-end hyphens: {hyphens}")
    for path in args.questions:
        for line in path.open(encoding="utf-8"):
            question = json.loads(line)
            for evidence in question["evidence"]:
                raw = WORD.findall(evidence["quote"])
                tokens = [w.lower() for w in raw]
                hits = [w for w in raw if INNER_CAPITAL.fullmatch(w)]
                hits += [w for w in tokens if w in found["tripled"] or w in found["run together"]]
                hits += [f"{a} {b}" for a, b in pairwise(tokens) if f"{a} {b}" in found["split"]]
                if hits:
                    print(f"{path.name} {question['id']}: {sorted(set(hits))}")


if __name__ == "__main__":
    main()
