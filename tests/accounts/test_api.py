"""The API's skeleton: JSON errors, cursor pages, its own OpenAPI, the docs page, headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.models import Unit
from hailong.settings import Settings
from tests.accounts.conftest import credentials_for, sign_in
from tests.factories import make_unit

pytestmark = pytest.mark.usefixtures("country")


@pytest.fixture
def official(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {"authorization": f"Bearer {credentials_for(sessions, 'sonoivu').token}"}


def is_error(answer: object, status: int, code: str) -> None:
    assert answer.status_code == status  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]["vi"] and body["error"]["message"]["en"]


class TestErrorsAreJson:
    def test_every_kind_of_error(self, client: TestClient, official: dict[str, str]) -> None:
        is_error(client.get("/api/v1/me"), 401, "not_signed_in")
        is_error(
            client.get("/api/v1/me", headers={"authorization": "Basic eDp5"}), 401, "not_signed_in"
        )
        is_error(client.get("/api/v1/nowhere", headers=official), 404, "not_found")
        is_error(client.get("/api/v1/units/00004", headers=official), 404, "not_found")
        is_error(client.delete("/api/v1/me", headers=official), 405, "method_not_allowed")
        invalid = client.get("/api/v1/units?limit=100000", headers=official)
        is_error(invalid, 422, "invalid")
        assert invalid.json()["error"]["problems"] == [
            {"field": "query.limit", "problem": "less_than_equal"}
        ]
        is_error(client.get("/api/v1/units?cursor=%%%", headers=official), 422, "invalid")

    def test_the_pages_keep_their_html_errors(self, client: TestClient) -> None:
        page = client.get("/office/nowhere")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")


class TestPagination:
    def test_pages_follow_each_other_to_the_end_without_gaps(
        self, client: TestClient, official: dict[str, str], sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            province = session.query(Unit).filter_by(code="31").one()
            for number in range(7):
                make_unit(session, code=f"2{number:04d}", name=f"Xã {number}", parent=province)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/units", params=params, headers=official).json()
            assert len(page["items"]) <= 3
            seen += [unit["code"] for unit in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(seen)
        assert len(seen) == len(set(seen)) == 4 + 7  # the province's subtree, no foreign unit


class TestDescription:
    def test_openapi_describes_the_api_only(self, client: TestClient) -> None:
        schema = client.get("/api/v1/openapi.json").json()
        assert set(schema["paths"]) == {
            "/units",
            "/units/{code}",
            "/me",
            "/periods",
            "/periods/{code}",
            "/periods/{code}/quotas",
            "/counters",
            "/counters/{counter_id}",
            "/counters/{counter_id}/rotate",
            "/counters/{counter_id}/revoke",
            "/progress",
            "/index",
            "/responses",
            "/responses/review",
            "/responses/{response_id}",
            "/responses/{response_id}/review",
            "/downloads/index.csv",
            "/downloads/index.xlsx",
            "/downloads/responses.csv",
            "/downloads/responses.xlsx",
            "/downloads/report.pdf",
        }
        # A file's answer is described as the file it is; its errors stay JSON.
        download = schema["paths"]["/downloads/responses.csv"]["get"]["responses"]
        assert set(download["200"]["content"]) == {"text/csv; charset=utf-8"}
        assert set(download["404"]["content"]) == {"application/json"}
        assert schema["servers"] == [{"url": "/api/v1"}]
        assert "HTTPBearer" in schema["components"]["securitySchemes"]
        # The errors the API answers are described as what it really sends.
        assert (
            "ErrorBody"
            in schema["paths"]["/me"]["get"]["responses"]["401"]["content"]["application/json"][
                "schema"
            ]["$ref"]
        )
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404

    def test_the_docs_page_is_for_signed_in_people(self, client: TestClient) -> None:
        anonymous = client.get("/api/v1/docs", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == "/office/login?next=/api/v1/docs"
        sign_in(client, "motcua")
        page = client.get("/api/v1/docs")
        assert page.status_code == 200
        assert "GET /api/v1/units/{code}" in page.text and "<script" not in page.text


class TestHeaders:
    def test_api_answers_are_never_cached(
        self, client: TestClient, official: dict[str, str]
    ) -> None:
        answer = client.get("/api/v1/me", headers=official)
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"

    def test_every_page_and_answer_carries_the_security_headers(self, client: TestClient) -> None:
        for url in ("/office/login", "/api/v1/me", "/api/v1/openapi.json", "/healthz"):
            headers = client.get(url).headers
            assert "script-src" not in headers["content-security-policy"]  # 'self' only
            assert "'unsafe-inline'" not in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in headers  # plain http here

    def test_hsts_over_https(self, client: TestClient) -> None:
        with TestClient(client.app, base_url="https://khaosat.example.vn") as secure:
            assert "max-age" in secure.get("/office/login").headers["strict-transport-security"]


class TestTroubleIsPolite:
    def test_a_database_out_of_reach_answers_503_with_retry_after(
        self, app_settings: Settings
    ) -> None:
        # Nothing listens on port 9: every query fails to connect.
        down = app_settings.model_copy(
            update={"database_url": "postgresql://hailong@127.0.0.1:9/none"}
        )
        with TestClient(create_app(down), raise_server_exceptions=False) as client:
            answer = client.get("/api/v1/me", headers={"authorization": "Bearer hl_x"})
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"].isdigit()
        assert answer.json()["error"]["code"] == "unavailable"

    def test_a_value_the_database_refuses_is_bad_input(
        self, client: TestClient, official: dict[str, str]
    ) -> None:
        # PostgreSQL stores no NUL character; SQLite simply finds no such unit.
        answer = client.get("/api/v1/units/a%00b", headers=official)
        assert answer.status_code in (404, 422)
        assert set(answer.json()) == {"error"}
