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


README_MAX_LINES = 250
"""The README is what a user needs; measurements live in docs/ (issue 35)."""


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _shown_commands(text: str, inline: bool = True) -> list[str]:
    """Every command a page shows: lines of its ```bash/```text blocks (a `$ ` prompt dropped, comments cut) and,
    with `inline`, its inline `groundqa …` / `curl …` spans; `&&` chains split into their commands."""
    lines: list[str] = []
    for block in re.findall(r"```(?:bash|text)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"^\$ ", "", line.strip())
            if line.startswith(("groundqa ", "curl ", "pip ", "python")):
                lines.append(re.sub(r"\s+#.*$", "", line))
    if inline:
        lines += re.findall(r"`((?:groundqa|curl) [^`]+)`", text)
    return [part.strip() for line in lines for part in line.split(" && ") if part.strip()]


def _argv(command: str) -> list[str]:
    """A shown `groundqa …` command as argv: optional parts in [ ] kept without their brackets."""
    import shlex

    argv = shlex.split(command.replace("[", "").replace("]", ""))[1:]
    return [("1" if re.fullmatch(r"[A-Z]", a) else a) for a in argv]  # `-k K`, `--overlap S`: a number placeholder


def test_readme_is_short_and_opens_with_both_commands():
    text = _readme()
    assert len(text.splitlines()) <= README_MAX_LINES
    blocks = re.findall(r"```bash\n(.+?)\n```", text)
    assert blocks[:2] == _readme_commands(), "commands (1) and (2) are the first two commands shown"
    assert text.index("## Quick start") < 1200  # after a short paragraph saying what groundqa is
    for area in ("## Answers and outcomes", "## Tables and computations", "## LLM answers", "## Security",
                 "## Scaling out: Milvus", "## Limits", "## Where groundqa writes files"):
        assert area in text, area  # each area has a home for its paragraph


def test_every_groundqa_command_the_readme_shows_parses():
    """Each `groundqa …` command of the README (and of the docs/ pages) is accepted by the real parser; a
    command named in a sentence (`groundqa eval`, `groundqa cite --json`) exists with the options it names."""
    from app.cli.main import build_parser

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = {c for page in pages for c in _shown_commands(page.read_text(encoding="utf-8"), inline=False)}
    mentioned = {c for page in pages for c in _shown_commands(page.read_text(encoding="utf-8"))} - blocks
    readme = [c for c in _shown_commands(_readme()) if c.startswith("groundqa ")]
    assert len(readme) >= 15, readme  # index, serve with port and index, the table, the session, LLM, Milvus
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # name -> its parser
    for command in sorted(c for c in blocks | mentioned if c.startswith("groundqa ")):
        argv = _argv(command)
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            if command in blocks and "--help" not in argv:
                raise AssertionError(f"the docs show a command groundqa does not accept: {command}") from None
            names = list(commands) if argv[0] == "COMMAND" else [argv[0]]
            for name in names:  # named in a sentence: the command exists and has every option named
                assert name in commands, command
                known = {o for a in commands[name]._actions for o in a.option_strings}
                assert {a for a in argv if a.startswith("-")} <= known, command
            continue
        assert callable(args.fn), command
    serve = [parser.parse_args(_argv(c)) for c in readme if c.startswith("groundqa serve --port")]
    index = [parser.parse_args(_argv(c)) for c in readme if c.startswith("groundqa index ~/reports")]
    assert serve and serve[0].port == 8080 and serve[0].index.endswith("reports-index")
    assert index and index[0].index == serve[0].index  # the folder indexed is the folder served


def test_every_http_route_the_readme_shows_exists(tmp_path, fake_embedder):
    """`curl` lines of the README and docs/ name routes the server has, with their methods."""
    from app.api import GroundQA
    from app.web.server import make_app

    from fastapi.testclient import TestClient

    client = TestClient(make_app(GroundQA(tmp_path / "index", embedder=fake_embedder)), base_url="http://127.0.0.1")
    curls = [c for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
             for c in _shown_commands(page.read_text(encoding="utf-8")) if c.startswith("curl ")]
    assert any("/api/ask" in c for c in _shown_commands(_readme()))
    for c in curls:
        path = re.search(r"localhost:\d+(/[^\s'\"?]*)", c).group(1)
        body = re.search(r"-d '([^']*)'", c)
        resp = client.post(path, content=body.group(1), headers={"content-type": "application/json"}) if body \
            else client.get(path)
        # A route that is not there answers FastAPI's {"detail": "Not Found"} (or 405); groundqa's own errors
        # (no index here, a citation naming nothing) are {"error": ...}.
        assert resp.status_code != 405 and "detail" not in resp.json(), (c, resp.status_code, resp.text[:200])


def test_readme_and_docs_links_resolve():
    """Every relative link of the README and the docs/ pages names a file that exists."""
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_pip_extras_the_readme_shows_exist():
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for name in re.findall(r'pip install[^`\n]*-e "\.\[(\w+)\]"', _readme()):
        assert name in extras, name
