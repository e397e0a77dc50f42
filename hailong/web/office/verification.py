"""Verification (kiểm tra phiếu): the responses of the subtree with filters, has_issues first;
one response with its answers (no personal data) and its audit trail; review states changed
one by one or for a selection, with a comment. The services are hailong.responses.scoped."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hailong.accounts.scope import Action, Actor, may_do, require
from hailong.audit.service import AuditAction, in_vietnam, trail
from hailong.db import unit_of_work
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Channel, ReviewState
from hailong.periods.scoped import seen_period
from hailong.procedures.service import procedure_names
from hailong.questionnaires.service import questionnaire_by_id
from hailong.reports.words import Words
from hailong.responses import scoped
from hailong.web.callers import client_address
from hailong.web.office.csrf import CSRF_FIELD
from hailong.web.office.pages import OfficePages, binding_of, find_place, redirect
from hailong.web.rendering import request_language
from survey_flows import MULTI_SEPARATOR, Questionnaire
from survey_flows.questionnaire import QuestionKind

LIST_LIMIT = 300
COMMENT_LIMIT = 1000
FILTERS = ("period", "unit", "counter", "channel", "state", "from", "to")
STATE_LABELS = {
    ReviewState.received.value: N_("Received"),
    ReviewState.has_issues.value: N_("Has issues"),
    ReviewState.approved.value: N_("Approved"),
    ReviewState.rejected.value: N_("Rejected"),
}


class BadReviewForm(BadInput):
    message = N_("Please choose a review state and at least one response.")


class BadDay(BadInput):
    message = N_("A day is written as YYYY-MM-DD, for example 2026-12-31.")


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDay() from None


def _counter(value: str | None) -> tuple[int, ...]:
    if not value or not value.strip():
        return ()
    try:
        return (int(value.strip()),)
    except ValueError:
        raise BadInput() from None


def _state(value: str | None) -> ReviewState:
    try:
        return ReviewState((value or "").strip())
    except ValueError:
        raise BadReviewForm() from None


def answer_text(questionnaire: Questionnaire, key: str, value: str | None, language: str) -> str:
    """An answer as the citizen saw it: the option's label, not its code."""
    if value is None:
        return "—"
    if not questionnaire.has_question(key):
        return value
    question = questionnaire.question(key)
    options = {o.code: o.label.get(language) for o in question.options}
    if question.kind is QuestionKind.criterion:
        options = {o.code: o.label.get(language) for o in questionnaire.scale}
    elif question.kind is QuestionKind.yes_no:
        options = {o.code: o.label.get(language) for o in questionnaire.yes_no}
    if question.kind is QuestionKind.multi_choice:
        return "; ".join(options.get(code, code) for code in value.split(MULTI_SEPARATOR))
    return options.get(value, value)


def question_text(questionnaire: Questionnaire, key: str, language: str) -> str:
    if not questionnaire.has_question(key):
        return key
    return questionnaire.question(key).text.get(language)


class Verification:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def list_page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.view_responses)
        params = request.query_params
        language = request_language(request)
        words = Words(language)
        with self.pages.sessions() as session:
            place = find_place(
                session,
                actor,
                Action.view_responses,
                period=params.get("period"),
                unit=params.get("unit"),
            )
            values: dict[str, Any] = {
                "place": place,
                "filters": {name: params.get(name, "") for name in FILTERS},
                "channels": [(c.value, words.channel(c.value)) for c in Channel],
                "states": STATE_LABELS,
                "may_verify": may_do(actor, Action.verify_responses),
                "reviewed": params.get("reviewed"),
                "limit": LIST_LIMIT,
            }
            if place.period is not None:
                query = scoped.ResponseQuery(
                    period=place.period.code,
                    unit=place.unit_code or None,
                    counters=_counter(params.get("counter")),
                    channels=[params["channel"]] if params.get("channel") else [],
                    review_states=[_state(params["state"])] if params.get("state") else [],
                    first_day=parse_day(params.get("from")),
                    last_day=parse_day(params.get("to")),
                )
                values["responses"] = scoped.list_responses(session, actor, query, limit=LIST_LIMIT)
                values["procedures"] = procedure_names(session)
        values["back"] = request.url.path + ("?" + request.url.query if request.url.query else "")
        values["in_vietnam"] = in_vietnam
        return self.pages.render(request, actor, "office/responses.html", values)

    def detail_page(self, request: Request, public_id: str) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        language = request_language(request)
        with self.pages.sessions() as session:
            detail = scoped.get_response(session, actor, public_id)
            period = seen_period(session, actor, detail.response.period)
            questionnaire = questionnaire_by_id(session, period.questionnaire_id)
            answers = [
                (
                    key,
                    question_text(questionnaire, key, language),
                    answer_text(questionnaire, key, value, language),
                )
                for key, value in detail.answers.items()
            ]
            history = trail(
                session, target=detail.response.id, actions=[AuditAction.response_review]
            )
            code = detail.response.procedure_code
            procedure_name = None if code is None else procedure_names(session).get(code)
        values = {
            "response": detail.response,
            "answers": answers,
            "trail": history,
            "states": STATE_LABELS,
            "may_verify": may_do(actor, Action.verify_responses),
            "in_vietnam": in_vietnam,
            "channel_label": Words(language).channel(detail.response.channel),
            "procedure_name": procedure_name,
        }
        return self.pages.render(request, actor, "office/response.html", values)

    async def review(self, request: Request) -> Response:
        """One or many responses to one review state, with a comment; then back to the list
        (or the response) the form was on."""
        actor = await run_in_threadpool(self.pages.actor, request)
        if actor is None:
            return self.pages.sign_in_first(request)
        form = await request.form(max_files=0, max_fields=scoped.MAX_REVIEWED + 10)
        self.pages.csrf.verify(request, _first(form.getlist(CSRF_FIELD)), binding=binding_of(actor))
        ids = [value for value in form.getlist("id") if isinstance(value, str) and value]
        state = _state(_first(form.getlist("state")))
        comment = (_first(form.getlist("comment")) or "").strip()[:COMMENT_LIMIT] or None
        if not ids:
            raise BadReviewForm()
        outcomes = await run_in_threadpool(self._review, request, actor, ids, state, comment)
        return redirect(back_to(_first(form.getlist("back")), len(outcomes)))

    def _review(
        self,
        request: Request,
        actor: Actor,
        ids: list[str],
        state: ReviewState,
        comment: str | None,
    ) -> list[scoped.ReviewOutcome]:
        with unit_of_work(self.pages.sessions) as session:
            return scoped.review_responses(
                session,
                actor,
                ids,
                state=state,
                comment=comment,
                by=actor.who(client_address(request)),
            )


def _first(values: list[Any]) -> str | None:
    for value in values:
        if isinstance(value, str):
            return value
    return None


def back_to(target: str | None, reviewed: int) -> str:
    """The page the form was on (an office page only), saying how many were reviewed."""
    parts = urlsplit(target or "")
    path = parts.path if parts.path.startswith("/office/") and not parts.netloc else ""
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "reviewed"]
    params.append(("reviewed", str(reviewed)))
    return f"{path or '/office/responses'}?{urlencode(params)}"
