"""A form posted without its CSRF token changes nothing; the audit log cannot be rewritten."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hailong.audit.service import AuditAction, Who, record
from hailong.models import AuditEntry, LoginSession
from tests.accounts.conftest import PASSWORD, audit_actions, csrf_token, sign_in

pytestmark = pytest.mark.usefixtures("country")


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


class TestCsrf:
    def test_a_sign_in_without_its_token_is_refused_and_changes_nothing(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        client.get("/office/login")  # the browser has its CSRF cookie, the post no token
        before = audit_actions(sessions)
        answer = client.post(
            "/office/login",
            data={"username": "sonoivu", "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        assert "Biểu mẫu này đã hết hạn" in answer.text and "This form has expired" in answer.text
        assert "hl_office" not in answer.headers.get("set-cookie", "")
        assert count(sessions, LoginSession) == 0
        assert audit_actions(sessions) == before

    def test_a_token_from_another_browser_is_refused(self, client: TestClient) -> None:
        token = csrf_token(client.get("/office/login").text)
        client.cookies.clear()  # another browser: another CSRF cookie
        client.get("/office/login")
        answer = client.post(
            "/office/login",
            data={"username": "sonoivu", "password": PASSWORD, "csrf_token": token},
        )
        assert answer.status_code == 403

    def test_a_sign_out_without_its_token_leaves_the_session_alive(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        sign_in(client, "sonoivu")
        answer = client.post("/office/logout", data={}, follow_redirects=False)
        assert answer.status_code == 403
        assert client.get("/office/").status_code == 200
        with sessions() as session:
            assert session.scalars(select(LoginSession.revoked_at)).one() is None

    def test_a_token_made_before_signing_in_does_not_sign_out(self, client: TestClient) -> None:
        anonymous = csrf_token(client.get("/office/login").text)
        sign_in(client, "sonoivu")
        answer = client.post("/office/logout", data={"csrf_token": anonymous})
        assert answer.status_code == 403
        assert client.get("/office/").status_code == 200


class TestAuditLogIsAppendOnly:
    def add_line(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            record(session, by=Who.console(), action=AuditAction.user_add, target="x")

    @pytest.mark.parametrize(
        "change",
        [
            update(AuditEntry).values(actor="someone else"),
            delete(AuditEntry),
        ],
        ids=["update", "delete"],
    )
    def test_the_database_refuses_to_change_or_remove_a_line(
        self, sessions: sessionmaker[Session], change: object
    ) -> None:
        self.add_line(sessions)
        before = audit_actions(sessions)
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as session:
            session.execute(change)  # type: ignore[call-overload]
        assert audit_actions(sessions) == before

    def test_a_line_goes_with_its_transaction(self, sessions: sessionmaker[Session]) -> None:
        before = count(sessions, AuditEntry)
        with sessions() as session:
            record(session, by=Who.console(), action=AuditAction.user_add, target="x")
            session.rollback()  # the change failed: its line goes too
        assert count(sessions, AuditEntry) == before

    def test_a_raw_statement_is_refused_too(self, sessions: sessionmaker[Session]) -> None:
        self.add_line(sessions)
        with pytest.raises(DBAPIError), sessions.begin() as session:
            session.execute(text("UPDATE audit_entry SET comment = 'edited'"))
