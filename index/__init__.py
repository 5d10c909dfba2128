"""Storing, searching, fusing and ranking: FAISS for meaning, bm25s for words, one `search()` for all."""
