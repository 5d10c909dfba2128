"""Evaluation: the council dev-set answer rule and metrics, BEIR scoring, and reports."""
