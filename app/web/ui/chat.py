"""Chat tab: the question shows at once, the cited answer streams in; [n] markers and source cards open the
passage in the side panel (client script in app.web.assets, hidden `#gq-open` box → `open_source`)."""
from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable, Iterator

import gradio as gr

from app.web import html as H
from app.api import GroundQA, QuestionError, check_question
from app.errors import USER_ERRORS
from app.settings import Settings
from app.web.ui.cite import citation_panel
from app.web.ui.example_check import examples_html
from app.web.ui.settings import session_settings

CHAT_PLACEHOLDER = ('<div class="gq-invite"><div class="gq-invite-head">Ask a question about your documents'
                    '</div><div class="gq-invite-sub">Every sentence of an answer is quoted from them, with a source '
                    'you can open. Try one of the examples below.</div></div>')
"""What the empty chat shows (centred by CSS)."""
HISTORY_TURNS = 5
"""How many previous questions are passed to `ask` for follow-ups."""
STREAM_DELAY_S = 0.04
STATUS_EVERY_S = 1.0
"""How often the "Writing with MODEL… N s" status is refreshed while an LLM writes."""
_AFTER_MARKER = re.compile(r"(?<=\])\s+")
_AFTER_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")
_CITE_ID = re.compile(r"\S+")


def stream_pieces(text: str) -> list[str]:
    """Growing prefixes of an answer, one more sentence each (citation markers stay with their sentence)."""
    cuts = [m.end() for m in _AFTER_MARKER.finditer(text)] or [m.end() for m in _AFTER_SENTENCE.finditer(text)]
    prefixes = [text[:c].rstrip() for c in cuts if text[:c].strip()]
    return prefixes + [text]


def chat_turn(api: GroundQA, question: str, messages: list[dict[str, Any]] | None, asked: list[str] | None,
              settings: Settings | None) -> Iterator[tuple[Any, ...]]:
    """Stream one turn: outputs (chat messages, question box, asked questions, panel).

    The first yield shows the question and a typing indicator in the answer bubble before the answer is
    looked for; the last one holds the answer with its source cards (or the abstention, once).
    """
    messages = list(messages or [])
    asked = list(asked or [])
    try:
        q = check_question(question)
    except QuestionError as exc:
        gr.Warning(str(exc))
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    messages.append({"role": "user", "content": H.esc(q)})
    messages.append({"role": "assistant", "content": H.pending_message()})
    yield messages, "", asked, gr.skip()
    llm = (settings or api.settings).llm
    box: dict[str, Any] = {}
    try:
        if llm.enabled:
            for elapsed in _waiting(lambda: api.ask(q, history=asked[-HISTORY_TURNS:], settings=settings), box):
                messages[-1] = {"role": "assistant", "content": H.writing_message(llm.model, elapsed)}
                yield messages, gr.skip(), gr.skip(), gr.skip()
            if "error" in box:
                raise box["error"]
            ans = box["answer"]
        else:
            ans = api.ask(q, history=asked[-HISTORY_TURNS:], settings=settings)
    except USER_ERRORS as exc:
        messages[-1] = {"role": "assistant", "content": H.error_html(str(exc))}
        yield messages, gr.skip(), asked, gr.skip()
        return
    asked.append(q)
    if not ans.abstained:
        for piece in stream_pieces(ans.answer)[:-1]:
            messages[-1] = {"role": "assistant", "content": H.answer_message(ans, partial=piece)}
            yield messages, gr.skip(), gr.skip(), gr.skip()
            time.sleep(STREAM_DELAY_S)
    if ans.unsupported:  # the LLM path removed sentences: say so, and offer them behind a toggle
        from app.answer.llm import UNVERIFIED

        messages[-1] = {"role": "assistant",
                        "content": H.llm_answer_message(ans, ans.answerer.startswith(UNVERIFIED))}
    else:
        messages[-1] = {"role": "assistant", "content": H.answer_message(ans)}
    if ans.outcome == "evidence" and ans.related:  # the most relevant passage opens at once
        panel = citation_panel(api, ans.related[0].citation)
    else:
        panel = H.abstain_panel(ans) if ans.abstained else H.empty_panel()
    yield messages, gr.skip(), asked, panel


def _waiting(ask: Callable[[], Any], box: dict[str, Any]) -> Iterator[float]:
    """Run `ask` in a worker thread; yield the seconds elapsed every STATUS_EVERY_S until it is done, then put
    its answer (or exception) in `box`."""
    def work() -> None:
        try:
            box["answer"] = ask()
        except Exception as exc:  # re-raised by the caller in the request's thread
            box["error"] = exc

    t0 = time.monotonic()
    worker = threading.Thread(target=work, name="groundqa-chat-ask", daemon=True)
    worker.start()
    while True:
        worker.join(STATUS_EVERY_S)
        if not worker.is_alive():
            return
        yield time.monotonic() - t0


