"""Progress (tiến độ): each unit of the subtree against its quota, furthest behind first, with
live updates while the page is open.

The page opens an event stream (/office/progress/events); each notice that a response of its
period and subtree changed makes it fetch its own address again and swap the table. When the
stream cannot be had (Redis down) the stream answers 503 and the page polls instead; with
JavaScript off, a reload shows the same table.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from hailong.accounts.scope import Action, Actor, require
from hailong.dashboard.service import procedure_fields, progress
from hailong.index.progress import ChannelFilter, shown_units
from hailong.live.notices import LocalNotices, NoticesUnavailable, ProgressNotice, RedisNotices
from hailong.models import Channel, Unit
from hailong.reports.words import Words
from hailong.web.office.pages import OfficePages, Place, find_place, query_url
from hailong.web.rendering import request_language

# A quiet stream says so now and then, so proxies keep it open and a dead client is noticed.
HEARTBEAT_SECONDS = 15.0
# Notices that arrive together make one refresh.
GATHER_SECONDS = 0.5
# A stream ends after this long; the browser opens a new one, and the sign-in is checked again.
STREAM_SECONDS = 600.0
POLL_SECONDS = 5


def channel_filter(value: str | None) -> ChannelFilter:
    value = (value or "official").strip().lower()
    if value in ("official", "all"):
        return ChannelFilter(value)
    if value in {c.value for c in Channel}:
        return ChannelFilter("one", value)
    return ChannelFilter("official")


class ProgressPage:
    def __init__(self, pages: OfficePages, notices: LocalNotices | RedisNotices) -> None:
        self.pages = pages
        self.notices = notices

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.view_progress)
        params = request.query_params
        words = Words(request_language(request))
        with self.pages.sessions() as session:
            place = find_place(
                session,
                actor,
                Action.view_progress,
                period=params.get("period"),
                unit=params.get("unit"),
            )
            values: dict[str, Any] = {"place": place, "fields": procedure_fields(session)}
            chosen = channel_filter(params.get("channel"))
            field_name = (params.get("field") or "").strip()
            values.update(
                channel=chosen.channel or chosen.group,
                channels=[(c.value, words.channel(c.value)) for c in Channel],
                field=field_name,
            )
            if place.period is not None:
                values["progress"] = progress(
                    session,
                    place.period,
                    place.unit,
                    channels=chosen,
                    procedure_field=field_name or None,
                    shown=shown_units(session, actor, place.unit),
                )
                values["events_url"] = query_url(
                    "/office/progress/events", period=place.period.code, unit=place.unit_code
                )
                values["poll_seconds"] = POLL_SECONDS
        return self.pages.render(request, actor, "office/progress.html", values)

    async def events(self, request: Request) -> Response:
        actor = await run_in_threadpool(self.pages.actor, request)
        if actor is None:
            return Response(status_code=401)
        params = request.query_params
        watched = await run_in_threadpool(
            self._watched, actor, params.get("period"), params.get("unit")
        )
        if watched is None:
            return Response(status_code=204)  # no period: nothing will ever change
        stack = contextlib.AsyncExitStack()
        try:
            stream = await stack.enter_async_context(self.notices.listen())
        except NoticesUnavailable:
            await stack.aclose()
            # The page polls instead (EventSource gives up on an answer that is not 200).
            return Response(status_code=503, headers={"retry-after": str(POLL_SECONDS)})
        period_id, unit_ids = watched
        body = _events(stream, stack, period_id, unit_ids)
        return StreamingResponse(
            body,
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    def _watched(
        self, actor: Actor, period: str | None, unit: str | None
    ) -> tuple[int, frozenset[int] | None] | None:
        require(actor, Action.view_progress)
        with self.pages.sessions() as session:
            place: Place = find_place(
                session, actor, Action.view_progress, period=period, unit=unit
            )
            if place.period is None:
                return None
            if place.unit is None:
                return place.period.id, None
            ids = session.scalars(select(Unit.id).where(Unit.path.startswith(place.unit.path)))
            return place.period.id, frozenset(ids)


def _concerns(notice: ProgressNotice, period_id: int, unit_ids: frozenset[int] | None) -> bool:
    return notice.period_id == period_id and (unit_ids is None or notice.unit_id in unit_ids)


async def _events(
    stream: AsyncIterator[ProgressNotice],
    stack: contextlib.AsyncExitStack,
    period_id: int,
    unit_ids: frozenset[int] | None,
) -> AsyncIterator[str]:
    # A pump task reads the notices: waiting on a queue can time out (for the heartbeat)
    # without cancelling the stream itself.
    queue: asyncio.Queue[ProgressNotice | None] = asyncio.Queue()
    pump = asyncio.create_task(_pump(stream, queue))
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    try:
        yield f"retry: {POLL_SECONDS * 1000}\n\n"
        while loop.time() < ends:
            try:
                notice = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": still here\n\n"
                continue
            if notice is None:
                break  # Redis went away: the browser reconnects, or polls if it cannot
            if not _concerns(notice, period_id, unit_ids):
                continue
            await asyncio.sleep(GATHER_SECONDS)
            yield "event: progress\ndata: changed\n\n"
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        await stack.aclose()


async def _pump(
    stream: AsyncIterator[ProgressNotice], queue: asyncio.Queue[ProgressNotice | None]
) -> None:
    try:
        async for notice in stream:
            queue.put_nowait(notice)
    except Exception:  # Redis lost mid-stream: the stream ends politely
        pass
    queue.put_nowait(None)
