"""Progress notices: a nudge, sent after a commit, that a unit's counted responses changed.

A notice carries two ids (period and unit), never an answer: an open
progress page that hears one of its subtree reloads its figures through its own, scoped, query.

Notices are published in Redis (pub/sub) when HAILONG_REDIS_URL is set, so a page served by one
app process hears a response stored by another; otherwise in this process. Redis is never the
only copy of anything here: a lost notice only delays a page until its next poll or reload.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from redis import Redis
from redis import asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Response, ResponseStatus
from hailong.responses.service import FINISHED_KEY

log = logging.getLogger(__name__)

CHANNEL = "progress"
REDIS_TIMEOUT_SECONDS = 0.5
# After a failed publish, Redis is left alone for this long (a hung Redis costs one timeout).
REDIS_RETRY_SECONDS = 5.0
PENDING_KEY = "hailong_progress_notices"
FINISHED = (ResponseStatus.completed.value, ResponseStatus.unrated.value)


class NoticesUnavailable(Exception):
    """Notices cannot be heard now (Redis is down): the page polls instead."""


@dataclass(frozen=True)
class ProgressNotice:
    period_id: int
    unit_id: int

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> ProgressNotice | None:
        try:
            data = json.loads(raw)
            return cls(int(data["period_id"]), int(data["unit_id"]))
        except (ValueError, KeyError, TypeError):
            return None


class Notices(Protocol):
    def publish(self, notice: ProgressNotice) -> None: ...

    def listen(self) -> Any:
        """An async context manager giving an async iterator of notices."""
        ...


class LocalNotices:
    """Notices within this process: each listener has a queue on its own event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[ProgressNotice]]] = (
            set()
        )

    def publish(self, notice: ProgressNotice) -> None:
        # Called from a worker thread after a commit: hand the notice to each listener's loop.
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, notice)
            except RuntimeError:  # that loop has closed
                continue

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[AsyncIterator[ProgressNotice]]:
        queue: asyncio.Queue[ProgressNotice] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners.add(entry)
        try:
            yield _drain(queue)
        finally:
            with self._lock:
                self._listeners.discard(entry)


async def _drain(queue: asyncio.Queue[ProgressNotice]) -> AsyncIterator[ProgressNotice]:
    while True:
        yield await queue.get()


class RedisNotices:
    """Notices through Redis pub/sub, heard by every app process; this process's listeners
    hear them too when Redis refuses a publish."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.channel = f"{prefix}{CHANNEL}"
        self.local = LocalNotices()
        self._client = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._down_until = 0.0

    def publish(self, notice: ProgressNotice) -> None:
        if time.monotonic() >= self._down_until:
            try:
                self._client.publish(self.channel, notice.to_json())
                return
            except (RedisError, OSError) as error:
                self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
                log.warning("Redis unavailable for progress notices (%s)", type(error).__name__)
        self.local.publish(notice)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[AsyncIterator[ProgressNotice]]:
        client = aioredis.Redis.from_url(
            self.url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=None
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            try:
                await asyncio.wait_for(pubsub.subscribe(self.channel), REDIS_TIMEOUT_SECONDS * 2)
            except (RedisError, OSError, TimeoutError) as error:
                raise NoticesUnavailable() from error
            yield _from_pubsub(pubsub)
        finally:
            try:
                await pubsub.aclose()
                await client.aclose()
            except (RedisError, OSError):
                pass


async def _from_pubsub(pubsub: Any) -> AsyncIterator[ProgressNotice]:
    async for message in pubsub.listen():
        if message.get("type") != "message":
            continue
        notice = ProgressNotice.from_json(message["data"])
        if notice is not None:
            yield notice


def make_notices(redis_url: str | None, prefix: str) -> LocalNotices | RedisNotices:
    return RedisNotices(redis_url, prefix) if redis_url else LocalNotices()


# Publishing after commits ------------------------------------------------------------------


def publish_after_commit(sessions: sessionmaker[Session], notices: Notices) -> None:
    """Send a notice for each response whose status or review state a transaction changed,
    once that transaction has committed (never for one rolled back)."""
    event.listen(sessions, "after_flush", _remember_changes)
    event.listen(sessions, "after_commit", lambda session: _send(session, notices))
    event.listen(sessions, "after_rollback", _forget)


def _remember_changes(session: Session, _context: Any) -> None:
    changed = session.info.setdefault(PENDING_KEY, set())
    for item in (*session.new, *session.dirty):
        if isinstance(item, Response) and _counts_changed(session, item):
            changed.add((item.period_id, item.unit_id))


def _counts_changed(session: Session, response: Response) -> bool:
    """A response finished (or imported finished), or its review state moved."""
    if response in session.new:
        return response.status in FINISHED
    attrs = inspect(response).attrs
    if attrs["review_state"].history.has_changes():
        return True
    return attrs["status"].history.has_changes() and response.status in FINISHED


def _forget(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(FINISHED_KEY, None)


def _send(session: Session, notices: Notices) -> None:
    changed: set[tuple[int, int]] = session.info.pop(PENDING_KEY, set())
    changed |= session.info.pop(FINISHED_KEY, set())
    for period_id, unit_id in changed:
        try:
            notices.publish(ProgressNotice(period_id, unit_id))
        except Exception:  # a nudge must never fail what was already committed
            log.exception("progress notice not sent")
