"""Shared fixtures: a deterministic fake embedder for fast exact tests; the real model once per run."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL_DATA = SHARED / "eval-data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when the shared folder is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present")
    return p


@pytest.fixture
def fake_embedder():
    """Hashed bag-of-words embedder: exact and instant."""
    from index.embed import FakeEmbedder

    return FakeEmbedder(64)


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled sample corpus."""
    from corpus import SAMPLE_DIR

    d = tmp_path / "docs"
    shutil.copytree(SAMPLE_DIR, d)
    return d


@pytest.fixture
def fake_api(tmp_path: Path, sample_dir: Path, fake_embedder):
    """A GroundQA over the sample corpus indexed with the fake embedder."""
    from app.api import GroundQA

    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([sample_dir])
    return api


@pytest.fixture
def served_url(fake_api, tmp_path, monkeypatch):
    """(url, api): the full app (make_app) over the fake-embedder sample index on a loopback port, with its
    own Gradio upload folder, answering at threshold 0 (the fake embedder's confidences are not calibrated)."""
    from app.web.server import BackgroundServer, make_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # read when the app is built
    fake_api.settings = fake_api.settings.with_(threshold=0.0)
    srv = BackgroundServer(make_app(fake_api))
    try:
        yield srv.url, fake_api
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2, loaded once per test run."""
    from index.embed import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def real_sample_api(tmp_path_factory, real_embedder):
    """GroundQA over the bundled sample corpus with the real model (built once per run)."""
    from app.api import GroundQA
    from corpus import SAMPLE_DIR

    api = GroundQA(tmp_path_factory.mktemp("real-sample") / "index", embedder=real_embedder)
    api.index([SAMPLE_DIR])
    return api


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page(tmp_path):
    """A fresh Debian-chromium page (fresh user-data dir); skips when chromium or playwright is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                   headless=True, args=CHROMIUM_FLAGS,
                                                   viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        ctx.close()
