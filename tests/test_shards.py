"""Shards scored with corpus-wide statistics give one index's BM25 scores and glossary; routing and merging."""

from __future__ import annotations

from datetime import date

import numpy as np
from precedent.index.bm25 import KeywordIndex, tokenize
from precedent.index.corpus_terms import CorpusTerms, build_keywords
from precedent.index.filters import Filters
from precedent.index.glossary import Glossary
from precedent.index.shards import assign_shards, glossary_parts, may_match, merge_glossaries, summarise

TEXTS = [
    "The Scrutiny Co-ordination Committee considered the Public Space Protection Order (PSPO) for dog control.",
    "RESOLVED that the dog control order be referred back to Cabinet.",
    "Domestic Violence and Abuse (DVA) services were commissioned from Fry Housing Trust.",
    "The committee noted the drug treatment figures; opiates were 47% of clients.",
    "Apologies were received from Councillor Skipper.",
    "Dog fouling fines rose in 2014-15 and the PSPO was renewed.",
    "The Senior Responsible Owner (SRO) reported on the DVA strategy.",
]


def _split(items, cuts):
    return [items[a:b] for a, b in zip((0, *cuts), (*cuts, len(items)), strict=True)]


def test_shard_bm25_with_corpus_statistics_scores_exactly_as_one_index():
    one = KeywordIndex.build(TEXTS)
    parts = _split(TEXTS, (2, 5))
    corpus = CorpusTerms.total(CorpusTerms.count(tokenize(part)) for part in parts)
    shards = [build_keywords(part, corpus) for part in parts]
    for query in ("dog control order", "PSPO renewed 2014", "DVA strategy", "apologies Skipper", "opiates"):
        expected = one.scores(query)
        found = np.concatenate([shard.scores(query) for shard in shards])
        assert np.array_equal(found, expected), query  # bit for bit, not merely close
        assert corpus.coverage(query) == one.coverage(query)
    words = {"dog", "control", "dva", "skipper", "absent"}
    assert corpus.idf(words) == one.idf(words)


def test_shard_bm25_with_its_own_statistics_would_differ():
    one = KeywordIndex.build(TEXTS)
    own = np.concatenate([KeywordIndex.build(part).scores("dog control") for part in _split(TEXTS, (2, 5))])
    assert not np.allclose(own, one.scores("dog control"))


def test_glossary_merged_from_shards_equals_one_glossary():
    texts = [*TEXTS, "Breast Cancer (BC) screening", "Bladder Cancer (BC) rates", "the Senior Risk Officer (SRO)"]
    parts = [glossary_parts(part, range(start, start + len(part))) for start, part in ((0, texts[:4]), (4, texts[4:]))]
    merged = merge_glossaries(reversed(parts))
    assert merged == Glossary.build(texts)
    assert merged.terms == {"DVA": "Domestic Violence and Abuse", "PSPO": "Public Space Protection Order"}


def test_groups_are_balanced_over_shards_and_kept_whole():
    placed = assign_shards({"Cabinet": 500, "Scrutiny": 300, "Planning": 250, "#3": 40, "#9": 30}, 3)
    assert placed == {"Cabinet": 0, "Scrutiny": 1, "Planning": 2, "#3": 2, "#9": 2}


def test_routing_skips_only_shards_no_passage_of_which_can_pass(real_index):
    summary = summarise(real_index.chunks)
    assert may_match(summary, Filters())
    assert may_match(summary, Filters(committee="scrutiny"))
    assert not may_match(summary, Filters(committee="Municipal District of Adare"))
    assert not may_match(summary, Filters(date_from=date(2030, 1, 1)))
    assert may_match(summary, Filters(paper_types=("minutes",), kinds=("resolved",)))
    assert not may_match({**summary, "passages": 0}, Filters())


def test_ray_is_imported_only_by_what_runs_on_a_cluster():
    import subprocess
    import sys

    code = (
        "import sys; from precedent.cli import build_parser; build_parser(); "
        "import precedent.index.search, index.shards, index.ray_build, index.ray_serve; print('ray' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
