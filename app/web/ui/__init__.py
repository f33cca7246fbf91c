"""The Gradio Blocks app: Chat, Documents, Cite (and Evaluate, when app.web.ui.evaluate exists) over one GroundQA."""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from app.api import GroundQA  # noqa: E402
from app.web.html import CSS  # noqa: E402
from app.web.ui.chat import build_chat_tab  # noqa: E402
from app.web.ui.cite import build_cite_tab  # noqa: E402
from app.web.ui.documents import build_documents_tab  # noqa: E402
from app.web.ui.endpoints import register_endpoints  # noqa: E402
from app.web.ui.settings import build_settings  # noqa: E402

__all__ = ["CSS", "build_app"]

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


def build_app(api: GroundQA) -> gr.Blocks:
    """The whole browser app over `api` (CSS is applied where it is launched or mounted)."""
    # delete_cache: Gradio deletes its copies of uploads (refused ones too) an hour after they arrive.
    with gr.Blocks(title="groundqa", delete_cache=GRADIO_CACHE_S) as demo:
        gr.Markdown("## groundqa\nAnswers only from your documents — every sentence cites its exact source.")
        knobs = build_settings(api)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                build_chat_tab(api, knobs)
            with gr.Tab("Documents", id="documents") as docs_tab:
                table, which, refresh = build_documents_tab(api)
            with gr.Tab("Cite", id="cite"):
                build_cite_tab(api)
            _eval_tab(api)
        docs_tab.select(refresh, None, [table, which], api_name="documents_table", api_visibility="undocumented")
        demo.load(refresh, None, [table, which], api_name="load_documents", api_visibility="undocumented")
        register_endpoints(api)
    return demo
