"""The ONNX fast path against plain sentence-transformers, with the real bundled model."""

from __future__ import annotations

import json
import logging
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import precedent.embed.onnx
import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.embed.encoder import DEFAULT_MODEL, SentenceTransformerEncoder, resolve_model_path
from precedent.embed.onnx import OnnxEncoder, load_fast_encoder

DOG_PAPER = BUNDLED_CORPUS / "000_598379763418fa6f.txt"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def int8(cache_dir) -> OnnxEncoder:
    return OnnxEncoder(cache_dir=cache_dir)


@pytest.fixture(scope="module")
def fp32(cache_dir, int8) -> OnnxEncoder:
    return OnnxEncoder(quantize=False, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def plain():
    return SentenceTransformerEncoder(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def passages(int8) -> list[str]:
    """20 paragraphs of the dog-control paper, from a heading to a ~3,000-character run of paragraphs."""
    paragraphs = [p.strip() for p in DOG_PAPER.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    by_length = sorted(set(paragraphs), key=len)
    picked = [by_length[round(i * (len(by_length) - 1) / 18)] for i in range(19)]
    long_text = ""
    for paragraph in paragraphs:
        if len(long_text) > 3000:
            break
        long_text += paragraph + "\n\n"
    assert int8.tokenizer.encode(long_text).overflowing, "one passage must be longer than max_seq_length"
    return [*picked, long_text]


@pytest.mark.parametrize("path", ["int8", "fp32"])
def test_fast_path_matches_plain_encode(path, passages, plain, request):
    fast = request.getfixturevalue(path)
    got, want = fast.encode(passages), plain.encode(passages)
    assert got.shape == (20, 384) and got.dtype == np.float32
    cosine = (got * want).sum(axis=1)
    assert cosine.min() >= (0.998 if path == "int8" else 0.9999), cosine
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_int8_is_the_default_and_keeps_the_plain_name(int8, plain):
    assert int8.quantized and int8.model_path.name == "model.int8.onnx"
    assert (int8.name, int8.dim, int8.max_seq_length) == (plain.name, plain.dim, plain.max_seq_length)


def test_int8_graph_is_fused_attention_with_8bit_matmuls(int8):
    import onnx

    nodes = onnx.load(str(int8.model_path)).graph.node
    ops = Counter(node.op_type for node in nodes)
    # 6 layers: fused attention (Q, K, V kept fp32); attention output and both feed-forward MatMuls in 8 bits
    assert (ops["Attention"], ops["MatMulNBits"], ops["MatMul"]) == (6, 18, 0), ops
    quantised = [{a.name: a.i for a in node.attribute} for node in nodes if node.op_type == "MatMulNBits"]
    assert {(q["bits"], q["block_size"], q["accuracy_level"]) for q in quantised} == {(8, 128, 4)}


def test_a_new_recipe_gets_a_new_cache_folder(monkeypatch):
    folder = resolve_model_path(DEFAULT_MODEL)
    transformer_dir = precedent.embed.onnx._read_spec(Path(folder))["transformer_dir"]
    before = precedent.embed.onnx._fingerprint(transformer_dir)
    monkeypatch.setattr(precedent.embed.onnx, "RECIPE", precedent.embed.onnx.RECIPE + "/changed")
    assert precedent.embed.onnx._fingerprint(transformer_dir) != before


def test_shuffled_input_gives_the_same_rows_shuffled(int8, passages):
    order = list(range(len(passages)))
    random.Random(7).shuffle(order)
    vectors = int8.encode(passages)
    np.testing.assert_allclose(int8.encode([passages[i] for i in order]), vectors[order], atol=1e-4)


def test_text_past_max_seq_length_is_truncated_like_plain(int8, passages):
    long_text = passages[-1]
    a, b = int8.encode([long_text, long_text + " Members also discussed the parking enforcement contract."])
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_empty_input(int8):
    assert int8.encode([]).shape == (0, 384)


def test_export_is_cached_and_not_repeated(cache_dir, int8, monkeypatch):
    def no_export(*args):
        raise AssertionError("exported again despite a cached model")

    monkeypatch.setattr(precedent.embed.onnx, "_export", no_export)
    monkeypatch.setattr(precedent.embed.onnx, "_quantize", no_export)
    again = load_fast_encoder(cache_dir=cache_dir)
    assert isinstance(again, OnnxEncoder) and again.model_path == int8.model_path
    assert sorted(p.name for p in int8.model_path.parent.iterdir()) == [
        "int8-check.json",
        "model.int8.onnx",
        "model.onnx",
    ]


def test_int8_that_disagrees_with_fp32_is_not_used(tmp_path, int8, monkeypatch):
    folder = tmp_path / int8.model_path.parent.name
    folder.mkdir()
    shutil.copy(int8.model_path.parent / "model.onnx", folder / "model.onnx")
    monkeypatch.setattr(precedent.embed.onnx, "INT8_MIN_COSINE", 1.01)
    strict = OnnxEncoder(cache_dir=tmp_path)
    assert not strict.quantized and strict.model_path == folder / "model.onnx"
    assert not (folder / "model.int8.onnx").exists()
    assert 0.999 < json.loads((folder / "int8-check.json").read_text())["min_cosine"] < 1.01


def test_without_the_quantiser_fp32_is_used(tmp_path, int8, monkeypatch, caplog):
    folder = tmp_path / int8.model_path.parent.name
    folder.mkdir()
    shutil.copy(int8.model_path.parent / "model.onnx", folder / "model.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime.quantization.matmul_nbits_quantizer", None)
    with caplog.at_level(logging.WARNING, logger="precedent.embed.onnx"):
        fallback = OnnxEncoder(cache_dir=tmp_path)
    assert not fallback.quantized and fallback.model_path == folder / "model.onnx"
    assert "int8 embedding model off" in caplog.text


@pytest.fixture
def cls_pooling_model(tmp_path):
    """The bundled model, but pooling the [CLS] token: a model the fast path does not support."""
    source = resolve_model_path(DEFAULT_MODEL)
    target = tmp_path / "cls-model"
    shutil.copytree(source, target)
    config = target / "1_Pooling" / "config.json"
    settings = json.loads(config.read_text())
    settings.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    config.write_text(json.dumps(settings))
    return target


def test_unsupported_pooling_falls_back(cls_pooling_model, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="precedent.embed.onnx"):
        assert load_fast_encoder(str(cls_pooling_model), cache_dir=tmp_path / "cache") is None
    assert "pooling ['cls_token'] is not plain mean pooling" in caplog.text
    assert not (tmp_path / "cache").exists()


def test_hub_id_falls_back_without_downloading(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="precedent.embed.onnx"):
        assert load_fast_encoder("sentence-transformers/all-mpnet-base-v2", cache_dir=tmp_path) is None
    assert "is not a local folder" in caplog.text


def test_missing_onnxruntime_falls_back(monkeypatch, tmp_path, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with caplog.at_level(logging.WARNING, logger="precedent.embed.onnx"):
        assert load_fast_encoder(cache_dir=tmp_path) is None
    assert "onnxruntime is not installed" in caplog.text


def test_default_encoder_is_the_fast_path_unless_switched_off(monkeypatch):
    from precedent.embed.encoder import load_encoder

    load_encoder.cache_clear()
    try:
        assert isinstance(load_encoder(DEFAULT_MODEL), OnnxEncoder)
        monkeypatch.setenv("PRECEDENT_FAST_EMBED", "0")
        load_encoder.cache_clear()
        assert isinstance(load_encoder(DEFAULT_MODEL), SentenceTransformerEncoder)
    finally:
        load_encoder.cache_clear()
