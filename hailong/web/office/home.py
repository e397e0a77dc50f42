"""The overview (tổng quan): the subtree's index and its elements, activity, warning signals,
the units furthest behind their quota and the lowest criteria, for one period."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor, may_do
from hailong.dashboard.service import activity, progress
from hailong.index.progress import ChannelFilter, shown_units
from hailong.index.selection import IndexSelection, channel_group
from hailong.reports import report_text as report_words
from hailong.reports.report_data import build_report
from hailong.reports.selection import computed_index
from hailong.reports.words import Words
from hailong.web.office.pages import OfficePages, find_place, query_url
from hailong.web.rendering import request_language

# How many units and criteria the overview lists; the progress page has them all.
SHORT_LIST = 5


class Home:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        with self.pages.sessions() as session:
            values = self._values(session, request, actor)
        return self.pages.render(request, actor, "office/home.html", values)

    def _values(self, session: Session, request: Request, actor: Actor) -> dict[str, Any]:
        if not may_do(actor, Action.view_index):
            # Enumerators: their own pages; the overview only says who they are.
            own = (
                None
                if actor.unit_id is None
                else find_place(session, actor, Action.view_units, period=None, unit=None).unit
            )
            return {"place": None, "own_unit": own}
        params = request.query_params
        place = find_place(
            session, actor, Action.view_index, period=params.get("period"), unit=params.get("unit")
        )
        values: dict[str, Any] = {"place": place, "own_unit": place.unit}
        if place.period is None:
            return values
        channels = channel_group(params.get("channels") or "official")
        language = request_language(request)
        words = Words(language)
        index = computed_index(session, IndexSelection(place.period, place.unit, channels), words)
        report = build_report(index, language=language)
        behind = progress(
            session,
            place.period,
            place.unit,
            channels=ChannelFilter(channels.value),
            shown=shown_units(session, actor, place.unit),
        )
        values.update(
            report=report,
            channels=channels.value,
            activity=activity(
                session, place.period, place.unit, channels=ChannelFilter(channels.value)
            ),
            behind=[row for row in behind.rows if row.missing][:SHORT_LIST],
            progress=behind,
            lowest=[line for line in report.criteria if line.value is not None][:SHORT_LIST],
            warning_labels={
                key: words(label) for key, label in report_words.WARNING_LABELS.items()
            },
            channel_urls={
                group: query_url(
                    "/office/", period=place.period.code, unit=params.get("unit"), channels=group
                )
                for group in ("official", "all")
            },
            progress_url=query_url(
                "/office/progress", period=place.period.code, unit=params.get("unit")
            ),
        )
        return values
