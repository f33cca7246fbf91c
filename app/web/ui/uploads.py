"""Which server files a Gradio event may read: only files this process received through Gradio's upload route.

Gradio's own check (`processing_utils._check_allowed`) is switched on in app.web.server; this module is
the second, independent check that every file-input handler makes on the paths it is handed, so a
client-sent FileData path can never name another file on the server, whatever Gradio does: the file must
be in Gradio's upload folder and, inside an event, one that Gradio's upload route wrote (not, say, a file
Gradio downloaded from a URL or an eval download staged there; URLs are refused earlier, app.web.guard).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

NOT_UPLOADED = "a file was not uploaded through this page — choose the file again and upload it"
"""The one message for a refused path; it never repeats the path (it names a server location)."""


class NotUploadedError(ValueError):
    """A handler was given a path outside Gradio's upload folder."""


def upload_root() -> Path:
    """Gradio's upload/cache folder (GRADIO_TEMP_DIR, else <tmp>/gradio), symlinks resolved."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def is_uploaded(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a regular file inside Gradio's upload folder once `..` and symlinks are resolved."""
    try:
        resolved = Path(os.path.abspath(os.fspath(path))).resolve(strict=True)
    except (OSError, RuntimeError, ValueError, TypeError):  # missing, a symlink loop, a NUL byte, not a path
        return False
    root = upload_root()
    return resolved != root and resolved.is_relative_to(root) and resolved.is_file() and _received(resolved)


def _received(resolved: Path) -> bool:
    """Whether Gradio's upload route wrote `resolved` in this process (checked inside a Gradio event only:
    outside one — direct calls — there is no page, and the folder check above is the rule)."""
    from gradio.context import LocalContext

    blocks = LocalContext.blocks.get(None)
    if blocks is None:
        return True
    received = getattr(blocks, "upload_file_set", set())
    return any(os.path.realpath(p) == str(resolved) for p in list(received))


def require_uploaded(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The paths as Paths, or NotUploadedError if any is not a file uploaded through Gradio."""
    out = []
    for p in paths:
        if not is_uploaded(p):
            raise NotUploadedError(NOT_UPLOADED)
        out.append(Path(p))
    return out


def discard(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Delete handled uploads from Gradio's folder (only files inside it; errors ignored)."""
    for p in paths:
        if is_uploaded(p):
            try:
                Path(p).unlink()
            except OSError:
                pass
