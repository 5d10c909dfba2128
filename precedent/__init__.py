"""Precedent: search council committee papers and answer with exact citations."""
