"""Settings accordion: per-session knobs (excerpts, abstention strictness, hybrid).

The knobs themselves are inputs of the ask event, so an answer always uses the values on screen when Ask was
pressed (a separate change event updating a State could land after a quick click and be ignored).
"""
from __future__ import annotations

import gradio as gr

from app.api import GroundQA
from app.settings import Settings


def session_settings(api: GroundQA, k: float, threshold: float, hybrid: bool) -> Settings:
    """The api's defaults with this session's knobs applied."""
    return api.settings.with_(k=int(k), threshold=float(threshold), mode="hybrid" if hybrid else "dense")


def build_settings(api: GroundQA) -> list[gr.components.Component]:
    """Render the Settings accordion; returns its knobs (k, threshold, hybrid) for `session_settings`."""
    base = api.settings
    with gr.Accordion("Settings", open=False, elem_id="gq-settings"):
        with gr.Row():
            k = gr.Slider(1, 20, value=base.retrieval.k, step=1, label="Excerpts retrieved",
                          info="How many passages answers are drawn from", elem_id="gq-k")
            threshold = gr.Slider(0.0, 1.0, value=base.answer.threshold, step=0.05,
                                  label="Abstention strictness",
                                  info="Abstain when confidence is below this (higher abstains more)",
                                  elem_id="gq-threshold")
            hybrid = gr.Checkbox(value=base.retrieval.mode == "hybrid", label="Hybrid retrieval",
                                 info="Combine keyword (BM25) and semantic search; off: semantic only",
                                 elem_id="gq-hybrid")
        # Read-only: which answerer is live (chosen at `groundqa serve --llm URL`; the API key is never shown).
        gr.Textbox(value=api.answerer_name(), label="Answerer", interactive=False, elem_id="gq-answerer",
                   info="extractive (verbatim quotes), or an LLM whose every sentence is checked against its "
                        "cited text (falls back to extractive when the LLM fails)")
    return [k, threshold, hybrid]
