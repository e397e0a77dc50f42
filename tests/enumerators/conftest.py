"""Enumerators in a small country: assigned to a ward, living in another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.audit.service import Who
from hailong.enumerators import service
from hailong.enumerators.interviews import Interview
from hailong.models import Account, Counter, Role, Unit
from tests.accounts.conftest import ACCOUNTS, make_account, make_country
from tests.factories import make_counter, make_period, make_procedure
from tests.telegram.plan import PLAN

COPY = "1.004227"


@dataclass(frozen=True)
class Field:
    """Where the enumerator `dieutra` works: assigned to Hải An, living in Ngô Quyền."""

    enumerator_id: int
    assigned_unit: int
    assigned_counter: int
    own_unit: int
    own_counter: int


def seed_field(session: Session) -> Field:
    ids = make_country(session)
    for username, role, unit in ACCOUNTS:
        make_account(session, username, role, unit)
    make_period(session)
    make_procedure(session, code="1.001612", name="Đăng ký khai sinh")
    make_procedure(session, code=COPY, name="Chứng thực bản sao từ bản chính")
    hai_an = session.get_one(Unit, ids["11413"])
    ngo_quyen = session.get_one(Unit, ids["11341"])
    counter, _ = make_counter(session, hai_an)
    own_counter, _ = make_counter(session, ngo_quyen)
    account = session.scalars(select(Account).where(Account.username == "dieutra")).one()
    service.declare_own(session, account, ngo_quyen, by=Who.console())
    service.assign(session, account, hai_an, by=Who.console())
    return Field(account.id, hai_an.id, counter.id, ngo_quyen.id, own_counter.id)


@pytest.fixture
def field(sessions: sessionmaker[Session]) -> Field:
    with sessions.begin() as session:
        return seed_field(session)


def plan_answers() -> dict[str, Any]:
    """The chats' plan as the interview page sends it: lists for multiple choices."""
    return {
        key: (value.split(";") if value and ";" in value else value)
        for key, value in PLAN.items()
        if key != "procedure"
    }


def interview(field: Field, **changes: Any) -> Interview:
    values: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "unit_id": field.assigned_unit,
        "counter_id": field.assigned_counter,
        "procedure_code": COPY,
        "answers": plan_answers(),
        **changes,
    }
    return Interview(**values)


__all__ = ["Counter", "Role"]
