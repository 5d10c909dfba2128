"""Every command and code example in README.md, run as written (with this machine's paths put in)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_app import free_port
from tests.test_reliability import CLI_WITH_FAKE_ENCODER

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(bash|python)\n(.*?)```", README, re.DOTALL)
COMMANDS = [
    line.split("  #")[0].strip()
    for kind, body in BLOCKS
    if kind == "bash"
    for line in body.splitlines()
    if line.strip() and not line.startswith("#")
]
PYTHON = [body for kind, body in BLOCKS if kind == "python"]
LIMERICK_SAMPLE = [
    {
        "_id": "lcc-2019-03.pdf",
        "title": "Minutes of Meeting of Limerick City and County Council held on 25 March 2019",
        "text": "MINUTES OF PROCEEDINGS AT MEETING OF LIMERICK CITY AND COUNTY COUNCIL HELD IN THE COUNCIL CHAMBER "
        "ON MONDAY, 25th MARCH, 2019\n\n1. Adoption of Minutes\n\nThe Minutes of the meeting held on 25th February "
        "2019 were adopted on the proposal of Councillor Sheahan, seconded by Councillor Butler.\n",
    }
]


@pytest.fixture(scope="module")
def places(tmp_path_factory, real_index_dir):
    """What the README's placeholders stand for on this machine."""
    from tests.test_eval_beir import _write_beir

    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(real_index_dir, root / "index")
    limerick = root / "limerick.jsonl"
    limerick.write_text("".join(json.dumps(r) + "\n" for r in LIMERICK_SAMPLE), encoding="utf-8")
    return {
        "index": root / "index",
        "subs": {
            "/path/to/scifact": str(_write_beir(root / "scifact")),
            "/path/to/limerick/corpus.jsonl": str(limerick),
            ".precedent/limerick": str(root / "limerick-index"),
            ".precedent/coventry": str(root / "coventry-index"),
            "RUN.json": str(root / "RUN.json"),
            "reports/dev": str(root / "reports" / "dev"),
        },
    }


def _argv(command: str, places: dict) -> tuple[list[str], dict]:
    for placeholder, value in places["subs"].items():
        command = command.replace(placeholder, value)
    env = {**os.environ, "PRECEDENT_INDEX": str(places["index"]), "HF_HUB_OFFLINE": "1"}
    words = shlex.split(command)
    if words[0] == ".venv/bin/precedent":
        if "/path/to/sentence-transformers-model" in words:  # any model: a fast one stands in for it
            words[words.index("/path/to/sentence-transformers-model")] = "test:hashing"
            return [sys.executable, "-c", CLI_WITH_FAKE_ENCODER, *words[1:]], env
        return [sys.executable, "-m", "precedent.cli", *words[1:]], env
    return [str(ROOT / words[0]), *words[1:]], env


def _serves(argv: list[str], env: dict, port: int) -> str:
    """Start a serving command, wait until the app answers on `port`, stop it; the page it served."""
    with subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as app:
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and app.poll() is None:
                with contextlib.suppress(OSError):
                    return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                time.sleep(0.5)
            raise AssertionError(app.stdout.read().decode() if app.poll() is not None else "the app did not start")
        finally:
            app.terminate()
            app.wait(timeout=60)


def check(command: str, stdout: str, places: dict) -> None:
    """What each README command must show, beyond exiting 0."""
    words = shlex.split(command)
    if words[1:3] == ["search", "did scrutiny agree with cabinet on the dog control order call-in"]:
        assert stdout.startswith("Answer (decision): Scrutiny Co-ordination Committee, 4 February 2015, Minute 43:")
    elif words[1:3] == ["search", "domestic abuse"]:
        data = json.loads(stdout)
        assert data["answer"] and data["groups"] and len(data["results"]) == 5
        assert all(r["meeting_date"].startswith("2023") and r["paper_type"] == "minutes" for r in data["results"])
    elif words[1] == "decisions":
        rows = list(csv.DictReader(io.StringIO(stdout)))
        assert any(r["meeting_date"] == "2015-02-04" and r["item"] == "43" for r in rows), rows
    elif words[1] == "index" and "--status" in words:
        assert "5 documents" in stdout.splitlines()[0]
    elif words[1] == "index":
        assert stdout.startswith("indexed 5 documents")
    elif words[1] == "eval" and "--beir" in words:
        assert "nDCG@10" in stdout
    elif words[1] == "eval":
        assert "answer@1" in stdout and "group@1" in stdout
        if "--output" in words:
            assert json.loads(Path(places["subs"]["RUN.json"]).read_text())["queries"][0]["answer"]["text"]
        if "--report" in words:
            assert any(Path(places["subs"]["reports/dev"]).iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command(command, places):
    argv, env = _argv(command, places)
    if command == "scripts/test":
        pytest.skip("scripts/test is what CI runs: this suite")
    if command.startswith("scripts/app") or " serve" in command:
        port = free_port()
        argv = [a for a in argv if a not in ("--port", "7860")] + ["--port", str(port)]
        assert "Precedent" in _serves(argv, env, port)
        return
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    check(command, result.stdout, places)


def test_readme_lists_the_commands_this_file_checks():
    assert COMMANDS[:2] == ["scripts/app", "scripts/test"]
    assert len(PYTHON) == 2 and len(COMMANDS) >= 10


@pytest.mark.slow
def test_readme_python_examples(real_index_dir, capsys):
    from tests.test_app import launch

    blocks, url = launch(real_index_dir)
    try:
        exec(PYTHON[0].replace("http://127.0.0.1:7860/", url), {})
    finally:
        blocks.close()
    exec(PYTHON[1].replace(".precedent/index", str(real_index_dir)), {})
    out = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(("Loaded as API", "Closing"))]
    assert out[0].startswith("Scrutiny Co-ordination Committee, 4 February 2015, Minute 43")  # the API's answer
    assert out[1].startswith("Scrutiny Co-ordination Committee, 4 February 2015, Minute 43")  # ask()'s
    assert out[2].startswith("RESOLVED that the Committee concur with the decisions of Cabinet")
