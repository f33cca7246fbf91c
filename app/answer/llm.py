"""The optional LLM answerer: prompt → chat completion → sentence support check → answer.

Sentences whose cited text does not support them are removed and listed under `unsupported` with the reason;
if none survives, the model's answer could not be verified: the extractive answer (or its abstention with
the closest excerpts) is given instead, `answerer` says so (UNVERIFIED) and `unsupported` still lists them. Any failure to get a usable reply (server
down, slow, malformed, cut off) gives the extractive answer instead, with `answerer` saying why.
`verify_llm` is the in-code proof, run before an LLM answer is returned, that every kept sentence carries
a verbatim evidence span inside the citation its marker names.
"""
from __future__ import annotations

import re
import time
from typing import Callable, Sequence

from app.answer.extractive import Answerer, confidence_of
from app.answer.llm_client import LLMClient, LLMError
from app.answer.llm_prompt import ABSTAIN_PHRASE, build_prompt
from app.answer.support import SupportChecker, Verdict, has_markup, split_claims, strip_markup
from app.answer.verify import ABSTAIN_TEXT, VerificationError, check_citations
from app.settings import LLMSettings, Settings
from app.types import Answer, Citation, Evidence, Unsupported
from index.citations import make_citation_id
from index.types import Excerpt

_ABSTAIN_RE = re.compile(re.escape(ABSTAIN_PHRASE).replace(r"\ ", r"\s+"), re.I)


UNVERIFIED = "extractive (the LLM answer could not be verified"
"""How `answerer` starts when every sentence of the model's answer was removed and the extractive answer is
given instead."""


def unverified_label(removed: int) -> str:
    """The `answerer` of an answer whose LLM sentences were all removed."""
    return f"{UNVERIFIED}: {removed} sentence{'s' if removed != 1 else ''} removed)"


def llm_label(model: str) -> str:
    """The `answerer` value of an LLM answer."""
    return f"llm:{model}"


class LLMAnswerer:
    """LLM answers over the extractive answerer's retrieval, verified sentence by sentence."""

    def __init__(self, extractive: Answerer, llm: LLMSettings, client: LLMClient | None = None) -> None:
        self.extractive = extractive
        self.llm = llm
        self.client = client or LLMClient(llm.url, llm.model, timeout_s=llm.timeout_s, retries=llm.retries,
                                          backoff_s=llm.backoff_s)
        self.checker = SupportChecker()

    def answer(self, question: str, settings: Settings, history: Sequence[str] = ()) -> Answer:
        """An LLM answer whose every sentence passed the support check, an abstention, or the fallback."""
        t0 = time.perf_counter()
        excerpts, sentences, timings = self.extractive.evidence(question, settings, history)
        retrieved = excerpts[: settings.retrieval.k]
        conf = confidence_of(sentences[0].features()) if sentences else 0.0
        prompt = build_prompt(question, excerpts[: max(settings.retrieval.k, settings.answer.passages)], history,
                              self.llm.context_tokens, self.llm.max_tokens)
        t1 = time.perf_counter()
        try:
            if not prompt.excerpts:
                raise LLMError("no excerpt fits the LLM context — raise --llm-context")
            reply = self.client.chat(prompt.messages, self.llm.max_tokens, self.llm.temperature, self.llm.stream)
        except LLMError as exc:
            ans = self.extractive.answer(question, settings, history)
            ans.answerer = f"extractive (LLM fallback: {exc})"
            return ans
        timings["llm"] = (time.perf_counter() - t1) * 1000
        t2 = time.perf_counter()
        ans = self._compose(question, reply, prompt.excerpts, retrieved, conf)
        if ans.unsupported and not ans.evidence:
            # Nothing the model wrote could be checked against the documents: say so, answer extractively.
            fallback = self.extractive.answer(question, settings, history)
            fallback.answerer = unverified_label(len(ans.unsupported))
            fallback.unsupported = ans.unsupported
            ans = fallback
        timings["verify"] = (time.perf_counter() - t2) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        ans.timings_ms = timings
        return ans

    def _compose(self, question: str, reply: str, given: list[Excerpt], retrieved: list[Excerpt],
                 conf: float) -> Answer:
        label = llm_label(self.llm.model)
        claims = split_claims(reply)
        if _ABSTAIN_RE.search(reply):
            # The model says the excerpts do not answer: believe it (an abstention claims nothing).
            return Answer(question=question, answer=ABSTAIN_TEXT, abstained=True, confidence=conf,
                          retrieved=retrieved, related=retrieved[:3], answerer=label)
        texts = [ex.text for ex in given]
        verdicts = [self.checker.check(c, texts, question) for c in claims]
        seen: set[str] = set()
        kept = [v for v in verdicts if v.supported and not (v.claim.text in seen or seen.add(v.claim.text))]
        # A refused sentence is shown (behind a toggle, as text) without its markup.
        unsupported = [Unsupported(strip_markup(v.claim.text), v.reason) for v in verdicts if not v.supported]
        if not claims:
            unsupported = [Unsupported(strip_markup(reply)[:500], "the reply holds no sentence")]
        if not kept:
            return Answer(question=question, answer=ABSTAIN_TEXT, abstained=True, confidence=conf,
                          retrieved=retrieved, related=retrieved[:3], answerer=label, unsupported=unsupported)
        return _build(question, kept, given, retrieved, conf, label, unsupported)


