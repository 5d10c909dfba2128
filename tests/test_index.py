"""Index plumbing: save/load round trip, incremental updates, atomic rebuilds, resume, mismatches."""

from __future__ import annotations

import json

import numpy as np
import pytest
from precedent.corpus.chunking import ChunkerSettings, dense_texts
from precedent.index.build import build_index
from precedent.index.index import Index
from precedent.index.search import search
from precedent.index.store import FORMAT_VERSION, read_manifest

from precedent.errors import IndexMismatch, IndexMissing
from tests.conftest import FakeEncoder

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
        "item_openings": True,
        "item_matters": True,
    }
    assert sorted(manifest["documents"]) == sorted(p.name for p in small_corpus.iterdir())
    assert all(len(d["fingerprint"]) == 20 for d in manifest["documents"].values())


class RecordingEncoder(FakeEncoder):
    """The fake encoder, keeping every text it was given."""

    def __init__(self, name: str = FakeEncoder.name):
        super().__init__()
        self.name = name
        self.texts: list[str] = []

    def encode(self, texts, *, progress=False):
        self.texts += texts
        return super().encode(texts, progress=progress)


def dense_rows(index: Index) -> list[str]:
    """The text each vector row of a loaded index was embedded from."""
    texts, owners = dense_texts(index.chunks, index.manifest["chunker"]["dense_window"])
    assert np.array_equal(owners, index.owners)
    return texts


def vectors_by_chunk(index: Index) -> dict[str, np.ndarray]:
    return {c.chunk_id: np.asarray(index.vectors)[index.owners == row] for row, c in enumerate(index.chunks)}


def assert_same_vectors(index_dir, reference_dir):
    built, reference = vectors_by_chunk(Index.load(index_dir)), vectors_by_chunk(Index.load(reference_dir))
    assert built.keys() == reference.keys()
    assert all(np.array_equal(built[chunk_id], reference[chunk_id]) for chunk_id in reference)


def test_only_changed_passages_are_re_embedded_and_removed_papers_dropped(small_corpus, tmp_path, fake_encoder):
    """A sentence appended to a paper embeds only the texts it changed; the other two papers are untouched."""
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    old_texts = set(dense_rows(Index.load(tmp_path / "ix")))
    changed = small_corpus / "001_e0088b1ccd8f89d9.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nA new closing note about allotments.\n", encoding="utf-8"
    )
    (small_corpus / "003_93324c32ccbf2837.txt").unlink()
    encoder = RecordingEncoder()
    report = build_index([small_corpus], tmp_path / "ix", model=encoder.name, encoder=encoder, progress=False)
    assert report.embedded == ["001_e0088b1ccd8f89d9.txt"]
    assert report.reused == ["000_598379763418fa6f.txt"]
    assert report.removed == ["003_93324c32ccbf2837.txt"]
    index = Index.load(tmp_path / "ix")
    texts = dense_rows(index)
    changed_rows = [row for row, owner in enumerate(index.owners) if index.chunks[owner].doc_id == changed.name]
    new_texts = [texts[row] for row in changed_rows if texts[row] not in old_texts]
    assert encoder.texts == new_texts and len(new_texts) == report.vectors_embedded == sum(encoder.calls)
    assert 0 < len(new_texts) < len(changed_rows) / 10
    assert any("allotments" in text for text in new_texts)
    changed_passages = sum(1 for c in index.chunks if c.doc_id == changed.name)
    assert report.chunks_embedded + report.chunks_reused == changed_passages and report.chunks_embedded >= 1
    assert report.vectors_reused == len(changed_rows) - len(new_texts)
    assert f"{report.chunks_reused} passages' vectors reused" in report.summary()
    assert {c.doc_id for c in index.chunks} == {"000_598379763418fa6f.txt", "001_e0088b1ccd8f89d9.txt"}
    build_index([small_corpus], tmp_path / "ref", model=encoder.name, encoder=FakeEncoder(), progress=False)
    assert_same_vectors(tmp_path / "ix", tmp_path / "ref")


