"""The one Python API that every face (CLI, Gradio UI, HTTP) calls: index, search, ask, cite, quote."""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from app.answer.extractive import Answerer
from app.settings import MAX_HISTORY_ITEMS, MAX_QUESTION_CHARS, PRESETS, LLMSettings, Settings
from app.types import Answer, Evidence
from app.answer.verify import VerificationError, verify
from corpus import ChunkParams
from index.store import tables as db
from index.embed.adapt import AdaptError, AdaptReport, AdaptSettings, base_of, fine_tune, training_pairs
from index.report import IndexReport, ProgressFn
from index.citations import make_citation_id, parse_citation_id
from index.embed import DEFAULT_MODEL, Embedder, drop_onnx_exports, load_embedder
from index.embed.lazy import LazyEmbedder, canonical_model_name
from index.quote import QuoteMatch, find_quote
from index.resolve import DEFAULT_CONTEXT, Resolution, resolve_citation
from index.retriever import Retriever
from index.store import DEFAULT_INDEX_DIR, LoadedIndex
from index.store.backend import open_store
from index.types import Excerpt


def segment_evidence(ans: Answer) -> list[Evidence]:
    """Evidence of a verified extractive answer: each segment is itself the verbatim span it cites."""
    out = []
    for seg in ans.segments:
        c = ans.citations[seg.citation - 1]
        if seg.parts:  # a table cell: its evidence is the cited header and row
            out.append(Evidence(sentence=seg.text, citation=seg.citation, citation_id=c.citation, doc=c.doc,
                                doc_id=c.doc_id, start=c.start, end=c.end, text=c.text))
            continue
        start = c.start + c.text.find(seg.text)
        out.append(Evidence(sentence=seg.text, citation=seg.citation,
                            citation_id=make_citation_id(c.doc_id, start, start + len(seg.text)), doc=c.doc,
                            doc_id=c.doc_id, start=start, end=start + len(seg.text), text=seg.text))
    return out


class QuestionError(ValueError):
    """An empty or absurd question."""


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_question(question: str) -> str:
    """The question stripped, or QuestionError naming the problem and the fix."""
    q = (question or "").strip()
    if not q:
        raise QuestionError("the question is empty — type a question about your documents")
    if not q.isascii() and _has_surrogate(q):  # JSON "\ud800" decodes to one: not text, and it breaks encoding
        raise QuestionError("the question holds an invalid character (a lone surrogate) — retype it")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question has {len(q)} characters, over the {MAX_QUESTION_CHARS} limit — "
                            "ask a shorter question (to find a passage, use `groundqa cite --quote`)")
    if not any(ch.isalnum() for ch in q):
        raise QuestionError("the question has no letters or digits — type a question in words")
    return q


def check_history(history: Sequence[str]) -> list[str]:
    """The last MAX_HISTORY_ITEMS previous questions, stripped; QuestionError for one over the question limit."""
    out = []
    for h in list(history)[-MAX_HISTORY_ITEMS:]:
        s = str(h or "").strip()
        if not s:
            continue  # an empty turn carries nothing
        if len(s) > MAX_QUESTION_CHARS:  # a 250 KB item took 2.2 s to answer around
            raise QuestionError(f"a previous question in the history has {len(s)} characters, over the "
                                f"{MAX_QUESTION_CHARS} limit — send the questions as asked")
        if not s.isascii() and _has_surrogate(s):
            raise QuestionError("a previous question in the history holds an invalid character (a lone surrogate)")
        out.append(s)
    return out


