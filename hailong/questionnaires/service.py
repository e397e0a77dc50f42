from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.models import QuestionnaireVersion
from survey_flows import Questionnaire, load_questionnaire
from survey_flows.questionnaire import builtin_source


@lru_cache(maxsize=32)
def parse_source(source: str) -> Questionnaire:
    # Keyed by the source text itself, so an edited version is never served stale.
    return load_questionnaire(source)


def get_or_load(session: Session, code: str) -> QuestionnaireVersion:
    """The stored version with this code; a built-in one is stored on first use."""
    version = session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.code == code))
    if version is not None:
        return version
    source = builtin_source(code)
    questionnaire = parse_source(source)
    version = QuestionnaireVersion(code=code, title=questionnaire.title.vi, source=source)
    session.add(version)
    session.flush()
    return version


def questionnaire_by_id(session: Session, questionnaire_id: int) -> Questionnaire:
    source = session.scalar(
        select(QuestionnaireVersion.source).where(QuestionnaireVersion.id == questionnaire_id)
    )
    if source is None:
        raise LookupError(f"questionnaire version {questionnaire_id} does not exist")
    return parse_source(source)
