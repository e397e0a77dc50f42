"""A response is continued only by the browser that started it.

The landing page's start id is in its HTML for anyone to copy; the browser's resume key is
only in its signed, HttpOnly cookie. A start id replayed from another browser starts a
response of that browser's own, and shows nothing of the first one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.settings import Settings
from tests.web.citizen import Citizen, all_responses, answers_of
from tests.web.conftest import Place
from tests.web.plan import COMMENT, answer_plan, start_id


@pytest.fixture
def phones(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """Two phones (two cookie jars) on the same app."""
    app = create_app(settings)
    with TestClient(app) as mine, TestClient(app) as theirs:
        yield mine, theirs


class TestAnotherBrowsersStartId:
    def test_it_starts_a_response_of_its_own_that_shows_nothing_of_the_first(
        self, phones: tuple[TestClient, TestClient], place: Place, sessions: sessionmaker[Session]
    ) -> None:
        mine, theirs = phones
        plan = answer_plan(place.procedure_code)
        landing = mine.get(f"/q/{place.token}").text
        copied = start_id(landing)
        first = mine.post(f"/q/{place.token}/start", data={"start_id": copied})
        citizen = Citizen(mine, place.token)
        page = first
        while "comment" not in citizen.keys:
            page = citizen.answer(page, plan)
        [before] = all_responses(sessions)
        stored_before = answers_of(sessions, before.id)

        theirs.get(f"/q/{place.token}")
        taken = theirs.post(
            f"/q/{place.token}/start", data={"start_id": copied}, follow_redirects=False
        )

        # A new response, on its first page, not the first citizen's next one.
        assert taken.status_code == 303
        assert taken.headers["location"] == f"/q/{place.token}/p/screening"
        assert len(all_responses(sessions)) == 2
        for path in citizen.pages:
            shown = theirs.get(path)
            assert COMMENT not in shown.text
        # Their answers go to their own response; the first citizen's stay as they were.
        theirs.post(f"/q/{place.token}/p/screening", data={"received_result": "no"})
        assert answers_of(sessions, before.id) == stored_before
        resumed = mine.get(f"/q/{place.token}", follow_redirects=False)
        assert resumed.headers["location"] == f"{page.url.path}?resumed=1"

    def test_a_double_tap_is_still_one_response(
        self, phones: tuple[TestClient, TestClient], place: Place, sessions: sessionmaker[Session]
    ) -> None:
        mine, _ = phones
        copied = start_id(mine.get(f"/q/{place.token}").text)
        one = mine.post(
            f"/q/{place.token}/start", data={"start_id": copied}, follow_redirects=False
        )
        two = mine.post(
            f"/q/{place.token}/start", data={"start_id": copied}, follow_redirects=False
        )

        assert one.headers["location"] == two.headers["location"]
        assert len(all_responses(sessions)) == 1
