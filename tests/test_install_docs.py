"""The install the README promises: command (1) gets the ONNX fast path, `.ci/run` runs command (2) verbatim."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text[text.index("## Quick start"):]
    return re.findall(r"```bash\n(.+?)\n```", quick)[:2]


def test_ci_runs_readme_command_2_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _readme_commands()[1] in ci


def test_readme_install_has_the_onnx_backend_as_core_dependencies():
    """Command (1) is `pip install -e .` (no extra), so the int8 ONNX backend must be a core dependency."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    assert "pip install -e . &&" in _readme_commands()[0]
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {re.split(r"[<>=!\[ ;]", d, maxsplit=1)[0].lower() for d in deps}
    assert {"onnxruntime", "onnx", "tokenizers", "torch"} <= names
