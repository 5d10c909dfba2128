"""The Precedent web app: ask, read in context, follow decisions, see what is indexed.

Thin by design: it validates input, calls `index.search.search` (or the decisions view) and renders
`Hit`s. Every piece of document text and every query is HTML-escaped before it reaches the page.
Run `python search_app.py [--index DIR] [--host H] [--port P]`; basic auth comes from
`PRECEDENT_AUTH=user:password`.
"""

from __future__ import annotations

import argparse
import html
import os
import threading
from pathlib import Path

from precedent.display import readable
from precedent.errors import InvalidQuery, PrecedentError

EXAMPLES = [
    "did scrutiny agree with cabinet on the dog control order call-in",
    "What did the committee agree in October 2013 about Coventry's Marmot City work?",
    "apologies April 2023",
    "drug related deaths Coventry",
]
CSS = """
.hit {border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 14px; margin: 10px 0; background: #fff;}
.hit .cite {font-weight: 600; color: #1f2937; margin-bottom: 6px;}
.hit .meta {font-size: 0.85em; color: #57606a; margin-bottom: 6px;}
.hit .passage {white-space: pre-wrap; font-family: Georgia, serif; line-height: 1.45; color: #111;}
.hit mark {background: #fff3a3;}
.hit .bar {display: inline-block; height: 6px; background: #2f81f7; border-radius: 3px; vertical-align: middle;}
.hit details {margin-top: 8px;}
.hit details .passage {max-height: 420px; overflow: auto; background: #f6f8fa; padding: 8px;}
.hit .copy {font-size: 0.85em; width: 100%; margin-top: 6px; color: #333;}
.notice {padding: 12px; border-radius: 8px; background: #fff8c5; border: 1px solid #d4a72c; color: #3b2300;}
"""


