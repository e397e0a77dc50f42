"""What an index download or a report is about: a period, a unit (or the country), a channel
group; and the index computed for it once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.index.service import ChannelGroup, IndexResult, compute_index
from hailong.models import Period, Unit
from hailong.questionnaires.service import questionnaire_by_id
from hailong.reports.words import WHOLE_COUNTRY, Words
from survey_flows import Questionnaire


@dataclass(frozen=True)
class IndexSelection:
    period: Period
    unit: Unit | None = None  # the unit and everything below it; None: the whole country
    channels: ChannelGroup = ChannelGroup.official


@dataclass(frozen=True)
class ComputedIndex:
    """The index of a selection with what its tables need to name things."""

    selection: IndexSelection
    result: IndexResult
    questionnaire: Questionnaire
    parent: Unit | None  # the selected unit's parent, outside the subtree


def computed_index(session: Session, selection: IndexSelection, words: Words) -> ComputedIndex:
    """One read of the tallies for the whole subtree: O(units), never O(responses)."""
    period = selection.period
    result = compute_index(
        session,
        period,
        unit=selection.unit,
        channels=selection.channels,
        national_name=words(WHOLE_COUNTRY),
    )
    parent = None
    if selection.unit is not None and selection.unit.parent_id is not None:
        parent = session.scalar(select(Unit).where(Unit.id == selection.unit.parent_id))
    questionnaire = questionnaire_by_id(session, period.questionnaire_id)
    return ComputedIndex(selection, result, questionnaire, parent)
