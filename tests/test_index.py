"""Index plumbing: save/load round trip, incremental updates, atomic rebuilds, resume, mismatches."""

from __future__ import annotations

import json

import numpy as np
import pytest
from precedent.corpus.chunking import ChunkerSettings
from precedent.index.build import build_index
from precedent.index.index import Index
from precedent.index.search import search
from precedent.index.store import FORMAT_VERSION, read_manifest

from precedent.errors import IndexMismatch, IndexMissing

QUERY = "dog control order call-in"


def ranked(index, encoder, query=QUERY):
    return [(h.chunk.chunk_id, round(h.score, 9)) for h in search(index, query, k=10, encoder=encoder)]


def test_load_of_save_answers_identically(small_corpus, tmp_path, fake_encoder):
    report = build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    assert report.documents == 3 and report.chunks > 50 and report.failures == []
    first = Index.load(tmp_path / "ix")
    again = Index.load(tmp_path / "ix")
    assert ranked(first, fake_encoder) == ranked(again, fake_encoder)
    assert len(ranked(first, fake_encoder)) == 10
    # FAISS inner products equal numpy's vectors @ q for the dense half.
    q = fake_encoder.encode([QUERY])[0]
    scores, ids = first.dense.search(q, 5)
    np.testing.assert_allclose(scores, np.asarray(first.vectors)[ids] @ q, rtol=1e-5)


def test_manifest_records_model_dimension_chunker_and_fingerprints(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    manifest = read_manifest(tmp_path / "ix")
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "test:hashing" and manifest["dimension"] == 64
    assert manifest["chunker"] == {
        "chunk_size": 1100,
        "chunk_overlap": 150,
        "headers": True,
        "dense_window": 300,
        "merge_labels": True,
        "split_resolutions": True,
        "lead_ins": True,
    }
    assert sorted(manifest["documents"]) == sorted(p.name for p in small_corpus.iterdir())
    assert all(len(d["fingerprint"]) == 20 for d in manifest["documents"].values())


def test_only_changed_papers_are_re_embedded_and_removed_ones_dropped(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    changed = small_corpus / "001_e0088b1ccd8f89d9.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nA new closing note about allotments.\n", encoding="utf-8"
    )
    (small_corpus / "003_93324c32ccbf2837.txt").unlink()
    fake_encoder.calls.clear()
    report = build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    assert report.embedded == ["001_e0088b1ccd8f89d9.txt"]
    assert report.reused == ["000_598379763418fa6f.txt"]
    assert report.removed == ["003_93324c32ccbf2837.txt"]
    index = Index.load(tmp_path / "ix")
    changed_rows = [row for row, owner in enumerate(index.owners) if index.chunks[owner].doc_id == changed.name]
    assert sum(fake_encoder.calls) == report.vectors_embedded == len(changed_rows)
    assert report.chunks_embedded == sum(1 for c in index.chunks if c.doc_id == changed.name)
    assert {c.doc_id for c in index.chunks} == {"000_598379763418fa6f.txt", "001_e0088b1ccd8f89d9.txt"}
    assert any("allotments" in c.text for c in index.chunks if c.doc_id == "001_e0088b1ccd8f89d9.txt")


class Boom(RuntimeError):
    pass


def test_a_build_that_dies_leaves_the_previous_index_and_resumes(small_corpus, tmp_path, fake_encoder, monkeypatch):
    import precedent.index.build

    monkeypatch.setattr(precedent.index.build, "EMBED_GROUP", 1)  # one document per embedding step
    index_dir = tmp_path / "ix"
    (small_corpus / "003_93324c32ccbf2837.txt").rename(tmp_path / "held_back.txt")
    build_index([small_corpus], index_dir, model=fake_encoder.name, encoder=fake_encoder, progress=False)
    before = ranked(Index.load(index_dir), fake_encoder)
    (tmp_path / "held_back.txt").rename(small_corpus / "003_93324c32ccbf2837.txt")
    for name in ("000_598379763418fa6f.txt", "001_e0088b1ccd8f89d9.txt"):
        path = small_corpus / name
        path.write_text(path.read_text(encoding="utf-8") + "\nAmended.\n", encoding="utf-8")
    embedded_before_death = []

    def die(done):
        embedded_before_death.append(done)
        raise Boom(f"killed after {done} passages")

    with pytest.raises(Boom):
        build_index(
            [small_corpus], index_dir, model=fake_encoder.name, encoder=fake_encoder, progress=False, on_step=die
        )
    assert ranked(Index.load(index_dir), fake_encoder) == before
    fake_encoder.calls.clear()
    report = build_index([small_corpus], index_dir, model=fake_encoder.name, encoder=fake_encoder, progress=False)
    assert report.documents == 3 and len(report.embedded) == 3
    assert embedded_before_death[0] > 0
    assert report.chunks_embedded == report.chunks - embedded_before_death[0]
    assert sum(fake_encoder.calls) == report.vectors_embedded < len(Index.load(index_dir).owners)
    assert not (index_dir / "staging").exists()
    assert [p.name for p in index_dir.glob("gen-*")] == [read_manifest(index_dir)["generation"]]


def test_long_passages_are_embedded_as_windows_and_found_by_their_best_one(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    index = Index.load(tmp_path / "ix")
    window = ChunkerSettings().dense_window
    assert len(index.owners) == len(index.vectors) > len(index.chunks)
    assert np.all(np.diff(index.owners) >= 0) and set(index.owners.tolist()) == set(range(len(index.chunks)))
    counts = np.bincount(index.owners, minlength=len(index.chunks))
    for chunk, count in zip(index.chunks, counts, strict=True):
        assert (count > 1) == (len(chunk.text) > window)
    long_one = next(row for row, count in enumerate(counts) if count > 2)
    rows = np.flatnonzero(index.owners == long_one)
    query = np.asarray(index.vectors[rows[1]])  # the middle window of a long passage
    scores, ids = index.dense_search(query, 5)
    assert ids[0] == long_one and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert len(set(ids.tolist())) == len(ids)  # each passage once, at its best window
    allowed = np.zeros(len(index.chunks), dtype=bool)
    allowed[[long_one - 1, long_one + 1]] = True
    assert set(index.dense_search(query, 5, allowed)[1].tolist()) == {long_one - 1, long_one + 1}


def test_missing_index_names_the_command(tmp_path):
    with pytest.raises(IndexMissing, match=r"precedent index --index"):
        Index.load(tmp_path / "nowhere")


def test_other_model_or_format_names_the_rebuild_command(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    with pytest.raises(IndexMismatch, match=r"precedent index --rebuild --model other-model"):
        Index.load(tmp_path / "ix", model="other-model")
    manifest_path = tmp_path / "ix" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match=r"precedent index --rebuild"):
        Index.load(tmp_path / "ix")
