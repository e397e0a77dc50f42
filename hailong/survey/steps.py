"""What a channel shows next: one question (chats), a page of questions (forms), the end, or
why what was sent was refused. Channels only draw these; the rules that pick them live here.

The path is the engine's (survey_flows): these functions add the unit's procedures, the
question's number on the citizen's path, and the page navigation (which page may be shown,
where "next" and "back" lead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hailong.models import Channel, ResponseStatus
from hailong.procedures.service import for_unit
from hailong.reference import cached
from hailong.responses.service import PROCEDURE_KEY, SurveyState
from survey_flows import Invalid, Question, QuestionKind, Section
from survey_flows.engine import (
    applicable_sections,
    next_question,
    progress,
    section_questions,
)

# Questions an entry answers before the respondent sees anything: an e-mail invitation and an
# enumerator's assignment both know the procedure. Their pages are not shown.
PRESET_KEYS: Mapping[str, frozenset[str]] = {
    Channel.email.value: frozenset({PROCEDURE_KEY}),
    Channel.interview.value: frozenset({PROCEDURE_KEY}),
}


@dataclass(frozen=True)
class ProcedureChoice:
    """One of the unit's procedures, as a choice of the procedure question."""

    id: int
    code: str
    name: str
    field: str


@dataclass(frozen=True)
class Asked:
    """One question, as a chat asks it: its place on the citizen's path and its choices."""

    response_id: int
    question: Question
    section: Section
    number: int
    total: int
    language: str
    procedures: tuple[ProcedureChoice, ...] = ()


@dataclass(frozen=True)
class Page:
    """One page of questions, as a form shows it, with where "back" leads."""

    response_id: int
    section: Section
    questions: tuple[Question, ...]
    number: int
    total: int
    back: Section | None
    language: str
    procedures: tuple[ProcedureChoice, ...] = ()


@dataclass(frozen=True)
class Finished:
    """Nothing more to ask: thanked (completed or unrated), screened out, or cancelled."""

    status: ResponseStatus

    @property
    def screened_out(self) -> bool:
        return self.status == ResponseStatus.screened_out


@dataclass(frozen=True)
class Refused:
    """What was sent is not stored: each question's reason (survey_flows.Invalid.reason, or
    `no_choice` and `control_characters` of the session)."""

    problems: Mapping[str, Invalid]


Step = Asked | Page | Finished | Refused


def procedure_choices(session: Session, unit_id: int) -> tuple[ProcedureChoice, ...]:
    """The unit's procedures, in the order they are listed (by name)."""

    def load() -> tuple[ProcedureChoice, ...]:
        return tuple(
            ProcedureChoice(id=p.id, code=p.code, name=p.name, field=p.field)
            for p in for_unit(session, unit_id)
        )

    return cached(session, ("procedures", unit_id), load)


def _choices_for(
    session: Session, state: SurveyState, questions: Sequence[Question]
) -> tuple[ProcedureChoice, ...]:
    if not any(q.kind is QuestionKind.procedure for q in questions):
        return ()
    return procedure_choices(session, state.response.unit_id)


def finished(state: SurveyState) -> Finished | None:
    status = ResponseStatus(state.response.status)
    return None if status == ResponseStatus.in_progress else Finished(status)


# One question at a time (chats) ----------------------------------------------------------


def question_step(session: Session, state: SurveyState) -> Asked | Finished:
    """The question the engine asks now, or the end."""
    done = finished(state)
    if done is not None:
        return done
    question = next_question(state.questionnaire, state.answers)
    if question is None:
        # Every question answered yet still open (it cannot be saved so): thank all the same.
        return Finished(ResponseStatus.completed)
    number, total = progress(state.questionnaire, state.answers)
    return Asked(
        response_id=state.response.id,
        question=question,
        section=state.questionnaire.section_of(question.key),
        number=number,
        total=total,
        language=state.response.language,
        procedures=_choices_for(session, state, [question]),
    )


# A page at a time (forms) ----------------------------------------------------------------


def path(state: SurveyState) -> list[Section]:
    """This citizen's pages, in order, as far as the answers so far tell; without the pages
    whose every question the entry answered (an invitation's procedure)."""
    questionnaire, answers = state.questionnaire, state.answers
    preset = PRESET_KEYS.get(state.response.channel, frozenset())
    return [
        section
        for section in applicable_sections(questionnaire, answers)
        if not preset
        or not all(q.key in preset for q in section_questions(questionnaire, section, answers))
    ]


def _upcoming(state: SurveyState, pages: Sequence[Section]) -> Section | None:
    """The first page with an unanswered question."""
    question = next_question(state.questionnaire, state.answers)
    if question is None:
        return None
    key = state.questionnaire.section_of(question.key).key
    return next((section for section in pages if section.key == key), None)


def reachable(state: SurveyState, key: str, pages: Sequence[Section]) -> Section | None:
    """The page, if it may be shown now: on the path and not past the first unanswered page
    (a citizen may go back to any earlier page and change it)."""
    upcoming = _upcoming(state, pages)
    for section in pages:
        if section.key == key:
            return section
        if upcoming is not None and section.key == upcoming.key:
            return None
    return None


def _section_after(state: SurveyState, key: str, pages: Sequence[Section]) -> Section | None:
    """Where "next" leads: the following page of the path (already answered if the citizen
    came back to change something), else the first unanswered one."""
    keys = [section.key for section in pages]
    if key in keys and keys.index(key) + 1 < len(pages):
        return pages[keys.index(key) + 1]
    return _upcoming(state, pages)


def page_step(
    session: Session,
    state: SurveyState,
    section: Section,
    pages: Sequence[Section] | None = None,
) -> Page:
    """The page `section`; `pages`, the citizen's path when the caller has it already."""
    pages = path(state) if pages is None else pages
    keys = [s.key for s in pages]
    place = keys.index(section.key) if section.key in keys else 0
    questions = tuple(section_questions(state.questionnaire, section, state.answers))
    return Page(
        response_id=state.response.id,
        section=section,
        questions=questions,
        number=place + 1,
        total=len(keys),
        back=pages[place - 1] if 0 < place < len(pages) else None,
        language=state.response.language,
        procedures=_choices_for(session, state, questions),
    )


def _page_or_end(
    session: Session, state: SurveyState, section: Section | None, pages: Sequence[Section]
) -> Page | Finished:
    if section is None:
        return Finished(ResponseStatus.completed)
    return page_step(session, state, section, pages)


# Each of the three below works out the citizen's path once and hands it down.


def first_page(session: Session, state: SurveyState) -> Page | Finished:
    """The first unanswered page (where a start or a resume leads), or the end."""
    done = finished(state)
    if done is not None:
        return done
    pages = path(state)
    return _page_or_end(session, state, _upcoming(state, pages), pages)


def page_after(session: Session, state: SurveyState, key: str) -> Page | Finished:
    """Where "next" leads from the page `key`, once its answers are stored."""
    done = finished(state)
    if done is not None:
        return done
    pages = path(state)
    return _page_or_end(session, state, _section_after(state, key, pages), pages)


def page_to_show(session: Session, state: SurveyState, key: str) -> Page | Finished:
    """The page `key` when it may be shown now; otherwise the page the citizen is due on."""
    done = finished(state)
    if done is not None:
        return done
    pages = path(state)
    section = reachable(state, key, pages) or _upcoming(state, pages)
    return _page_or_end(session, state, section, pages)