def test_new_chunker_settings_embed_only_the_texts_they_change(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    old_texts = set(dense_rows(Index.load(tmp_path / "ix")))
    settings = ChunkerSettings(lead_ins=False)
    encoder = RecordingEncoder()
    report = build_index(
        [small_corpus], tmp_path / "ix", model=encoder.name, settings=settings, encoder=encoder, progress=False
    )
    index = Index.load(tmp_path / "ix")
    texts = dense_rows(index)
    assert len(report.embedded) == 3 and report.reused == []
    assert encoder.texts == [text for text in texts if text not in old_texts] != []
    assert report.vectors_embedded == len(encoder.texts) and report.vectors_reused == len(texts) - len(encoder.texts)
    assert report.chunks_embedded + report.chunks_reused == report.chunks and report.chunks_reused > report.chunks / 2
    build_index(
        [small_corpus], tmp_path / "ref", model=encoder.name, settings=settings, encoder=FakeEncoder(), progress=False
    )
    assert_same_vectors(tmp_path / "ix", tmp_path / "ref")


def test_a_new_chunker_version_that_changes_no_text_embeds_nothing(small_corpus, tmp_path, fake_encoder, monkeypatch):
    import precedent.index.build

    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    before = Index.load(tmp_path / "ix").manifest["settings_key"]
    monkeypatch.setattr(precedent.index.build, "CHUNKER_VERSION", precedent.index.build.CHUNKER_VERSION + 1)
    fake_encoder.calls.clear()
    report = build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    assert Index.load(tmp_path / "ix").manifest["settings_key"] != before
    assert len(report.embedded) == 3 and fake_encoder.calls == []
    assert report.chunks_reused == report.chunks and report.chunks_embedded == report.vectors_embedded == 0
    build_index([small_corpus], tmp_path / "ref", model=fake_encoder.name, encoder=FakeEncoder(), progress=False)
    assert_same_vectors(tmp_path / "ix", tmp_path / "ref")


def test_another_model_or_rebuild_reuses_no_vector(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    rows = len(Index.load(tmp_path / "ix").owners)
    other = RecordingEncoder("test:other-model")  # the same vectors under another name: still not reused
    report = build_index([small_corpus], tmp_path / "ix", model=other.name, encoder=other, progress=False)
    assert report.chunks_reused == report.vectors_reused == 0 and report.reused == []
    assert len(other.texts) == report.vectors_embedded == rows and report.chunks_embedded == report.chunks
    again = RecordingEncoder("test:other-model")
    report = build_index([small_corpus], tmp_path / "ix", model=again.name, encoder=again, rebuild=True, progress=False)
    assert report.chunks_reused == 0 and report.reused == [] and len(again.texts) == rows
    assert "vectors reused" not in report.summary()


@pytest.mark.parametrize("dim", [64, 32])
def test_the_model_loaded_for_what_changed_reuses_vectors_only_of_its_own_size(
    small_corpus, tmp_path, fake_encoder, monkeypatch, dim
):
    """The encoder is loaded only when something must be embedded; a model now giving vectors of another size
    under the same name reuses nothing, not even unchanged papers."""
    import precedent.index.build

    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    rows = len(Index.load(tmp_path / "ix").owners)
    changed = small_corpus / "001_e0088b1ccd8f89d9.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing note.\n", encoding="utf-8")
    loaded = RecordingEncoder()
    loaded.dim = dim
    monkeypatch.setattr(precedent.index.build, "load_encoder", lambda model: loaded)
    report = build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, progress=False)
    index = Index.load(tmp_path / "ix")
    assert index.manifest["dimension"] == index.vectors.shape[1] == dim
    if dim == 64:
        assert len(report.reused) == 2 and 0 < len(loaded.texts) < rows / 10 and report.chunks_reused > 0
    else:
        assert report.reused == [] and report.chunks_reused == 0 and len(loaded.texts) == len(index.owners)


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
    index = Index.load(index_dir)
    staged = sum(1 for c in index.chunks if c.doc_id == "000_598379763418fa6f.txt")  # finished before the kill
    assert 0 < embedded_before_death[0] < staged  # only its passages that "Amended." changed were embedded
    assert report.chunks_embedded + report.chunks_reused == report.chunks - staged
    assert sum(fake_encoder.calls) == report.vectors_embedded < len(index.owners)
    build_index([small_corpus], tmp_path / "ref", model=fake_encoder.name, encoder=FakeEncoder(), progress=False)
    assert_same_vectors(index_dir, tmp_path / "ref")
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
