"""Periods and quotas (đợt khảo sát), for officials and administrators: create, close, the
questionnaire version, default quota and official channels; per-unit quotas by form or by a
`unit_code,quota` file (all or nothing, bad lines named). Services: hailong.periods.scoped."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hailong.accounts.scope import Action, Actor, may_do, require
from hailong.errors import BadInput, HailongError
from hailong.models import Channel, QuestionnaireVersion
from hailong.periods import scoped
from hailong.periods.quota_file import QuotaFileRejected, read_quota_file
from hailong.reports.words import Words
from hailong.units.scoped import visible_units
from hailong.web.office.csrf import CSRF_FIELD
from hailong.web.office.pages import OfficePages, binding_of, redirect
from hailong.web.office.posters import PICK_LIMIT
from hailong.web.rendering import request_language

MAX_UPLOAD_FIELDS = 10


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadInput() from None


def _number(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise BadInput() from None


class PeriodsPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.manage_periods)
        words = Words(request_language(request))
        with self.pages.sessions() as session:
            periods = scoped.list_periods(session, actor)
            managed = scoped.managed_periods(session, actor)
            versions = list(session.scalars(select(QuestionnaireVersion.code).order_by("code")))
        values = {
            "periods": periods,
            "managed": managed,
            "versions": versions or ["sipas-2023"],
            "channels": [(c.value, words.channel(c.value)) for c in Channel],
            "done": request.query_params.get("done", ""),
        }
        return self.pages.render(request, actor, "office/periods.html", values)

    def quotas_page(self, request: Request, code: str) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.manage_quotas)
        with self.pages.sessions() as session:
            period = scoped.get_period(session, actor, code)
            quotas = scoped.list_quotas(session, actor, code)
            # The unit field offers the subtree's units by name (a province's few hundred);
            # beyond the pick limit the code is typed, as before.
            units = session.execute(visible_units(actor).limit(PICK_LIMIT + 1)).all()
        values = {
            "period": period,
            "quotas": quotas,
            "units": [] if len(units) > PICK_LIMIT else units,
            "done": request.query_params.get("done", ""),
            "may_manage": may_do(actor, Action.manage_quotas),
        }
        return self.pages.render(request, actor, "office/quotas.html", values)

    async def create(self, request: Request) -> Response:
        actor, form = await self._posted(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        new = scoped.NewPeriod(
            code=str(form.get("code") or "").strip(),
            start=_day(form.get("start")),
            end=_day(form.get("end")),
            questionnaire=str(form.get("questionnaire") or "sipas-2023"),
            quota=_number(form.get("quota")),
            official=[v for v in form.getlist("official") if isinstance(v, str)],
        )
        await self.pages.change(
            request, actor, lambda s, who: scoped.create_period(s, actor, new, by=who)
        )
        return redirect(f"/office/periods?done=added:{new.code}")

    async def change(self, request: Request, code: str) -> Response:
        """The official channels and, while nobody has answered yet, the questionnaire."""
        actor, form = await self._posted(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        questionnaire = str(form.get("questionnaire") or "").strip() or None
        changes = scoped.PeriodChanges(
            official=[v for v in form.getlist("official") if isinstance(v, str)],
            questionnaire=questionnaire,
            comment=str(form.get("comment") or "").strip()[:1000] or None,
        )
        await self.pages.change(
            request, actor, lambda s, who: scoped.change_period(s, actor, code, changes, by=who)
        )
        return redirect(f"/office/periods?done=changed:{code}")

    async def close(self, request: Request, code: str) -> Response:
        actor, form = await self._posted(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        comment = str(form.get("comment") or "").strip()[:1000] or None
        await self.pages.change(
            request,
            actor,
            lambda s, who: scoped.close_period(s, actor, code, comment=comment, by=who),
        )
        return redirect(f"/office/periods?done=closed:{code}")

    async def set_quotas(self, request: Request, code: str) -> Response:
        """One unit's quota from the form, or every line of an uploaded file."""
        actor, form = await self._posted(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            lines, unreadable = read_quota_file(data, upload.filename)
            wanted = [(line.line, line.unit_code, line.quota) for line in lines]
        else:
            unreadable = []
            wanted = [(0, str(form.get("unit") or "").strip(), _number(form.get("quota")))]

        def apply(session: Session, who: Any) -> int:
            bad = list(unreadable)
            for line, unit_code, quota in wanted:
                try:
                    scoped.set_quota(session, actor, code, unit_code=unit_code, quota=quota, by=who)
                except HailongError:
                    if not line:
                        raise
                    bad.append(line)
            if bad:
                raise QuotaFileRejected(lines=", ".join(str(n) for n in sorted(bad)))
            return len(wanted)

        count = await self.pages.change(request, actor, apply)
        return redirect(f"/office/periods/{code}/quotas?done={count}")

    async def _posted(self, request: Request) -> tuple[Actor | None, Any]:
        actor = await run_in_threadpool(self.pages.actor, request)
        form = await request.form(max_files=1, max_fields=MAX_UPLOAD_FIELDS)
        if actor is not None:
            token = form.get(CSRF_FIELD)
            self.pages.csrf.verify(
                request, token if isinstance(token, str) else None, binding=binding_of(actor)
            )
        return actor, form
