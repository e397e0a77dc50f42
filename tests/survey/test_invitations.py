"""E-mail invitations: a one-time link bound to a dossier's unit, procedure and period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hailong.models import Base, Invitation, Response
from hailong.models.base import utcnow
from hailong.responses.service import ResponseFinished
from hailong.survey import invitations, steps
from hailong.survey import service as survey
from hailong.survey.entries import InvitationLink
from hailong.survey.steps import Page
from tests.survey.session import SECRET, Office, answer_pages, browser, posted, seed_office
from tests.telegram.plan import PLAN

DOSSIER = "000.00.15.H37-261201-0042"


def invite(session: Session, office: Office, **kwargs: object) -> invitations.NewInvitation:
    return invitations.invite(
        session,
        secret=SECRET,
        dossier_id=DOSSIER,
        unit=office.unit,
        procedure_code=str(PLAN["procedure"]),
        period=office.period,
        **kwargs,  # type: ignore[arg-type]
    )


def responses(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Response)) or 0


class TestTheLink:
    def test_the_procedure_is_known_so_its_page_is_never_shown(self, session: Session) -> None:
        office = seed_office(session)
        made = invite(session, office)

        started = survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)

        assert started.state.answers == {"procedure": PLAN["procedure"]}
        pages: list[str] = []
        step = steps.first_page(session, started.state)
        while isinstance(step, Page):
            pages.append(step.section.key)
            step = survey.answer_page(session, started.state, step.section.key, posted(PLAN, step))
        assert pages[0] == "screening" and "procedure" not in pages
        assert started.state.response.procedure_code == PLAN["procedure"]

    def test_the_link_again_before_the_end_resumes_the_same_response(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        made = invite(session, office)
        first = survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)

        again = survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)

        assert again.resumed and again.state.response.id == first.state.response.id
        assert responses(session) == 1

    def test_a_second_use_after_answering_says_it_was_already_answered(
        self, session: Session
    ) -> None:
        office = seed_office(session)
        made = invite(session, office)
        started = survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)
        answer_pages(session, started.state, PLAN)

        with pytest.raises(ResponseFinished):
            survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)
        assert responses(session) == 1

    def test_an_expired_link_is_refused_and_starts_nothing(self, session: Session) -> None:
        office = seed_office(session)
        made = invite(session, office, now=utcnow() - timedelta(days=31))

        with pytest.raises(invitations.InvitationExpired):
            survey.start(session, InvitationLink(made.token), browser(), secret=SECRET)
        assert responses(session) == 0

    @pytest.mark.parametrize("how", ["altered", "forged", "garbage"])
    def test_a_forged_or_altered_link_is_refused(self, session: Session, how: str) -> None:
        office = seed_office(session)
        made = invite(session, office)
        token = {
            "altered": made.token[:-1] + ("A" if made.token[-1] != "A" else "B"),
            "forged": invitations.secrets.token_urlsafe(24),
            "garbage": "../../etc/passwd",
        }[how]

        with pytest.raises(invitations.UnknownInvitation):
            survey.start(session, InvitationLink(token), browser(), secret=SECRET)
        assert responses(session) == 0

    def test_under_another_secret_the_link_opens_nothing(self, session: Session) -> None:
        office = seed_office(session)
        made = invite(session, office)

        with pytest.raises(invitations.UnknownInvitation):
            survey.start(session, InvitationLink(made.token), browser(), secret="another")


class TestStorage:
    def test_only_a_keyed_hash_of_the_token_is_stored(self, session: Session) -> None:
        office = seed_office(session)
        made = invite(session, office)
        session.flush()

        stored = [
            str(value)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
            for value in row
        ]
        assert not [value for value in stored if made.token in value]
        row = session.scalars(select(Invitation)).one()
        assert row.token_hash == invitations.token_hash(SECRET, made.token)

    def test_a_dossier_is_invited_once(self, session: Session) -> None:
        office = seed_office(session)
        invite(session, office)

        with pytest.raises(invitations.DossierInvited):
            invite(session, office)
