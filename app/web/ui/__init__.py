"""The Gradio Blocks app: Chat, Documents, Cite (and Evaluate, when app.web.ui.evaluate exists) over one GroundQA."""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from app.api import GroundQA  # noqa: E402
from app.errors import USER_ERRORS  # noqa: E402
from app.web.assets import CLIENT_JS, font_head  # noqa: E402
from app.web.html import CSS, esc  # noqa: E402
from app.web.ui.chat import build_chat_tab  # noqa: E402
from app.web.ui.cite import build_cite_tab  # noqa: E402
from app.web.ui.documents import UPLOAD_TEXT, build_documents_tab  # noqa: E402
from app.web.ui.endpoints import register_endpoints  # noqa: E402
from app.web.ui.example_check import examples_html  # noqa: E402
from app.web.ui.examples import is_sample_only  # noqa: E402
from app.web.ui.settings import build_settings  # noqa: E402

__all__ = ["CSS", "build_app", "mount_options"]

GRADIO_CACHE_S = (900, 3600)
"""(every, older than) seconds: how often Gradio sweeps its upload/cache folder, and what it deletes."""


def _eval_tab(api: GroundQA) -> None:
    """The Evaluate tab, if the optional app.web.ui.evaluate module is present (it fills the tab's body)."""
    try:
        from app.web.ui.evaluate import build_eval_tab
    except ImportError:
        return
    with gr.Tab("Evaluate", id="evaluate"):
        build_eval_tab(api)


def corpus_name(api: GroundQA) -> str:
    """What is indexed, in a few words: 'Sample report', 'report.pdf' or '12 documents'."""
    try:
        docs = api.documents()
    except USER_ERRORS:
        return "no documents indexed yet"
    if not docs:
        return "no documents indexed yet"
    if is_sample_only([d.path for d in docs]):
        return f"Sample report · {docs[0].title}"
    if len(docs) == 1:
        return docs[0].title or docs[0].path
    return f"{len(docs)} documents"


def header_html(api: GroundQA, note: str = "") -> str:
    """The app title and corpus name shown at the top of every tab (with `note`: an indexing run under way)."""
    corpus = corpus_name(api) + (f" · {note}" if note else "")
    return (f'<div class="gq-header"><span class="gq-app">groundqa</span>'
            f'<span class="gq-corpus" id="gq-corpus">{esc(corpus)}</span>'
            '<span class="gq-tagline">Answers only from your documents — every sentence quotes its source.</span>'
            "</div>")


def mount_options() -> dict[str, object]:
    """What the page needs besides the Blocks, for `gr.mount_gradio_app`: the style sheet, the font rules in
    <head> (inlined fonts) and the app's wording of Gradio's own texts (the upload area says "files")."""
    return {"css": CSS, "head": font_head(), "i18n": gr.I18n(en=UPLOAD_TEXT)}


def build_app(api: GroundQA) -> gr.Blocks:
    """The whole browser app over `api` (CSS is applied where it is launched or mounted)."""
    # delete_cache: Gradio deletes its copies of uploads (refused ones too) an hour after they arrive.
    with gr.Blocks(title="groundqa", delete_cache=GRADIO_CACHE_S) as demo:
        # The header also installs the client script (clickable citations, copy, examples) once per page.
        header = gr.HTML(header_html(api), elem_id="gq-header-box", js_on_load=CLIENT_JS)
        knobs = build_settings(api)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat") as chat_tab:
                examples = build_chat_tab(api, knobs)
            with gr.Tab("Documents", id="documents") as docs_tab:
                docs = build_documents_tab(api, header, lambda note: header_html(api, note))
                table, which, refresh = docs.table, docs.which, docs.refresh
            with gr.Tab("Cite", id="cite"):
                build_cite_tab(api)
            _eval_tab(api)
        docs_tab.select(refresh, None, [table, which], api_name="documents_table", api_visibility="undocumented",
                        show_progress="hidden")
        demo.load(refresh, None, [table, which], api_name="load_documents", api_visibility="undocumented",
                  show_progress="hidden")

        def corpus_view() -> tuple[str, str]:
            return header_html(api), examples_html(api)

        # The corpus may change in the Documents tab (or another process): the header and examples follow.
        demo.load(corpus_view, None, [header, examples], queue=False, show_progress="hidden")
        chat_tab.select(corpus_view, None, [header, examples], queue=False, show_progress="hidden")
        for changed in docs.changed:  # an upload, removal or re-index: the header and examples say what is indexed now
            changed.then(corpus_view, None, [header, examples], queue=False, show_progress="hidden")
        register_endpoints(api)
    return demo
