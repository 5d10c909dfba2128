"""A sharded index built and served on a real local Ray cluster (a head and a second node) ranks as one index."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.eval.scoring import load_questions
from precedent.index.build import build_index
from precedent.index.filters import Filters
from precedent.index.index import Index
from precedent.index.search import search
from precedent.index.store import read_manifest

from tests.conftest import ROOT, FakeEncoder

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

LIMERICK_SAMPLE = ROOT / "tests" / "data" / "limerick_sample.jsonl"
DEV = ROOT / "eval" / "coventry_dev.jsonl"


class DiesOnce:
    """An encoder factory whose first encoder kills its own worker process mid-batch, once per marker file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __call__(self):
        return _Dying(self.marker)


class _Dying(FakeEncoder):
    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker

    def encode(self, texts, *, progress=False):
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with open(self.marker + ".redone", "a") as handle:
                handle.write(f"{len(texts)}\n")
            return super().encode(texts)
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


class Fake:
    """An encoder factory for the workers: the conftest's hashing encoder."""

    def __call__(self):
        return FakeEncoder()


@pytest.fixture(scope="module")
def cluster():
    """A head and one more node on 127.0.0.1, two logical CPUs each; shut down after the module."""
    from ray.cluster_utils import Cluster

    local = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 2, "node_ip_address": "127.0.0.1", "include_dashboard": False},
    )
    local.add_node(num_cpus=2, node_ip_address="127.0.0.1")
    local.wait_for_nodes()
    yield local
    ray.shutdown()
    local.shutdown()


def _ids(hits):
    return [(h.chunk.doc_id, h.chunk.start, h.chunk.end) for h in hits]


def _same_ranking(one, many, query, filters=Filters(), encoder=None):
    expected = search(one, query, k=10, filters=filters, encoder=encoder)
    found = search(many, query, k=10, filters=filters, encoder=encoder)
    assert _ids(found) == _ids(expected), query
    assert np.allclose([h.score for h in found], [h.score for h in expected], rtol=0, atol=1e-5), query
    assert [h.highlights for h in found] == [h.highlights for h in expected], query
    return expected


@pytest.fixture(scope="module")
def built(cluster, real_index_dir, tmp_path_factory):
    """The bundled papers and the Limerick sample, indexed once on one machine (the test run's index of the bundled
    papers, updated) and once from scratch on the cluster, in 3 shards."""
    from precedent.index.ray_build import build_index_ray

    root = tmp_path_factory.mktemp("ray")
    papers = [BUNDLED_CORPUS, LIMERICK_SAMPLE]
    shutil.copytree(real_index_dir, root / "single")
    assert len(build_index(papers, root / "single", progress=False).embedded) == 5
    report = build_index_ray(papers, root / "sharded", address=cluster.address, shards=3, workers=2, progress=False)
    return root, report


@pytest.mark.slow
def test_sharded_search_on_the_cluster_equals_one_index(built, cluster, monkeypatch):
    root, report = built
    manifest = read_manifest(root / "sharded")
    assert [s["passages"] > 0 for s in manifest["shards"]] == [True, True, True]
    assert report.documents == 10 and not report.failures
    one = Index.load(root / "single")
    monkeypatch.setenv("PRECEDENT_RAY", cluster.address)
    many = Index.load(root / "sharded")
    assert type(many.shards).__name__ == "RayShards" and len(many.shards.actors) == 3
    assert list(many.chunks) == one.chunks
    assert many.glossary == one.glossary
    assert list(many.documents) == list(one.documents)
    questions = load_questions(DEV)
    assert len(questions) == 45
    answered = 0
    for question in questions:
        answered += bool(_same_ranking(one, many, question.query))
    assert answered == 45
    limerick = Filters(committee="Municipal District")
    hits = _same_ranking(one, many, "road works and footpaths", filters=limerick)
    assert hits and all("Municipal District" in h.chunk.committee for h in hits)
    asked = [s["name"] for s in manifest["shards"] if any("Municipal District" in c for c in s["committees"])]
    assert 0 < len(asked) < 3  # the filter sends the question to the shards holding those committees only
    many.close()


def test_killed_worker_still_gives_a_complete_index(cluster, small_corpus, tmp_path):
    from precedent.index.ray_build import build_index_ray

    papers = [small_corpus, LIMERICK_SAMPLE]
    marker = tmp_path / "killed"
    report = build_index_ray(
        papers,
        tmp_path / "sharded",
        address=cluster.address,
        shards=3,
        workers=2,
        encoder_factory=DiesOnce(marker),
        progress=False,
    )
    assert marker.exists() and Path(f"{marker}.redone").exists()  # a worker died mid-batch and its batch was redone
    fake = FakeEncoder()
    build_index(papers, tmp_path / "single", encoder=fake, progress=False)
    one = Index.load(tmp_path / "single")
    many = Index.load(tmp_path / "sharded")  # in this process: no PRECEDENT_RAY
    assert report.documents == len(one.documents) == 8 and report.chunks == len(one.chunks)
    assert list(many.chunks) == one.chunks
    vectors = np.concatenate([s.index.vectors for s in many.shards.shards.values()])
    assert sorted(map(tuple, vectors.round(6))) == sorted(map(tuple, np.asarray(one.vectors).round(6)))
    for query in ("dog control order call-in", "drug treatment", "Kilmallock roads"):
        _same_ranking(one, many, query, encoder=fake)


def test_unchanged_papers_are_not_embedded_again(cluster, small_corpus, tmp_path):
    from precedent.index.ray_build import build_index_ray

    papers = [small_corpus, LIMERICK_SAMPLE]
    first = build_index_ray(
        papers, tmp_path / "ix", address=cluster.address, shards=2, workers=1, encoder_factory=Fake(), progress=False
    )
    changed = small_corpus / "001_e0088b1ccd8f89d9.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nAddendum: the Sherbourne bridge was repainted.\n")
    second = build_index_ray(
        papers, tmp_path / "ix", address=cluster.address, shards=2, workers=1, encoder_factory=Fake(), progress=False
    )
    assert len(first.embedded) == 8 and not first.reused
    assert second.embedded == ["001_e0088b1ccd8f89d9.txt"] and len(second.reused) == 7
    index = Index.load(tmp_path / "ix")
    hits = search(index, "Sherbourne bridge repainted", k=3, encoder=FakeEncoder())
    assert hits[0].chunk.doc_id == "001_e0088b1ccd8f89d9.txt"
    assert len(list((tmp_path / "ix").glob("gen-*"))) == 1 and not (tmp_path / "ix" / "staging").exists()


def test_the_limerick_sample_stays_small():
    records = [json.loads(line) for line in LIMERICK_SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5 and LIMERICK_SAMPLE.stat().st_size < 100_000
    assert all(set(r) == {"_id", "title", "text"} for r in records)
