"""Index layer: passages in, ranked cited excerpts out.

`embed/` holds the embedding backends, `store/` the generations, tables, vector stores and lexical index;
`builder` writes an index, `retriever` ranks passages, `citations`/`resolve`/`quote` turn ids and quotes
back into text, and `check` verifies an index.
"""
from index.types import Excerpt

__all__ = ["Excerpt"]
