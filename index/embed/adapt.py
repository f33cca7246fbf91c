"""Adapt the embedding model to the user's own corpus, without labels (inverse cloze task).

Each training pair is (a sentence of a passage, the rest of that passage): the model learns to map a
sentence to the context it comes from, in the corpus's own vocabulary, with in-batch negatives
(multiple-negatives ranking loss, symmetric). No question or answer is needed. Measured on
covid-qa-dev (98 articles): dense-only hit@1/hit@5 0.50/0.73 → 0.54/0.81 after one epoch; see README
"Retrieval" for the hybrid figures and `bench/RESULTS.md` for how they were taken.

The recipe (one epoch, lr 2e-5, batch 32, texts cut to 128 tokens, 10% of contexts keep the
sentence) was chosen on covid-qa-dev among ICT, next-sentence, keyword-query and mixed variants;
keyword queries hurt hit@1 and more epochs or a higher rate gave nothing more.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

ProgressFn = Callable[[str, int, int], None]
ADAPT_FILE = "groundqa-adapt.json"
"""Written into an adapted model's folder: base model, recipe and corpus it was trained on."""


class AdaptError(ValueError):
    """The corpus or model cannot be adapted (the message says why and what to do)."""


@dataclass(frozen=True)
class AdaptSettings:
    """How the embedder is fine-tuned on the corpus."""

    epochs: int = 1
    """Passes over the training pairs (more measured no better on covid-qa-dev)."""
    learning_rate: float = 2e-5
    """AdamW peak learning rate (10% linear warm-up, then linear decay)."""
    batch_size: int = 32
    """Pairs per step; the other pairs of a batch are the negatives. Memory grows with it (~3 GB at 32,
    ~6 GB at 64 on CPU); 32 and 64 measured the same on covid-qa-dev."""
    max_tokens: int = 128
    """Tokens kept of each text while training (halves the CPU time of 256 at the same quality)."""
    max_pairs: int = 20_000
    """At most this many passages give a pair (a random sample of larger corpora): bounds the time."""
    min_pairs: int = 256
    """Fewer pairs than this cannot teach the model anything: adaptation is refused."""
    keep_sentence: float = 0.1
    """Share of pairs whose context still holds the sentence (so exact matches are not unlearned)."""
    seed: int = 0
    """Seed of the pair sampling and of torch."""

    def __post_init__(self) -> None:
        for name in ("epochs", "max_tokens", "max_pairs"):
            if getattr(self, name) < 1:
                raise AdaptError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size < 2:
            raise AdaptError(f"batch_size must be at least 2 (in-batch negatives), got {self.batch_size}")
        if not 0 < self.learning_rate < 1:
            raise AdaptError(f"learning_rate must be in (0, 1), got {self.learning_rate}")


@dataclass
class AdaptReport:
    """What one adaptation did."""

    base_model: str
    model_dir: str
    pairs: int
    steps: int
    seconds: float
    device: str

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"adapted {self.base_model} on {self.pairs} corpus pairs ({self.steps} steps, "
                f"{self.seconds:.0f} s on {self.device}) → {self.model_dir}")


