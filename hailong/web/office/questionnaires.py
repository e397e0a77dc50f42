"""Questionnaires: each stored version, and a preview of it as a citizen reads it (every
section and question with its choices, in the page's language), without answering anything."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from hailong.accounts.scope import Action, require
from hailong.models import QuestionnaireVersion
from hailong.questionnaires.service import UnknownQuestionnaire, list_versions, parse_source
from hailong.web.office.pages import OfficePages
from hailong.web.rendering import request_language
from survey_flows import Questionnaire
from survey_flows.questionnaire import Option, Question, QuestionKind


def choices(questionnaire: Questionnaire, question: Question) -> tuple[Option, ...]:
    if question.kind is QuestionKind.criterion:
        return questionnaire.scale
    if question.kind is QuestionKind.yes_no:
        return questionnaire.yes_no
    return question.options


class QuestionnairesPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.view_index)
        with self.pages.sessions() as session:
            versions = list_versions(session)
        values = {"versions": versions}
        return self.pages.render(request, actor, "office/questionnaires.html", values)

    def preview(self, request: Request, code: str) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.view_index)
        with self.pages.sessions() as session:
            source = session.scalar(
                select(QuestionnaireVersion.source).where(QuestionnaireVersion.code == code)
            )
        if source is None:
            raise UnknownQuestionnaire(code=code[:64])
        questionnaire = parse_source(source)
        values: dict[str, Any] = {
            "q": questionnaire,
            "code": code,
            "language": request_language(request),
            "choices": lambda question: choices(questionnaire, question),
            "kinds": QuestionKind,
        }
        return self.pages.render(request, actor, "office/questionnaire.html", values)
