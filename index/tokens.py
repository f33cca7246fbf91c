"""The one tokenizer for indexing, querying and answering: bm25s's English stop words and Snowball stemming.

It lives in the index layer, not a storage module: both backends index these tokens, the retriever queries
with them, and the answerer (app/answer) compares words with them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence


@lru_cache(maxsize=1)
def _stemmer() -> object | None:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # PyStemmer is optional: plain tokens still work
        return None


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed word tokens — the one tokenizer for indexing and querying."""
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False,
                          show_progress=False)
