"""Lists of at most `size` items from any iterable (`itertools.batched` arrived in 3.12)."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

# Values per `IN (...)` list: SQLite builds before 3.32 take 999 values per statement
# at most, and a whole job's or type's ids in one list fail past any build's limit.
IN_LIST = 500


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