def training_pairs(con, settings: AdaptSettings) -> list[tuple[str, str]]:
    """(sentence, rest of its passage) pairs from an index's passage table, one per sampled passage."""
    rng = random.Random(settings.seed)
    rows = [r[0] for r in con.execute("SELECT row FROM passages ORDER BY row")]
    if len(rows) > settings.max_pairs:
        rows = sorted(rng.sample(rows, settings.max_pairs))
    pairs: list[tuple[str, str]] = []
    for i in range(0, len(rows), 500):
        chunk = rows[i:i + 500]
        marks = ",".join("?" * len(chunk))
        passages = {r["row"]: r for r in con.execute(
            f"SELECT row, start, end, text FROM passages WHERE row IN ({marks})", chunk)}
        units: dict[int, list[tuple[int, int]]] = {}
        for u in con.execute(f"SELECT row, start, end FROM units WHERE row IN ({marks}) ORDER BY id", chunk):
            units.setdefault(u["row"], []).append((u["start"], u["end"]))
        for row in chunk:
            p = passages[row]
            spans = [(s, e) for s, e in units.get(row, []) if e - s >= 30 and p["start"] <= s and e <= p["end"]]
            if len(units.get(row, [])) < 2 or not spans:
                continue  # a one-sentence passage has no context to point to
            s, e = rng.choice(spans)
            text, off = p["text"], p["start"]
            sentence = text[s - off:e - off]
            context = text if rng.random() < settings.keep_sentence else \
                (text[:s - off] + text[e - off:]).strip()
            if context:
                pairs.append((sentence, context))
    rng.shuffle(pairs)
    return pairs


def base_of(model: str) -> str:
    """The model an adapted model was trained from (itself when it is no adapted model)."""
    meta = Path(model) / ADAPT_FILE
    if meta.is_file():
        return str(json.loads(meta.read_text(encoding="utf-8"))["base_model"])
    return model


def train(model, pairs: list[tuple[str, str]], settings: AdaptSettings, device: str = "cpu",
          progress: ProgressFn | None = None) -> int:
    """Fine-tune a SentenceTransformer in place on (query, context) pairs; returns the steps taken."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(settings.seed)
    full_len = model.max_seq_length
    model.max_seq_length = min(full_len, settings.max_tokens)
    bs = settings.batch_size
    steps = max(1, settings.epochs * (len(pairs) // bs))
    warm = max(1, steps // 10)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))
    encode_inputs = getattr(model, "preprocess", None) or model.tokenize

    def embed(texts: list[str]) -> torch.Tensor:
        feats = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in encode_inputs(texts).items()}
        return F.normalize(model(feats)["sentence_embedding"].float(), dim=-1)

    model.train()
    step = 0
    for _ in range(settings.epochs):
        for i in range(0, len(pairs) - bs + 1, bs):
            batch = pairs[i:i + bs]
            logits = 20.0 * embed([q for q, _ in batch]) @ embed([c for _, c in batch]).T
            labels = torch.arange(len(batch), device=device)
            loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if progress:
                progress("training steps", step, steps)
    model.eval()
    model.max_seq_length = full_len
    return step


def fine_tune(base_model: str, pairs: list[tuple[str, str]], out_dir: Path, settings: AdaptSettings,
              device: str = "cpu", progress: ProgressFn | None = None) -> AdaptReport:
    """Train a copy of `base_model` on `pairs` and save it (sentence-transformers format) in `out_dir`."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from index.embed import ModelUnavailable, model_source

    need = max(settings.min_pairs, settings.batch_size)
    if len(pairs) < need:
        raise AdaptError(f"only {len(pairs)} training pairs in this corpus (need {need}) — "
                         "adaptation needs more text; the unadapted model is kept")
    src = model_source(base_model)
    try:
        model = SentenceTransformer(str(src) if src else base_model, device=device, local_files_only=True)
    except Exception as exc:  # the library raises many types for "not found"
        raise ModelUnavailable(f"cannot load {base_model!r} to adapt it ({type(exc).__name__}) — "
                               "pass a local sentence-transformers model with --model PATH") from exc
    model = model.float()
    t0 = time.perf_counter()
    step = train(model, pairs, settings, device, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    report = AdaptReport(base_model=base_model,
                         model_dir=str(out_dir), pairs=len(pairs), steps=step,
                         seconds=time.perf_counter() - t0, device=device)
    (out_dir / ADAPT_FILE).write_text(json.dumps({"base_model": report.base_model, "recipe": "inverse-cloze",
                                                  "settings": asdict(settings), "pairs": len(pairs),
                                                  "steps": step}, indent=2), encoding="utf-8")
    return report
