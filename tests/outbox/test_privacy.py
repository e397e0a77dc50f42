"""A recipient is kept only until its message is sent or has finally failed: gone from the row,
and on SQLite from the database file and its WAL too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hailong.db import unit_of_work
from hailong.models import OutboxState
from hailong.models.base import utcnow
from hailong.outbox import claims
from hailong.settings import Settings
from tests.fakes.relay import FakeRelay
from tests.outbox.conftest import messages, queue_messages, relay_settings, work_until_settled

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ADDRESSES = [f"tran.thi.{n}@phuong-hai-an.example.vn" for n in range(30)]


def files_of(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


@ON_SQLITE
class TestGoneFromTheFile:
    def test_sent_and_failed_recipients_are_not_in_the_database_files(
        self,
        database_url: str,
        settings: Settings,
        sessions: sessionmaker[Session],
        relay: FakeRelay,
    ) -> None:
        queue_messages(sessions, len(ADDRESSES), recipients=ADDRESSES)
        # Each is refused once first: a retried message keeps its address until it is sent.
        relay.fail_first = 1
        before = files_of(database_url)
        assert all(a.encode() in before for a in ADDRESSES)
        work_until_settled(settings, sessions, concurrency=4)
        after = files_of(database_url)
        assert [a for a in ADDRESSES if a.encode() in after] == []
        assert b"@phuong-hai-an.example.vn" not in after
        assert {m.recipient for m in messages(sessions).values()} == {None}

    def test_a_failed_message_forgets_its_recipient_in_the_file_too(
        self,
        database_url: str,
        settings: Settings,
        sessions: sessionmaker[Session],
        relay: FakeRelay,
    ) -> None:
        relay.always = 410
        queue_messages(sessions, 5, recipients=ADDRESSES[:5])
        work_until_settled(settings, sessions)
        assert {m.state for m in messages(sessions).values()} == {OutboxState.failed}
        assert b"@phuong-hai-an.example.vn" not in files_of(database_url)


class TestKeepingFailedRecipients:
    def test_a_failed_message_keeps_its_recipient_for_the_window_then_forgets_it(
        self, database_url: str, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.always = 503
        settings = relay_settings(
            database_url, relay, outbox_max_attempts=2, outbox_keep_failed_hours=24
        )
        [key] = queue_messages(sessions, 1)
        work_until_settled(settings, sessions)
        message = messages(sessions)[key]
        assert message.state == OutboxState.failed
        assert message.recipient is not None and message.erased_at is None
        with unit_of_work(sessions) as session:
            assert (
                claims.erase_expired(
                    session, failed_before=utcnow() - timedelta(hours=24), now=utcnow()
                )
                == 0
            )
            assert claims.erase_expired(session, failed_before=utcnow(), now=utcnow()) == 1
        message = messages(sessions)[key]
        assert message.recipient is None and message.erased_at is not None


class TestNothingPersonalPrinted:
    def test_the_worker_names_messages_without_their_recipient_or_content(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.fail_first = 1
        queue_messages(sessions, 3, prefix="printed")
        _, seen = work_until_settled(settings, sessions)
        printed = " ".join(repr(d) for d in seen)
        assert "@example.vn" not in printed and "Câu hỏi số" not in printed
