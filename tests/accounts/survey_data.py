"""A period with answered forms in the accounts tests' small country: Phường Hải An (11413) and
Phường Ngô Quyền (11341) of Hải Phòng, and Phường Ba Đình (00004) of Hà Nội, each with a counter."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import AuditEntry, Response, Unit
from tests.accounts.conftest import credentials_for
from tests.factories import make_counter, make_period
from tests.index.survey import answer, sipas_form

PERIOD = "2026"
# Forms per ward: Hải An 3 on the web and 1 by telegram, Ngô Quyền 2, Ba Đình (Hà Nội) 2.
FORMS = {"11413": (("web", 3), ("telegram", 1)), "11341": (("web", 2),), "00004": (("web", 2),)}
SATISFIED = sipas_form({key: "4" for key in ("A1", "A2", "B1", "C1", "D1")})
UNHAPPY = sipas_form({key: "2" for key in ("A1", "A2", "B1", "C1", "D1")})


@dataclass(frozen=True)
class Survey:
    counters: dict[str, int]  # unit code -> its counter's id
    responses: dict[str, list[str]]  # unit code -> its responses' public ids


def make_survey(sessions: sessionmaker[Session]) -> Survey:
    counters: dict[str, int] = {}
    responses: dict[str, list[str]] = {}
    with sessions.begin() as session:
        period = make_period(session, code=PERIOD, quota=4)
        for code, batches in FORMS.items():
            unit = session.scalars(select(Unit).where(Unit.code == code)).one()
            counter, _token = make_counter(session, unit)
            counters[code] = counter.id
            for channel, count in batches:
                for number in range(count):
                    form = UNHAPPY if number == 0 else SATISFIED
                    made = answer(session, period, unit, form, channel=channel, counter=counter)
                    responses.setdefault(code, []).append(made.public_id)
    return Survey(counters, responses)


def bearer(sessions: sessionmaker[Session], username: str) -> dict[str, str]:
    return {"authorization": f"Bearer {credentials_for(sessions, username).token}"}


def review_states(sessions: sessionmaker[Session], public_ids: list[str]) -> dict[str, str]:
    with sessions() as session:
        rows = session.execute(
            select(Response.public_id, Response.review_state).where(
                Response.public_id.in_(public_ids)
            )
        )
        return dict(rows.tuples().all())


def audit_lines(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(query))


def sign_in_with_cookie(client: TestClient, sessions: sessionmaker[Session], username: str) -> str:
    """Sign the test client in with a session cookie; returns the CSRF token of GET /me."""
    client.cookies.set("hl_office", credentials_for(sessions, username).session_cookie)
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    token: str = me.json()["csrf_token"]
    return token
