"""What the office sees of enumerators: interviews per enumerator, unit and day, and each
enumerator's median interview time (from the phone's start to its finish)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor, in_scope
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.models import Account, Channel, Period, Response, ResponseStatus, Unit
from hailong.periods.service import VIETNAM, period_by_code, today_in_vietnam


class NoPeriod(HailongError):
    status_code = 404
    message = N_("There is no survey period yet.")


FINISHED = (ResponseStatus.completed, ResponseStatus.unrated, ResponseStatus.screened_out)


@dataclass(frozen=True)
class DayCount:
    username: str
    unit_code: str
    unit_name: str
    day: date
    interviews: int


@dataclass(frozen=True)
class EnumeratorSummary:
    username: str
    interviews: int
    median_minutes: float | None


@dataclass(frozen=True)
class InterviewStats:
    summaries: list[EnumeratorSummary]
    days: list[DayCount]


def interview_stats(session: Session, actor: Actor, period: Period) -> InterviewStats:
    """The finished interviews of the period at the actor's units."""
    rows = session.execute(
        select(
            Account.username,
            Unit.code,
            Unit.name,
            Response.started_at,
            Response.submitted_at,
        )
        .join(Account, Account.id == Response.enumerator_id)
        .join(Unit, Unit.id == Response.unit_id)
        .where(
            Response.period_id == period.id,
            Response.channel == Channel.interview,
            Response.status.in_(FINISHED),
            in_scope(actor, Response.unit_id, Action.view_progress),
        )
    ).all()
    per_day: Counter[tuple[str, str, str, date]] = Counter()
    minutes: defaultdict[str, list[float]] = defaultdict(list)
    for username, code, name, started, submitted in rows:
        if submitted is None:
            continue
        per_day[(username, code, name, _aware(submitted).astimezone(VIETNAM).date())] += 1
        minutes[username].append((_aware(submitted) - _aware(started)).total_seconds() / 60)
    days = [DayCount(*key, interviews=n) for key, n in sorted(per_day.items())]
    summaries = [
        EnumeratorSummary(
            username=username,
            interviews=len(taken),
            median_minutes=round(statistics.median(taken), 1) if taken else None,
        )
        for username, taken in sorted(minutes.items())
    ]
    return InterviewStats(summaries=summaries, days=days)


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive date-times back; every stored one is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def chosen_period(session: Session, code: str | None) -> Period:
    """The period asked for, else the one open today, else the latest one."""
    if code:
        return period_by_code(session, code)
    today = today_in_vietnam()
    periods = session.scalars(select(Period).order_by(Period.start_date.desc())).all()
    for period in periods:
        if period.start_date <= today <= period.end_date:
            return period
    if not periods:
        raise NoPeriod()
    return periods[0]