class GroundQA:
    """An index directory plus the model to query it. Thread-safe; notices re-indexing by others."""

    def __init__(self, index_dir: str | Path = DEFAULT_INDEX_DIR, model: str | None = None,
                 settings: Settings | None = None, embedder: Embedder | None = None, device: str = "cpu",
                 backend: str = "auto", llm: LLMSettings | None = None, store: str | None = None) -> None:
        self.index_dir = Path(index_dir)
        # A Milvus store (milvus://HOST:PORT/DB or milvus:FILE) holds the whole index; else index_dir does.
        # `groundqa index --store` leaves its name in INDEX/STORE so later commands find it without --store.
        self.storage = open_store(self.index_dir, store)
        self.store = self.storage.spec
        self.settings = settings or PRESETS["default"]
        if llm is not None:  # answer with an OpenAI-compatible LLM, every sentence verified (app/answer/llm.py)
            self.settings = replace(self.settings, llm=llm)
        self._model = model
        self._embedder = embedder
        self._device = device
        self._backend = backend
        self._lock = threading.RLock()
        self._token: str | None = None
        self._loaded: LoadedIndex | None = None
        self._answerer: Answerer | None = None

    # -- loading -------------------------------------------------------------------------------
    def model_name(self) -> str:
        """The model this index uses (from the manifest), or the one asked for."""
        if self._model:
            return self._model
        man = self.storage.manifest()
        return man.model if man else DEFAULT_MODEL

    @property
    def embedder(self) -> Embedder:
        """The embedder; the model itself loads on first use (keeps it off paths that do not need it)."""
        with self._lock:
            if self._embedder is None:
                name = self.model_name()
                self._embedder = LazyEmbedder(canonical_model_name(name), lambda: load_embedder(
                    name, device=self._device, backend=self._backend))
            return self._embedder

    def loaded(self) -> LoadedIndex:
        """The live index generation, reloaded when another process or tab re-indexed."""
        with self._lock:
            token = self.storage.token()
            if self._loaded is None or token != self._token:
                self._loaded = self.storage.load()
                self._token = token
                self._answerer = None
            return self._loaded

    def answerer(self) -> Answerer:
        """The answerer over the live generation."""
        with self._lock:
            idx = self.loaded()
            if self._answerer is None:
                if idx.manifest.model != self.embedder.name:
                    from index.store import IndexFailure

                    raise IndexFailure(f"index {self.index_dir} was built with {idx.manifest.model!r}, not "
                                      f"{self.embedder.name!r} — drop --model or re-index with --rebuild")
                self._answerer = Answerer(Retriever(idx, self.embedder))
            return self._answerer

    def exists(self) -> bool:
        """Whether an index has been built here."""
        return self.storage.exists()

    # -- writing -------------------------------------------------------------------------------
    def index(self, paths: Sequence[str | Path], rebuild: bool = False, params: ChunkParams | None = None,
              remove_missing: bool = True, progress: ProgressFn | None = None) -> IndexReport:
        """Index files/folders incrementally (see index.builder)."""
        report = self.storage.build(paths, self.embedder, params=params, rebuild=rebuild,
                                    remove_missing=remove_missing, progress=progress)
        self.storage.record()
        return report

    def adapt(self, settings: AdaptSettings | None = None, progress: ProgressFn | None = None
              ) -> tuple[AdaptReport, IndexReport]:
        """Fine-tune the embedder on the indexed corpus (index/adapt.py), then re-embed the index with it.

        The adapted model is saved under INDEX/models/ and recorded in the manifest, so later commands
        use it without --model. The previous index stays live until the re-embedded one is committed; a
        failed or interrupted run leaves it as it was and deletes its half-made model, and a successful
        one deletes the adapted model it replaces.
        """
        import secrets
        import shutil
        from datetime import datetime, timezone

        settings = settings or AdaptSettings()
        if self.storage.adapt_refusal:
            raise AdaptError(self.storage.adapt_refusal)
        idx = self.loaded()
        self._check_adaptable(idx)
        current = idx.manifest.model
        models = (self.index_dir / "models").resolve()
        # A new folder per run: vectors are reused by model name, so a name must never get new weights.
        out = models / f"adapted-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        try:
            report = fine_tune(base_of(current), training_pairs(idx.con, settings), out, settings,
                               device=self._device, progress=progress)
            adapted = GroundQA(self.index_dir, model=str(out), settings=self.settings, device=self._device,
                               backend=self._backend)
            index_report = adapted.index([], rebuild=True, progress=progress)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
        with self._lock:
            self._model, self._embedder, self._answerer = str(out), None, None
        old = Path(current)
        if old.parent == models and old != out:  # the index no longer refers to it
            shutil.rmtree(old, ignore_errors=True)
            drop_onnx_exports(str(old))
        return report, index_report

    def _check_adaptable(self, idx: LoadedIndex) -> None:
        """AdaptError unless the live index's model can be trained and its files can be re-read."""
        current = idx.manifest.model
        if canonical_model_name(current).startswith("fake"):
            raise AdaptError(f"the index uses the test embedder {current!r}, which has no weights to train — "
                             "index with a sentence-transformers model first")
        missing = [d.source for d in db.list_documents(idx.con) if not Path(d.source).exists()]
        if missing:
            raise AdaptError(f"{len(missing)} indexed file(s) are gone (e.g. {missing[0]}) and could not be "
                             "re-embedded — run `groundqa index` to drop them, then adapt")

    def remove(self, documents: Sequence[str], progress: ProgressFn | None = None) -> IndexReport:
        """Remove documents by path, source file or id."""
        return self.storage.build([], self.embedder, remove=documents, remove_missing=False, progress=progress)

    # -- reading -------------------------------------------------------------------------------
    def documents(self) -> list[db.DocInfo]:
        """The indexed documents."""
        return self.loaded().list_documents()

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Excerpt]:
        """Ranked cited excerpts for a query."""
        q = check_question(query)
        s = self.settings.with_(k=k, mode=mode).retrieval
        return self.answerer().retriever.search(q, s)

    def answerer_name(self, settings: Settings | None = None) -> str:
        """Which answerer `ask` uses with these settings: "extractive" or "llm:MODEL at URL"."""
        llm = (settings or self.settings).llm
        return f"llm:{llm.model} at {llm.url}" if llm.enabled else "extractive"

    def ask(self, question: str, history: Sequence[str] = (), settings: Settings | None = None) -> Answer:
        """A grounded answer: verified verbatim quotes (or, with an LLM configured, LLM sentences each
        checked against its cited text) with citations, or an abstention."""
        q = check_question(question)
        history = check_history(history)  # each item is capped like the question (a 250 KB one took 2.2 s)
        answerer = self.answerer()
        settings = settings or self.settings
        if settings.llm.enabled:
            from app.answer.llm import LLMAnswerer

            ans = LLMAnswerer(answerer, settings.llm).answer(q, settings, history=history)
            if ans.answerer.startswith("llm:"):  # its cards: the top passages it does not cite, best lines marked
                ans.related = answerer.cards_for(ans, settings, history)
        else:
            ans = answerer.answer(q, settings, history=history)
        view = answerer.retriever.index  # the generation the answer came from, even if a newer one is live

        def text_of(doc_id: str) -> str:
            stored = view.get_document(doc_id)
            if stored is None:
                raise VerificationError(f"document {doc_id} is not in the answer's index generation")
            return stored.doc.text

        try:
            if ans.answerer.startswith("llm:"):
                from app.answer.llm import verify_llm

                verify_llm(ans, text_of)
            else:
                verify(ans, text_of)
                ans.evidence = segment_evidence(ans)
        except VerificationError:
            # Never return an answer that does not prove itself: abstain instead.
            from app.answer.verify import ABSTAIN_TEXT

            ans.abstained, ans.answer = True, ABSTAIN_TEXT
            ans.outcome, ans.kind = "not_found", ""
            ans.citations, ans.segments, ans.short_answers, ans.evidence = [], [], [], []
            ans.computation = None  # a computation that does not prove itself is not shown either
            ans.related = answerer.cards_for(ans, settings, history)
        return ans

    def doc_text(self, doc_id: str) -> str:
        """Canonical text of a current document."""
        stored = self.loaded().get_document(doc_id)
        if stored is None:
            raise KeyError(doc_id)
        return stored.doc.text

    def cite(self, citation: str, context: int = DEFAULT_CONTEXT, pages_around: tuple[int, int] | None = None
             ) -> Resolution:
        """Resolve a citation id (raises CitationError with the fix); `pages_around=(b, a)` widens the context
        to the whole cited pages plus `b` pages before and `a` after (index.resolve)."""
        parse_citation_id(citation)  # a malformed id is reported as such, index or not
        return resolve_citation(self.loaded(), citation, context, pages_around)

    def quote(self, text: str, limit: int = 5) -> list[QuoteMatch]:
        """Where a quote occurs in the documents; [] when it does not."""
        return find_quote(self.loaded(), text, limit)
