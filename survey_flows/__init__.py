"""The survey engine: questionnaires are data, the engine is pure and channel-blind."""

from survey_flows.engine import (
    Invalid,
    SurveyStatus,
    Valid,
    applicable_questions,
    next_question,
    next_section,
    previous_section,
    progress,
    stale_answers,
    status,
    validate_answer,
)
from survey_flows.questionnaire import (
    Problem,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireError,
    Section,
    load_builtin,
    load_questionnaire,
    parse_questionnaire,
)

__all__ = [
    "Invalid",
    "Problem",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "SurveyStatus",
    "Valid",
    "applicable_questions",
    "load_builtin",
    "load_questionnaire",
    "next_question",
    "next_section",
    "parse_questionnaire",
    "previous_section",
    "progress",
    "stale_answers",
    "status",
    "validate_answer",
]
