"""Where numbers a model computed will be checked: the hook of the LLM sentence check for a number that its
source sentence does not hold.

A model may write "Revenue grew 12.5% [1]" where the cited filing gives revenue for two years. Such a number is
accepted only when a computation engine re-does the arithmetic from operands the claim cites (the statements
issue's engine). Until that engine is connected no computed number is accepted: `computed_number` answers
False, so a number absent from the source sentence removes the sentence.
"""
from __future__ import annotations

from typing import Callable, Sequence

ComputedCheck = Callable[[str, str, Sequence[str]], bool]
"""(number as written in the claim, the claim's text, the cited excerpt texts) → whether the number was
re-derived from cited operands."""


def computed_number(number: str, claim: str, excerpts: Sequence[str]) -> bool:
    """Whether `number`, absent from the claim's source sentence, was re-computed from operands the claim cites.
    No computation engine is connected yet: always False."""
    return False
