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


# ------------------------------------------------------------------------------ one store factory

BACKENDS = ("index.store.milvus", "index.store.local", "pymilvus")
"""What only index/store/ may import: the backends (the factory index/store/backend.py picks one) and Milvus."""
ALLOWED_BACKEND_IMPORTERS = ("index.store", "index.builder")
"""index/store/ itself, and index/builder.py — the local backend's build, which writes its generations."""


def backend_branches(path: Path, module: str) -> list[str]:
    """Where a module outside the store factory tells the backends apart: it imports a backend module or
    pymilvus, branches on a `store` value (`if store`, `if api.store`, `x if self.store else y`), or tests a
    string for the milvus: scheme."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    allowed = any(module == a or module.startswith(a + ".") for a in ALLOWED_BACKEND_IMPORTERS)
    for node in _runtime_nodes(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        hit = [n for n in names if any(n == b or n.startswith(b + ".") for b in BACKENDS)]
        if hit and not (allowed and not any(h.startswith("pymilvus") for h in hit)):
            out.append(f"{path.name}:{node.lineno} imports {hit[0]}")
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            for sub in ast.walk(node.test):
                name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else ""
                if name == "store":
                    out.append(f"{path.name}:{node.lineno} branches on `{ast.unparse(node.test)}`")
                    break
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith"
                and any(isinstance(a, ast.Constant) and str(a.value).startswith("milvus") for a in node.args)):
            out.append(f"{path.name}:{node.lineno} tests for the milvus scheme")
    return out


def test_no_backend_branch_outside_the_store_factory() -> None:
    bad = []
    for mod, path in _modules(ROOT, ("corpus", "index", "app", "eval")).items():
        if mod == "index.store" or mod.startswith("index.store."):
            continue
        bad += [f"{path.relative_to(ROOT)}: {b}" for b in backend_branches(path, mod)]
    assert not bad, "backend chosen outside index.store.backend.open_store:\n" + "\n".join(bad)


def test_the_backend_check_sees_each_kind_of_branch(tmp_path: Path) -> None:
    p = tmp_path / "probe.py"
    p.write_text("def f(api, spec):\n"
                 "    from index.store.milvus.store import live_token\n"
                 "    if api.store:\n        pass\n"
                 "    return 1 if spec.startswith('milvus://') else 2\n", encoding="utf-8")
    found = backend_branches(p, "app.probe")
    assert sorted(f.split(" ", 1)[1].split(" ")[0] for f in found) == ["branches", "imports", "tests"], found
    ok = tmp_path / "ok.py"
    ok.write_text("def f(stored, x):\n    if stored is None:\n        return open_store(x, None)\n", encoding="utf-8")
    assert backend_branches(ok, "app.ok") == []
