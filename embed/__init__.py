"""Turning text into normalised vectors with a sentence-transformers model (bundled MiniLM by default)."""

from precedent.embed.encoder import DEFAULT_MODEL, Encoder, load_encoder

__all__ = ["DEFAULT_MODEL", "Encoder", "load_encoder"]
