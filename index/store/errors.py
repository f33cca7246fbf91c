"""The errors of an index, whichever backend holds it (each worded for the user, naming the fix)."""
from __future__ import annotations


class IndexFailure(RuntimeError):
    """A problem with an index (its folder or its store), worded for the user with the fix."""


class NoIndex(IndexFailure):
    """No index has been built in this directory yet."""


class IndexLocked(IndexFailure):
    """Another process is writing this index."""
