"""One citizen's answers to the default questionnaire, and how a chat test starts a survey."""

from __future__ import annotations

from qr.tokens import start_payload
from tests.telegram.chat import Chat
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
