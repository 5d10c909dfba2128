"""The index directory: plain files, one manifest, generations swapped atomically.

Layout of `DIR`:
    manifest.json        points at the live generation; replaced atomically (os.replace) last
    gen-000007/          chunks.jsonl, vectors.npy, dense.faiss, bm25/, documents.jsonl
    staging/             per-document vectors of a build in progress (lets a killed build resume)
A build writes a new generation completely, then swaps the manifest; a build killed at any point
leaves the previous manifest pointing at a complete generation.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from precedent.errors import IndexMismatch, IndexMissing, PrecedentError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def default_index_dir() -> Path:
    """`$PRECEDENT_INDEX`, else `.precedent/index` under the current directory."""
    return Path(os.environ.get("PRECEDENT_INDEX", ".precedent/index"))


def write_json_atomic(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for root, _, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                os.fsync(handle.fileno())
        fsync_dir(Path(root))


def read_manifest(index_dir: Path) -> dict:
    """The live manifest, checked for format; raises `IndexMissing` or `IndexMismatch` with the fix."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexMissing(f"no index at {index_dir}; build it with `precedent index --index {index_dir}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexMismatch(
            f"the index manifest {path} is unreadable ({err}); rebuild with "
            f"`precedent index --rebuild --index {index_dir}`"
        ) from err
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"the index at {index_dir} has format version {manifest.get('format_version')}, this Precedent "
            f"reads version {FORMAT_VERSION}; rebuild with `precedent index --rebuild --index {index_dir}`"
        )
    return manifest


def check_model(manifest: dict, model: str | None, index_dir: Path) -> None:
    if model is not None and manifest["model"] != model:
        raise IndexMismatch(
            f"the index at {index_dir} was built with model {manifest['model']!r}, not {model!r}; rebuild "
            f"with `precedent index --rebuild --model {model} --index {index_dir}` or search without --model"
        )


def generation_dir(index_dir: Path, manifest: dict) -> Path:
    return Path(index_dir) / manifest["generation"]


def next_generation(index_dir: Path) -> str:
    numbers = [int(p.name[4:]) for p in Path(index_dir).glob("gen-*") if p.name[4:].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def remove_stale(index_dir: Path, live: str) -> None:
    """Delete generations other than the live one and leftovers of killed builds."""
    for path in Path(index_dir).iterdir():
        if (path.name.startswith("gen-") and path.name != live) or path.name.startswith(".manifest.json."):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


@contextmanager
def writing(index_dir: Path):
    """Turn a failed write (disk full, read-only, not a folder) into one line naming the fix."""
    try:
        yield
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        raise PrecedentError(
            f"disk full or unwritable: could not write the index at {index_dir} ({where}{err.strerror or err}); "
            "free space or fix permissions and run `precedent index` again (the previous index is unchanged)"
        ) from err


@contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index directory."""
    import fcntl

    with writing(index_dir):
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        handle = open(Path(index_dir) / ".build.lock", "w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise PrecedentError(f"another `precedent index` is building {index_dir}; wait for it to finish") from err
        yield
    finally:
        handle.close()
