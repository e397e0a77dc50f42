"""Progress against quotas, and the index, as an actor may see them (API, office, commands).

`progress` gives, for each unit of the subtree, the forms counted toward its quota, the quota
and the share reached, by channel; `scoped_index` is exactly what `hailong index --format
json` prints for the same period, unit and channel group. Both read only units the actor
reaches: without a unit, the actor's own (an administrator: the whole country).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from hailong.accounts.scope import Action, Actor, reached_units, require, unit_in_scope
from hailong.i18n import N_, Catalogs
from hailong.index.formula import counted_states
from hailong.index.presenting import index_json
from hailong.index.selection import channel_group
from hailong.index.service import ChannelGroup, compute_index, load_quotas, prune
from hailong.models import Period, Response, ResponseStatus, Role, Unit
from hailong.periods.scoped import seen_period

# The name of the national row, as `hailong index` gives it (in Vietnamese).
WHOLE_COUNTRY = N_("Whole country")


@dataclass(frozen=True)
class UnitProgress:
    code: str
    name: str
    level: str
    parent_code: str | None
    # Forms counted toward the quota: finished, rating a criterion, not rejected, through
    # the channel group's channels (all of them, not capped at the quota).
    completed: int
    quota: int | None  # None: the unit takes no surveys of its own (a province above wards)
    share: float | None  # completed / quota, 0.0 upward (1.0: the quota is met)
    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    period: str
    channels: ChannelGroup
    unit_code: str | None  # None: the whole country
    units: list[UnitProgress]


def scoped_root(session: Session, actor: Actor, code: str | None, action: Action) -> Unit | None:
    """The unit asked for within the actor's reach; without one, the actor's own unit
    (None for an administrator: the whole country)."""
    require(actor, action)
    if code is not None:
        return unit_in_scope(session, actor, code, action)
    if actor.unit_id is None:
        return None
    return unit_in_scope(session, actor, _code_of(session, actor.unit_id), action)


def shown_units(session: Session, actor: Actor, root: Unit | None) -> frozenset[int] | None:
    """The units of the root's subtree the actor reaches, when it does not reach them all
    (ward staff: not the departments below their ward); None when it does."""
    if actor.role in (Role.admin, Role.official):
        return None  # whatever they reach, they reach the subtree below it
    subtree = select(Unit.id)
    if root is not None:
        subtree = subtree.where(Unit.path.startswith(root.path))
    return frozenset(session.scalars(subtree.where(reached_units(actor))))


def _code_of(session: Session, unit_id: int) -> str:
    return session.scalars(select(Unit.code).where(Unit.id == unit_id)).one()


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


def counted_forms(
    period: Period, root: Unit | None, channels: ChannelFilter
) -> list[ColumnElement[bool]]:
    """The forms a quota counts: finished, rating a criterion, in a review state the period
    counts, through the channels asked for, in the root's subtree."""
    conditions: list[ColumnElement[bool]] = [
        Response.period_id == period.id,
        Response.status == ResponseStatus.completed.value,
        Response.review_state.in_(counted_states(period)),
    ]
    chosen = channels.channels(period)
    if chosen is not None:
        conditions.append(Response.channel.in_(chosen))
    if root is not None:
        subtree = select(Unit.id).where(Unit.path.startswith(root.path))
        conditions.append(Response.unit_id.in_(subtree))
    return conditions


def _counts(
    session: Session,
    period: Period,
    root: Unit | None,
    channels: ChannelFilter,
    procedure_codes: Sequence[str] | None,
) -> dict[int, dict[str, int]]:
    """Counted forms per unit and channel (aggregated in SQL)."""
    query = (
        select(Response.unit_id, Response.channel, func.count())
        .where(*counted_forms(period, root, channels))
        .group_by(Response.unit_id, Response.channel)
    )
    if procedure_codes is not None:
        query = query.where(Response.procedure_code.in_(list(procedure_codes)))
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, channel, count in session.execute(query).tuples():
        found[unit_id][channel] = count
    return found


def units_progress(
    session: Session,
    period: Period,
    root: Unit | None,
    *,
    channels: ChannelFilter,
    procedure_codes: Sequence[str] | None = None,
    shown: frozenset[int] | None = None,
) -> list[UnitProgress]:
    """Every unit of the root's subtree (only those in `shown`, when given), by code, with
    its counted forms by channel, its quota and the share reached. The one computation of
    progress: the API's /progress, the office's overview and progress page read it."""
    counts = _counts(session, period, root, channels, procedure_codes)
    quotas = load_quotas(session, period)
    parent = aliased(Unit)
    tree = select(
        Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id, Unit.active, parent.code
    ).outerjoin(parent, Unit.parent_id == parent.id)
    if root is not None:
        tree = tree.where(Unit.path.startswith(root.path))
    rows = session.execute(tree.order_by(Unit.code)).tuples().all()
    with_children = {row[4] for row in rows}
    units = []
    for unit_id, code, name, level, _parent_id, active, parent_code in rows:
        if shown is not None and unit_id not in shown:
            continue
        by_channel = counts.get(unit_id, {})
        completed = sum(by_channel.values())
        # A quota for the units that take surveys: active, and with no unit below them or
        # counters of their own (the index's rule).
        takes_surveys = active and (unit_id not in with_children or unit_id in quotas.with_counters)
        quota = quotas.target(unit_id) if takes_surveys else None
        units.append(
            UnitProgress(
                code=code,
                name=name,
                level=level,
                parent_code=parent_code,
                completed=completed,
                quota=quota,
                share=None if not quota else round(completed / quota, 4),
                by_channel=dict(sorted(by_channel.items())),
            )
        )
    return units


def progress(
    session: Session,
    actor: Actor,
    *,
    period: str,
    unit: str | None = None,
    channels: str | ChannelGroup = ChannelGroup.official,
) -> Progress:
    """Every unit of the subtree with its counted forms, its quota and the share reached,
    furthest behind first (units without a quota last, then by code)."""
    root = scoped_root(session, actor, unit, Action.view_progress)
    found_period = seen_period(session, actor, period)
    group = channel_group(channels)
    units = units_progress(
        session,
        found_period,
        root,
        channels=ChannelFilter(group.value),
        shown=shown_units(session, actor, root),
    )
    units.sort(key=lambda u: (u.share is None, u.share or 0.0, u.code))
    return Progress(
        period=found_period.code,
        channels=group,
        unit_code=None if root is None else root.code,
        units=units,
    )


def scoped_index(
    session: Session,
    actor: Actor,
    *,
    period: str,
    unit: str | None = None,
    channels: str | ChannelGroup = ChannelGroup.official,
) -> dict[str, Any]:
    """The methodology's index JSON of the unit's subtree, as `hailong index --format json`
    prints it for the same period, unit and channel group."""
    root = scoped_root(session, actor, unit, Action.view_index)
    found_period = seen_period(session, actor, period)
    national = Catalogs("reports").get("vi").gettext(WHOLE_COUNTRY)
    result = compute_index(
        session,
        found_period,
        unit=root,
        channels=channel_group(channels),
        national_name=national,
    )
    shown = shown_units(session, actor, root)
    if shown is not None:
        prune(result.root, shown)
    return index_json(result)
