"""The shape of the code a newcomer relies on (issue 36): no import circle between groundqa modules (at module
level or inside a function), and no module over 400 lines.

The import graph is built statically from every import statement (function-level ones included, since heavy
libraries and some siblings are imported lazily); `if TYPE_CHECKING:` blocks are left out, as they never run.
An import of a package's attribute (`from index.store import tables`) counts as an import of the submodule
when one exists by that name, else of the package.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("corpus", "index", "app", "eval", "bench")
MAX_LINES = 400


def _modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    out = {}
    for pkg in packages:
        for p in sorted((root / pkg).rglob("*.py")):
            if "__pycache__" in p.parts:
                continue
            parts = list(p.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = p
    return out


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (imports for annotations only)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module → the groundqa modules it imports anywhere in its body."""
    mods = _modules(root, packages)

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runtime_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                    here = here[: len(here) - node.level + 1]
                    base = ".".join(here + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                k = known(t)
                if k and k != mod:
                    graph[mod].add(k)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle() -> None:
    found = circles(import_graph(ROOT))
    assert not found, "import circles (module or function level):\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_the_circle_check_sees_module_and_function_level_imports(tmp_path: Path) -> None:
    """Guards the guard: a circle closed by a lazy import inside a function is found, a TYPE_CHECKING one is not."""
    pkg = tmp_path / "corpus"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from corpus.b import x\n", encoding="utf-8")
    (pkg / "b.py").write_text("def x():\n    from corpus import a\n", encoding="utf-8")
    (pkg / "c.py").write_text("from . import d\n", encoding="utf-8")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from corpus.c import d\n",
                              encoding="utf-8")
    assert circles(import_graph(tmp_path, ("corpus",))) == [["corpus.a", "corpus.b"]]


def test_no_module_over_400_lines() -> None:
    big = []
    for mod, path in _modules(ROOT).items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            big.append(f"{path.relative_to(ROOT)}: {n} lines")
    assert not big, f"modules over {MAX_LINES} lines (split them by what they hold):\n" + "\n".join(big)
