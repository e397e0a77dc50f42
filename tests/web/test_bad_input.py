"""Bad input gets a polite page (Vietnamese, English below) and stores nothing."""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.counters import service as counters
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Counter
from hailong.periods.service import today_in_vietnam
from hailong.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import make_counter, make_period, make_unit
from tests.web.citizen import Citizen, stored_counts
from tests.web.conftest import Place, seed_place
from tests.web.plan import answer_plan

NOTHING = (0, 0)


def field_block(html: str, key: str) -> str:
    """The fieldset of one question, where its error message must appear."""
    found = re.search(rf'<fieldset[^>]*id="q-{key}".*?</fieldset>', html, re.S)
    assert found, f"no field {key} on the page"
    return found.group(0)


def walk_to(citizen: Citizen, place: Place, section_key: str) -> str:
    """Answer pages until the one named; returns its path."""
    plan = answer_plan(place.procedure_code)
    page = citizen.start()
    while not page.url.path.endswith(f"/p/{section_key}"):
        assert "/p/" in page.url.path, f"no page {section_key} on the way"
        page = citizen.answer(page, plan)
    return page.url.path


class TestUnknownToken:
    def test_unknown_code_is_a_polite_404_in_both_languages(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        page = client.get("/q/NotOneOfOursButLongEnough")
        assert page.status_code == 404
        assert "Mã QR này không thuộc hệ thống khảo sát" in page.text
        assert "This QR code is not one of ours" in page.text
        start = client.post(
            "/q/NotOneOfOursButLongEnough/start", data={"start_id": str(uuid.uuid4())}
        )
        assert start.status_code == 404
        assert stored_counts(sessions) == NOTHING

    @pytest.mark.parametrize("token", ["short", "x" * 500, "bad%00token-but-long-enough"])
    def test_malformed_codes_are_404_too(
        self, client: TestClient, place: Place, token: str
    ) -> None:
        assert client.get(f"/q/{token}").status_code == 404

    def test_an_unknown_address_is_a_polite_page(self, client: TestClient) -> None:
        page = client.get("/no/such/page")
        assert page.status_code == 404
        assert "Không tìm thấy trang này" in page.text
        assert page.headers["content-type"].startswith("text/html")


class TestRetiredToken:
    def test_a_replaced_code_is_410_and_points_to_the_new_poster(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            counter = session.get(Counter, place.counter_id)
            assert counter is not None
            counters.rotate(session, counter)
        page = client.get(f"/q/{place.token}")
        assert page.status_code == 410
        assert "đã được thay bằng mã mới" in page.text
        start = client.post(f"/q/{place.token}/start", data={"start_id": str(uuid.uuid4())})
        assert start.status_code == 410
        assert stored_counts(sessions) == NOTHING

    def test_a_revoked_code_is_410(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        with sessions.begin() as session:
            counter = session.get(Counter, place.counter_id)
            assert counter is not None
            counters.revoke(session, counter)
        page = client.get(f"/q/{place.token}")
        assert page.status_code == 410
        assert "không còn được sử dụng" in page.text
        assert stored_counts(sessions) == NOTHING


def seed_without_open_period(session: Session, *, start: date, end: date) -> str:
    unit = make_unit(session)
    _, token = make_counter(session, unit)
    make_period(session, code="p", start=start, end=end)
    return token.token


class TestPeriodNotOpen:
    def test_before_the_period_the_page_says_when_it_opens(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        opens = today_in_vietnam() + timedelta(days=10)
        with sessions.begin() as session:
            token = seed_without_open_period(session, start=opens, end=opens + timedelta(days=30))
        page = client.get(f"/q/{token}")
        assert page.status_code == 403
        assert f"Khảo sát mở từ ngày {opens:%d/%m/%Y}" in page.text
        assert f"It opens on {opens:%d/%m/%Y}" in page.text
        start = client.post(f"/q/{token}/start", data={"start_id": str(uuid.uuid4())})
        assert start.status_code == 403
        assert stored_counts(sessions) == NOTHING

    def test_after_the_period_the_page_gives_its_dates(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        ended = today_in_vietnam() - timedelta(days=1)
        began = ended - timedelta(days=40)
        with sessions.begin() as session:
            token = seed_without_open_period(session, start=began, end=ended)
        page = client.get(f"/q/{token}")
        assert page.status_code == 403
        assert f"từ ngày {began:%d/%m/%Y} đến ngày {ended:%d/%m/%Y}" in page.text
        assert stored_counts(sessions) == NOTHING


class TestMalformedField:
    def test_an_answer_off_the_scale_is_shown_beside_its_field(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        path = walk_to(citizen, place, "A")
        before = stored_counts(sessions)
        page = client.post(path, data={"A1": "7", "A2": "4"})
        assert page.status_code == 422
        assert "Vui lòng chọn một trong các câu trả lời có sẵn" in field_block(page.text, "A1")
        assert "Vui lòng" not in field_block(page.text, "A2")
        # What was sent stays on the page, but none of it is stored.
        assert 'value="4" checked' in field_block(page.text, "A2")
        assert stored_counts(sessions) == before

    def test_a_missing_required_answer_is_asked_again(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        first = Citizen(client, place.token).start()
        page = client.post(first.url.path, data={})
        assert page.status_code == 422
        assert "Vui lòng trả lời câu hỏi này" in field_block(page.text, "received_result")
        assert stored_counts(sessions) == (1, 0)

    def test_a_procedure_not_offered_here_is_refused(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        # The procedure is asked beside the screening question, on the first page.
        path = walk_to(citizen, place, "screening")
        before = stored_counts(sessions)
        page = client.post(path, data={"received_result": "yes", "procedure": "9.999999"})
        assert page.status_code == 422
        assert stored_counts(sessions) == before

    @pytest.mark.parametrize(
        ("posted", "key", "message"),
        [
            ({"comment": "x" * 1001}, "comment", "không quá 1000 ký tự"),
            ({"comment": "bad\x00byte"}, "comment", "chỉ nhập chữ thông thường"),
            ({"priorities": ["P1", "P2", "P3", "P4"]}, "priorities", "tối đa 3"),
            ({"priorities": ["P1", "P1"]}, "priorities", "chỉ được chọn một lần"),
        ],
    )
    def test_oversized_or_malformed_answers_store_nothing_of_the_page(
        self,
        client: TestClient,
        place: Place,
        sessions: sessionmaker[Session],
        posted: dict[str, object],
        key: str,
        message: str,
    ) -> None:
        citizen = Citizen(client, place.token)
        # What to improve shares a page with the questions on conduct.
        path = walk_to(citizen, place, "conduct")
        before = stored_counts(sessions)
        conduct = {"harassment": "1", "extra_payment": "1"}
        page = client.post(path, data={"priorities": ["P1"], "comment": "ok", **conduct, **posted})
        assert page.status_code == 422
        assert message in field_block(page.text, key)
        assert stored_counts(sessions) == before

    def test_a_malformed_start_id_starts_nothing(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        page = client.post(f"/q/{place.token}/start", data={"start_id": "not-a-uuid"})
        assert page.status_code == 422
        assert "Một số nội dung gửi đi chưa hợp lệ" in page.text
        assert stored_counts(sessions) == NOTHING


class TestOversizedBody:
    def test_a_body_over_the_limit_is_a_polite_413(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        huge = "x" * (settings.max_body_bytes + 1)
        page = client.post(
            f"/q/{place.token}/start", data={"start_id": str(uuid.uuid4()), "pad": huge}
        )
        assert page.status_code == 413
        assert "Nội dung gửi đi quá dài" in page.text
        assert stored_counts(sessions) == NOTHING

    def test_a_chunked_body_over_the_limit_is_refused_while_read(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session], settings: Settings
    ) -> None:
        citizen = Citizen(client, place.token)
        first = citizen.start()
        before = stored_counts(sessions)

        def chunks() -> Iterator[bytes]:
            yield b"received_result=yes&pad="
            for _ in range(settings.max_body_bytes // 1024 + 2):
                yield b"x" * 1024

        page = client.post(
            first.url.path,
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert page.status_code == 413
        assert stored_counts(sessions) == before


class TestRateLimit:
    def test_starts_beyond_the_hourly_limit_get_a_polite_429(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        statuses = [
            client.post(
                f"/q/{place.token}/start",
                data={"start_id": str(uuid.uuid4())},
                follow_redirects=False,
            ).status_code
            for _ in range(61)
        ]
        assert statuses[:60] == [303] * 60
        assert statuses[60] == 429
        refused = client.post(f"/q/{place.token}/start", data={"start_id": str(uuid.uuid4())})
        assert "thử lại sau ít phút" in refused.text
        assert stored_counts(sessions)[0] == 60

    def test_the_limit_is_shared_through_redis(
        self,
        settings: Settings,
        place: Place,
        sessions: sessionmaker[Session],
        redis_url: str,
        redis_prefix: str,
    ) -> None:
        shared = settings.model_copy(update={"redis_url": redis_url, "redis_prefix": redis_prefix})
        # Two app processes behind one proxy: each sees the other's starts.
        with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
            for index in range(60):
                app = one if index % 2 else two
                app.post(f"/q/{place.token}/start", data={"start_id": str(uuid.uuid4())})
            last = one.post(f"/q/{place.token}/start", data={"start_id": str(uuid.uuid4())})
        assert last.status_code == 429
        assert stored_counts(sessions)[0] == 60


class TestHeadersAndCookies:
    def test_pages_carry_security_headers(self, client: TestClient, place: Place) -> None:
        page = client.get(f"/q/{place.token}")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"

    def test_cookies_are_http_only_and_same_site(self, client: TestClient, place: Place) -> None:
        first = client.post(
            f"/q/{place.token}/start",
            data={"start_id": str(uuid.uuid4())},
            follow_redirects=False,
        )
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie

    def test_cookies_are_secure_behind_https(self, settings: Settings, place: Place) -> None:
        secure = settings.model_copy(update={"base_url": "https://khaosat.example.vn"})
        with TestClient(create_app(secure)) as client:
            page = client.get(f"/q/{place.token}?lang=en")
        assert "secure" in page.headers["set-cookie"].lower()


SECTION_KEYS = ["screening", "procedure", "A", "E", "improve", "profile", "nope"]
FIELD_KEYS = ["received_result", "procedure", "A1", "priorities", "comment", "gender", "start_id"]
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
PATH_TEXT = st.text(string.ascii_letters + string.digits + "-_.~", min_size=1, max_size=20)


@pytest.fixture
def sqlite_client(sqlite_url: str) -> Iterator[tuple[TestClient, Place]]:
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        place = seed_place(session)
    engine.dispose()
    settings = Settings(database_url=sqlite_url, secret_key=TEST_SECRET, base_url="http://t")
    with TestClient(create_app(settings)) as client:
        yield client, place


class TestNoServerError:
    """Whatever a browser (or a script) sends, the answer is a page, never a crash."""

    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        section=st.sampled_from(SECTION_KEYS) | PATH_TEXT,
        fields=st.dictionaries(
            st.sampled_from(FIELD_KEYS) | ANY_TEXT,
            st.lists(ANY_TEXT, max_size=4),
            max_size=6,
        ),
    )
    def test_any_post_gets_a_page(
        self,
        sqlite_client: tuple[TestClient, Place],
        section: str,
        fields: dict[str, list[str]],
    ) -> None:
        client, place = sqlite_client
        client.cookies.clear()
        Citizen(client, place.token).start()
        # TestClient re-raises any exception the app did not turn into a page.
        page = client.post(f"/q/{place.token}/p/{section}", data=fields)
        assert page.status_code < 500
        assert page.headers["content-type"].startswith("text/html")


class TestCriteriaNeedAChoice:
    """An empty criteria page is not "I prefer not to answer" for every criterion."""

    def test_a_criteria_page_sent_empty_asks_again_and_stores_nothing(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        path = walk_to(citizen, place, "A")
        before = stored_counts(sessions)

        page = client.post(path, data={})

        assert page.status_code == 422
        for key in ("A1", "A2", "A3", "A4"):
            assert "Vui lòng chọn một câu trả lời" in field_block(page.text, key)
        assert stored_counts(sessions) == before

    def test_i_prefer_not_to_answer_is_taken(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        path = walk_to(citizen, place, "A")
        before = stored_counts(sessions)

        keys = ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4")  # elements A and B share a page
        page = client.post(path, data=dict.fromkeys(keys, ""))

        assert page.status_code == 200 and page.url.path.endswith("/p/C")
        assert stored_counts(sessions)[1] == before[1] + len(keys)
