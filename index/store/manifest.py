"""What an index was built with (manifest.json in a local generation; a manifest collection in Milvus)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.store.errors import IndexFailure

FORMAT = 2
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What an index generation was built with (manifest.json)."""

    data: dict[str, object]

    @property
    def model(self) -> str:
        """Embedding model name."""
        return str(self.data["model"])

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.data["dim"])  # type: ignore[arg-type]

    @property
    def n_passages(self) -> int:
        """Passage (= vector) count."""
        return int(self.data["n_passages"])  # type: ignore[arg-type]

    @property
    def n_units(self) -> int:
        """Embedded sentence-unit (= vector) count."""
        return int(self.data.get("n_units", self.data["n_passages"]))  # type: ignore[arg-type]

    @property
    def chunking(self) -> dict[str, object]:
        """Chunking parameters."""
        return dict(self.data["chunking"])  # type: ignore[arg-type]

    @classmethod
    def read(cls, gen: Path) -> "Manifest":
        """Load and sanity-check manifest.json."""
        try:
            data = json.loads((gen / MANIFEST_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise IndexFailure(f"index manifest {gen / MANIFEST_FILE} is unreadable ({exc}) — "
                              "rebuild with `groundqa index --rebuild`") from exc
        if not isinstance(data, dict):
            raise IndexFailure(f"index manifest {gen / MANIFEST_FILE} is not a JSON object — "
                              "rebuild with `groundqa index --rebuild`")
        if data.get("format") != FORMAT:
            raise IndexFailure(f"index format {data.get('format')!r} is not {FORMAT} (this version stores "
                              "section paths and OCR flags) — rebuild with `groundqa index --rebuild`")
        return cls(data)

    def write(self, gen: Path) -> None:
        """Write manifest.json."""
        (gen / MANIFEST_FILE).write_text(json.dumps(self.data, indent=2, sort_keys=True))
