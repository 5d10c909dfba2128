"""Reading council papers, finding their structure and cutting them into chunks.

The bundled corpus (five Coventry Scrutiny Co-ordination Committee papers) lives in `corpus/coventry/`.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED_CORPUS = Path(__file__).resolve().parent / "coventry"
