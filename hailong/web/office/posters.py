"""Posters (mã QR): a batch for a unit's subtree is built in the background (qr.jobs) while the
official keeps working; its page shows the progress and, once built, the download."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from hailong.accounts.scope import Action, require
from hailong.db import unit_of_work
from hailong.models import PosterJobState, Unit
from hailong.units.scoped import visible_units
from hailong.web.office.csrf import CSRF_FIELD
from hailong.web.office.pages import OfficePages, binding_of, redirect
from qr import jobs
from qr.content import PosterSize

# A page still building reloads itself this often (a meta refresh: it works without JavaScript).
REFRESH_SECONDS = 2
# Past this many units, the unit is typed rather than picked from a list.
PICK_LIMIT = 400


class PostersPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.print_posters)
        with self.pages.sessions() as session:
            units = session.execute(
                visible_units(actor).order_by(Unit.path).limit(PICK_LIMIT + 1)
            ).all()
            values: dict[str, Any] = {
                "units": [] if len(units) > PICK_LIMIT else units,
                "sizes": [size.value for size in PosterSize],
                "jobs": [
                    (job, unit, jobs.shown_state(job))
                    for job, unit in jobs.recent_jobs(session, actor)
                ],
                "own_code": _own_code(session, actor.unit_id),
                "states": PosterJobState,
            }
        return self.pages.render(request, actor, "office/posters.html", values)

    async def start(self, request: Request) -> Response:
        actor = await run_in_threadpool(self.pages.actor, request)
        if actor is None:
            return self.pages.sign_in_first(request)
        form = await request.form(max_files=0, max_fields=10)
        posted = {k: v for k, v in form.items() if isinstance(v, str)}
        self.pages.csrf.verify(request, posted.get(CSRF_FIELD), binding=binding_of(actor))
        job_id, public_id = await run_in_threadpool(
            self._start, actor, posted.get("unit", ""), posted.get("size")
        )
        jobs.build_in_background(self.pages.sessions, self.pages.settings, job_id)
        return redirect(f"/office/posters/{public_id}")

    def _start(self, actor: Any, unit_code: str, size: str | None) -> tuple[int, str]:
        # The batch must lead phones somewhere: refuse a loopback address before starting.
        self.pages.settings.link_base(pages=2)
        with unit_of_work(self.pages.sessions) as session:
            job = jobs.start_job(session, actor, unit_code=unit_code, size=size)
            return job.id, job.public_id

    def job(self, request: Request, public_id: str) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.print_posters)
        with self.pages.sessions() as session:
            job = jobs.job_of(session, actor, public_id)
            unit = session.get_one(Unit, job.unit_id)
            state = jobs.shown_state(job)
            values = {
                "job": job,
                "unit": unit,
                "state": state.value,
                "refresh": REFRESH_SECONDS if state is PosterJobState.running else None,
                "share": 0 if not job.total else round(100 * job.done / job.total, 2),
            }
        return self.pages.render(request, actor, "office/poster_job.html", values)

    def download(self, request: Request, public_id: str) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.print_posters)
        with self.pages.sessions() as session:
            job = jobs.job_of(session, actor, public_id)
            if job.state != PosterJobState.done.value or job.pdf is None:
                raise jobs.UnknownPosterJob(job=public_id[:36])
            unit_code = session.scalar(select(Unit.code).where(Unit.id == job.unit_id))
            pdf = job.pdf
        name = f"posters-{unit_code}-{job.size}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )


def _own_code(session: Any, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    return session.scalar(select(Unit.code).where(Unit.id == unit_id)) or ""
