"""Activity (responses today, this week, in all) and progress against the quotas, for a unit
and its subtree. Read-only; the caller has already checked the unit is in the actor's scope.

Counts are of finished responses the period counts (its review states), from the response
table's (period, unit, status) index: one grouped query for the whole subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hailong.index.formula import counted_states
from hailong.index.service import QuotaBook, UnitInfo, load_quotas, load_tree
from hailong.models import Period, Procedure, Response, ResponseStatus, Unit
from hailong.periods.service import VIETNAM, today_in_vietnam


@dataclass(frozen=True)
class ChannelFilter:
    """Which channels count: the period's official ones, every one, or a single one."""

    group: str = "official"  # "official", "all" or "one"
    channel: str | None = None

    def channels(self, period: Period) -> tuple[str, ...] | None:
        if self.group == "one" and self.channel:
            return (self.channel,)
        if self.group == "official":
            # A period that names no official channel counts every channel as official.
            return tuple(period.official_channels or ()) or None
        return None


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


def _subtree(unit: Unit | None) -> ColumnElement[bool] | None:
    if unit is None:
        return None
    return Response.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit.path)))


def _counted(
    period: Period,
    unit: Unit | None,
    channels: ChannelFilter,
    procedure_codes: Sequence[str] | None = None,
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [
        Response.period_id == period.id,
        Response.status == ResponseStatus.completed.value,
        Response.review_state.in_(counted_states(period)),
    ]
    chosen = channels.channels(period)
    if chosen is not None:
        filters.append(Response.channel.in_(chosen))
    subtree = _subtree(unit)
    if subtree is not None:
        filters.append(subtree)
    if procedure_codes is not None:
        filters.append(Response.procedure_code.in_(list(procedure_codes)))
    return filters


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
    filters = _counted(period, unit, channels)
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
) -> Progress:
    """Every unit of the subtree that takes surveys, with its counted responses and quota,
    furthest behind its quota first."""
    codes = None if not procedure_field else _field_codes(session, procedure_field)
    query = (
        select(Response.unit_id, func.count())
        .where(*_counted(period, unit, channels, codes))
        .group_by(Response.unit_id)
    )
    completed: dict[int, int] = dict(session.execute(query).tuples().all())
    units = load_tree(session, unit)
    quotas = load_quotas(session, period)
    rows = [
        ProgressRow(
            info.code, info.name, info.level, completed.get(info.id, 0), quotas.target(info.id)
        )
        for info in _surveyed(units, quotas)
    ]
    rows.sort(key=lambda row: (row.share, -row.missing, row.code))
    return Progress(rows)


def _surveyed(units: list[UnitInfo], quotas: QuotaBook) -> list[UnitInfo]:
    """Units with a quota: active ones that have no unit below them or counters of their
    own (the index's rule for quota progress)."""
    parents = {info.parent_id for info in units if info.parent_id is not None}
    return [
        info
        for info in units
        if info.active and (info.id not in parents or info.id in quotas.with_counters)
    ]
