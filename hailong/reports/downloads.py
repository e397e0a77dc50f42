"""What a download holds, resolved from what an official asked for: the same for a command and
for a route. Each function takes codes and days as typed and raises a polite error for any of
them that names nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.channels import parse_channels
from hailong.counters.service import existing_counters
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import ReviewState, Unit
from hailong.periods.service import parse_day, period_by_code
from hailong.responses.exporting import ResponseFilter
from hailong.units.service import unit_by_code


class DatesReversed(BadInput):
    message = N_("The first day {start} is after the last day {end}.")


def response_filter(
    session: Session,
    *,
    period: str,
    unit: str | None = None,
    channels: list[str] | None = None,
    counters: list[int] | None = None,
    procedures: list[str] | None = None,
    review_states: list[ReviewState] | None = None,
    first_day: str | None = None,
    last_day: str | None = None,
) -> ResponseFilter:
    """The responses of a period an official narrowed down; an empty list lets all through."""
    start = None if first_day is None else parse_day(first_day)
    end = None if last_day is None else parse_day(last_day)
    if start is not None and end is not None and start > end:
        raise DatesReversed(start=start, end=end)
    return ResponseFilter(
        period=period_by_code(session, period),
        unit=None if unit is None else unit_by_code(session, unit),
        channels=tuple(parse_channels(channels or [])) or None,
        review_states=tuple(state.value for state in review_states or []) or None,
        counters=existing_counters(session, counters or []) or None,
        procedures=tuple(procedures or []) or None,
        submitted_from=start,
        submitted_to=end,
    )


def index_rows(session: Session, unit: Unit | None) -> int:
    """Rows of an index table: the subtree's units, plus the country's row when national."""
    query = select(func.count()).select_from(Unit)
    if unit is not None:
        query = query.where(Unit.path.startswith(unit.path))
    return (session.scalar(query) or 0) + (1 if unit is None else 0)
