"""The link of an e-mail: the survey in the browser, once; expired, forged or altered, refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import Invitation, OutboxMessage, Response, ResponseStatus
from hailong.models.base import utcnow
from hailong.settings import Settings
from hailong.survey.invitations import link_token
from tests.conftest import TEST_SECRET
from tests.invitations.conftest import BIRTH, invite
from tests.web.plan import answer_plan, page_fields, start_id

pytestmark = pytest.mark.usefixtures("country")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def link_of(sessions: sessionmaker[Session], dossier: str = "H37-0001") -> str:
    """The token the e-mail carries (the sender makes it from the queued nonce)."""
    invite(sessions, dossier)
    with sessions() as session:
        message = session.scalars(select(OutboxMessage)).all()[-1]
        return link_token(TEST_SECRET, message.payload["nonce"])


def answer_all(client: TestClient, token: str) -> str:
    landing = client.get(f"/i/{token}")
    assert landing.status_code == 200, landing.text
    assert "Đăng ký khai sinh" in landing.text
    page = client.post(f"/i/{token}/start", data={"start_id": start_id(landing.text)})
    plan = answer_plan(BIRTH)
    while "/p/" in str(page.url):
        keys = page_fields(page.text)
        assert "procedure" not in keys
        page = client.post(str(page.url), data={k: plan[k] for k in keys})
        assert page.status_code == 200, page.text
    assert str(page.url).endswith("/done")
    return page.text


class TestTheLink:
    def test_the_survey_is_answered_once_with_channel_email(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        token = link_of(sessions)

        thanks = answer_all(client, token)
        again = client.get(f"/i/{token}")

        assert "Cảm ơn" in thanks
        assert again.status_code == 409
        assert "Phiếu khảo sát này đã được gửi" in again.text
        with sessions() as session:
            [response] = session.scalars(select(Response)).all()
        assert response.channel == "email" and response.status == ResponseStatus.completed
        assert response.procedure_code == BIRTH

    def test_opening_the_link_starts_nothing(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        token = link_of(sessions)

        client.get(f"/i/{token}")
        client.get(f"/i/{token}")

        with sessions() as session:
            assert session.scalars(select(Response)).all() == []

    def test_an_expired_link_says_so(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        token = link_of(sessions)
        with sessions.begin() as session:
            session.scalars(select(Invitation)).one().expires_at = utcnow()

        answer = client.get(f"/i/{token}")

        assert answer.status_code == 410
        assert "hết hạn" in answer.text

    @pytest.mark.parametrize("how", ["altered", "forged"])
    def test_a_forged_or_altered_link_is_refused(
        self, client: TestClient, sessions: sessionmaker[Session], how: str
    ) -> None:
        token = link_of(sessions)
        bad = (token[:-1] + ("A" if token[-1] != "A" else "B")) if how == "altered" else "x" * 32

        answer = client.get(f"/i/{bad}")
        started = client.post(
            f"/i/{bad}/start", data={"start_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12}
        )

        assert answer.status_code == 404 and started.status_code == 404
        with sessions() as session:
            assert session.scalars(select(Response)).all() == []
