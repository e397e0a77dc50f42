"""The index's official group counts interviews and e-mail answers when the period says so."""

from __future__ import annotations

import pytest
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.channels import counted_channels, running_channels
from hailong.enumerators.interviews import record
from hailong.index.presenting import index_json
from hailong.index.service import compute_index
from hailong.invitations import service as invitations
from hailong.models import CounterToken, OutboxMessage, Period, TokenState
from hailong.settings import Settings
from hailong.survey import service as survey
from hailong.survey.entries import CounterCode, InvitationLink
from hailong.survey.invitations import link_token
from hailong.units.service import unit_by_code
from tests.conftest import TEST_SECRET
from tests.enumerators.conftest import COPY, Field, interview
from tests.survey.session import answer_pages, browser
from tests.telegram.plan import PLAN


def one_of_each(sessions: sessionmaker[Session], field: Field) -> None:
    """An interview, an e-mail invitation's answer and a web form at the counter."""
    with sessions.begin() as session:
        record(session, interview(field), enumerator_id=field.enumerator_id, secret=TEST_SECRET)
        unit = unit_by_code(session, "11413")
        request = invitations.Request("H37-1", COPY, "an@example.vn")
        invitations.invite(session, unit, request, secret=TEST_SECRET, valid_days=30)
        nonce = session.scalars(select(OutboxMessage)).one().payload["nonce"]
        link = InvitationLink(link_token(TEST_SECRET, nonce))
        emailed = survey.start(session, link, browser(), secret=TEST_SECRET)
        answer_pages(session, emailed.state, PLAN)
        token = session.execute(select_token(field)).scalar_one()
        web = survey.start(session, CounterCode(token=token), browser(), secret=TEST_SECRET)
        answer_pages(session, web.state, PLAN)


def select_token(field: Field) -> Select[tuple[str]]:
    return select(CounterToken.token).where(
        CounterToken.counter_id == field.assigned_counter, CounterToken.state == TokenState.active
    )


def counted(sessions: sessionmaker[Session], official: list[str], group: str) -> int:
    with sessions.begin() as session:
        period = session.scalars(select(Period)).one()
        period.official_channels = official
        session.flush()
        shown = index_json(compute_index(session, period, channels=group))
    responses: int = shown["responses"]
    return responses


@pytest.mark.usefixtures("field")
class TestOfficialGroup:
    def test_interviews_and_emails_count_when_the_period_names_them(
        self, sessions: sessionmaker[Session], field: Field
    ) -> None:
        one_of_each(sessions, field)

        assert counted(sessions, ["email", "interview"], "official") == 2
        assert counted(sessions, ["web"], "official") == 1
        assert counted(sessions, ["web"], "all") == 3

    def test_with_smtp_the_service_runs_both_modes_and_a_period_s_list_keeps_them(self) -> None:
        settings = Settings(secret_key=TEST_SECRET, smtp_url="smtp://127.0.0.1:25")
        running = running_channels(settings)

        assert counted_channels(["web", "email", "interview"], running=running) == [
            "web",
            "email",
            "interview",
        ]
