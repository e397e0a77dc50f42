"""One invitation per dossier, its e-mail in the outbox; bad requests change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.errors import HailongError
from hailong.invitations.service import BadDossier, BadEmail, Outcome, ProcedureNotOfUnit
from hailong.models import Invitation, OutboxMessage
from tests.invitations.conftest import ADDRESS, COPY, count, invite

pytestmark = pytest.mark.usefixtures("country")


class TestOnePerDossier:
    def test_an_invitation_queues_one_email_and_keeps_no_address(
        self, sessions: sessionmaker[Session]
    ) -> None:
        result = invite(sessions, "H37-0001")

        assert result.outcome is Outcome.invited
        with sessions() as session:
            message = session.scalars(select(OutboxMessage)).one()
            invitation = session.scalars(select(Invitation)).one()
        assert message.channel == "email" and message.recipient == ADDRESS
        assert invitation.message_id == message.id
        assert ADDRESS not in str(message.payload)
        assert message.payload["unit_name"] == "Phường Hải An"

    def test_the_same_dossier_again_is_skipped_without_a_second_email(
        self, sessions: sessionmaker[Session]
    ) -> None:
        invite(sessions, "H37-0001")

        again = invite(sessions, " H37-0001 ", email="another@example.vn")

        assert again.outcome is Outcome.skipped
        assert count(sessions, Invitation) == 1 and count(sessions, OutboxMessage) == 1


class TestRefusals:
    @pytest.mark.parametrize(
        ("change", "refusal"),
        [
            ({"email": "not an address"}, BadEmail),
            ({"email": "a@b"}, BadEmail),
            ({"dossier": "H37 0001; DROP"}, BadDossier),
            ({"dossier": ""}, BadDossier),
            ({"procedure": "9.999999"}, ProcedureNotOfUnit),
        ],
    )
    def test_a_bad_request_is_refused_and_changes_nothing(
        self,
        sessions: sessionmaker[Session],
        change: dict[str, str],
        refusal: type[HailongError],
    ) -> None:
        values = {"dossier": "H37-0002", **change}
        dossier = values.pop("dossier")

        with pytest.raises(refusal):
            invite(sessions, dossier, **values)

        assert count(sessions, Invitation) == 0 and count(sessions, OutboxMessage) == 0

    def test_a_procedure_of_the_unit_is_accepted(self, sessions: sessionmaker[Session]) -> None:
        assert invite(sessions, "H37-0003", procedure=COPY).outcome is Outcome.invited
