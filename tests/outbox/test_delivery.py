"""The worker sends each message once, through transient failures, in each recipient's order."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from hailong.models import OutboxState
from hailong.outbox.sending import Sender
from hailong.outbox.worker import Result
from hailong.settings import Settings
from tests.fakes.relay import FakeRelay
from tests.infra.processes import free_port
from tests.outbox.conftest import (
    messages,
    queue_messages,
    relay_settings,
    states,
    work_until_settled,
)
from tests.outbox.senders import EchoingRelay, TokenRelay


class TestTransientFailures:
    def test_two_500s_then_recovery_delivers_each_message_exactly_once(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.fail_first = 2
        keys = queue_messages(sessions, 20)
        totals, seen = work_until_settled(settings, sessions)
        assert relay.delivered() == dict.fromkeys(keys, 1)
        assert relay.duplicates == 0
        assert all(relay.requests[key] == 3 for key in keys)
        assert (totals.sent, totals.retried, totals.failed) == (20, 40, 0)
        stored = messages(sessions)
        for key in keys:
            assert stored[key].state == OutboxState.sent
            assert stored[key].attempts == 3
            assert stored[key].recipient is None
        retries = [d for d in seen if d.result is Result.retry]
        assert {d.error for d in retries} == {"HTTP 500 Internal Server Error"}


class TestGivingUp:
    def test_a_refusal_fails_at_once_with_its_error_and_forgets_the_recipient(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.always = 422
        [key] = queue_messages(sessions, 1)
        totals, _ = work_until_settled(settings, sessions)
        assert totals.failed == 1
        assert relay.requests[key] == 1
        message = messages(sessions)[key]
        assert message.state == OutboxState.failed
        assert message.last_error == "HTTP 422 Unprocessable Entity"
        assert message.recipient is None
        assert message.erased_at is not None
        assert message.finished_at is not None

    def test_after_the_last_attempt_the_message_fails_with_its_last_error(
        self, database_url: str, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.always = 503
        settings = relay_settings(database_url, relay, outbox_max_attempts=4)
        [key] = queue_messages(sessions, 1)
        _, seen = work_until_settled(settings, sessions)
        assert [d.result for d in seen] == [Result.retry] * 3 + [Result.failed]
        assert relay.requests[key] == 4
        assert relay.delivered() == {}
        message = messages(sessions)[key]
        assert (message.state, message.attempts) == (OutboxState.failed, 4)
        assert message.last_error == "HTTP 503 Service Unavailable"
        assert message.recipient is None

    def test_a_network_error_is_retried_then_named(
        self, database_url: str, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        nobody = f"http://127.0.0.1:{free_port()}/messages"
        settings = relay_settings(database_url, relay, outbox_max_attempts=2)
        settings = settings.model_copy(update={"outbox_relay_url": nobody})
        [key] = queue_messages(sessions, 1)
        _, seen = work_until_settled(settings, sessions)
        assert [d.result for d in seen] == [Result.retry, Result.failed]
        assert messages(sessions)[key].last_error == "network: ConnectError"

    def test_an_error_quoting_the_recipient_is_stored_without_it(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.always = 400
        [key] = queue_messages(sessions, 1, prefix="echo")
        _, seen = work_until_settled(
            settings, sessions, concurrency=1, senders=lambda: {"relay": EchoingRelay(relay.url)}
        )
        error = messages(sessions)[key].last_error
        assert error == "550 5.1.1 <[recipient]>: recipient address rejected"
        assert [d.error for d in seen] == [error]


class TestRateLimits:
    def test_retry_after_is_waited_for(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.always, relay.retry_after = 429, "1"
        [key] = queue_messages(sessions, 1)
        started = time.monotonic()

        def recover() -> None:
            relay.wait_for(lambda r: r.requests[key] == 1)
            relay.always = None

        helper = threading.Thread(target=recover)
        helper.start()
        _, seen = work_until_settled(settings, sessions)
        helper.join()
        assert [d.result for d in seen] == [Result.retry, Result.sent]
        assert seen[0].retry_in is not None and seen[0].retry_in >= 1.0
        assert time.monotonic() - started >= 1.0
        assert relay.delivered() == {key: 1}


class TestOrder:
    def test_one_recipients_messages_go_out_in_order_through_retries(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.fail_first = 1
        first = queue_messages(sessions, 6, prefix="a", ordering_key="chat-a")
        second = queue_messages(sessions, 6, prefix="b", ordering_key="chat-b")
        loose = queue_messages(sessions, 6, prefix="c")
        work_until_settled(settings, sessions, concurrency=8)
        order = relay.keys_in_order()
        assert [k for k in order if k in first] == first
        assert [k for k in order if k in second] == second
        assert relay.delivered() == dict.fromkeys(first + second + loose, 1)

    def test_a_message_waits_while_an_earlier_one_of_its_recipient_is_retrying(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.fail_first = 3
        keys = queue_messages(sessions, 2, ordering_key="chat-a")
        work_until_settled(settings, sessions)
        # The second was not even tried before the first was through.
        assert relay.request_log == [keys[0]] * 4 + [keys[1]] * 4
        assert relay.keys_in_order() == keys


class TestCredentials:
    def test_an_expired_token_is_refreshed_and_the_message_sent_once(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.token = "token-2"
        keys = queue_messages(sessions, 3, ordering_key="chat-a")
        senders: list[TokenRelay] = []

        def make() -> dict[str, Sender]:
            senders.append(TokenRelay(relay.url, relay.token_url, token="token-1"))
            return {"relay": senders[-1]}

        totals, seen = work_until_settled(settings, sessions, senders=make)
        assert relay.delivered() == dict.fromkeys(keys, 1)
        assert senders[0].refreshes == 1
        assert [d.attempt for d in seen] == [1, 1, 1]
        assert totals.sent == 3

    def test_a_token_refused_again_after_refresh_is_retried_later(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        relay.token = "token-2"
        [key] = queue_messages(sessions, 1)

        def make() -> dict[str, Sender]:
            return {"relay": TokenRelay(relay.url, relay.token_url, token="stale")}

        # The token handed out is revoked at once, once: the resend is refused again.
        relay.token_rotations = ["token-3"]
        _, seen = work_until_settled(settings, sessions, senders=make)
        assert [d.result for d in seen] == [Result.retry, Result.sent]
        assert seen[0].error == "HTTP 401"
        assert relay.delivered() == {key: 1}


class TestChannelsWithoutASender:
    def test_are_left_waiting_for_a_worker_that_has_one(
        self, settings: Settings, sessions: sessionmaker[Session], relay: FakeRelay
    ) -> None:
        queue_messages(sessions, 2, prefix="z", channel="zalo")
        keys = queue_messages(sessions, 2)
        work_until_settled(
            settings, sessions, done=lambda: relay.delivered() == dict.fromkeys(keys, 1)
        )
        assert relay.delivered() == dict.fromkeys(keys, 1)
        waiting = states(sessions)
        assert waiting["z-0"] == waiting["z-1"] == OutboxState.pending
