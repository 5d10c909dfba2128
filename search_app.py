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
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

from precedent.corpus.furniture import spans_within

from precedent.display import to_html
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
.answer {border: 2px solid #1f6feb; border-radius: 10px; padding: 14px 16px; margin: 8px 0 16px; background: #f0f6ff;}
.answer.weak {border-color: #d0d7de; background: #f6f8fa;}
.answer .answer-kind {font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.05em; color: #1f6feb;}
.answer.weak .answer-kind {color: #57606a;}
.answer .answer-text {white-space: pre-wrap; font-family: Georgia, serif; font-size: 1.1em; line-height: 1.5;
  margin: 6px 0; color: #111;}
.answer .answer-cite {font-weight: 600; color: #1f2937;}
.answer mark, .resolution mark {background: #fff3a3;}
.passage.resolution {border-left: 4px solid #1f6feb; padding-left: 10px; margin: 6px 0;}
.hit .passage + .passage {margin-top: 8px; padding-top: 8px; border-top: 1px dashed #d0d7de;}
.file {font-size: 0.8em; color: #8c959f;}
.paper-view .passage {white-space: pre-wrap; font-family: Georgia, serif; line-height: 1.5; color: #111;}
.paper-view mark {background: #fff3a3;}
.paper-view .cite {font-weight: 600; margin-bottom: 8px;}
table.paper-table {border-collapse: collapse; margin: 6px 0; font-family: system-ui, sans-serif; font-size: 0.9em;
  white-space: normal;}
table.paper-table th, table.paper-table td {border: 1px solid #d0d7de; padding: 3px 6px; vertical-align: top;}
table.paper-table th {background: #f6f8fa;}
svg.timeline line {stroke: #8c959f; stroke-width: 2;}
svg.timeline circle {fill: #1f6feb; cursor: pointer;}
svg.timeline text {font-size: 11px; fill: #57606a;}
.notice {padding: 12px; border-radius: 8px; background: #fff8c5; border: 1px solid #d4a72c; color: #3b2300;}
"""


class App:
    """Holds the loaded index and reloads it when a rebuild swaps in a new generation."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._index = None
        self._lock = threading.Lock()
        self.exports = Path(tempfile.mkdtemp(prefix="precedent-exports-"))

    def index(self):
        from precedent.index.index import Index
        from precedent.index.store import read_manifest

        with self._lock:
            generation = read_manifest(self.index_dir)["generation"]
            if self._index is None or self._index.generation != generation:
                self._index = Index.load(self.index_dir)
            return self._index

    def warm(self) -> None:
        """Load the index and the model before the first question, so the first answer is quick."""
        from precedent.embed.encoder import load_encoder

        try:
            load_encoder(self.index().model).encode(["warm up"])
        except PrecedentError:
            pass


def _filters(committee, date_from, date_to, paper_types, kinds=()):
    from precedent.index.filters import Filters, parse_day

    return Filters(
        committee=_text(committee, "committee"),
        date_from=parse_day(_text(date_from, "From"), "From"),
        date_to=parse_day(_text(date_to, "To"), "To"),
        paper_types=tuple(paper_types or ()),
        kinds=kinds,
    )


def _whole(k) -> int:
    """`k` as an int; the named API passes whatever the caller sent."""
    from precedent.index.search import MAX_K

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


def _mark(text: str, spans, furniture=()) -> str:
    """`text` as a reader sees it (`precedent.display`), escaped, spans in <mark>, tables as tables, read on
    over the page breaks at `furniture` (spans of `text`)."""
    return to_html(text, spans, tuple(furniture))


def _furniture(record: dict, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The page headers and footers inside `start`..`end` of a stored document, as spans of that slice."""
    return spans_within(record.get("furniture", ()), start, end)


# The paper view renders after the load event's update lands, so look for the passage's mark for up to 10 s.
SCROLL_TO_MARK = """() => {
  let tries = 0;
  const go = () => {
    const mark = document.querySelector('#paper-at mark');
    if (mark) mark.scrollIntoView({block: 'center'});
    else if (tries++ < 100) setTimeout(go, 100);
  };
  go();
}"""


def paper_link(doc_id: str, offset: int, label: str) -> str:
    """A link that opens the app's paper view at `offset` of `doc_id` (served from the index only)."""
    query = urlencode({"doc": doc_id, "at": offset})
    return f"<a class='open' href='?{html.escape(query)}#paper' target='_blank' rel='noopener'>{html.escape(label)}</a>"


def _source(citation, offset: int) -> str:
    page = f" at p. {citation.page}" if citation.page else ""
    links = [paper_link(citation.doc_id, offset, f"Open the paper{page}")]
    url = getattr(citation, "url", "")
    if url.startswith(("http://", "https://")):
        at = f"{url}#page={citation.page}" if citation.page else url
        links.append(
            f"<a class='source' href='{html.escape(at, quote=True)}' target='_blank' rel='noopener'>source</a>"
        )
    return " · ".join(links) + f" <span class='file'>{html.escape(citation.doc_id)}</span>"


def render_references(refers_to, referred_by) -> str:
    """ "Refers to" and "referred to by" lines, each place a link that opens the paper at that minute (or, for
    a meeting the archive does not hold, its name)."""
    out = []
    for label, places in (("Refers to", refers_to), ("Referred to by", referred_by)):
        if places:
            links = " · ".join(
                paper_link(p.doc_id, p.start, p.heading)
                if p.doc_id
                else f"<span class='unheld'>{html.escape(p.heading)} (not in this archive)</span>"
                for p in places
            )
            out.append(f"<div class='meta refs'>{label}: {links}</div>")
    return "".join(out)


ANSWER_GAP = 600
"""A decision answer is shown as one stretch of its paper, its parts marked, unless parts lie further apart than
this (a debate's sentence and the item's decision pages later): then its parts are shown apart, as in its text."""
ANSWER_KIND = {"decision": "Decision", "figure": "Figure", "date": "Date", "names": "Who", "passage": "Answer"}


def render_answer(index, answer) -> str:
    """The answer box: the verbatim answer with its citation, or the closest passage when evidence is weak."""
    if answer is None:
        return ""
    record = index.documents[answer.doc_id]
    marks = [(s - answer.start, e - answer.start) for s, e in answer.marks]
    ordered = sorted(marks)
    gaps = [b[0] - a[1] for a, b in zip(ordered, ordered[1:], strict=False)]
    if answer.kind == "decision" and max(gaps, default=0) <= ANSWER_GAP:
        body = record["text"][answer.start : answer.end]
        shown = _mark(body, marks, _furniture(record, answer.start, answer.end))
    else:
        shown = _mark(answer.text, [])
    label = ANSWER_KIND[answer.kind] if answer.confident else "Closest passage (no clear answer)"
    weak = "" if answer.confident else " weak"
    return (
        f"<div class='answer{weak}' id='answer'><div class='answer-kind'>{html.escape(label)}</div>"
        f"<div class='answer-text'>{shown}</div>"
        f"<div class='answer-cite'>{html.escape(answer.citation.heading())}</div>"
        f"<div class='meta'>{_source(answer.citation, answer.start)}</div>"
        f"{render_references(answer.refers_to, answer.referred_by)}</div>"
    )


def render_groups(index, answered) -> str:
    """One card per paper item, its passages in document order, a RESOLVED block shown once, whole."""
    from precedent.index.context import context_of

    cards = []
    for number, group in enumerate(answered.groups, start=1):
        record = index.documents[group.citation.doc_id]
        parts = []
        if group.resolution:
            start, end = group.resolution
            marks = [(s - start, e - start) for s, e in group.resolution_marks]
            shown = _mark(record["text"][start:end], marks, _furniture(record, start, end))
            parts.append(f"<div class='passage resolution'>{shown}</div>")
        shown_to = 0  # passages overlap by the splitter's overlap: each shows only what the one before did not
        for hit in group.hits:
            if group.resolution and group.resolution[0] <= hit.chunk.start < group.resolution[1]:
                continue
            if hit.chunk.end <= shown_to:
                continue
            cut = max(0, shown_to - hit.chunk.start)
            shown = _mark(hit.text[cut:], _shifted(hit.highlights, cut), _shifted(hit.chunk.furniture, cut))
            parts.append(f"<div class='passage' data-rank='{hit.rank}'>{shown}</div>")
            shown_to = hit.chunk.end
        first = min(group.hits, key=lambda h: h.rank)
        context = context_of(index, first.chunk)
        line = first.citation().line()
        details = "".join(
            f"<div class='meta'>passage {h.rank}: score {h.score:.3f}, found by {html.escape(', '.join(h.retrievers))}"
            + "".join(f"; also in {html.escape(c.line())}" for c in h.also_in)
            + "</div>"
            for h in group.hits
        )
        cards.append(
            f"<div class='hit' data-rank='{number}'>"
            f"<div class='cite'>{html.escape(group.citation.heading())}</div>"
            f"<div class='meta'>{_source(group.citation, first.chunk.start)}</div>"
            f"{render_references(group.refers_to, group.referred_by)}"
            f"{''.join(parts)}"
            f"<input class='copy' readonly aria-label='citation to copy' value=\"{html.escape(line, quote=True)}\" "
            "onclick='this.select();navigator.clipboard&&navigator.clipboard.writeText(this.value)'>"
            f"<details class='context'><summary>Show in context: {html.escape(context.title)}</summary>"
            f"<div class='passage context'>{_mark(context.text, [(context.passage_start, context.passage_end)])}</div>"
            "</details>"
            f"<details class='scores'><summary>details</summary>{details}</details></div>"
        )
    return "".join(cards)


def _shifted(spans, cut: int) -> list[tuple[int, int]]:
    """Spans of a passage's text as spans of its text after the first `cut` characters."""
    return [(max(0, start - cut), end - cut) for start, end in spans if end > cut]


def render_answered(index, answered) -> str:
    """The Ask tab's page: the answer first, then the cards."""
    if not answered.hits:
        return (
            f'<div class="notice">No passage matches “{html.escape(answered.query)}” well. '
            "Try other words or fewer filters.</div>"
        )
    return render_answer(index, answered.answer) + render_groups(index, answered)


def render_paper(index, doc_id: str, at: int | None) -> str:
    """The paper view: the paper holding offset `at` of `doc_id`, page by page, the passage there marked."""
    record = index.documents.get(doc_id)
    if record is None:
        return _error(f"{doc_id!r} is not in this index; search again to get current links")
    text = record["text"]
    at = min(max(int(at or 0), 0), max(len(text) - 1, 0))
    paper = next((p for p in record["papers"] if p["start"] <= at < p["end"]), None)
    start, end = (paper["start"], paper["end"]) if paper else (0, len(text))
    if end - start > MAX_PAPER_VIEW:
        start, end = max(start, at - MAX_PAPER_VIEW // 2), min(end, at + MAX_PAPER_VIEW // 2)
    from precedent.index.context import passage_at

    chunk = passage_at(index, doc_id, at)
    mark = [(chunk.start - start, chunk.end - start)] if chunk else []
    title = paper["title"] if paper else record.get("title", doc_id)
    return (
        f"<div class='paper-view'><div class='cite'>{html.escape(title)} "
        f"<span class='file'>{html.escape(doc_id)}</span></div>"
        f"<div class='passage' id='paper-at'>{_mark(text[start:end], mark)}</div></div>"
    )


MAX_PAPER_VIEW = 60000
"""Characters of a long paper shown around the linked passage."""


def render_decisions(index, found, *, topic: str) -> str:
    """The decisions view: a timeline by meeting date (each point links to its decision), then the list."""
    if not found:
        return f'<div class="notice">No decision about “{html.escape(topic)}” found. Try other words.</div>'
    entries = []
    for number, decision in enumerate(found, start=1):
        refers = "".join(f"<div class='meta refers'>Refers to: {html.escape(r)}</div>" for r in decision.refers_to)
        entries.append(
            f"<div class='hit decision' id='decision-{number}' "
            f"data-date='{html.escape(decision.citation.meeting_date)}'>"
            f"<div class='cite'>{html.escape(decision.citation.heading())}</div>"
            f"<div class='meta'>{_source(decision.citation, decision.start)}</div>{refers}"
            f"<div class='passage resolution'>{_mark(decision.text, [])}</div></div>"
        )
    what = f"about “{html.escape(topic)}”" if topic.strip() else "in the register"
    return (
        f"<div class='meta'>{len(found)} decision{'' if len(found) == 1 else 's'} {what}, newest first.</div>"
        + decision_timeline(found)
        + "".join(entries)
    )


def decision_timeline(found) -> str:
    """An SVG strip of the decisions by meeting date; each point links to its entry in the list."""
    from datetime import date

    dated = [
        (n, date.fromisoformat(d.citation.meeting_date)) for n, d in enumerate(found, 1) if d.citation.meeting_date
    ]
    if not dated:
        return ""
    first, last = min(d for _, d in dated), max(d for _, d in dated)
    span = max((last - first).days, 1)
    width, pad = 700, 30
    points, years = [], sorted({d.year for _, d in dated})
    for number, day in dated:
        x = pad + (width - 2 * pad) * (day - first).days / span
        label = html.escape(found[number - 1].citation.heading())
        points.append(
            f"<a href='#decision-{number}' class='point'><circle cx='{x:.1f}' cy='30' r='7'>"
            f"<title>{label}</title></circle></a>"
        )
    ticks = "".join(
        f"<text x='{pad + (width - 2 * pad) * (date(y, 1, 1) - first).days / span:.1f}' y='62'>{y}</text>"
        for y in years
        if first <= date(y, 1, 1) <= last
    )
    return (
        f"<svg class='timeline' role='img' aria-label='decisions by meeting date' viewBox='0 0 {width} 70' "
        f"width='100%' height='70'><line x1='{pad}' y1='30' x2='{width - pad}' y2='30' />{''.join(points)}"
        f"<text x='{pad}' y='12'>{first.isoformat()}</text>"
        f"<text x='{width - pad - 70}' y='12'>{last.isoformat()}</text>"
        f"{ticks}</svg>"
    )


def write_exports(found, folder: Path) -> tuple[str, str]:
    """The register as CSV and JSON files in `folder`, for the download buttons."""
    from precedent.index.decisions import to_csv, to_json

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / "decisions.csv", folder / "decisions.json"
    csv_path.write_text(to_csv(found), encoding="utf-8")
    json_path.write_text(to_json(found), encoding="utf-8")
    return str(csv_path), str(json_path)


def _error(err: Exception) -> str:
    return f"<div class='notice'>{html.escape(str(err))}</div>"


def build_blocks(app: App):
    import gradio as gr
    from precedent.index.ask import ask
    from precedent.index.decisions import decisions

    try:
        index = app.index()
        committees = sorted({c.committee for c in index.chunks if c.committee})
        startup_error = ""
    except PrecedentError as err:
        committees, startup_error = [], str(err)
    from precedent.corpus.structure import PAPER_TYPES

    def ask_page(query, committee, date_from, date_to, paper_types, k):
        try:
            index = app.index()
            filters = _filters(committee, date_from, date_to, paper_types)
            answered = ask(index, _text(query, "the question"), k=_whole(k), filters=filters)
            return render_answered(index, answered)
        except PrecedentError as err:
            return _error(err)

    def open_paper(request: gr.Request):
        params = dict(request.query_params) if request else {}
        if "doc" not in params:
            return gr.Tabs(), ""
        try:
            at = int(params.get("at", 0))
        except ValueError:
            at = 0
        try:
            return gr.Tabs(selected="paper"), render_paper(app.index(), params["doc"], at)
        except PrecedentError as err:
            return gr.Tabs(selected="paper"), _error(err)

    open_paper.__annotations__["request"] = gr.Request  # resolved here: Gradio injects the request by its type

    def timeline(topic, committee, date_from, date_to):
        try:
            index = app.index()
            filters = _filters(committee, date_from, date_to, ())
            found = decisions(index, _text(topic, "the topic"), filters=filters)
            files = write_exports(found, app.exports)
            return render_decisions(index, found, topic=topic), *files
        except PrecedentError as err:
            return _error(err), None, None

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
            index = app.index()
            answered = ask(index, _text(query, "query"), k=_whole(k), filters=filters)
        except PrecedentError as err:  # the user's to fix: shown to the caller, no traceback in the server log
            raise gr.Error(str(err), print_exception=False) from err
        return {**answered.to_dict(index), "query": query}

    with gr.Blocks(title="Precedent — council papers search") as blocks:
        gr.Markdown(
            "# Precedent\nAsk about what council committees discussed and decided; "
            "every answer cites its paper, meeting and minute."
        )
        if startup_error:
            gr.HTML(_error(startup_error))
        with gr.Tabs() as tabs:
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
                gr.on([go.click, query.submit], ask_page, inputs=inputs, outputs=results, api_visibility="private")
            with gr.Tab("Decisions", id="decisions"):
                with gr.Row():
                    topic = gr.Textbox(label="Topic", placeholder="e.g. dog control", scale=5, elem_id="topic")
                    go_decisions = gr.Button("Show decisions", variant="primary", scale=1, elem_id="decisions-button")
                with gr.Row():
                    d_committee = gr.Dropdown(choices=[""] + committees, value="", label="Committee")
                    d_from = gr.Textbox(label="From (YYYY-MM-DD)")
                    d_to = gr.Textbox(label="To (YYYY-MM-DD)")
                with gr.Row():
                    csv_file = gr.DownloadButton("Download CSV", value=None, elem_id="download-csv")
                    json_file = gr.DownloadButton("Download JSON", value=None, elem_id="download-json")
                decision_results = gr.HTML(elem_id="decision-results")
                gr.on(
                    [go_decisions.click, topic.submit],
                    timeline,
                    inputs=[topic, d_committee, d_from, d_to],
                    outputs=[decision_results, csv_file, json_file],
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
            with gr.Tab("Paper", id="paper"):
                paper_view = gr.HTML(
                    "<div class='notice'>Open a paper from a result's link.</div>", elem_id="paper-view"
                )
        blocks.load(open_paper, outputs=[tabs, paper_view], api_visibility="private").then(None, js=SCROLL_TO_MARK)
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


def _theme():
    """Gradio's default look in the system's own fonts: the bundled web font's bold face drops capitals'
    glyphs in Chromium ("SUʙSTANCE"), and citations are set in bold capitals."""
    import gradio as gr

    return gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def serve(index_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True):
    """Start the app; returns the Blocks when `block` is False (tests)."""
    from precedent.index.store import default_index_dir

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
        theme=_theme(),
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
