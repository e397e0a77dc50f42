"""What an index, a download or a report is about: a period, a unit and everything below it (or
the whole country), and a channel group. Resolved once from what an official typed or asked for,
the same way for a command and for a route."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.index.service import ChannelGroup, UnknownChannelGroup
from hailong.models import Period, Unit
from hailong.periods.service import period_by_code
from hailong.units.service import unit_by_code


class CountersNeedUnit(BadInput):
    message = N_("Figures per counter are for one unit: add --unit CODE.")


@dataclass(frozen=True)
class IndexSelection:
    period: Period
    unit: Unit | None = None  # the unit and everything below it; None: the whole country
    channels: ChannelGroup = ChannelGroup.official
    # The units of the subtree whose rows may be shown (a caller who does not reach all of
    # them: ward staff and the departments below their ward); None: every one.
    shown: frozenset[int] | None = None


def channel_group(value: str | ChannelGroup) -> ChannelGroup:
    """ "official" (the period's official channels) or "all"."""
    try:
        return ChannelGroup(str(value).strip().lower())
    except ValueError:
        raise UnknownChannelGroup() from None


def select_index(
    session: Session, *, period: str, unit: str | None = None, channels: str | ChannelGroup
) -> IndexSelection:
    """The selection named by codes; UnknownPeriod, UnknownUnit or UnknownChannelGroup."""
    found_period = period_by_code(session, period)
    found_unit = None if unit is None else unit_by_code(session, unit)
    return IndexSelection(found_period, found_unit, channel_group(channels))


def parent_of(session: Session, unit: Unit | None) -> Unit | None:
    """The selected unit's parent, outside the subtree (None at the top)."""
    if unit is None or unit.parent_id is None:
        return None
    return session.scalar(select(Unit).where(Unit.id == unit.parent_id))
