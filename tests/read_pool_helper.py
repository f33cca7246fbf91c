"""A file reader for tests/test_read_pool.py that the worker processes import by name: it ends its process
abruptly (as a crash inside a PDF library would) on a file whose name says so, and reads any other file."""
from __future__ import annotations

import os
from pathlib import Path


def read_or_die(f: Path, root: Path) -> object:
    """index.reading.read_one, except that a file named crash-*.pdf kills the process reading it."""
    if Path(f).name.startswith("crash-"):
        os._exit(7)
    from index.reading import read_one

    return read_one(f, root)
