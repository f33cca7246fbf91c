"""The layering of the design card: corpus ← index ← app, eval imports no face, and nothing imports bench/.

Two checks: a static one over every import statement of every module (function-level imports included, since
heavy libraries are imported lazily), and a dynamic one that imports a whole layer in a fresh interpreter and
looks at which groundqa packages ended up in `sys.modules`.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("corpus", "index", "app", "eval")
# What each layer must never import (directly or lazily).
FORBIDDEN = {
    "corpus": {"index", "app", "eval", "bench"},
    "index": {"app", "eval", "bench"},
    "eval": {"app", "bench", "index", "corpus"},
    "app": {"bench"},
}


def _modules(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "__pycache__" not in p.parts and p.name != "__main__.py")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, module: str | None = None) -> set[str]:
    """Top-level package names imported anywhere in the module (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = (module or _module_name(path)).split(".")
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + (1 if path.name == "__init__.py" else 0)]
                names.add((base or [node.module or ""])[0])
            elif node.module:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_higher_layer_or_bench(layer: str) -> None:
    bad = []
    for path in _modules(layer):
        hit = _imported(path) & FORBIDDEN[layer]
        if hit:
            bad.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(hit))}")
    assert not bad, "layering broken:\n" + "\n".join(bad)


_PROBE = """
import importlib, json, sys
names = json.loads(sys.argv[1])
failed = {}
for n in names:
    try:
        importlib.import_module(n)
    except ImportError as e:  # an optional extra that is not installed is not a layering fault
        failed[n] = str(e)
print(json.dumps({"loaded": sorted({m.split('.')[0] for m in sys.modules}), "failed": failed}))
"""


@pytest.mark.parametrize("layer", LAYERS)
def test_importing_a_layer_loads_no_higher_layer(layer: str) -> None:
    names = [_module_name(p) for p in _modules(layer)]
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(names)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    loaded = set(result["loaded"]) & (set(LAYERS) | {"bench"})
    assert not loaded & FORBIDDEN[layer], f"importing {layer} loaded {sorted(loaded & FORBIDDEN[layer])}"
    # Only optional third-party extras may be missing; a groundqa module that cannot import is a bug.
    ours = {n: e for n, e in result["failed"].items() if any(f"'{x}" in e for x in LAYERS)}
    assert not ours, ours


def test_the_checks_catch_a_violation(tmp_path: Path) -> None:
    """The static check would see a lazy upward import inside a function (guards the guard)."""
    p = tmp_path / "probe.py"
    p.write_text("def f():\n    from app.api import GroundQA\n    import bench.run\n    from . import x\n",
                 encoding="utf-8")
    assert _imported(p, "corpus.loaders.probe") >= {"app", "bench", "corpus"}
