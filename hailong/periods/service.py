from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.errors import Forbidden
from hailong.i18n import N_
from hailong.models import Period, Quota

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam(now: datetime | None = None) -> date:
    """Periods are dated in Vietnam's calendar, whatever the server's clock zone."""
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).date()


class PeriodNotOpen(Forbidden):
    message = N_("The survey is not open yet. It opens on {start}.")


class PeriodClosed(Forbidden):
    message = N_("The survey has closed. It ran from {start} to {end}.")


class NoPeriod(Forbidden):
    message = N_("No survey is running at the moment.")


def open_period(session: Session, today: date) -> Period:
    """The period open today (the latest to start, if several); a polite error otherwise."""
    current = session.scalar(
        select(Period)
        .where(Period.start_date <= today, Period.end_date >= today)
        .order_by(Period.start_date.desc(), Period.id.desc())
        .limit(1)
    )
    if current is not None:
        return current
    upcoming = session.scalar(
        select(Period).where(Period.start_date > today).order_by(Period.start_date).limit(1)
    )
    if upcoming is not None:
        raise PeriodNotOpen(start=upcoming.start_date, end=upcoming.end_date)
    last = session.scalar(
        select(Period).where(Period.end_date < today).order_by(Period.end_date.desc()).limit(1)
    )
    if last is not None:
        raise PeriodClosed(start=last.start_date, end=last.end_date)
    raise NoPeriod()


def ensure_still_open(period: Period, today: date) -> None:
    if today < period.start_date:
        raise PeriodNotOpen(start=period.start_date, end=period.end_date)
    if today > period.end_date:
        raise PeriodClosed(start=period.start_date, end=period.end_date)


def get_by_code(session: Session, code: str) -> Period | None:
    return session.scalar(select(Period).where(Period.code == code))


def quota_for(session: Session, period: Period, unit_id: int) -> int:
    override = session.scalar(
        select(Quota.quota).where(Quota.period_id == period.id, Quota.unit_id == unit_id)
    )
    return period.default_quota if override is None else override
