"""Backoff: doubling waits with jitter, capped, never shorter than the provider asked."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hailong.outbox.http import retry_after
from hailong.outbox.policy import RetryPolicy

POLICY = RetryPolicy(max_attempts=12, first_delay=5.0, max_delay=3600.0)


class TestBackoff:
    def test_waits_double_between_half_and_all_of_their_ceiling(self) -> None:
        rng = random.Random(7)
        for attempt, ceiling in [(1, 5), (2, 10), (3, 20), (6, 160), (10, 2560)]:
            waits = [POLICY.delay(attempt, rng=rng) for _ in range(200)]
            assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
            # Jitter: messages that failed together come back spread out.
            assert max(waits) - min(waits) > ceiling / 4

    def test_waits_stop_growing_at_the_largest(self) -> None:
        assert POLICY.delay(11) <= 3600 and POLICY.delay(500) <= 3600
        assert POLICY.delay(500) >= 1800

    def test_the_providers_retry_after_is_a_floor(self) -> None:
        assert POLICY.delay(1, after=90) == 90
        assert POLICY.delay(10, after=1) >= 1280

    def test_gives_up_after_the_last_attempt(self) -> None:
        assert not POLICY.gives_up_after(11)
        assert POLICY.gives_up_after(12)


class TestRetryAfter:
    def test_seconds(self) -> None:
        assert retry_after("120") == 120

    def test_an_http_date(self) -> None:
        now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
        header = format_datetime(now + timedelta(seconds=30), usegmt=True)
        assert retry_after(header, now=now) == 30
        assert retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0

    def test_nothing_usable(self) -> None:
        assert retry_after(None) is None
        assert retry_after("soon") is None
        assert retry_after("") is None
