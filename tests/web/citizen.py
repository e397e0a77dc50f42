"""A test citizen with a cookie jar: opens the landing page, starts, answers page after page.

Works with the in-process TestClient and with an httpx.Client talking to a real server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Answer, Response
from tests.web.plan import Plan, page_fields, start_id


@dataclass
class Citizen:
    client: httpx.Client
    token: str
    pages: list[str] = field(default_factory=list)  # paths of the pages answered so far
    keys: list[str] = field(default_factory=list)  # question keys answered so far

    @property
    def landing(self) -> str:
        return f"/q/{self.token}"

    def start(self) -> httpx.Response:
        """Open the landing page and tap "start"; returns the first page."""
        page = self.client.get(self.landing)
        assert page.status_code == 200, page.text
        return self.client.post(
            f"{self.landing}/start", data={"start_id": start_id(page.text)}, follow_redirects=True
        )

    def answer(self, page: httpx.Response, plan: Plan) -> httpx.Response:
        """Answer every field of `page` from the plan and send it; returns what comes next."""
        # A field the plan leaves out is left empty (the procedure after "not received yet").
        data = {name: plan[name] for name in page_fields(page.text) if name in plan}
        self.pages.append(page.url.path)
        self.keys.extend(data)
        return self.client.post(page.url.path, data=data, follow_redirects=True)

    def walk(self, plan: Plan, *, pages: int | None = None) -> httpx.Response:
        """From the landing page through `pages` pages (or to the end)."""
        page = self.start()
        while "/p/" in page.url.path and (pages is None or len(self.pages) < pages):
            assert page.status_code == 200, page.text
            page = self.answer(page, plan)
        return page


def all_responses(sessions: sessionmaker[Session]) -> list[Response]:
    with sessions() as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def answers_of(sessions: sessionmaker[Session], response_id: int) -> dict[str, str | None]:
    with sessions() as session:
        rows = session.execute(
            select(Answer.question_key, Answer.value).where(Answer.response_id == response_id)
        )
        return {key: value for key, value in rows}


def stored_counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(responses, answers) in the database."""
    with sessions() as session:
        responses = session.scalar(select(func.count()).select_from(Response)) or 0
        answers = session.scalar(select(func.count()).select_from(Answer)) or 0
        return responses, answers
