"""Precedent: search council committee papers and answer with exact citations.

The pipeline's packages live in the repository's top-level folders (corpus/, embed/, index/, eval/) and install
as `precedent.corpus`, `precedent.embed`, ...; run from a checkout, the checkout's root joins this package's path
so the same names resolve there too."""

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "corpus" / "__init__.py").is_file():
    __path__.append(str(_ROOT))  # noqa: F821 - a package's own __path__
