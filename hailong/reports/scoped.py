"""Downloads as an actor may take them: the index table, raw responses, a unit's report.

Each function checks the request within the actor's reach (a foreign unit, counter or period
is not found), writes the download to the audit log in the caller's transaction, and returns
the selection the file is then written from, by the same writers as `hailong download`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy.orm import Session

from hailong.accounts.scope import Action, Actor
from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.index.progress import scoped_root, shown_units
from hailong.index.selection import IndexSelection, channel_group
from hailong.index.service import ChannelGroup
from hailong.periods.scoped import seen_period
from hailong.responses.exporting import (
    XLSX_ROW_LIMIT,
    ResponseFilter,
    TooManyForXlsx,
    count_responses,
)
from hailong.responses.scoped import ResponseQuery, scoped_filter


class FileKind(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    pdf = "pdf"


class ReportNeedsUnit(BadInput):
    message = N_("A report is about one unit: name it with unit=CODE.")


def _audit(
    session: Session,
    *,
    by: Who,
    what: str,
    kind: FileKind,
    unit_id: int | None,
    details: Mapping[str, object],
) -> None:
    record(
        session,
        by=by,
        action=AuditAction.download,
        unit_id=unit_id,
        target=f"{what}.{kind.value}",
        details=details,
    )


def index_download(
    session: Session,
    actor: Actor,
    *,
    period: str,
    unit: str | None = None,
    channels: str | ChannelGroup = ChannelGroup.official,
    kind: FileKind,
    by: Who,
) -> IndexSelection:
    """The index table of the unit's subtree (without a unit: the actor's own)."""
    root = scoped_root(session, actor, unit, Action.download)
    selection = IndexSelection(
        seen_period(session, actor, period),
        root,
        channel_group(channels),
        shown=shown_units(session, actor, root),
    )
    details = {"period": selection.period.code, "channels": selection.channels.value}
    _audit(
        session,
        by=by,
        what="index",
        kind=kind,
        unit_id=None if root is None else root.id,
        details=details,
    )
    return selection


def responses_download(
    session: Session, actor: Actor, query: ResponseQuery, *, kind: FileKind, by: Who
) -> ResponseFilter:
    """Raw responses the filters let through, within the actor's reach."""
    selection = scoped_filter(session, actor, query, Action.download)
    if kind is FileKind.xlsx:
        total = count_responses(session, selection)
        if total > XLSX_ROW_LIMIT:
            raise TooManyForXlsx(count=total, limit=XLSX_ROW_LIMIT)
    details: dict[str, object] = {
        "period": selection.period.code,
        "channels": list(selection.channels or ()),
        "counters": list(selection.counters or ()),
        "review_states": list(selection.review_states or ()),
        "procedures": list(selection.procedures or ()),
        "from": None if query.first_day is None else query.first_day.isoformat(),
        "to": None if query.last_day is None else query.last_day.isoformat(),
    }
    unit_id = None if selection.unit is None else selection.unit.id
    _audit(session, by=by, what="responses", kind=kind, unit_id=unit_id, details=details)
    return selection


def report_download(
    session: Session,
    actor: Actor,
    *,
    period: str,
    unit: str | None = None,
    channels: str | ChannelGroup = ChannelGroup.official,
    by: Who,
) -> IndexSelection:
    """A unit's report (without a unit: the actor's own; an administrator must name one)."""
    root = scoped_root(session, actor, unit, Action.download)
    if root is None:
        raise ReportNeedsUnit()
    selection = IndexSelection(
        seen_period(session, actor, period),
        root,
        channel_group(channels),
        shown=shown_units(session, actor, root),
    )
    details = {"period": selection.period.code, "channels": selection.channels.value}
    _audit(session, by=by, what="report", kind=FileKind.pdf, unit_id=root.id, details=details)
    return selection
