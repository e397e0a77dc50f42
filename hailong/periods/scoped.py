"""Survey periods and quotas as an actor sees and changes them (the API, the office, commands).

A period is run by a unit's officials (`Period.unit_id`; none: by administrators). Everyone
signed in sees the periods that concern their units: those run by administrators, by a unit
above theirs, or by a unit they reach. Only those who reach the running unit change or close
a period; anyone who may set quotas sets them for the units they reach, in any period they
see. A period outside what the actor sees is "not found", like one that does not exist.

Every change goes through one function here and is audited in its own transaction; each ends
in `periods.service.period_changed`, where caches of periods learn about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from hailong.accounts.scope import (
    Action,
    Actor,
    NotAllowed,
    in_scope,
    may_do,
    require,
    unit_ids_in_scope,
    unit_in_scope,
)
from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Period, QuestionnaireVersion, Quota, Response, Role, Unit
from hailong.models.base import utcnow
from hailong.periods.service import (
    EndsBeforeStart,
    UnknownPeriod,
    add_period,
    check_quota,
    official_channels,
    period_changed,
    today_in_vietnam,
)
from hailong.questionnaires.service import questionnaire_by_code


class PeriodAlreadyClosed(BadInput):
    message = N_("Period {code} is already closed.")


class NoReopening(BadInput):
    message = N_("A closed period cannot be opened again; add a new period instead.")


class QuotaTwice(BadInput):
    message = N_("The unit {code} is listed twice.")


class QuestionnaireInUse(BadInput):
    message = N_(
        "Period {code} already has responses, given to the questions of {version}: its "
        "questionnaire version can no longer change. Add a new period for the other version."
    )


@dataclass(frozen=True)
class PeriodView:
    """A period as people and programs read it."""

    code: str
    start: date
    end: date
    questionnaire: str
    quota: int
    official: list[str]
    counted_review_states: list[str]
    unit_code: str | None  # the unit whose officials run it; None: administrators
    closed_at: datetime | None
    open: bool  # takes responses today


@dataclass(frozen=True)
class QuotaView:
    unit_code: str
    unit_name: str
    quota: int


@dataclass(frozen=True)
class PeriodChanges:
    """What PATCH, the office form or a command asks to change; None leaves it as it is."""

    start: date | None = None
    end: date | None = None
    quota: int | None = None
    official: list[str] | None = None
    # Only while the period has no response at all: answers belong to their version's questions.
    questionnaire: str | None = None
    closed: bool | None = None
    comment: str | None = None


@dataclass(frozen=True)
class NewPeriod:
    code: str
    start: date
    end: date
    questionnaire: str = "sipas-2023"
    quota: int = 30
    official: list[str] = field(default_factory=list)
    # Who runs it: a unit's code; None: the actor's own unit (an administrator: nobody's).
    unit_code: str | None = None


# Reading --------------------------------------------------------------------------------------


def seen_periods(actor: Actor) -> ColumnElement[bool]:
    """A condition on `Period`: the periods that concern the actor's units."""
    if actor.role is Role.admin:
        return true()
    # The units above the actor's own: their path is a prefix of its path.
    above = select(Unit.id).where(
        false() if actor.unit_path is None else literal(actor.unit_path).startswith(Unit.path)
    )
    return or_(
        Period.unit_id.is_(None),
        Period.unit_id.in_(unit_ids_in_scope(actor)),
        Period.unit_id.in_(above),
    )


def periods_query(actor: Actor) -> Select[Any]:
    """Rows for `period_view`, of the periods the actor sees (for pages of a list)."""
    owner = aliased(Unit)
    return (
        select(Period, QuestionnaireVersion.code.label("questionnaire"), owner.code.label("owner"))
        .join(QuestionnaireVersion, Period.questionnaire_id == QuestionnaireVersion.id)
        .outerjoin(owner, Period.unit_id == owner.id)
        .where(seen_periods(actor))
    )


def period_view(row: Any, today: date | None = None) -> PeriodView:
    period: Period = row[0]
    day = today or today_in_vietnam()
    return PeriodView(
        code=period.code,
        start=period.start_date,
        end=period.end_date,
        questionnaire=row.questionnaire,
        quota=period.default_quota,
        official=list(period.official_channels),
        counted_review_states=list(period.counted_review_states),
        unit_code=row.owner,
        closed_at=period.closed_at,
        open=period.closed_at is None and period.start_date <= day <= period.end_date,
    )


