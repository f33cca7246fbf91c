"""Settings accordion: per-session knobs (excerpts, abstention strictness, hybrid) kept in a gr.State."""
from __future__ import annotations

import gradio as gr

from app.api import GroundQA
from app.settings import Settings


def session_settings(api: GroundQA, k: float, threshold: float, hybrid: bool) -> Settings:
    """The api's defaults with this session's knobs applied."""
    return api.settings.with_(k=int(k), threshold=float(threshold), mode="hybrid" if hybrid else "dense")


def build_settings(api: GroundQA) -> gr.State:
    """Render the Settings accordion; returns the State holding this session's Settings."""
    base = api.settings
    state = gr.State(base)
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
    inputs = [k, threshold, hybrid]
    for i, comp in enumerate(inputs):
        comp.change(lambda a, b, c: session_settings(api, a, b, c), inputs, state,
                    api_name=f"settings_{i}", api_visibility="undocumented", queue=False)
    return state
