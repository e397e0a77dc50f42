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
from survey_flows.engine import next_question, progress
from survey_flows.layout import FormPage, form_pages

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
    """One page of questions, as a form shows it, with where "back" leads.

    A page holds one or more sections (survey_flows.layout); `section` is its first, whose
    key names the page. `number` of `total` counts the pages this citizen may still see: a
    conditional page is counted until it is known not to apply, so the total never grows.
    """

    response_id: int
    section: Section
    questions: tuple[Question, ...]
    number: int
    total: int
    back: Section | None
    language: str
    procedures: tuple[ProcedureChoice, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def key(self) -> str:
        return self.section.key

    def section_questions(self) -> list[tuple[Section, tuple[Question, ...]]]:
        """The page's sections with the questions of each that are shown."""
        shown = {q.key for q in self.questions}
        groups = [(s, tuple(q for q in s.questions if q.key in shown)) for s in self.sections]
        return [(section, questions) for section, questions in groups if questions]


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
    question = next_question(state.questionnaire, state.answers, state.applicable())
    if question is None:
        # Every question answered yet still open (it cannot be saved so): thank all the same.
        return Finished(ResponseStatus.completed)
    number, total = progress(state.questionnaire, state.answers, state.possible())
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


def _shown_keys(state: SurveyState, questions: Sequence[Question]) -> set[str]:
    """Of `questions`, those the citizen is shown: not those the entry answered."""
    preset = PRESET_KEYS.get(state.response.channel, frozenset())
    return {q.key for q in questions if q.key not in preset}


def _pages_holding(state: SurveyState, questions: Sequence[Question]) -> list[FormPage]:
    keys = _shown_keys(state, questions)
    return [
        page
        for page in form_pages(state.questionnaire)
        if any(q.key in keys for q in page.questions())
    ]


def path(state: SurveyState) -> list[FormPage]:
    """This citizen's pages, in order, as far as the answers so far tell; without the pages
    whose every question the entry answered (an invitation's procedure)."""
    found: list[FormPage] = state.derived("path", lambda: _pages_holding(state, state.applicable()))
    return found


def reserved_path(state: SurveyState) -> list[FormPage]:
    """The pages this citizen may still see: the path, and the conditional pages whose
    condition is not answered yet. The progress shown counts these."""
    found: list[FormPage] = state.derived(
        "reserved_path", lambda: _pages_holding(state, state.possible())
    )
    return found


def _upcoming(state: SurveyState, pages: Sequence[FormPage]) -> FormPage | None:
    """The first page with an unanswered question."""
    question = next_question(state.questionnaire, state.answers, state.applicable())
    if question is None:
        return None
    return next((page for page in pages if question.key in page.question_keys()), None)


def reachable(state: SurveyState, key: str, pages: Sequence[FormPage]) -> FormPage | None:
    """The page, if it may be shown now: on the path and not past the first unanswered page
    (a citizen may go back to any earlier page and change it)."""
    upcoming = _upcoming(state, pages)
    for page in pages:
        if page.key == key:
            return page
        if upcoming is not None and page.key == upcoming.key:
            return None
    return None


def _page_after(state: SurveyState, key: str, pages: Sequence[FormPage]) -> FormPage | None:
    """Where "next" leads: the following page of the path (already answered if the citizen
    came back to change something), else the first unanswered one."""
    keys = [page.key for page in pages]
    if key in keys and keys.index(key) + 1 < len(pages):
        return pages[keys.index(key) + 1]
    return _upcoming(state, pages)


def page_questions(state: SurveyState, page: FormPage) -> tuple[Question, ...]:
    """The questions of `page` that are shown: those that apply or may still apply once
    this page is answered (the procedure beside the screening question), less what the
    entry answered."""
    keys: set[str] = state.derived("shown_possible", lambda: _shown_keys(state, state.possible()))
    return tuple(q for q in page.questions() if q.key in keys)


def page_step(
    session: Session,
    state: SurveyState,
    page: FormPage,
    pages: Sequence[FormPage] | None = None,
) -> Page:
    """The page `page`; `pages`, the citizen's path when the caller has it already."""
    pages = path(state) if pages is None else pages
    keys = [p.key for p in pages]
    place = keys.index(page.key) if page.key in keys else 0
    reserved = [p.key for p in reserved_path(state)]
    questions = page_questions(state, page)
    return Page(
        response_id=state.response.id,
        section=page.sections[0],
        questions=questions,
        number=reserved.index(page.key) + 1 if page.key in reserved else place + 1,
        total=max(len(reserved), len(keys)),
        back=pages[place - 1].sections[0] if 0 < place < len(pages) else None,
        language=state.response.language,
        procedures=_choices_for(session, state, questions),
        sections=page.sections,
    )


def _page_or_end(
    session: Session, state: SurveyState, page: FormPage | None, pages: Sequence[FormPage]
) -> Page | Finished:
    if page is None:
        return Finished(ResponseStatus.completed)
    return page_step(session, state, page, pages)


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
    return _page_or_end(session, state, _page_after(state, key, pages), pages)


def page_to_show(session: Session, state: SurveyState, key: str) -> Page | Finished:
    """The page `key` when it may be shown now; otherwise the page the citizen is due on."""
    done = finished(state)
    if done is not None:
        return done
    pages = path(state)
    page = reachable(state, key, pages) or _upcoming(state, pages)
    return _page_or_end(session, state, page, pages)
