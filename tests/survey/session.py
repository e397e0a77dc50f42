"""Driving the survey session directly, as a channel does: an office to survey, and one
citizen's answers given a page at a time (forms) or a question at a time (chats)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hailong.models import Counter, Period, Unit
from hailong.responses.service import SurveyState
from hailong.survey import service as survey
from hailong.survey import steps
from hailong.survey.entries import Browser
from hailong.survey.steps import Asked, Finished, Page, Refused
from survey_flows import MULTI_SEPARATOR, QuestionKind
from tests.conftest import TEST_SECRET
from tests.factories import make_counter, make_period, make_procedure, make_unit

SECRET = TEST_SECRET
PROCEDURES = {"1.001612": "Đăng ký khai sinh", "1.004227": "Chứng thực bản sao từ bản chính"}
Plan = Mapping[str, str | None]


@dataclass(frozen=True)
class Office:
    unit: Unit
    counter: Counter
    token: str
    short_code: str
    period: Period


def seed_office(session: Session) -> Office:
    unit = make_unit(session)
    counter, token = make_counter(session, unit)
    period = make_period(session)
    for code, name in PROCEDURES.items():
        make_procedure(session, code=code, name=name)
    return Office(unit, counter, token.token, token.short_code, period)


def browser() -> Browser:
    return Browser(start_id=str(uuid.uuid4()), resume_key=uuid.uuid4().hex + uuid.uuid4().hex)


def posted(plan: Plan, page: Page) -> dict[str, list[str]]:
    """A page's fields as a form posts them: "" for "I prefer not to answer"."""
    sent: dict[str, list[str]] = {}
    for question in page.questions:
        value = plan[question.key]
        sent[question.key] = [""] if value is None else value.split(MULTI_SEPARATOR)
    return sent


def answer_pages(session: Session, state: SurveyState, plan: Plan) -> Finished:
    step: Page | Finished | Refused = steps.first_page(session, state)
    while isinstance(step, Page):
        step = survey.answer_page(session, state, step.section.key, posted(plan, step))
    assert isinstance(step, Finished), step
    return step


def answer_questions(session: Session, state: SurveyState, plan: Plan) -> Finished:
    step: Asked | Finished | Refused = steps.question_step(session, state)
    while isinstance(step, Asked):
        key = step.question.key
        value = plan[key]
        multi = step.question.kind is QuestionKind.multi_choice
        raw = value.split(MULTI_SEPARATOR) if multi and value else value
        step = survey.answer_question(session, state, key, raw)
    assert isinstance(step, Finished), step
    return step
