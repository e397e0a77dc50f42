"""The web edge's smaller promises: a database outage asks the citizen to come back (503 with
Retry-After, never 500), pages are never cached, and cookies are Secure in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hailong.app import create_app
from hailong.settings import Environment, Settings
from tests.conftest import TEST_SECRET
from tests.web.citizen import Citizen
from tests.web.conftest import Place
from tests.web.plan import answer_plan

# A PostgreSQL nobody listens on, and a SQLite file that cannot be opened.
DOWN = {
    "postgresql": "postgresql://hailong@127.0.0.1:1/hailong?connect_timeout=1",
    "sqlite": "sqlite:////nonexistent-folder/hailong.db",
}


@pytest.fixture(params=sorted(DOWN))
def outage(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    settings = Settings(database_url=DOWN[request.param], secret_key=TEST_SECRET, redis_url=None)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


class TestDatabaseOutage:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/q/rFCj5agwJD4ZjL3VV64rbQ"),
            ("GET", "/c/K7QM2P"),
            ("POST", "/q/rFCj5agwJD4ZjL3VV64rbQ/start"),
            ("POST", "/q/rFCj5agwJD4ZjL3VV64rbQ/p/screening"),
        ],
    )
    def test_come_back_in_a_minute(self, outage: TestClient, method: str, path: str) -> None:
        response = outage.request(
            method, path, data={"start_id": "9f1c2d9e-52c1-4f0e-9a55-5d6b7c8d9e0f"}
        )
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert "tạm thời gián đoạn" in response.text
        assert "briefly unavailable" in response.text


class TestNothingIsCached:
    def test_landing_pages_thanks_and_errors(self, client: TestClient, place: Place) -> None:
        citizen, plan = Citizen(client, place.token), answer_plan(place.procedure_code)
        landing = client.get(f"/q/{place.token}")
        assert landing.headers["cache-control"] == "no-store"
        page = citizen.start()
        assert "/p/" in str(page.url)
        assert page.headers["cache-control"] == "no-store"
        done = citizen.answer(page, plan)
        while "/p/" in str(done.url):
            assert done.headers["cache-control"] == "no-store"
            done = citizen.answer(done, plan)
        assert done.url.path.endswith("/done")
        assert done.headers["cache-control"] == "no-store"
        assert client.get("/q/unknown-token-0000000").headers["cache-control"] == "no-store"

    def test_the_stylesheet_and_qr_images_may_still_be_kept(
        self, client: TestClient, place: Place
    ) -> None:
        landing = client.get(f"/q/{place.token}")
        css = landing.text.split('href="', 2)[1].split('"', 1)[0]
        assert "immutable" in client.get(css).headers["cache-control"]
        assert "max-age" in client.get(f"/q/{place.token}/qr.svg").headers["cache-control"]

    def test_the_form_script_is_kept_a_year_under_its_content_hash(
        self, client: TestClient, place: Place
    ) -> None:
        citizen, plan = Citizen(client, place.token), answer_plan(place.procedure_code)
        page = citizen.start()
        while "/p/" in page.url.path and 'src="/static/form.js' not in page.text:
            page = citizen.answer(page, plan)
        script = page.text.split('<script src="', 1)[1].split('"', 1)[0]
        assert script.startswith("/static/form.js?v=")
        served = client.get(script)
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("text/javascript")
        assert "immutable" in served.headers["cache-control"]
        assert "scrollIntoView" in served.text


class TestSecureCookies:
    @pytest.mark.parametrize(
        "base_url", ["http://khaosat.example.vn", "https://khaosat.example.vn"]
    )
    def test_production_cookies_are_secure_whatever_the_base_url(
        self, database_url: str, place: Place, base_url: str, tmp_path: Path
    ) -> None:
        settings = Settings(
            database_url=database_url,
            secret_key=TEST_SECRET,
            base_url=base_url,
            environment=Environment.production,
            redis_url=None,
        )
        with TestClient(create_app(settings), base_url="https://testserver") as client:
            switched = client.get(f"/q/{place.token}?lang=en")
            started = Citizen(client, place.token).start()
            cookies = [
                header
                for response in (switched, *started.history, started)
                for header in response.headers.get_list("set-cookie")
            ]
        assert {c.split("=", 1)[0] for c in cookies} >= {"hl_response", "hl_lang"}
        assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