def typed_question_js(n_inputs: int) -> str:
    """Client function run before a turn: the question is the box's visible text when Gradio's value is empty."""
    return ("(q, ...rest) => { const box = document.querySelector('#gq-question textarea'); "
            "const shown = box ? box.value : ''; "
            f"return [(q && q.trim()) ? q : shown, ...rest.slice(0, {n_inputs - 1})]; }}")


def open_source(api: GroundQA, value: str | None) -> str:
    """Panel HTML for what the client script sent: "ID NONCE" from a marker or card, "ID BEFORE AFTER NONCE"
    from a panel's more-text button (pages around the cited ones); the nonce makes re-clicks count."""
    parts = (value or "").split()
    if not parts or not _CITE_ID.fullmatch(parts[0]):
        return gr.skip()
    pages = (0, 0)
    if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit() and len(parts[1] + parts[2]) <= 4:
        pages = (int(parts[1]), int(parts[2]))
    return citation_panel(api, parts[0], pages)


def build_chat_tab(api: GroundQA, knobs: list[gr.components.Component]) -> gr.HTML:
    """Render the Chat tab; returns its example-questions block (refreshed when the corpus changes)."""
    asked = gr.State([])
    with gr.Row(equal_height=False, elem_id="gq-chat-row"):
        with gr.Column(scale=3, min_width=300):
            # Grows with the conversation (up to max_height): an empty chat is a short invitation, not a tall box,
            # so the example questions below it are in view on a phone.
            chat = gr.Chatbot(label="Conversation", elem_id="gq-chat", height=None, min_height=180, max_height=560,
                              feedback_options=None, buttons=[], latex_delimiters=[], show_label=False,
                              placeholder=CHAT_PLACEHOLDER)
            with gr.Row(equal_height=True):
                question = gr.Textbox(show_label=False, placeholder="Ask about your documents…", scale=6,
                                      elem_id="gq-question", max_lines=4, autofocus=True, container=False)
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="gq-ask")
            examples = gr.HTML(examples_html(api, ask=False), elem_id="gq-examples-box", js_on_load=None)
            clear = gr.Button("New conversation", size="sm", elem_id="gq-clear")
        # On a phone this column is a sheet over the chat, opened by a citation and closed by its button
        # (client script and CSS in app.web.assets); on wider screens it sits beside the chat.
        with gr.Column(scale=2, min_width=280, elem_id="gq-panel-col"):
            gr.HTML('<div class="gq-sheet-bar"><span class="gq-sheet-title">Source</span>'
                    '<button type="button" class="gq-sheet-close" aria-label="Close the source">Close ✕</button></div>',
                    elem_id="gq-sheet-bar-box", js_on_load=None, padding=False)
            panel = gr.HTML(H.empty_panel("Ask a question, then click a [n] marker or a source card to see the "
                                          "passage in context."), elem_id="gq-panel", js_on_load=None)
            opener = gr.Textbox(elem_id="gq-open", elem_classes=["gq-hidden"], show_label=False, container=False)

    def turn(q: str, msgs: list[dict[str, Any]], prev: list[str], k: float, threshold: float, hybrid: bool
             ) -> Iterator[tuple[Any, ...]]:
        yield from chat_turn(api, q, msgs, prev, session_settings(api, k, threshold, hybrid))

    inputs = [question, chat, asked, *knobs]
    # No Gradio progress overlay: the answer bubble's own typing indicator says the answer is coming.
    # `js` sends what the box shows: text typed (or pasted) and sent in the moment after the page loads
    # can be in the box before Gradio's copy of its value is, which would send an empty question.
    gr.on([ask.click, question.submit], turn, inputs, [chat, question, asked, panel],
          api_name="chat", api_visibility="undocumented", show_progress="hidden", js=typed_question_js(len(inputs)))
    opener.change(lambda v: open_source(api, v), opener, panel, api_name="open_source",
                 api_visibility="undocumented", show_progress="hidden")

    def reset() -> tuple[Any, ...]:
        return [], [], H.empty_panel(), ""

    clear.click(reset, None, [chat, asked, panel, question], api_name="clear", api_visibility="undocumented",
                queue=False, show_progress="hidden")
    chat.clear(reset, None, [chat, asked, panel, question], api_name="clear_chat", api_visibility="undocumented",
               queue=False, show_progress="hidden")
    return examples
