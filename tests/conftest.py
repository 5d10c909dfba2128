"""Shared fixtures: the bundled corpus, a real index built once per test run, a fake encoder for plumbing."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from precedent.corpus import BUNDLED_CORPUS

ROOT = Path(__file__).resolve().parent.parent
DOG = "000_598379763418fa6f.txt"


class FakeEncoder:
    """Deterministic bag-of-words hashing vectors: fast, offline, good enough for plumbing tests."""

    name = "test:hashing"
    dim = 64

    def __init__(self):
        self.calls: list[int] = []

    def encode(self, texts, *, progress=False):
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """Three of the bundled papers, copied so tests may change them."""
    folder = tmp_path / "papers"
    folder.mkdir()
    for name in ("000_598379763418fa6f.txt", "001_e0088b1ccd8f89d9.txt", "003_93324c32ccbf2837.txt"):
        shutil.copy(BUNDLED_CORPUS / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory) -> Path:
    """The bundled corpus indexed with the bundled model, built once per test run."""
    from precedent.index.build import build_index

    index_dir = tmp_path_factory.mktemp("real") / "index"
    build_index([BUNDLED_CORPUS], index_dir, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def real_index(real_index_dir):
    from precedent.index.index import Index

    return Index.load(real_index_dir)


@pytest.fixture
def real_index_copy(real_index_dir, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(real_index_dir, target)
    return target