def _build(question: str, kept: list[Verdict], given: list[Excerpt], retrieved: list[Excerpt], conf: float,
           label: str, unsupported: list[Unsupported]) -> Answer:
    """The answer text with markers renumbered 1..n over the excerpts that hold evidence."""
    number: dict[int, int] = {}
    for v in kept:
        for s in v.evidence:
            number.setdefault(s.excerpt, len(number) + 1)
    citations = []
    for i, n in sorted(number.items(), key=lambda kv: kv[1]):
        ex = given[i]
        citations.append(Citation(number=n, citation=ex.citation, doc=ex.doc, doc_id=ex.doc_id, title=ex.title,
                                  pages=ex.pages, start=ex.start, end=ex.end, text=ex.text))
    parts, evidence = [], []
    for v in kept:
        marks = list(dict.fromkeys(number[s.excerpt] for s in v.evidence))
        parts.append(v.claim.text + " " + "".join(f"[{n}]" for n in marks))
        for s in v.evidence:
            ex = given[s.excerpt]
            start, end = ex.start + s.start, ex.start + s.end
            evidence.append(Evidence(sentence=v.claim.text, citation=number[s.excerpt],
                                     citation_id=make_citation_id(ex.doc_id, start, end), doc=ex.doc,
                                     doc_id=ex.doc_id, start=start, end=end, text=s.text))
    return Answer(question=question, answer=" ".join(parts), abstained=False, confidence=conf,
                  citations=citations, retrieved=retrieved, answerer=label, unsupported=unsupported,
                  evidence=evidence)


def verify_llm(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """Raise VerificationError unless every sentence of an LLM answer has verbatim evidence in its citation.

    Checks: citations run 1..n, each is its document's text[start:end] under its content id; every evidence
    span is its document's text[start:end] under its own id, inside the span of the citation it names; the
    answer text is exactly its evidenced sentences, each followed by the markers of its evidence.
    """
    if answer.abstained:
        if answer.citations or answer.evidence:
            raise VerificationError("an abstention must not cite sources")
        return
    if not answer.citations or not answer.evidence:
        raise VerificationError("an LLM answer without citations or evidence")
    if has_markup(answer.answer):  # no raw HTML leaves /api/ask or /v1 in an answer string
        raise VerificationError("an LLM answer holds markup")
    check_citations(answer, doc_text)
    sentences: dict[str, list[int]] = {}
    for e in answer.evidence:
        if not 1 <= e.citation <= len(answer.citations):
            raise VerificationError(f"evidence names citation [{e.citation}], which does not exist")
        c = answer.citations[e.citation - 1]
        if e.doc_id != c.doc_id or not (c.start <= e.start < e.end <= c.end):
            raise VerificationError(f"evidence for [{e.citation}] lies outside its citation")
        if doc_text(e.doc_id)[e.start:e.end] != e.text or e.citation_id != make_citation_id(e.doc_id, e.start, e.end):
            raise VerificationError(f"evidence for [{e.citation}] is not verbatim document text")
        marks = sentences.setdefault(e.sentence, [])
        if e.citation not in marks:
            marks.append(e.citation)
    expected = " ".join(s + " " + "".join(f"[{n}]" for n in marks) for s, marks in sentences.items())
    if answer.answer != expected:
        raise VerificationError("the answer text is not exactly its evidenced sentences and markers")
    used = {e.citation for e in answer.evidence}
    if used != set(range(1, len(answer.citations) + 1)):
        raise VerificationError("every citation must hold evidence")
