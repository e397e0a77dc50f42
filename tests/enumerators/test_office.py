"""The office's pages of the two official modes: interviews per enumerator, unit and day with
the median interview time; assignments; e-mail invitations per unit. Scoped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.enumerators.interviews import record
from hailong.invitations import service as invitations
from hailong.models import EnumeratorUnit, OutboxMessage, OutboxState, Role
from hailong.models.base import utcnow
from hailong.settings import Settings
from hailong.survey import service as survey
from hailong.survey.entries import InvitationLink
from hailong.survey.invitations import link_token
from hailong.units.service import unit_by_code
from tests.accounts.conftest import credentials_for, csrf_token, make_account, sign_in
from tests.conftest import TEST_SECRET
from tests.enumerators.conftest import COPY, Field, interview
from tests.survey.session import answer_pages, browser
from tests.telegram.plan import PLAN


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def interviews_taking(sessions: sessionmaker[Session], field: Field, *minutes: int) -> None:
    for taken in minutes:
        start = utcnow() - timedelta(hours=1)
        sent = interview(field, started_at=start, finished_at=start + timedelta(minutes=taken))
        with sessions.begin() as session:
            record(session, sent, enumerator_id=field.enumerator_id, secret=TEST_SECRET)


class TestInterviews:
    def test_an_official_sees_each_enumerator_s_interviews_and_median_time(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        interviews_taking(sessions, field, 7, 11, 15)
        sign_in(client, "sonoivu")

        page = client.get("/office/enumerators")

        assert page.status_code == 200
        assert "<tr><td>dieutra</td><td>3</td><td>11.0</td></tr>" in page.text
        assert "Phường Hải An" in page.text

    def test_the_api_gives_the_same_figures(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        interviews_taking(sessions, field, 7, 11, 15)
        token = credentials_for(sessions, "sonoivu").token

        answer = client.get(
            "/api/v1/enumerators/interviews", headers={"authorization": f"Bearer {token}"}
        )

        assert answer.status_code == 200
        body = answer.json()
        assert body["enumerators"] == [
            {"username": "dieutra", "interviews": 3, "median_minutes": 11.0}
        ]
        assert {d["unit_code"] for d in body["days"]} == {"11413"}

    def test_an_official_of_another_province_sees_none_of_them(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        interviews_taking(sessions, field, 7)
        with sessions.begin() as session:
            make_account(session, "hanoi", Role.official, "01")
        sign_in(client, "hanoi")

        page = client.get("/office/enumerators")

        assert page.status_code == 200
        assert "dieutra" not in page.text and "Hải An" not in page.text

    def test_an_enumerator_may_not_see_the_page(self, client: TestClient, field: Field) -> None:
        sign_in(client, "dieutra")

        assert client.get("/office/enumerators").status_code == 403


class TestAssignments:
    def assign(self, client: TestClient, unit: str, tie: str = "assigned") -> httpx.Response:
        page = client.get("/office/enumerators")
        return client.post(
            "/office/enumerators/assign",
            data={
                "csrf_token": csrf_token(page.text),
                "username": "dieutra",
                "unit_code": unit,
                "tie": tie,
            },
            follow_redirects=False,
        )

    def test_an_official_assigns_a_unit_of_theirs(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        sign_in(client, "sonoivu")

        answer = self.assign(client, "11413-TT")

        assert answer.status_code == 303
        with sessions() as session:
            assert len(session.scalars(select(EnumeratorUnit)).all()) == 3

    def test_the_enumerator_s_own_unit_is_refused_politely(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        sign_in(client, "sonoivu")

        answer = self.assign(client, "11341")

        assert answer.status_code == 403
        assert "không cho phép khảo sát đơn vị của chính mình" in answer.text
        with sessions() as session:
            assert len(session.scalars(select(EnumeratorUnit)).all()) == 2

    def test_a_unit_outside_scope_is_not_found(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        sign_in(client, "sonoivu")

        answer = self.assign(client, "00004")

        assert answer.status_code == 404
        assert "Ba Đình" not in answer.text


class TestInvitations:
    def test_sent_failed_answered_and_rate_per_unit(
        self, client: TestClient, sessions: sessionmaker[Session], field: Field
    ) -> None:
        tokens = []
        with sessions.begin() as session:
            unit = unit_by_code(session, "11413")
            for dossier in ("H37-1", "H37-2", "H37-3"):
                request = invitations.Request(dossier, COPY, "an@example.vn")
                invitations.invite(session, unit, request, secret=TEST_SECRET, valid_days=30)
            messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            tokens = [link_token(TEST_SECRET, m.payload["nonce"]) for m in messages]
            states = [OutboxState.sent, OutboxState.sent, OutboxState.failed]
            for message, state in zip(messages, states, strict=True):
                session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message.id).values(state=state)
                )
        with sessions.begin() as session:
            started = survey.start(
                session, InvitationLink(tokens[0]), browser(), secret=TEST_SECRET
            )
            answer_pages(session, started.state, PLAN)
        sign_in(client, "sonoivu")

        page = client.get("/office/invitations")

        assert page.status_code == 200
        row = "<td>3</td><td>2</td><td>1</td><td>1</td><td>50.0 %</td>"
        assert row in page.text