def list_periods(session: Session, actor: Actor) -> list[PeriodView]:
    """Every period the actor sees, the latest to start first."""
    query = periods_query(actor).order_by(Period.start_date.desc(), Period.code)
    return [period_view(row) for row in session.execute(query)]


def seen_period(session: Session, actor: Actor, code: str) -> Period:
    """The period with this code if the actor sees it; UnknownPeriod (404) otherwise."""
    period = session.scalar(select(Period).where(Period.code == code.strip(), seen_periods(actor)))
    if period is None:
        raise UnknownPeriod(code=code)
    return period


def get_period(session: Session, actor: Actor, code: str) -> PeriodView:
    period = seen_period(session, actor, code)
    return period_view(session.execute(periods_query(actor).where(Period.id == period.id)).one())


def list_quotas(session: Session, actor: Actor, code: str) -> list[QuotaView]:
    """The period's per-unit quotas of the units the actor reaches, by unit code."""
    period = seen_period(session, actor, code)
    rows = session.execute(
        select(Unit.code, Unit.name, Quota.quota)
        .join(Unit, Quota.unit_id == Unit.id)
        .where(Quota.period_id == period.id, in_scope(actor, Quota.unit_id, Action.view_units))
        .order_by(Unit.code)
    )
    return [QuotaView(code, name, quota) for code, name, quota in rows]


def managed_periods(session: Session, actor: Actor) -> set[str]:
    """The codes of the periods the actor may change or close (so a page offers only those)."""
    if not may_do(actor, Action.manage_periods):
        return set()
    query = select(Period.code)
    if actor.role is not Role.admin:
        query = query.where(Period.unit_id.in_(unit_ids_in_scope(actor)))
    return set(session.scalars(query))


# Changing -------------------------------------------------------------------------------------


def _managed_period(session: Session, actor: Actor, code: str) -> Period:
    """A period the actor may change: seen, and run by a unit it reaches (admins: any)."""
    require(actor, Action.manage_periods)
    period = seen_period(session, actor, code)
    if actor.role is Role.admin:
        return period
    reached = session.scalar(unit_ids_in_scope(actor).where(Unit.id == period.unit_id))
    if period.unit_id is None or reached is None:
        raise NotAllowed()
    return period


def _owner_for(session: Session, actor: Actor, unit_code: str | None) -> int | None:
    if unit_code is not None:
        return unit_in_scope(session, actor, unit_code, Action.manage_periods).id
    if actor.role is Role.admin:
        return None
    if actor.unit_id is None:
        raise NotAllowed()
    return actor.unit_id


def create_period(session: Session, actor: Actor, new: NewPeriod, *, by: Who) -> PeriodView:
    """Add a period run by the actor's unit (or the unit named, within its reach)."""
    require(actor, Action.manage_periods)
    owner = _owner_for(session, actor, new.unit_code)
    period = add_period(
        session,
        code=new.code,
        start=new.start,
        end=new.end,
        questionnaire=new.questionnaire,
        quota=new.quota,
        official=new.official,
    )
    period.unit_id = owner
    session.flush()
    details = {"start": new.start.isoformat(), "end": new.end.isoformat(), "quota": new.quota}
    record(
        session,
        by=by,
        action=AuditAction.period_add,
        unit_id=owner,
        target=period.code,
        details=details | {"official": list(period.official_channels)},
    )
    period_changed(session, period)
    return get_period(session, actor, period.code)


def change_period(
    session: Session, actor: Actor, code: str, changes: PeriodChanges, *, by: Who
) -> PeriodView:
    """Dates, default quota, official channels; `closed=True` closes it (see close_period)."""
    period = _managed_period(session, actor, code)
    if changes.closed is False and period.closed_at is not None:
        raise NoReopening()
    if changes.closed and period.closed_at is not None:
        raise PeriodAlreadyClosed(code=period.code)
    before = _settings(session, period)
    if changes.questionnaire is not None:
        _bind_questionnaire(session, period, changes.questionnaire)
    if changes.start is not None:
        period.start_date = changes.start
    if changes.end is not None:
        period.end_date = changes.end
    if period.end_date < period.start_date:
        raise EndsBeforeStart(start=period.start_date, end=period.end_date)
    if changes.quota is not None:
        period.default_quota = check_quota(changes.quota)
    if changes.official is not None:
        period.official_channels = official_channels(changes.official)
    after = _settings(session, period)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        session.flush()
        record(
            session,
            by=by,
            action=AuditAction.period_change,
            unit_id=period.unit_id,
            target=period.code,
            comment=changes.comment,
            details=changed,
        )
        period_changed(session, period)
    if changes.closed:
        return close_period(session, actor, code, comment=changes.comment, by=by)
    return get_period(session, actor, period.code)


