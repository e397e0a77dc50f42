"""What a test citizen answers on each page, worked out from the questionnaire itself.

Tests walk the form by reading the field names of each page they land on and answering
those, so they follow whatever path the engine chooses (element E after feedback "yes").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from survey_flows import Question, QuestionKind, Questionnaire, load_builtin

FIELD_NAME = re.compile(r'<(?:input|textarea)[^>]* name="([A-Za-z][A-Za-z0-9_]*)"')
START_ID = re.compile(r'name="start_id" value="([0-9a-f-]{36})"')
CRITERION_VALUES = ("5", "4", "3", "2", "1", "")  # "" leaves a criterion unanswered
COMMENT = "Cán bộ hướng dẫn tận tình, cảm ơn!"

Plan = dict[str, list[str]]


def page_fields(html: str) -> list[str]:
    """The question keys a page asks, in order (the start form's id is not one)."""
    names = [name for name in FIELD_NAME.findall(html) if name != "start_id"]
    return list(dict.fromkeys(names))


def start_id(html: str) -> str:
    found = START_ID.search(html)
    assert found, "the landing page has no start form"
    return found.group(1)


@cache
def default_questionnaire() -> Questionnaire:
    return load_builtin()


def answer_plan(
    procedure_code: str,
    *,
    gave_feedback: str = "yes",
    questionnaire: Questionnaire | None = None,
) -> Plan:
    """One answer for every question of the questionnaire, as a form would post it."""
    questionnaire = questionnaire or default_questionnaire()
    plan: Plan = {}
    criteria = 0
    for question in questionnaire.questions():
        if question.kind is QuestionKind.criterion:
            plan[question.key] = [CRITERION_VALUES[criteria % len(CRITERION_VALUES)]]
            criteria += 1
        else:
            plan[question.key] = _answer(question, procedure_code, gave_feedback)
    return plan


def _answer(question: Question, procedure_code: str, gave_feedback: str) -> list[str]:
    if question.kind is QuestionKind.yes_no:
        return [gave_feedback if question.key == "gave_feedback" else "yes"]
    if question.kind is QuestionKind.procedure:
        return [procedure_code]
    if question.kind is QuestionKind.multi_choice:
        return list(question.option_codes()[:2])
    if question.kind is QuestionKind.text:
        return [COMMENT]
    if not question.is_required and question.key == "education":
        return [""]  # an optional question left unanswered
    return [question.option_codes()[-1]]


def stored_form(plan: Mapping[str, list[str]], keys: list[str]) -> dict[str, str | None]:
    """How the answers to `keys` are stored: "" as None, several codes joined by ";"."""
    stored: dict[str, str | None] = {}
    for key in keys:
        values = [v for v in plan[key] if v]
        stored[key] = ";".join(values) if values else None
    return stored
