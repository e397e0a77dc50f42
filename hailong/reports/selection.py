"""The index of a download or a report, computed once for its selection."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hailong.index.selection import IndexSelection, parent_of
from hailong.index.service import IndexResult, compute_index, prune
from hailong.models import Unit
from hailong.questionnaires.service import questionnaire_by_id
from hailong.reports.words import WHOLE_COUNTRY, Words
from survey_flows import Questionnaire

__all__ = ["ComputedIndex", "IndexSelection", "computed_index"]


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
    if selection.shown is not None:
        prune(result.root, selection.shown)
    questionnaire = questionnaire_by_id(session, period.questionnaire_id)
    return ComputedIndex(selection, result, questionnaire, parent_of(session, selection.unit))
