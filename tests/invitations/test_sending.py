"""The worker sends invitations through a fake SMTP server of ours over real SMTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import OutboxMessage, OutboxState
from hailong.settings import Settings
from hailong.survey import service as survey
from hailong.survey.entries import InvitationLink
from tests.conftest import TEST_SECRET
from tests.fakes.smtp import FakeSmtp
from tests.invitations.conftest import ADDRESS, invite, send_all
from tests.survey.session import browser

pytestmark = pytest.mark.usefixtures("country")
LINK = re.compile(r"https://khaosat\.example\.vn/i/([A-Za-z0-9_-]{32})")


def database_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    found = b""
    for suffix in ("", "-wal", "-journal"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            found += part.read_bytes()
    return found


class TestTheEmail:
    def test_a_polite_email_with_both_parts_and_a_link_that_opens_the_survey(
        self, settings: Settings, sessions: sessionmaker[Session], smtp: FakeSmtp
    ) -> None:
        invite(sessions, "H37-0001")

        send_all(settings, sessions)

        (mail,) = smtp.wait_for(1)
        assert mail.recipients == [ADDRESS]
        assert mail.message["Subject"].startswith("Ông/bà được phục vụ thế nào?")
        assert mail.message["List-Unsubscribe"] == (
            "<mailto:khaosat@haiphong.example.vn?subject=unsubscribe>"
        )
        plain, html = mail.part("plain"), mail.part("html")
        assert "Kính gửi ông/bà," in plain and "Dear citizen," in plain
        assert "H37-0001" in plain and "Đăng ký khai sinh" in plain
        found = LINK.search(plain)
        assert found is not None and found.group(0) in html
        with sessions.begin() as session:
            started = survey.start(
                session, InvitationLink(found.group(1)), browser(), secret=TEST_SECRET
            )
            assert started.state.response.channel == "email"
            assert started.state.answers == {"procedure": "1.001612"}

    def test_the_address_is_gone_from_the_database_once_sent(
        self, settings: Settings, sessions: sessionmaker[Session], smtp: FakeSmtp
    ) -> None:
        invite(sessions, "H37-0001")

        send_all(settings, sessions)

        smtp.wait_for(1)
        with sessions() as session:
            message = session.scalars(select(OutboxMessage)).one()
        assert message.state == OutboxState.sent and message.recipient is None
        if settings.database_url.startswith("sqlite"):
            assert ADDRESS.encode() not in database_bytes(settings.database_url)


class TestRefusedAtFirst:
    def test_a_refusal_delays_the_email_but_loses_nothing(
        self, settings: Settings, sessions: sessionmaker[Session], smtp: FakeSmtp
    ) -> None:
        smtp.refuse_first = 2
        invite(sessions, "H37-0001")
        invite(sessions, "H37-0002")

        send_all(settings, sessions)

        assert len(smtp.wait_for(2)) == 2
        with sessions() as session:
            messages = session.scalars(select(OutboxMessage)).all()
        assert {m.state for m in messages} == {OutboxState.sent}
        assert sum(m.attempts for m in messages) == 4
        assert all(m.last_error is None or ADDRESS not in m.last_error for m in messages)

    def test_a_final_refusal_fails_the_email_and_erases_the_address(
        self, settings: Settings, sessions: sessionmaker[Session], smtp: FakeSmtp
    ) -> None:
        smtp.refuse_first, smtp.refuse_code = 1, 550
        invite(sessions, "H37-0001")

        send_all(settings, sessions)

        with sessions() as session:
            message = session.scalars(select(OutboxMessage)).one()
        assert message.state == OutboxState.failed and message.recipient is None
        assert message.last_error == "SMTP 550"
        assert smtp.received == []
