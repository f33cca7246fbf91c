"""Chat tab: questions and streamed, cited answers; a Sources list opens the passage in a side panel."""
from __future__ import annotations

import re
import time
from typing import Any, Iterator

import gradio as gr

from app.web import html as H
from app.api import GroundQA, QuestionError, check_question
from app.errors import USER_ERRORS
from app.settings import Settings
from app.types import Answer
from app.web.ui.cite import citation_panel
from app.web.ui.settings import session_settings

EXAMPLES = [
    "Where was the second summit held?",
    "When did North Korea break off working-level talks?",
    "How many North Korean troops did Kim send to Russia?",
]
"""Example questions about the bundled sample report (the last one is not answered there)."""
HISTORY_TURNS = 5
"""How many previous questions are passed to `ask` for follow-ups."""
STREAM_DELAY_S = 0.04
_AFTER_MARKER = re.compile(r"(?<=\])\s+")
_AFTER_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")


def stream_pieces(text: str) -> list[str]:
    """Growing prefixes of an answer, one more sentence each (citation markers stay with their sentence)."""
    cuts = [m.end() for m in _AFTER_MARKER.finditer(text)] or [m.end() for m in _AFTER_SENTENCE.finditer(text)]
    prefixes = [text[:c].rstrip() for c in cuts if text[:c].strip()]
    return prefixes + [text]


def source_choices(ans: Answer) -> list[tuple[str, str]]:
    """(label, citation id) for the Sources radio: the citations, or for an abstention the related excerpts."""
    if ans.abstained:
        return [(f"related: {H.source_label(e)}", e.citation) for e in ans.related]
    return [(H.source_label(c, c.number), c.citation) for c in ans.citations]


def chat_turn(api: GroundQA, question: str, messages: list[dict[str, Any]] | None, asked: list[str] | None,
              settings: Settings | None) -> Iterator[tuple[Any, ...]]:
    """Stream one turn: outputs (chat messages, question box, asked questions, sources radio, panel)."""
    messages = list(messages or [])
    asked = list(asked or [])
    try:
        q = check_question(question)
    except QuestionError as exc:
        gr.Warning(str(exc))
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    messages.append({"role": "user", "content": H.esc(q)})
    messages.append({"role": "assistant", "content": '<div class="gq-pending">…</div>'})
    yield messages, "", asked, gr.Radio(choices=[], value=None), gr.skip()
    try:
        ans = api.ask(q, history=asked[-HISTORY_TURNS:], settings=settings)
    except USER_ERRORS as exc:
        messages[-1] = {"role": "assistant", "content": H.error_html(str(exc))}
        yield messages, gr.skip(), asked, gr.skip(), gr.skip()
        return
    asked.append(q)
    if not ans.abstained:
        for piece in stream_pieces(ans.answer)[:-1]:
            messages[-1] = {"role": "assistant", "content": H.answer_message(ans, partial=piece)}
            yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            time.sleep(STREAM_DELAY_S)
    messages[-1] = {"role": "assistant", "content": H.answer_message(ans)}
    panel = H.abstain_panel(ans) if ans.abstained else H.empty_panel("Select a source to see it in context.")
    label = "Related excerpts (no answer found)" if ans.abstained else "Sources of the latest answer"
    yield messages, gr.skip(), asked, gr.Radio(choices=source_choices(ans), value=None, label=label), panel


def build_chat_tab(api: GroundQA, knobs: list[gr.components.Component]) -> None:
    """Render the Chat tab."""
    asked = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="groundqa", elem_id="gq-chat", height=480, feedback_options=None,
                              buttons=[], placeholder="Ask a question about the indexed documents.")
            with gr.Row():
                question = gr.Textbox(label="Question", placeholder="Ask about your documents…", scale=5,
                                      elem_id="gq-question", max_lines=4, autofocus=True)
                ask = gr.Button("Ask", variant="primary", scale=1, elem_id="gq-ask")
            gr.Examples(EXAMPLES, inputs=[question], label="Example questions")
            clear = gr.Button("New conversation", size="sm", elem_id="gq-clear")
        with gr.Column(scale=2):
            sources = gr.Radio(choices=[], value=None, label="Sources of the latest answer",
                               elem_id="gq-sources", interactive=True)
            panel = gr.HTML(H.empty_panel("Ask a question, then pick a source to see it in context."),
                            elem_id="gq-panel")

    def turn(q: str, msgs: list[dict[str, Any]], prev: list[str], k: float, threshold: float, hybrid: bool
             ) -> Iterator[tuple[Any, ...]]:
        yield from chat_turn(api, q, msgs, prev, session_settings(api, k, threshold, hybrid))

    gr.on([ask.click, question.submit], turn, [question, chat, asked, *knobs],
          [chat, question, asked, sources, panel], api_name="chat", api_visibility="undocumented")
    sources.change(lambda cid: citation_panel(api, cid) if cid else gr.skip(), sources, panel,
                   api_name="open_source", api_visibility="undocumented")
    def reset() -> tuple[Any, ...]:
        return [], [], gr.Radio(choices=[], value=None), H.empty_panel()

    clear.click(reset, None, [chat, asked, sources, panel], api_name="clear", api_visibility="undocumented",
                queue=False)
    chat.clear(reset, None, [chat, asked, sources, panel], api_name="clear_chat", api_visibility="undocumented",
               queue=False)