class App:
    """Holds the loaded index and reloads it when a rebuild swaps in a new generation."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._index = None
        self._lock = threading.Lock()

    def index(self):
        from index.index import Index
        from index.store import read_manifest

        with self._lock:
            generation = read_manifest(self.index_dir)["generation"]
            if self._index is None or self._index.generation != generation:
                self._index = Index.load(self.index_dir)
            return self._index

    def warm(self) -> None:
        """Load the index and the model before the first question, so the first answer is quick."""
        from embed.encoder import load_encoder

        try:
            load_encoder(self.index().model).encode(["warm up"])
        except PrecedentError:
            pass


def _filters(committee, date_from, date_to, paper_types, kinds=()):
    from index.filters import Filters, parse_day

    return Filters(
        committee=_text(committee, "committee"),
        date_from=parse_day(_text(date_from, "From"), "From"),
        date_to=parse_day(_text(date_to, "To"), "To"),
        paper_types=tuple(paper_types or ()),
        kinds=kinds,
    )


def _whole(k) -> int:
    """`k` as an int; the named API passes whatever the caller sent."""
    from index.search import MAX_K

    try:
        return int(k)
    except (TypeError, ValueError, OverflowError) as err:
        raise InvalidQuery(f"k must be a whole number between 1 and {MAX_K}; got {k!r}") from err


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidQuery(f"{name} must be text; got {value!r}")
    return value


def _mark(text: str, spans) -> str:
    """`text` as a reader sees it (`precedent.display.readable`), escaped, with the given spans in <mark>."""
    text, spans = readable(text, spans)
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        out += [html.escape(text[cursor:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def render_hits(index, hits, *, query: str) -> str:
    """Result cards for `hits`, with context read from `index`, the generation that found them."""
    from index.context import context_of

    if not hits:
        return (
            f'<div class="notice">No passage matches “{html.escape(query)}” well. '
            "Try other words or fewer filters.</div>"
        )
    top = max(h.score for h in hits) or 1.0
    cards = []
    for hit in hits:
        citation = hit.citation().line()
        context = context_of(index, hit.chunk)
        relevance = max(4, int(100 * hit.score / top))
        also = "".join(f"<div class='meta'>Also in: {html.escape(c.line())}</div>" for c in hit.also_in)
        cards.append(
            f"<div class='hit' data-rank='{hit.rank}'>"
            f"<div class='cite'>{hit.rank}. {html.escape(citation)}</div>"
            f"<div class='meta'>relevance <span class='bar' style='width:{relevance}px'></span> "
            f"{hit.score:.3f} · found by {html.escape(', '.join(hit.retrievers))}</div>{also}"
            f"<div class='passage'>{_mark(hit.text, hit.highlights)}</div>"
            f"<input class='copy' readonly aria-label='citation to copy' value=\"{html.escape(citation, quote=True)}\" "
            "onclick='this.select();navigator.clipboard&&navigator.clipboard.writeText(this.value)'>"
            f"<details><summary>Show in context: {html.escape(context.title)}</summary>"
            f"<div class='passage context'>{_mark(context.text, [(context.passage_start, context.passage_end)])}</div>"
            "</details></div>"
        )
    return "".join(cards)


def _error(err: Exception) -> str:
    return f"<div class='notice'>{html.escape(str(err))}</div>"


def build_blocks(app: App):
    import gradio as gr

    from index.decisions import decisions
    from index.search import search

    try:
        index = app.index()
        committees = sorted({c.committee for c in index.chunks if c.committee})
        startup_error = ""
    except PrecedentError as err:
        committees, startup_error = [], str(err)
    from corpus.structure import PAPER_TYPES

    def ask(query, committee, date_from, date_to, paper_types, k):
        try:
            index = app.index()
            filters = _filters(committee, date_from, date_to, paper_types)
            hits = search(index, _text(query, "the question"), k=_whole(k), filters=filters)
            return render_hits(index, hits, query=query)
        except PrecedentError as err:
            return _error(err)

    def timeline(topic, date_from, date_to):
        try:
            index = app.index()
            hits = decisions(index, _text(topic, "the topic"), k=10, filters=_filters("", date_from, date_to, ()))
            return render_hits(index, hits, query=topic)
        except PrecedentError as err:
            return _error(err)

    def corpus_table():
        try:
            return corpus_rows(app.index())
        except PrecedentError as err:
            return [[str(err), "", "", "", ""]]

    def api_search(
        query: str, k: int = 10, committee: str = "", date_from: str = "", date_to: str = "", paper_type: str = ""
    ) -> dict:
        """Search the index; returns the same JSON as `precedent search --json`."""
        try:
            filters = _filters(committee, date_from, date_to, [paper_type] if paper_type else [])
            hits = search(app.index(), _text(query, "query"), k=_whole(k), filters=filters)
        except PrecedentError as err:  # the user's to fix: shown to the caller, no traceback in the server log
            raise gr.Error(str(err), print_exception=False) from err
        return {"query": query, "results": [h.to_dict() for h in hits]}

    with gr.Blocks(title="Precedent — council papers search") as blocks:
        gr.Markdown(
            "# Precedent\nAsk about what council committees discussed and decided; "
            "every answer cites its paper, meeting and minute."
        )
        if startup_error:
            gr.HTML(_error(startup_error))
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row():
                    query = gr.Textbox(
                        label="Question",
                        placeholder="e.g. what did scrutiny resolve about the dog control order?",
                        scale=5,
                        elem_id="query",
                    )
                    go = gr.Button("Search", variant="primary", scale=1, elem_id="search-button")
                with gr.Accordion("Filters", open=False):
                    with gr.Row():
                        committee = gr.Dropdown(
                            choices=[""] + committees, value="", label="Committee", elem_id="committee"
                        )
                        date_from = gr.Textbox(label="Meetings from (YYYY-MM-DD)", elem_id="date-from")
                        date_to = gr.Textbox(label="Meetings to (YYYY-MM-DD)", elem_id="date-to")
                        types = gr.Dropdown(
                            choices=list(PAPER_TYPES), multiselect=True, label="Paper types", elem_id="types"
                        )
                        k = gr.Slider(1, 30, value=10, step=1, label="Results", elem_id="k")
                gr.Examples(EXAMPLES, inputs=[query])
                results = gr.HTML(elem_id="results")
                inputs = [query, committee, date_from, date_to, types, k]
                gr.on([go.click, query.submit], ask, inputs=inputs, outputs=results, api_visibility="private")
            with gr.Tab("Decisions", id="decisions"):
                with gr.Row():
                    topic = gr.Textbox(label="Topic", placeholder="e.g. dog control", scale=5, elem_id="topic")
                    go_decisions = gr.Button("Show decisions", variant="primary", scale=1, elem_id="decisions-button")
                with gr.Row():
                    d_from = gr.Textbox(label="From (YYYY-MM-DD)")
                    d_to = gr.Textbox(label="To (YYYY-MM-DD)")
                decision_results = gr.HTML(elem_id="decision-results")
                gr.on(
                    [go_decisions.click, topic.submit],
                    timeline,
                    inputs=[topic, d_from, d_to],
                    outputs=decision_results,
                    api_visibility="private",
                )
            with gr.Tab("Corpus", id="corpus") as corpus_tab:
                table = gr.Dataframe(
                    headers=["Document", "Committee", "Meeting", "Paper", "Items"],
                    interactive=False,
                    elem_id="corpus-table",
                )
                corpus_tab.select(corpus_table, outputs=table, api_visibility="private")
                blocks.load(corpus_table, outputs=table, api_visibility="private")
        gr.api(api_search, api_name="search")
    return blocks


def corpus_rows(index) -> list[list[str]]:
    rows = []
    for record in index.documents.values():
        for paper in record["papers"]:
            items = ", ".join(str(i["number"]) for i in paper["items"])
            rows.append(
                [
                    record["doc_id"],
                    record["committee"],
                    paper["meeting_date"],
                    f"{paper['paper_type']}: {paper['title']}",
                    items,
                ]
            )
    return rows


def _auth():
    value = os.environ.get("PRECEDENT_AUTH", "")
    if not value:
        return None
    user, _, password = value.partition(":")
    if not user or not password:
        raise PrecedentError("PRECEDENT_AUTH must be user:password, e.g. PRECEDENT_AUTH=clerk:s3cret")
    return (user, password)


def serve(index_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True):
    """Start the app; returns the Blocks when `block` is False (tests)."""
    from index.store import default_index_dir

    app = App(index_dir or default_index_dir())
    app.warm()
    blocks = build_blocks(app)
    blocks.queue(default_concurrency_limit=4)
    blocks.launch(
        server_name=host,
        server_port=port,
        auth=_auth(),
        prevent_thread_lock=not block,
        css=CSS,
        footer_links=["api"],
        quiet=not block,
    )
    return blocks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Precedent web app.")
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(argv)
    try:
        serve(args.index, args.host, args.port)
    except PrecedentError as err:
        print(f"precedent: error: {err}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
