"""POST /api/v1/invitations with an API token: one invitation per dossier, within scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import Invitation, OutboxMessage
from hailong.settings import Settings
from tests.accounts.conftest import credentials_for
from tests.invitations.conftest import ADDRESS, BIRTH, count

pytestmark = pytest.mark.usefixtures("country")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def body(**changes: str) -> dict[str, Any]:
    return {
        "dossier_id": "H37-0001",
        "unit_code": "11413",
        "procedure_code": BIRTH,
        "email": ADDRESS,
        **changes,
    }


def post(
    client: TestClient, sessions: sessionmaker[Session], username: str, sent: dict[str, Any]
) -> Any:
    token = credentials_for(sessions, username).token
    return client.post(
        "/api/v1/invitations", json=sent, headers={"authorization": f"Bearer {token}"}
    )


class TestInvite:
    def test_the_software_token_invites_once_then_skips(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        first = post(client, sessions, "phanmem", body())
        again = post(client, sessions, "phanmem", body(email="khac@example.vn"))

        assert first.status_code == 201 and first.json()["status"] == "invited"
        assert again.status_code == 200 and again.json()["status"] == "skipped"
        assert ADDRESS not in first.text
        assert count(sessions, Invitation) == 1 and count(sessions, OutboxMessage) == 1

    def test_a_unit_outside_the_official_s_scope_is_not_found(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        answer = post(client, sessions, "sonoivu", body(unit_code="00004"))

        assert answer.status_code == 404
        assert "Ba Đình" not in answer.text
        assert count(sessions, Invitation) == 0

    @pytest.mark.parametrize("username", ["motcua", "dieutra"])
    def test_ward_staff_and_enumerators_may_not_invite(
        self, client: TestClient, sessions: sessionmaker[Session], username: str
    ) -> None:
        answer = post(client, sessions, username, body())

        assert answer.status_code in (403, 404)
        assert count(sessions, Invitation) == 0

    def test_a_bad_address_is_refused_in_both_languages(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        answer = post(client, sessions, "sonoivu", body(email="khong-phai-thu"))

        assert answer.status_code == 422
        message = answer.json()["error"]["message"]
        assert message["vi"] == "Địa chỉ thư điện tử không hợp lệ."
        assert message["en"] == "The e-mail address given is not valid."
        assert count(sessions, OutboxMessage) == 0

    def test_nobody_is_asked_to_sign_in(self, client: TestClient) -> None:
        assert client.post("/api/v1/invitations", json=body()).status_code == 401
