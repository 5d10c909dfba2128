"""Markdown tables, a bar chart and a failure view for comparing search configurations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from precedent.eval.metrics import METRICS, Judgement, paired_difference

NAME = "config"
CELL_CHARS = 300


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: Sequence[str], body: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def markdown_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """One row per configuration, one column per key in `columns`; floats to 3 decimals, absent as "-".

    Args:
        rows: e.g. `{"config": "hybrid", "ndcg@10": 0.71, "p50_ms": 41.2, "p95_ms": 80.0}`.
        columns: keys to show, in order (usually starting with "config").
    """
    return _table(columns, ([row.get(c) for c in columns] for row in rows))


def per_type_table(by_type: Mapping[str, Mapping[str, float]], metrics: Sequence[str] = METRICS) -> str:
    """One row per question type (as from `eval.metrics.aggregate_by_type`): its count and metric means."""
    return _table(
        ["type", "n", *metrics],
        ([t, int(scores.get("n", 0)), *(scores.get(m) for m in metrics)] for t, scores in by_type.items()),
    )


COMPARED = ("success@1", "mrr@10", "ndcg@10")


def difference_table(
    scores: Mapping[str, Sequence[Mapping[str, float]]], against: str, metrics: Sequence[str] = COMPARED
) -> str:
    """Each configuration against `against`, per metric: mean per-question difference, its 95% paired
    bootstrap interval and a sign-flip p-value (`eval.metrics.paired_difference`).

    Args:
        scores: per configuration name, each question's metric values (`Judgement.scores()`), the same
            questions in the same order for every configuration.
    """
    rows = []
    for name, per_question in scores.items():
        if name == against:
            continue
        cells = []
        for metric in metrics:
            diff = paired_difference([r[metric] for r in scores[against]], [r[metric] for r in per_question])
            cells.append(f"{diff.mean:+.3f} [{diff.low:+.3f}, {diff.high:+.3f}] p {diff.p:.3f}")
        rows.append([name, *cells])
    return _table([f"{NAME} - {against}", *metrics], rows)


def write_chart(
    rows: Sequence[Mapping[str, object]],
    metrics: Sequence[str],
    path_png: str | Path,
    *,
    label: str = NAME,
    title: str = "",
) -> Path:
    """Grouped bar chart: one group per metric, one bar per configuration (named by `rows[i][label]`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not rows or not metrics:
        raise ValueError("write_chart needs at least one row and one metric")
    path = Path(path_png)
    path.parent.mkdir(parents=True, exist_ok=True)
    width = 0.8 / len(rows)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(metrics) + 0.3 * len(rows)), 4.0))
    try:
        for i, row in enumerate(rows):
            xs = [m + (i - (len(rows) - 1) / 2) * width for m in range(len(metrics))]
            values = [float(row.get(m) or 0.0) for m in metrics]
            ax.bar(xs, values, width, label=str(row.get(label, i)))
        ax.set_xticks(range(len(metrics)), list(metrics))
        ax.set_ylim(0, 1.0 if all(float(r.get(m) or 0.0) <= 1.0 for r in rows for m in metrics) else None)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
        if title:
            ax.set_title(title)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=120)
    finally:
        plt.close(fig)
    return path


def _truncate(text: str | None, limit: int = CELL_CHARS) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def failure_view(judgements: Iterable[Judgement], k: int = 1) -> str:
    """Markdown table of the questions with no evidence answered within the first k passages.

    Shows id, type, the first answering rank (or "-"), the gold quotes not answered by then, and the
    top passage, each truncated to ~300 characters.
    """
    body = []
    for j in judgements:
        if j.success(k):
            continue
        missed = [q for q, r in zip(j.quotes, j.first_ranks, strict=True) if r is None or r > k]
        body.append([j.question_id, j.type, j.first_rank, _truncate(" / ".join(missed)), _truncate(j.top_passage)])
    if not body:
        return f"No failures: every question is answered within the first {k}.\n"
    return _table(["id", "type", "first answering rank", "gold quote", "top passage"], body)
