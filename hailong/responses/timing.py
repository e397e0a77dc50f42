"""How long the web form takes, as promised on the poster and the landing page.

The promise is measured, not guessed: the median time from "start" to the last page of the
period's completed web responses, once there are enough of them; before that a stated default.
Only the latest responses are read (a bounded query), so the promise follows the form as it is
now, not as it was months ago.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.models import Channel, Response, ResponseStatus

# Stated until measured: the form's design aims at about two minutes for most citizens; the
# default promises a little more, so nobody is told less than the form takes.
DEFAULT_MINUTES = 3
# Fewer completed responses than this say little about the next citizen.
ENOUGH_RESPONSES = 30
# The median of the latest this many.
SAMPLE = 1001


@dataclass(frozen=True)
class Promise:
    """The minutes to promise, and whether they were measured or are the default."""

    minutes: int
    measured: bool
    responses: int = 0


def durations(session: Session, *, period_id: int, sample: int = SAMPLE) -> list[float]:
    """Seconds from start to finish of the period's latest completed web responses."""
    rows = session.execute(
        select(Response.started_at, Response.submitted_at)
        .where(
            Response.period_id == period_id,
            Response.status == ResponseStatus.completed,
            Response.channel == Channel.web,
            Response.submitted_at.is_not(None),
        )
        .order_by(Response.submitted_at.desc())
        .limit(sample)
    )
    return [
        (finished - started).total_seconds()
        for started, finished in rows
        if started is not None and finished is not None and finished >= started
    ]


def minutes_of(seconds: float) -> int:
    """A duration as whole minutes to promise: rounded half up, never below one."""
    return max(1, math.floor(seconds / 60 + 0.5))


def promise(session: Session, *, period_id: int | None) -> Promise:
    """The minutes the poster and the landing page promise for this period."""
    if period_id is None:
        return Promise(DEFAULT_MINUTES, measured=False)
    seconds = durations(session, period_id=period_id)
    if len(seconds) < ENOUGH_RESPONSES:
        return Promise(DEFAULT_MINUTES, measured=False, responses=len(seconds))
    return Promise(minutes_of(statistics.median(seconds)), measured=True, responses=len(seconds))


class PromiseCache:
    """The promise per period, worked out at most once per `seconds` in this process: the
    landing page is shown at every scan and must not read a thousand rows each time."""

    def __init__(self, seconds: float = 600, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[int, tuple[float, Promise]] = {}

    def get(self, session: Session, period_id: int) -> Promise:
        now = self._clock()
        with self._lock:
            kept = self._kept.get(period_id)
        if kept is not None and now - kept[0] < self._seconds:
            return kept[1]
        found = promise(session, period_id=period_id)
        with self._lock:
            self._kept[period_id] = (now, found)
        return found
