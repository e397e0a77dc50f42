"""A tally row's counts as one integer: count i times 2^(32 i), summed.

Adding two packed tallies adds every count at once, so the database keeps them up to date with
a plain `counts = counts + excluded.counts` (PostgreSQL numeric, exact at any size) and sums a
unit's rows over channels and review states with `sum(counts)`: the national index reads one
number per unit instead of summing a hundred columns over hundreds of thousands of rows.

A change may carry negative counts (a rejected response taking its answers out); a stored
total never does, which is what `unpack` needs. One count of one answer in one row stays far
below 2^32 (four billion forms).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

SLOT_BITS = 32
SLOT_BYTES = SLOT_BITS // 8
SLOT_LIMIT = 1 << SLOT_BITS
# Python refuses int(text) of more digits than this (CVE-2020-10735); longer totals, of a
# questionnaire with more than four hundred answer slots, go through Decimal instead.
INT_TEXT_DIGITS = 4300


class CorruptTally(ValueError):
    """A stored total whose counts do not fit: the table was edited by hand, or is damaged."""


@lru_cache(maxsize=64)
def _format(width: int) -> struct.Struct:
    return struct.Struct(f"<{width}I")


def pack(counts: Sequence[int]) -> int:
    """The packed form of counts (of any sign)."""
    if not any(counts):
        return 0
    if all(0 <= n < SLOT_LIMIT for n in counts):
        return int.from_bytes(_format(len(counts)).pack(*counts), "little")
    total = 0
    for position, n in enumerate(counts):
        if n:
            total += n << (SLOT_BITS * position)
    return total


def unpack(total: int, width: int) -> tuple[int, ...]:
    """The `width` counts of a stored (never negative) total."""
    try:
        raw = total.to_bytes(width * SLOT_BYTES, "little")
    except OverflowError:
        raise CorruptTally(f"a tally total does not fit {width} counts") from None
    return _format(width).unpack(raw)


def from_text(text: str) -> int:
    """A packed total as PostgreSQL prints a numeric (reading text is several times faster
    than psycopg's Decimal for numbers of a thousand digits)."""
    if len(text) < INT_TEXT_DIGITS:
        return int(text)
    return int(Decimal(text))


def to_bytes(total: int) -> bytes:
    """SQLite's storage of a packed total: little-endian two's complement."""
    return total.to_bytes(total.bit_length() // 8 + 1, "little", signed=True)


def from_bytes(raw: bytes) -> int:
    return int.from_bytes(raw, "little", signed=True)


def add_stored(first: bytes | None, second: bytes | None) -> bytes:
    """SQLite's `tally_add(a, b)`: the sum of two stored totals, for the upsert."""
    return to_bytes(from_bytes(first or b"") + from_bytes(second or b""))
