"""Activity (responses today, this week, in all) and progress against the quotas, for a unit
and its subtree. Read-only; the caller has already checked the unit is in the actor's scope.

Counts are of finished responses the period counts (its review states), from the response
table's (period, unit, status) index: one grouped query for the whole subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.index.progress import ChannelFilter, counted_forms, units_progress
from hailong.models import Period, Procedure, Response, Unit
from hailong.periods.service import VIETNAM, today_in_vietnam


@dataclass(frozen=True)
class Activity:
    today: int
    week: int
    total: int


@dataclass(frozen=True)
class ProgressRow:
    code: str
    name: str
    level: str
    completed: int
    target: int

    @property
    def share(self) -> float:
        """Completed over quota, at most 1 (a unit past its quota is done)."""
        return 1.0 if self.target <= 0 else min(self.completed / self.target, 1.0)

    @property
    def missing(self) -> int:
        return max(self.target - self.completed, 0)


@dataclass
class Progress:
    rows: list[ProgressRow] = field(default_factory=list)  # furthest behind first

    @property
    def completed(self) -> int:
        return sum(row.completed for row in self.rows)

    @property
    def counted(self) -> int:
        # Each unit's surplus is capped at its quota, so it never hides another's shortfall.
        return sum(min(row.completed, row.target) for row in self.rows)

    @property
    def target(self) -> int:
        return sum(row.target for row in self.rows)

    @property
    def units_met(self) -> int:
        return sum(1 for row in self.rows if row.target and row.completed >= row.target)


def day_start(day: datetime) -> datetime:
    """Midnight of the Vietnamese calendar day of `day`, in UTC."""
    local = day.astimezone(VIETNAM).date()
    return datetime.combine(local, time(0, 0), tzinfo=VIETNAM).astimezone(UTC)


def activity(
    session: Session,
    period: Period,
    unit: Unit | None,
    *,
    channels: ChannelFilter,
    now: datetime | None = None,
) -> Activity:
    """Counted responses submitted today and since Monday (Vietnam's calendar), and in all."""
    now = now or datetime.now(UTC)
    today = day_start(now)
    monday = today - timedelta(days=today_in_vietnam(now).weekday())
    filters = counted_forms(period, unit, channels)
    submitted = Response.submitted_at
    query = select(
        func.count(),
        func.count().filter(submitted >= today),
        func.count().filter(submitted >= monday),
    ).where(*filters)
    total, on_day, in_week = session.execute(query).one()
    return Activity(today=on_day, week=in_week, total=total)


def procedure_fields(session: Session) -> list[str]:
    """The procedure fields (lĩnh vực) a progress page can filter by."""
    query = select(Procedure.field).where(Procedure.field.is_not(None), Procedure.field != "")
    return sorted(set(session.scalars(query.distinct())))


def _field_codes(session: Session, field_name: str) -> list[str]:
    return list(session.scalars(select(Procedure.code).where(Procedure.field == field_name)))


def progress(
    session: Session,
    period: Period,
    unit: Unit | None,
    *,
    channels: ChannelFilter,
    procedure_field: str | None = None,
    shown: frozenset[int] | None = None,
) -> Progress:
    """Every unit of the subtree that takes surveys (of those in `shown`, when given), with
    its counted responses and quota, furthest behind its quota first. The figures are those
    of the API's /progress (hailong.index.progress.units_progress)."""
    codes = None if not procedure_field else _field_codes(session, procedure_field)
    units = units_progress(
        session, period, unit, channels=channels, procedure_codes=codes, shown=shown
    )
    rows = [
        ProgressRow(u.code, u.name, u.level, u.completed, u.quota)
        for u in units
        if u.quota is not None
    ]
    rows.sort(key=lambda row: (row.share, -row.missing, row.code))
    return Progress(rows)
