from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.errors import HailongError, NotFound
from hailong.i18n import N_
from hailong.models import QuestionnaireVersion, Response
from hailong.reference import cached
from survey_flows import Questionnaire, load_questionnaire
from survey_flows.questionnaire import builtin_source

# Only plain names: a code may become a file name among the built-in questionnaires.
QUESTIONNAIRE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class UnknownQuestionnaire(NotFound):
    message = N_("There is no questionnaire version called {code}.")


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


def questionnaire_by_code(session: Session, code: str) -> QuestionnaireVersion:
    """A stored version, or a built-in one stored now; UnknownQuestionnaire otherwise."""
    if not QUESTIONNAIRE_CODE.fullmatch(code):
        raise UnknownQuestionnaire(code=code)
    try:
        return get_or_load(session, code)
    except OSError:
        raise UnknownQuestionnaire(code=code) from None


def cached_questionnaire(session: Session, questionnaire_id: int) -> Questionnaire:
    """The version's questionnaire through the reference cache: never re-read, re-hashed or
    re-parsed per request."""
    return cached(
        session,
        ("questionnaire", questionnaire_id),
        lambda: questionnaire_by_id(session, questionnaire_id),
    )


def questionnaire_by_id(session: Session, questionnaire_id: int) -> Questionnaire:
    source = session.scalar(
        select(QuestionnaireVersion.source).where(QuestionnaireVersion.id == questionnaire_id)
    )
    if source is None:
        raise LookupError(f"questionnaire version {questionnaire_id} does not exist")
    return parse_source(source)


class QuestionnaireCodeTaken(HailongError):
    # Responses keep the version they were answered under, so a stored version never changes.
    status_code = 409
    message = N_(
        "Questionnaire version {code} is already loaded with different content. A loaded "
        "version never changes: give the new file a new code."
    )


def load_version(session: Session, source: str) -> tuple[QuestionnaireVersion, bool]:
    """Store a new questionnaire version from YAML text; (version, created).

    Loading the same text again changes nothing. Raises QuestionnaireError (every problem of
    the file) or QuestionnaireCodeTaken.
    """
    source = source.replace("\r\n", "\n")
    questionnaire = parse_source(source)
    existing = session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.code == questionnaire.code)
    )
    if existing is not None:
        if existing.source.replace("\r\n", "\n") != source:
            raise QuestionnaireCodeTaken(code=questionnaire.code)
        return existing, False
    version = QuestionnaireVersion(
        code=questionnaire.code, title=questionnaire.title.vi, source=source
    )
    session.add(version)
    session.flush()
    return version, True


def list_versions(session: Session) -> list[tuple[QuestionnaireVersion, int]]:
    """Every stored version with the number of responses answered under it."""
    used = (
        select(Response.questionnaire_id, func.count().label("responses"))
        .group_by(Response.questionnaire_id)
        .subquery()
    )
    rows = session.execute(
        select(QuestionnaireVersion, func.coalesce(used.c.responses, 0))
        .outerjoin(used, used.c.questionnaire_id == QuestionnaireVersion.id)
        .order_by(QuestionnaireVersion.code)
    )
    return [(version, int(count)) for version, count in rows]


def version_rows(session: Session) -> list[dict[str, object]]:
    """The stored versions for a listing: code, title, criteria, responses, when loaded."""
    return [
        {
            "code": version.code,
            "title": version.title,
            "criteria": len(parse_source(version.source).criteria_keys()),
            "responses": responses,
            "loaded_at": version.created_at.isoformat(timespec="seconds"),
        }
        for version, responses in list_versions(session)
    ]
