"""Progress reporting for long CLI operations (indexing, adaptation, evaluation) on stderr."""
from __future__ import annotations

import sys
from typing import Callable

__all__ = ["progress_bar"]


def progress_bar() -> Callable[[str, int, int], None]:
    """A tqdm progress callback on stderr, one bar per stage."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            for b in bars.values():
                b.close()
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="doc" if stage != "building vector index"
                                     else "step", file=sys.stderr, leave=False, disable=None)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update
