"""Packed counts add up as the counts themselves would, whatever the signs of a change."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from hailong.models.packing import (
    CorruptTally,
    add_stored,
    from_bytes,
    from_text,
    pack,
    to_bytes,
    unpack,
)


def test_sums_of_packed_changes_unpack_to_the_summed_counts() -> None:
    rng = random.Random(7)
    width = 130
    totals = [0] * width
    stored = 0
    for _ in range(200):
        change = [rng.randint(0, 3) for _ in range(width)]
        if rng.random() < 0.3:
            # A response taken out again (a rejection) may only take what was counted.
            change = [-min(n, t) for n, t in zip(change, totals, strict=True)]
        totals = [t + n for t, n in zip(totals, change, strict=True)]
        stored += pack(change)
    assert unpack(stored, width) == tuple(totals)


def test_a_count_too_big_for_its_slot_cannot_pass_for_another() -> None:
    with pytest.raises(CorruptTally):
        unpack(pack([0, 0, 1]), 2)
    with pytest.raises(CorruptTally):
        unpack(-1, 3)


def test_numbers_as_postgresql_prints_them_even_past_pythons_digit_limit() -> None:
    for width in (3, 130, 600):  # 600 counts: some 5,800 digits, past int()'s 4,300
        total = pack([4_000_000_000] * width)
        text = format(Decimal(total), "f")  # what numeric::text gives
        assert from_text(text) == total


def test_sqlite_storage_adds_like_the_integers() -> None:
    first, second = pack([5, 0, 2]), pack([-1, 3, -2])
    assert from_bytes(add_stored(to_bytes(first), to_bytes(second))) == first + second
    assert unpack(from_bytes(add_stored(to_bytes(first), None)), 3) == (5, 0, 2)
