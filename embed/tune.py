"""Fine-tuning the embedding model on (anchor, positive) pairs with in-batch negatives.

The result is a sentence-transformers folder that `precedent index --model DIR` takes. Needs the `tune`
extra (`datasets`, `accelerate`); torch and sentence-transformers are imported only when training.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from precedent.embed.encoder import DEFAULT_MODEL, resolve_model_path

from precedent.errors import ModelUnavailable, PrecedentError

BATCH_SIZE = 32
"""Pairs per step; every other positive in the batch is a negative for an anchor."""
LEARNING_RATE = 2e-5
TRAIN_SEQ_LENGTH = 128
"""Tokens per text while training: positives are the index's 300-character windows (about 70 tokens)."""


@dataclass(frozen=True)
class TuneReport:
    out: Path
    pairs: int
    epochs: float
    steps: int
    seconds: float
    loss: float | None

    def summary(self) -> str:
        loss = f", final loss {self.loss:.3f}" if self.loss is not None else ""
        return (
            f"tuned on {self.pairs} pairs, {self.epochs:g} epochs ({self.steps} steps) in {self.seconds:.1f}s{loss}; "
            f"model written to {self.out}"
        )


def tune_model(
    pairs: Sequence[tuple[str, str]],
    out: str | Path,
    *,
    base: str = DEFAULT_MODEL,
    epochs: float = 1.0,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    max_seq_length: int = TRAIN_SEQ_LENGTH,
    max_steps: int = -1,
    warmup: float = 0.1,
    seed: int = 0,
    progress: bool = True,
) -> TuneReport:
    """Train `base` on `pairs` with MultipleNegativesRankingLoss and save it to `out`.

    Args:
        pairs: (anchor, positive) texts; no two pairs in a batch share an anchor or a positive.
        out: the model folder to write; its parent is created.
        base: the model to start from: the bundled default, a local folder or a hub id.
        max_seq_length: tokens per text while training; the saved model keeps the base's own limit.
        max_steps: stop after this many steps (-1: train for `epochs`).
        warmup: share of the steps over which the learning rate rises from 0.
    """
    if len(pairs) < 2:
        raise PrecedentError(f"{len(pairs)} training pairs found; in-batch negatives need at least 2")
    try:
        from datasets import Dataset
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
        from sentence_transformers.sentence_transformer.trainer import SentenceTransformerTrainer
        from sentence_transformers.sentence_transformer.training_args import (
            BatchSamplers,
            SentenceTransformerTrainingArguments,
        )
    except ImportError as err:
        raise PrecedentError(
            f"fine-tuning needs the tune extra ({err.name} is missing); run `pip install -e '.[tune]'`"
        ) from err

    started = time.perf_counter()
    path = resolve_model_path(base)
    if os.path.isdir(path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        model = SentenceTransformer(path, device="cpu")
    except Exception as err:  # noqa: BLE001 - any load failure is reported the same way
        raise ModelUnavailable(f"cannot load base model {base!r} ({type(err).__name__}: {err})") from err
    full_length = model.max_seq_length
    model.max_seq_length = min(max_seq_length, full_length)
    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    out = Path(out)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out.parent / f".{out.name}.checkpoints"),
        num_train_epochs=epochs,
        max_steps=max_steps,
        per_device_train_batch_size=min(batch_size, len(pairs)),
        learning_rate=learning_rate,
        warmup_steps=warmup,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no",
        report_to="none",
        logging_steps=50,
        seed=seed,
        use_cpu=True,
        disable_tqdm=not progress,
    )
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=dataset, loss=MultipleNegativesRankingLoss(model)
    )
    result = trainer.train()
    model.max_seq_length = full_length
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    _remove_tree(out.parent / f".{out.name}.checkpoints")
    return TuneReport(
        out=out,
        pairs=len(pairs),
        epochs=float(epochs),
        steps=int(result.global_step),
        seconds=time.perf_counter() - started,
        loss=float(result.training_loss) if result.training_loss is not None else None,
    )


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
