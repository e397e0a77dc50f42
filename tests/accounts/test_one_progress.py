"""The office's progress page and the API's /progress are one computation: the same units,
forms and quotas, for each channel group; a single channel on the page is a part of them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Period
from tests.accounts.survey_data import PERIOD, Survey, make_survey, sign_in_with_cookie

pytestmark = pytest.mark.usefixtures("country")
ROW = re.compile(
    r'<tr data-unit="([^"]+)"[^>]*>.*?<td class="num count">([\d.]+) / ([\d.]+)</td>', re.S
)


@pytest.fixture
def survey(sessions: sessionmaker[Session]) -> Survey:
    """The accounts tests' survey, in a period whose only official channel is the web."""
    made = make_survey(sessions)
    with sessions.begin() as session:
        session.execute(
            update(Period).where(Period.code == PERIOD).values(official_channels=["web"])
        )
    return made


def office_rows(client: TestClient, query: str) -> dict[str, tuple[int, int]]:
    page = client.get(f"/office/progress?period={PERIOD}&{query}")
    assert page.status_code == 200, page.text[:300]
    return {
        code: (int(done.replace(".", "")), int(quota.replace(".", "")))
        for code, done, quota in ROW.findall(page.text)
    }


def api_rows(client: TestClient, channels: str) -> dict[str, tuple[int, int]]:
    answer = client.get(f"/api/v1/progress?period={PERIOD}&channels={channels}")
    assert answer.status_code == 200, answer.text
    return {
        unit["code"]: (unit["completed"], unit["quota"])
        for unit in answer.json()["units"]
        if unit["quota"] is not None
    }


@pytest.mark.parametrize("channels", ["official", "all"])
def test_the_office_shows_the_apis_numbers(
    client: TestClient, sessions: sessionmaker[Session], survey: Survey, channels: str
) -> None:
    sign_in_with_cookie(client, sessions, "sonoivu")
    shown = office_rows(client, f"channel={channels}")
    assert shown == api_rows(client, channels)
    assert shown["11413"][0] == (4 if channels == "all" else 3)  # telegram is not official


def test_one_channel_is_a_part_of_all(
    client: TestClient, sessions: sessionmaker[Session], survey: Survey
) -> None:
    sign_in_with_cookie(client, sessions, "sonoivu")
    telegram = office_rows(client, "channel=telegram")
    everything = {unit: done for unit, (done, _) in api_rows(client, "all").items()}
    assert telegram["11413"][0] == 1
    assert all(done <= everything[unit] for unit, (done, _) in telegram.items())
