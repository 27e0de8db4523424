"""One hostile input: what it does, what it is aimed at, and how it must end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.adversarial.world import Answer, World

REFUSED = "refused"
INERT = "inert"
# A spreadsheet evaluates a cell that starts with one of these.
LIVE = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    attack: Callable[[World], Answer]
    status: tuple[int, ...]
    says: str = ""  # in the answer (HTML entities decoded)
    needs: tuple = ()  # names of the world's parts, or functions, made before the "before" picture
    outcome: str = REFUSED
    hides: Callable[[World], str] | None = None  # what of the target the answer must not show
