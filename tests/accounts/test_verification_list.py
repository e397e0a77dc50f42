"""The office's verification list names each response's procedure with its code, and reads the
names from the reference cache: a list of six responses takes no more queries than one of two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Response
from tests.accounts.conftest import sign_in
from tests.accounts.survey_data import PERIOD, Survey, make_survey
from tests.factories import make_procedure

pytestmark = pytest.mark.usefixtures("country")
HO_TICH = ("1.001612", "Đăng ký khai sinh")
CHUNG_THUC = ("2.000908", "Chứng thực bản sao từ bản chính")


@pytest.fixture
def survey(sessions: sessionmaker[Session]) -> Survey:
    """The accounts tests' survey, its responses about two procedures (one of them unknown)."""
    made = make_survey(sessions)
    with sessions.begin() as session:
        for code, name in (HO_TICH, CHUNG_THUC):
            make_procedure(session, code=code, name=name, field="Hộ tịch")
        hai_an, ngo_quyen = made.responses["11413"], made.responses["11341"]
        for public_ids, code in ((hai_an, HO_TICH[0]), (ngo_quyen[:1], CHUNG_THUC[0])):
            session.execute(
                update(Response)
                .where(Response.public_id.in_(public_ids))
                .values(procedure_code=code)
            )
        session.execute(
            update(Response)
            .where(Response.public_id.in_(ngo_quyen[1:]))
            .values(procedure_code="9.999999")
        )
    return made


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def list_page(client: TestClient, unit: str) -> tuple[str, int]:
    with counted_queries() as statements:
        page = client.get(f"/office/responses?period={PERIOD}&unit={unit}")
    assert page.status_code == 200, page.text[:300]
    return page.text, len(statements)


def test_the_list_names_each_procedure_without_a_query_per_row(
    client: TestClient, survey: Survey
) -> None:
    assert sign_in(client, "sonoivu").status_code == 303
    list_page(client, "11341")  # the caches fill on the first page
    ngo_quyen, few = list_page(client, "11341")
    assert ngo_quyen.count('data-response="') == 2
    assert f'{CHUNG_THUC[1]} <span class="sub">{CHUNG_THUC[0]}</span>' in ngo_quyen
    # A code the catalog does not hold is shown as it is.
    assert '<span class="sub">9.999999</span>' in ngo_quyen
    hai_phong, many = list_page(client, "31")
    assert hai_phong.count('data-response="') == 6
    assert hai_phong.count(HO_TICH[1]) == 4
    assert many <= few, (many, few)


def test_a_responses_page_names_its_procedure(client: TestClient, survey: Survey) -> None:
    assert sign_in(client, "sonoivu").status_code == 303
    page = client.get(f"/office/responses/{survey.responses['11413'][0]}")
    assert page.status_code == 200
    assert f'{HO_TICH[1]} <span class="sub">({HO_TICH[0]})</span>' in page.text
