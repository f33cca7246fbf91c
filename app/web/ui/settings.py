"""Settings accordion: per-session knobs (excerpts, abstention strictness, hybrid).

The knobs themselves are inputs of the ask event, so an answer always uses the values on screen when Ask was
pressed (a separate change event updating a State could land after a quick click and be ignored).
"""
from __future__ import annotations

import gradio as gr

from app.api import GroundQA
from app.settings import Settings, SettingsError


K_RANGE = (1, 20)
"""The Excerpts slider's range; a client sending another value gets the nearest one."""


def session_settings(api: GroundQA, k: float, threshold: float, hybrid: bool) -> Settings:
    """The api's defaults with this session's knobs applied (NaN, Infinity or a non-number: gr.Error)."""
    try:
        s = api.settings.with_(k=k, threshold=threshold, mode="hybrid" if hybrid else "dense")
    except SettingsError as exc:  # a slider only sends finite numbers in range: this came from another client
        raise gr.Error(str(exc)) from None
    return s.with_(k=min(max(s.retrieval.k, K_RANGE[0]), K_RANGE[1]))


def build_settings(api: GroundQA) -> list[gr.components.Component]:
    """Render the Settings accordion; returns its knobs (k, threshold, hybrid) for `session_settings`."""
    base = api.settings
    with gr.Accordion("Settings", open=False, elem_id="gq-settings"):
        with gr.Row():
            k = gr.Slider(*K_RANGE, value=base.retrieval.k, step=1, label="Excerpts retrieved",
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