def _bind_questionnaire(session: Session, period: Period, code: str) -> None:
    """Another questionnaire version for a period that has no response yet (not even one
    begun: its answers would belong to the questions of the version it began with)."""
    version = questionnaire_by_code(session, code.strip())
    if version.id == period.questionnaire_id:
        return
    if session.scalar(select(exists().where(Response.period_id == period.id))):
        current = session.get_one(QuestionnaireVersion, period.questionnaire_id)
        raise QuestionnaireInUse(code=period.code, version=current.code)
    period.questionnaire_id = version.id


def _settings(session: Session, period: Period) -> dict[str, Any]:
    return {
        "start": period.start_date.isoformat(),
        "end": period.end_date.isoformat(),
        "quota": period.default_quota,
        "official": list(period.official_channels),
        "questionnaire": session.get_one(QuestionnaireVersion, period.questionnaire_id).code,
    }


def close_period(
    session: Session, actor: Actor, code: str, *, comment: str | None = None, by: Who
) -> PeriodView:
    """Close a period now: no survey starts or goes on in it; what was stored stays counted."""
    period = _managed_period(session, actor, code)
    if period.closed_at is not None:
        raise PeriodAlreadyClosed(code=period.code)
    period.closed_at = utcnow()
    session.flush()
    record(
        session,
        by=by,
        action=AuditAction.period_close,
        unit_id=period.unit_id,
        target=period.code,
        comment=comment,
    )
    period_changed(session, period)
    return get_period(session, actor, period.code)


def set_quota(
    session: Session, actor: Actor, code: str, *, unit_code: str, quota: int, by: Who
) -> QuotaView:
    """One unit's quota for a period, instead of the period's default."""
    period = seen_period(session, actor, code)
    unit = unit_in_scope(session, actor, unit_code, Action.manage_quotas)
    _write_quotas(session, period, [(unit, check_quota(quota))], by=by)
    return QuotaView(unit.code, unit.name, quota)


def replace_quotas(
    session: Session,
    actor: Actor,
    code: str,
    quotas: Sequence[tuple[str, int]],
    *,
    by: Who,
) -> list[QuotaView]:
    """The per-unit quotas of the units the actor reaches become exactly `quotas`, all or
    nothing (units left out go back to the default); other units' quotas are left alone."""
    period = seen_period(session, actor, code)
    require(actor, Action.manage_quotas)
    wanted: list[tuple[Unit, int]] = []
    seen: set[str] = set()
    for unit_code, quota in quotas:
        if unit_code in seen:
            raise QuotaTwice(code=unit_code)
        seen.add(unit_code)
        unit = unit_in_scope(session, actor, unit_code, Action.manage_quotas)
        wanted.append((unit, check_quota(quota)))
    kept = [unit.id for unit, _ in wanted]
    dropped = session.execute(
        delete(Quota)
        .where(
            Quota.period_id == period.id,
            in_scope(actor, Quota.unit_id, Action.manage_quotas),
            Quota.unit_id.not_in(kept),
        )
        .returning(Quota.unit_id)
        .execution_options(synchronize_session=False)
    ).all()
    for (unit_id,) in dropped:
        record(
            session,
            by=by,
            action=AuditAction.quota_set,
            unit_id=unit_id,
            target=period.code,
            details={"quota": None},
        )
    _write_quotas(session, period, wanted, by=by)
    return list_quotas(session, actor, period.code)


def _write_quotas(
    session: Session, period: Period, quotas: Sequence[tuple[Unit, int]], *, by: Who
) -> None:
    for unit, quota in quotas:
        row = session.scalar(
            select(Quota).where(Quota.period_id == period.id, Quota.unit_id == unit.id)
        )
        if row is not None and row.quota == quota:
            continue
        if row is None:
            session.add(Quota(period_id=period.id, unit_id=unit.id, quota=quota))
        else:
            row.quota = quota
        record(
            session,
            by=by,
            action=AuditAction.quota_set,
            unit_id=unit.id,
            target=period.code,
            details={"quota": quota},
        )
    session.flush()
    period_changed(session, period)
