"""The time the poster and the landing page promise: measured from the period's completed web
forms once there are enough, the stated default before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import Channel, Period, Response, ResponseStatus
from hailong.responses import timing
from hailong.responses.timing import DEFAULT_MINUTES, ENOUGH_RESPONSES, PromiseCache, promise
from hailong.settings import Settings
from tests.factories import make_counter, make_period, make_unit

NOON = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def finished(
    session: Session,
    period: Period,
    unit_id: int,
    seconds: float,
    *,
    channel: str = Channel.web,
    status: str = ResponseStatus.completed,
    at: datetime = NOON,
) -> None:
    session.add(
        Response(
            public_id=str(uuid.uuid4()),
            unit_id=unit_id,
            counter_id=None,
            period_id=period.id,
            questionnaire_id=period.questionnaire_id,
            channel=channel,
            status=status,
            started_at=at - timedelta(seconds=seconds),
            submitted_at=at,
        )
    )
    session.flush()


def many(session: Session, period: Period, unit_id: int, seconds: list[float]) -> None:
    for index, duration in enumerate(seconds):
        finished(session, period, unit_id, duration, at=NOON + timedelta(minutes=index))


class TestPromise:
    def test_the_stated_default_before_enough_forms(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            unit, period = make_unit(session), make_period(session)
            many(session, period, unit.id, [60.0] * (ENOUGH_RESPONSES - 1))
            found = promise(session, period_id=period.id)
        assert found.minutes == DEFAULT_MINUTES and not found.measured
        assert found.responses == ENOUGH_RESPONSES - 1

    def test_the_median_of_completed_web_forms_of_the_period(
        self, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            unit, period = make_unit(session), make_period(session)
            other = make_period(session, code="older")
            # Most citizens take about two minutes; a few leave the phone and come back.
            many(session, period, unit.id, [110.0] * 20 + [130.0] * 15 + [3600.0] * 10)
            # Neither chats, nor unfinished or unrated forms, nor another period count.
            finished(session, period, unit.id, 900, channel=Channel.telegram)
            finished(session, period, unit.id, 900, status=ResponseStatus.abandoned)
            finished(session, period, unit.id, 900, status=ResponseStatus.unrated)
            many(session, other, unit.id, [900.0] * ENOUGH_RESPONSES)
            found = promise(session, period_id=period.id)
        assert found == timing.Promise(minutes=2, measured=True, responses=45)

    def test_whole_minutes_rounded_and_never_zero(self) -> None:
        assert [timing.minutes_of(s) for s in (10, 89, 90, 149, 150, 400)] == [1, 1, 2, 2, 3, 7]

    def test_the_latest_forms_only(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as session:
            unit, period = make_unit(session), make_period(session)
            # A slow old form, then a quicker one: the promise follows the form as it is now.
            many(session, period, unit.id, [400.0] * 10 + [100.0] * 10)
            found = timing.durations(session, period_id=period.id, sample=10)
        assert found == [100.0] * 10


class TestCache:
    def test_worked_out_again_only_after_its_time(self, sessions: sessionmaker[Session]) -> None:
        now = [0.0]
        cache = PromiseCache(seconds=600, clock=lambda: now[0])
        with sessions.begin() as session:
            unit, period = make_unit(session), make_period(session)
            assert cache.get(session, period.id).minutes == DEFAULT_MINUTES
            many(session, period, unit.id, [60.0] * ENOUGH_RESPONSES)
            now[0] = 599
            assert cache.get(session, period.id).minutes == DEFAULT_MINUTES
            now[0] = 601
            assert cache.get(session, period.id).minutes == 1


class TestLandingPage:
    def test_promises_the_default_then_the_measured_time(
        self, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        with sessions.begin() as session:
            unit, period = make_unit(session), make_period(session)
            _counter, token = make_counter(session, unit)
            path, period_id, unit_id = f"/q/{token.token}", period.id, unit.id
        with TestClient(create_app(settings)) as client:
            assert "Chỉ mất khoảng 3 phút." in client.get(path).text
        with sessions.begin() as session:
            period = session.get(Period, period_id)
            assert period is not None
            many(session, period, unit_id, [100.0] * ENOUGH_RESPONSES)
        # Another app process (or this one, ten minutes on) measures afresh.
        with TestClient(create_app(settings)) as fresh:
            assert "Chỉ mất khoảng 2 phút." in fresh.get(path).text
            assert "about 2 minutes" in fresh.get(f"{path}?lang=en").text
