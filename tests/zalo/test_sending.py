"""Replies through the outbox to Zalo: retried on 5xx and rate limits, given up on refusals,
and the OA's tokens renewed by one worker at a time, the rotated pair stored at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.zalo.sender import ZaloSender
from hailong.models import ChannelCredential, OutboxMessage, OutboxState
from hailong.models.base import utcnow
from hailong.outbox import OutgoingMessage, Refresh, Sent
from hailong.settings import Settings
from tests.fakes.zalo_api import HTTP_500, INVALID_TOKEN, FakeZaloAPI
from tests.telegram.conftest import Office
from tests.zalo.phone import FIRST_REFRESH, Phone


def credential(engine: Engine) -> ChannelCredential:
    with Session(engine) as session:
        return session.scalars(select(ChannelCredential)).one()


def outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def message(number: int) -> OutgoingMessage:
    return OutgoingMessage(
        id=number,
        channel="zalo",
        kind="reply",
        recipient="8146227452147896541",
        payload={"text": f"Câu hỏi {number}"},
        idempotency_key=f"zalo:test:{number}",
        attempt=1,
    )


class TestThroughTheWorker:
    def test_two_500s_then_an_expired_token_still_send_each_question_once(
        self, phone: Phone, office: Office, zalo_api: FakeZaloAPI, engine: Engine
    ) -> None:
        zalo_api.fail_next(HTTP_500, HTTP_500, INVALID_TOKEN)
        phone.send(office.short_code)
        phone.tap("Đã nhận")

        assert len(phone.messages()) == 2
        assert "Câu 2/" in phone.last.text
        assert zalo_api.renewals == 1
        stored = credential(engine)
        # The rotated pair, stored: the first refresh token is dead at Zalo now.
        assert stored.refresh_token == zalo_api.refresh_token != FIRST_REFRESH
        assert stored.access_token == zalo_api.access_token
        sent = outbox(engine)
        assert [m.state for m in sent] == [OutboxState.sent, OutboxState.sent]
        # The Zalo user id is kept only until its message is sent.
        assert [m.recipient for m in sent] == [None, None]

    def test_outside_the_interaction_window_the_message_is_given_up_at_once(
        self, phone: Phone, office: Office, zalo_api: FakeZaloAPI, engine: Engine
    ) -> None:
        zalo_api.fail_next(-230)
        phone.send(office.short_code)
        assert phone.messages() == []
        assert zalo_api.sends == 1
        (given_up,) = outbox(engine)
        assert (given_up.state, given_up.last_error) == (OutboxState.failed, "Zalo error -230")

    def test_a_rate_limit_is_waited_out(
        self, phone: Phone, office: Office, zalo_api: FakeZaloAPI
    ) -> None:
        zalo_api.fail_next(-32, -211)
        phone.send(office.short_code)
        assert len(phone.messages()) == 1
        assert zalo_api.sends == 3


class TestTokens:
    def test_two_workers_refused_at_once_renew_the_single_use_token_once(
        self, zalo_settings: Settings, sessions: sessionmaker[Session], zalo_api: FakeZaloAPI
    ) -> None:
        async def main() -> list[object]:
            first = ZaloSender(zalo_settings, sessions)
            second = ZaloSender(zalo_settings, sessions)
            zalo_api.fail_next(INVALID_TOKEN, INVALID_TOKEN)
            refused = await asyncio.gather(first.send(message(1)), second.send(message(2)))
            assert refused == [Refresh("Zalo error -216"), Refresh("Zalo error -216")]
            await asyncio.gather(first.refresh(), second.refresh())
            sent = await asyncio.gather(first.send(message(1)), second.send(message(2)))
            await first.aclose()
            await second.aclose()
            return list(sent)

        assert asyncio.run(main()) == [Sent(), Sent()]
        assert zalo_api.renewals == 1

    def test_upkeep_renews_before_expiry_and_not_again_until_due(
        self,
        zalo_settings: Settings,
        sessions: sessionmaker[Session],
        zalo_api: FakeZaloAPI,
        engine: Engine,
    ) -> None:
        async def upkeep_twice() -> None:
            sender = ZaloSender(zalo_settings, sessions)
            await sender.upkeep()  # the settings' pair: its lifetime unknown, so renewed
            await sender.upkeep()  # 25 hours left: nothing to do
            await sender.aclose()

        asyncio.run(upkeep_twice())
        assert zalo_api.renewals == 1
        expires = credential(engine).expires_at
        assert expires is not None
        left = expires.replace(tzinfo=expires.tzinfo or utcnow().tzinfo) - utcnow()
        assert timedelta(hours=24) < left <= timedelta(hours=25)

        with sessions.begin() as session:
            soon = utcnow() + timedelta(minutes=10)
            session.execute(update(ChannelCredential).values(expires_at=soon))
        asyncio.run(upkeep_twice())
        assert zalo_api.renewals == 2

    def test_a_dead_refresh_token_fails_the_renewal_without_a_retry_storm(
        self, zalo_settings: Settings, sessions: sessionmaker[Session], zalo_api: FakeZaloAPI
    ) -> None:
        zalo_api.refresh_token = "someone-else-used-it"

        async def main() -> object:
            sender = ZaloSender(zalo_settings, sessions)
            zalo_api.fail_next(INVALID_TOKEN)
            outcome = await sender.send(message(1))
            try:
                await sender.refresh()
            except Exception as error:  # the worker turns it into "retry later"
                outcome = type(error).__name__
            await sender.aclose()
            return outcome

        assert asyncio.run(main()) == "RenewalRefused"
        assert zalo_api.renewals == 0
