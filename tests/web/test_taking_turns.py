"""Two app processes serve one browser's survey by turns, each remembering the response as it
last committed it (hailong.responses.kept).

When the other process has stored a page in between, a process's copy is behind: it must
read the answers again, or it would work out the next page, and whether the survey is done,
without the page the citizen just answered. Two apps in one test process, each with its own
memory, on one database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import ResponseStatus
from hailong.settings import Settings
from tests.web.citizen import Citizen, all_responses, answers_of
from tests.web.conftest import Place
from tests.web.plan import answer_plan, stored_form


class Turns(httpx.BaseTransport):
    """Each request to the next app of `takers`."""

    def __init__(self, apps: tuple[TestClient, TestClient], takers: tuple[int, ...]) -> None:
        self.apps = apps
        self.takers = itertools.cycle(takers)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport: httpx.BaseTransport = self.apps[next(self.takers)]._transport
        return transport.handle_request(request)


@pytest.fixture
def two_apps(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first, second


@pytest.mark.parametrize(
    "takers",
    # Which app takes each request (a page's POST, then its redirect's GET): by turns, or
    # a page's POST and GET on one app and the next page's on the other.
    [(0, 1), (0, 0, 1, 1), (0, 0, 0, 1)],
    ids=["alternate", "page-by-page", "three-then-one"],
)
def test_the_survey_ends_with_every_page_stored_whichever_process_took_the_page_before(
    two_apps: tuple[TestClient, TestClient],
    client: TestClient,
    place: Place,
    sessions: sessionmaker[Session],
    takers: tuple[int, ...],
) -> None:
    plan = answer_plan(place.procedure_code)
    # The pages one process alone leads the citizen through.
    alone = Citizen(client, place.token)
    alone.walk(plan)

    browser = httpx.Client(transport=Turns(two_apps, takers), base_url="http://testserver")
    citizen = Citizen(browser, place.token)
    # Bounded: a process that forgot a page would lead the citizen back to it, again and again.
    end = citizen.walk(plan, pages=2 * len(alone.pages))

    assert end.url.path == f"/q/{place.token}/done"
    # No page asked again: each process knew every page the other had stored.
    assert citizen.pages == alone.pages
    second = all_responses(sessions)[-1]
    assert second.status == ResponseStatus.completed
    stored = answers_of(sessions, second.id)
    assert stored == stored_form(plan, list(stored))
