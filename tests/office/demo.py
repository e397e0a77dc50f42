"""The demo's province for office tests: seeded as `hailong demo` seeds it, accounts of each
role, and citizens who answer through a real server's web form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong import demo_data, migrate
from hailong.counters.service import current_token
from hailong.db import make_engine, make_sessionmaker
from hailong.demo import seed_demo
from hailong.models import Counter, Role, Unit
from hailong.periods.service import today_in_vietnam
from tests.accounts.conftest import make_account
from tests.conftest import TEST_SECRET
from tests.web.citizen import Citizen
from tests.web.plan import answer_plan

# Who signs in: an official of the city, ward staff of two wards.
OFFICIAL = "sonoivu"
WARD_A = "motcua"
WARD_B = "motcua2"


@dataclass(frozen=True)
class DemoOffice:
    url: str  # the database
    period: str
    province: str
    ward_a: str
    ward_b: str
    ward_b_name: str
    procedure: str

    def env(self, **more: str) -> dict[str, str]:
        return {"HAILONG_DATABASE_URL": self.url, "HAILONG_SECRET_KEY": TEST_SECRET, **more}


def seed_office(url: str, *, today: date | None = None) -> DemoOffice:
    """Migrate and seed the demo, with an official of the city and ward staff of two wards."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            summary = seed_demo(session, today=today or today_in_vietnam())
            wards = _wards(session)
            ward_b_name = session.scalars(select(Unit.name).where(Unit.code == wards[1])).one()
            make_account(session, OFFICIAL, Role.official, demo_data.PROVINCE_CODE)
            make_account(session, WARD_A, Role.ward_staff, wards[0])
            make_account(session, WARD_B, Role.ward_staff, wards[1])
    finally:
        engine.dispose()
    return DemoOffice(
        url=url,
        period=summary.period,
        province=demo_data.PROVINCE_CODE,
        ward_a=wards[0],
        ward_b=wards[1],
        ward_b_name=ward_b_name,
        procedure=demo_data.PROCEDURES[0].code,
    )


def _wards(session: Session) -> list[str]:
    """Two active communes with counters, by code."""
    query = (
        select(Unit.code)
        .join(Counter, Counter.unit_id == Unit.id)
        .where(Unit.active, Unit.level == "commune")
        .distinct()
        .order_by(Unit.code)
    )
    return list(session.scalars(query))[:2]


def counter_token(url: str, unit_code: str) -> str:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            counter = session.scalars(
                select(Counter)
                .join(Unit, Unit.id == Counter.unit_id)
                .where(Unit.code == unit_code, Counter.active)
                .order_by(Counter.id)
            ).first()
            assert counter is not None
            token = current_token(session, counter)
            assert token is not None
            return token.token
    finally:
        engine.dispose()


def answer_survey(server_url: str, token: str, procedure: str) -> None:
    """A citizen completes the web form at the counter, through a real server."""
    with httpx.Client(base_url=server_url, timeout=30) as client:
        page = Citizen(client, token).walk(answer_plan(procedure))
        assert page.url.path.endswith("/done"), page.text[:300]
