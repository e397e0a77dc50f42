"""Poster batches built in the background for the office: started by a request that returns at
once, built by a thread of that app process, followed by any process through the database.

A province's batch (hundreds of posters) takes a minute or two; no request waits for it. The
job row holds the progress (pages written, touched after each chunk) and, once done, the PDF.
A running job whose row has not moved for STALE_AFTER died with its process: it is shown as
failed, and the official starts it again.
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts.scope import Action, Actor, require, unit_in_scope
from hailong.db import unit_of_work
from hailong.errors import BadInput, NotFound
from hailong.i18n import N_, Catalogs
from hailong.models import PosterJob, PosterJobState, Unit
from hailong.periods.service import today_in_vietnam
from hailong.settings import Settings
from qr import service
from qr.content import PosterFrame, PosterSize, PosterText, configured_channels

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=3)
# One batch at a time per process: the machine's other core keeps answering citizens.
_BUILDING = threading.Semaphore(1)


class UnknownPosterJob(NotFound):
    message = N_("There is no batch of posters {job} among yours.")


class BadPosterSize(BadInput):
    message = N_("A poster is A4 or A6.")


def poster_size(value: str | None) -> PosterSize:
    try:
        return PosterSize((value or "A4").strip().upper())
    except ValueError:
        raise BadPosterSize() from None


def start_job(session: Session, actor: Actor, *, unit_code: str, size: str | None) -> PosterJob:
    """A new job for the posters of the unit's subtree; NothingToPrint when it has no counter."""
    unit = unit_in_scope(session, actor, unit_code, Action.print_posters)
    chosen = poster_size(size)
    plan = service.poster_plan(session, unit)
    if plan.total == 0:
        raise service.NothingToPrint(code=unit.code)
    job = PosterJob(
        public_id=str(uuid.uuid4()),
        account_id=actor.account_id,
        unit_id=unit.id,
        size=chosen.value,
        total=plan.total,
    )
    session.add(job)
    session.flush()
    return job


def job_of(session: Session, actor: Actor, public_id: str) -> PosterJob:
    """One of the actor's own jobs; any other id is not found."""
    job = session.scalar(
        select(PosterJob).where(
            PosterJob.public_id == public_id.strip()[:36],
            PosterJob.account_id == actor.account_id,
        )
    )
    if job is None:
        raise UnknownPosterJob(job=public_id[:36])
    return job


def recent_jobs(session: Session, actor: Actor, *, limit: int = 10) -> list[tuple[PosterJob, Unit]]:
    query = (
        select(PosterJob, Unit)
        .join(Unit, Unit.id == PosterJob.unit_id)
        .where(PosterJob.account_id == actor.account_id)
        .order_by(PosterJob.id.desc())
        .limit(limit)
    )
    return [(job, unit) for job, unit in session.execute(query).tuples()]


def shown_state(job: PosterJob, now: datetime | None = None) -> PosterJobState:
    state = PosterJobState(job.state)
    moved = job.updated_at if job.updated_at.tzinfo else job.updated_at.replace(tzinfo=UTC)
    if state is PosterJobState.running and (now or datetime.now(UTC)) - moved > STALE_AFTER:
        return PosterJobState.failed
    return state


def build_in_background(sessions: sessionmaker[Session], settings: Settings, job_id: int) -> None:
    thread = threading.Thread(
        target=build, args=(sessions, settings, job_id), name=f"posters-{job_id}", daemon=True
    )
    thread.start()


def build(sessions: sessionmaker[Session], settings: Settings, job_id: int) -> None:
    """Build the job's PDF, recording progress as it goes; never raises."""
    with _BUILDING:
        try:
            pdf = _render(sessions, settings, job_id)
        except Exception:
            log.exception("poster batch %s failed", job_id)
            _finish(sessions, job_id, PosterJobState.failed, None)
            return
        _finish(sessions, job_id, PosterJobState.done, pdf)


def _render(sessions: sessionmaker[Session], settings: Settings, job_id: int) -> bytes:
    def transaction() -> AbstractContextManager[Session]:
        return unit_of_work(sessions)

    with unit_of_work(sessions) as session:
        job = session.get_one(PosterJob, job_id)
        unit = session.get_one(Unit, job.unit_id)
        plan = service.poster_plan(session, unit)
        period = service.period_for_posters(session, today=today_in_vietnam())
        size, unit_code = PosterSize(job.size), unit.code
    base_url = settings.link_base(pages=plan.total)
    frame = PosterFrame(
        size=size,
        channels=configured_channels(settings),
        period=period,
        text=PosterText(Catalogs("qr")),
    )
    posters = service.unit_posters(transaction, unit_code, base_url=base_url, plan=plan)
    # Imported here: ReportLab and pypdf take a tenth of a second to load.
    from qr.posters import write_posters

    out = io.BytesIO()
    write_posters(out, posters, frame, on_progress=_progress(sessions, job_id))
    return out.getvalue()


def _progress(sessions: sessionmaker[Session], job_id: int) -> Callable[[int], None]:
    def advance(pages: int) -> None:
        with unit_of_work(sessions) as session:
            session.execute(
                update(PosterJob)
                .where(PosterJob.id == job_id)
                .values(done=PosterJob.done + pages, updated_at=datetime.now(UTC))
            )

    return advance


def _finish(
    sessions: sessionmaker[Session], job_id: int, state: PosterJobState, pdf: bytes | None
) -> None:
    now = datetime.now(UTC)
    with unit_of_work(sessions) as session:
        session.execute(
            update(PosterJob)
            .where(PosterJob.id == job_id)
            .values(state=state.value, pdf=pdf, updated_at=now, finished_at=now)
        )


def counter_poster_pdf(
    session: Session, actor: Actor, counter_id: int, *, size: str | None, settings: Settings
) -> tuple[str, bytes]:
    """One counter's poster as a one-page PDF, built at once (a page takes a moment); the
    counter must be one the actor may print, in service."""
    from hailong.counters.scoped import get_counter

    require(actor, Action.print_posters)
    view = get_counter(session, actor, counter_id, base_url=settings.public_base_url)
    unit = unit_in_scope(session, actor, view.unit_code, Action.print_posters)
    if view.short_code is None or not view.active:
        raise service.NothingToPrint(code=unit.code)
    base_url = settings.link_base(pages=1)
    found = [
        poster
        for poster in service.posters_of_units(session, [unit.id], base_url=base_url)
        if poster.short_code == view.short_code
    ]
    if not found:
        raise service.NothingToPrint(code=unit.code)
    frame = PosterFrame(
        size=poster_size(size),
        channels=configured_channels(settings),
        period=service.period_for_posters(session, today=today_in_vietnam()),
        text=PosterText(Catalogs("qr")),
    )
    from qr.posters import write_posters

    out = io.BytesIO()
    write_posters(out, found, frame)
    return f"poster-{unit.code}-{counter_id}-{frame.size.value}.pdf", out.getvalue()
