"""The `precedent` command: JSON output, one-line errors with exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.test_search import DOG_QUERY


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "precedent.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_search_json(real_index_dir):
    result = run("search", DOG_QUERY, "--json", "--k", "3", "--index", str(real_index_dir))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == DOG_QUERY
    assert [r["rank"] for r in data["results"]] == [1, 2, 3]
    first = data["results"][0]
    assert first["doc"] == "000_598379763418fa6f.txt" and first["item"] == 43
    assert first["meeting_date"] == "2015-02-04" and first["paper_type"] == "minutes"
    assert "RESOLVED" in first["text"] and "Minute 43" in first["citation"]


def test_search_uses_precedent_index_env(real_index_dir):
    result = run("search", "allotments", "--k", "1", env={"PRECEDENT_INDEX": str(real_index_dir)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1. [")


def test_missing_index_is_one_line_naming_the_fix(tmp_path):
    result = run("search", "anything", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"precedent: error: no index at {tmp_path / 'none'}; build it with "
        f"`precedent index --index {tmp_path / 'none'}`"
    )
    assert "Traceback" not in result.stderr


def test_bad_date_is_one_line(real_index_dir):
    result = run("search", "dogs", "--from", "4/2/2015", "--index", str(real_index_dir))
    assert result.returncode == 1
    assert "--from must be a date written YYYY-MM-DD" in result.stderr


def test_index_status_lists_failures(tmp_path, small_corpus):
    (small_corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    index_dir = tmp_path / "ix"
    result = run("index", str(small_corpus), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert "could not read" in result.stdout and "broken.pdf" in result.stdout
    status = run("index", "--status", "--index", str(index_dir))
    assert "3 documents" in status.stdout and "broken.pdf" in status.stdout
