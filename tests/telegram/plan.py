"""One citizen's answers to the default questionnaire, and how a chat test starts a survey."""

from __future__ import annotations

from hailong.counters.tokens import start_payload
from survey_flows import Questionnaire
from tests.telegram.chat import Chat, answer
from tests.telegram.conftest import Office

# Every kind of question: yes/no, procedure, the scale, a skipped criterion, element E after
# "yes", a multiple choice, free text with Vietnamese diacritics, a skipped profile question.
PLAN: dict[str, str | None] = {
    "received_result": "yes",
    "procedure": "1.004227",
    "A1": "5",
    "A2": "4",
    "A3": "3",
    "A4": None,
    "B1": "2",
    "B2": "1",
    "B3": "5",
    "B4": "4",
    "C1": "5",
    "C2": "5",
    "C3": "4",
    "C4": "4",
    "C5": "3",
    "D1": "5",
    "D2": "4",
    "D3": "4",
    "gave_feedback": "yes",
    "E1": "3",
    "E2": "2",
    "E3": "1",
    "harassment": "1",
    "extra_payment": "2",
    "priorities": "P1;P4",
    "comment": "Cán bộ hướng dẫn rất tận tình, cảm ơn.",
    "respondent_type": "individual",
    "gender": None,
    "age_group": "25_34",
    "education": "university",
}


def start(chat: Chat, office: Office) -> None:
    """Tap the landing page's Telegram link: Telegram sends `/start <payload>`."""
    chat.send(f"/start {start_payload(office.token)}")


def answer_until(chat: Chat, questionnaire: Questionnaire, office: Office, stop: str) -> None:
    """Answer PLAN's questions in order, up to (not including) the question `stop`."""
    for key, value in PLAN.items():
        if key == stop:
            return
        answer(chat, questionnaire.question(key), value, procedure_names=office.procedures)
    raise AssertionError(f"{stop} is not in the plan")


def answer_from(chat: Chat, questionnaire: Questionnaire, office: Office, first: str) -> None:
    """Answer PLAN's questions from `first` to the end."""
    keys = list(PLAN)
    for key in keys[keys.index(first) :]:
        answer(chat, questionnaire.question(key), PLAN[key], procedure_names=office.procedures)
