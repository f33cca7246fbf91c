"""The bundled sample report is a demo: dropped, with a notice, once the user's own first document is indexed."""
from __future__ import annotations

from pathlib import Path

from app.api import GroundQA
from app.sample import DEMO_MARKER, drop_demo_sample, mark_demo
from corpus import SAMPLE_DIR


def _own(tmp_path: Path) -> Path:
    d = tmp_path / "own"
    d.mkdir()
    (d / "orchards.txt").write_text("Orchard Survey\n\nApple trees are grafted in early spring.\n", encoding="utf-8")
    return d


def test_the_demo_sample_goes_when_an_own_document_arrives(tmp_path, fake_embedder):
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([SAMPLE_DIR])
    mark_demo(api)
    assert drop_demo_sample(api) is None  # only the sample: it stays, still a demo
    assert (api.index_dir / DEMO_MARKER).exists()
    api.index([_own(tmp_path)], remove_missing=False)
    notice = drop_demo_sample(api)
    assert notice and "removed the bundled sample report" in notice and "\n" not in notice
    assert [d.path for d in api.documents()] == ["orchards.txt"]
    assert not (api.index_dir / DEMO_MARKER).exists()
    assert drop_demo_sample(api) is None


def test_a_sample_indexed_on_purpose_is_kept(tmp_path, fake_embedder):
    api = GroundQA(tmp_path / "index", embedder=fake_embedder)
    api.index([SAMPLE_DIR])  # no demo marker: the user asked for it
    api.index([_own(tmp_path)], remove_missing=False)
    assert drop_demo_sample(api) is None
    assert len(api.documents()) == 2


def test_the_documents_table_uses_human_sizes():
    from app.web.ui.documents import human_size

    assert [human_size(n) for n in (812, 2_080, 14_200, 1_366_999, 25_000_000, 2_100_000_000)] == [
        "812 B", "2.1 KB", "14 KB", "1.4 MB", "25 MB", "2.1 GB"]
