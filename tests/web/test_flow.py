"""A citizen answers the web form, on SQLite and PostgreSQL: one response, every answer kept."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.counters.tokens import start_payload
from hailong.models import ResponseStatus, Unit
from hailong.settings import Settings
from tests.factories import make_counter
from tests.web.citizen import Citizen, all_responses, answers_of, stored_counts
from tests.web.conftest import Place
from tests.web.plan import answer_plan, default_questionnaire, page_fields, start_id, stored_form


class TestWholeSurvey:
    def test_every_page_ends_on_thank_you_with_every_answer_stored(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        plan = answer_plan(place.procedure_code)
        citizen = Citizen(client, place.token)
        end = citizen.walk(plan)

        assert end.status_code == 200
        assert end.url.path == f"/q/{place.token}/done"
        assert "Cảm ơn" in end.text
        [response] = all_responses(sessions)
        assert response.status == ResponseStatus.completed
        assert (response.unit_id, response.counter_id) == (place.unit_id, place.counter_id)
        assert (response.period_id, response.channel) == (place.period_id, "web")
        assert response.procedure_code == place.procedure_code
        assert response.language == "vi"
        stored = answers_of(sessions, response.id)
        assert stored == stored_form(plan, list(stored))
        # Element E was asked because feedback was given; a criterion left blank is None.
        assert {"E1", "E2", "E3"} <= stored.keys()
        assert None in [stored[key] for key in default_questionnaire().criteria_keys()]

    def test_without_feedback_element_e_is_never_shown(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        end = citizen.walk(answer_plan(place.procedure_code, gave_feedback="no"))
        assert "Cảm ơn" in end.text
        assert not any(path.endswith("/p/E") for path in citizen.pages)
        [response] = all_responses(sessions)
        assert "E1" not in answers_of(sessions, response.id)

    def test_pages_show_progress_and_a_back_link(self, client: TestClient, place: Place) -> None:
        citizen = Citizen(client, place.token)
        third = citizen.walk(answer_plan(place.procedure_code), pages=2)
        assert "Trang 3/" in third.text
        assert f'href="{citizen.pages[1]}"' in third.text

    def test_no_to_screening_thanks_and_counts_nothing(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        end = citizen.answer(citizen.start(), {"received_result": ["no"]})
        assert end.url.path.endswith("/done") and "Cảm ơn" in end.text
        [response] = all_responses(sessions)
        assert response.status == ResponseStatus.screened_out


class TestResume:
    def test_scanning_again_resumes_at_the_next_page(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        third = citizen.walk(answer_plan(place.procedure_code), pages=2)

        again = client.get(f"/q/{place.token}", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] == f"{third.url.path}?resumed=1"
        resumed = client.get(again.headers["location"])
        assert "câu trả lời trước đó vẫn được giữ" in resumed.text
        assert len(all_responses(sessions)) == 1

    def test_another_counter_shows_its_own_landing_page(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        Citizen(client, place.token).walk(answer_plan(place.procedure_code), pages=1)
        with sessions.begin() as session:
            unit = session.get(Unit, place.unit_id)
            assert unit is not None
            _, other = make_counter(session, unit, name="Quầy số 2")
            other_token = other.token
        landing = client.get(f"/q/{other_token}", follow_redirects=False)
        assert landing.status_code == 200 and "Quầy số 2" in landing.text

    def test_a_tampered_cookie_starts_afresh(self, client: TestClient, place: Place) -> None:
        Citizen(client, place.token).walk(answer_plan(place.procedure_code), pages=1)
        client.cookies.set("hl_response", "bm90LXNpZ25lZA.forged.signature")
        landing = client.get(f"/q/{place.token}", follow_redirects=False)
        assert landing.status_code == 200 and "start_id" in landing.text

    def test_after_resume_hours_the_scan_starts_afresh(
        self,
        settings: Settings,
        place: Place,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        settings = settings.model_copy(update={"resume_hours": 1})
        with TestClient(create_app(settings)) as client:
            Citizen(client, place.token).walk(answer_plan(place.procedure_code), pages=1)
            real_time = itsdangerous.timed.time.time
            # Two hours later, as far as the cookie's signature can tell.
            monkeypatch.setattr(
                itsdangerous.timed, "time", SimpleNamespace(time=lambda: real_time() + 7200)
            )
            landing = client.get(f"/q/{place.token}", follow_redirects=False)
        assert landing.status_code == 200 and "start_id" in landing.text


class TestDoubleSubmit:
    def test_start_tapped_twice_is_one_response(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        landing = client.get(f"/q/{place.token}")
        form = {"start_id": start_id(landing.text)}
        first = client.post(f"/q/{place.token}/start", data=form, follow_redirects=False)
        second = client.post(f"/q/{place.token}/start", data=form, follow_redirects=False)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert len(all_responses(sessions)) == 1

    def test_simultaneous_taps_on_start_are_one_response(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        form = {"start_id": start_id(client.get(f"/q/{place.token}").text)}
        ready = threading.Barrier(6)

        def tap() -> int:
            ready.wait()
            sent = client.post(f"/q/{place.token}/start", data=form, follow_redirects=False)
            return sent.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda _: tap(), range(6)))
        assert statuses == [303] * 6
        assert len(all_responses(sessions)) == 1

    def test_a_page_sent_twice_is_one_response_with_the_last_answers(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        plan = answer_plan(place.procedure_code)
        citizen = Citizen(client, place.token)
        # Screening and procedure share the first page; the criteria come next.
        first_element = citizen.walk(plan, pages=1)
        keys = page_fields(first_element.text)
        path = first_element.url.path
        client.post(path, data={**{k: plan[k] for k in keys}, keys[0]: "1"})
        client.post(path, data={**{k: plan[k] for k in keys}, keys[0]: "2"})
        [response] = all_responses(sessions)
        stored = answers_of(sessions, response.id)
        assert stored[keys[0]] == "2"
        assert stored_counts(sessions) == (1, 2 + len(keys))


class TestBackAndChange:
    def test_changing_an_earlier_page_updates_the_same_response(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        plan = answer_plan(place.procedure_code)
        citizen = Citizen(client, place.token)
        citizen.walk(plan, pages=4)
        earlier = client.get(citizen.pages[2])
        keys = page_fields(earlier.text)
        # The stored answer is shown checked when the citizen comes back.
        assert f'name="{keys[0]}" value="{plan[keys[0]][0]}" checked' in earlier.text

        following = client.post(citizen.pages[2], data={**{k: plan[k] for k in keys}, keys[0]: "1"})
        assert following.url.path == citizen.pages[3]
        [response] = all_responses(sessions)
        assert answers_of(sessions, response.id)[keys[0]] == "1"

    def test_taking_back_feedback_drops_element_e(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        plan = answer_plan(place.procedure_code, gave_feedback="yes")
        citizen = Citizen(client, place.token)
        page = citizen.start()
        while not page.url.path.endswith("/p/conduct"):
            page = citizen.answer(page, plan)
        # The feedback question ends the page of elements C and D: sent again with "no".
        feedback = next(
            p for p in citizen.pages if "gave_feedback" in page_fields(client.get(p).text)
        )
        keys = page_fields(client.get(feedback).text)
        after = client.post(feedback, data={**{k: plan[k] for k in keys}, "gave_feedback": "no"})
        assert after.url.path.endswith("/p/conduct")
        [response] = all_responses(sessions)
        stored = answers_of(sessions, response.id)
        assert stored["gave_feedback"] == "no" and "E1" not in stored
        assert client.get(page.url.path.replace("conduct", "E")).url.path.endswith("/p/conduct")


class TestAfterCompletion:
    def test_page_urls_lead_to_the_thank_you_page(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        plan = answer_plan(place.procedure_code)
        citizen = Citizen(client, place.token)
        citizen.walk(plan)
        before = stored_counts(sessions)
        shown = client.get(citizen.pages[2], follow_redirects=False)
        sent = client.post(citizen.pages[2], data={"A1": "1"}, follow_redirects=False)
        assert shown.headers["location"] == sent.headers["location"] == f"/q/{place.token}/done"
        assert stored_counts(sessions) == before

    def test_scanning_again_offers_a_new_survey(self, client: TestClient, place: Place) -> None:
        Citizen(client, place.token).walk(answer_plan(place.procedure_code))
        landing = client.get(f"/q/{place.token}", follow_redirects=False)
        assert landing.status_code == 200 and "start_id" in landing.text


class TestNavigation:
    def test_a_page_ahead_of_the_answers_leads_to_the_next_unanswered_one(
        self, client: TestClient, place: Place
    ) -> None:
        citizen = Citizen(client, place.token)
        second = citizen.walk(answer_plan(place.procedure_code), pages=1)
        ahead = client.get(f"/q/{place.token}/p/conduct", follow_redirects=False)
        assert ahead.headers["location"] == second.url.path

    def test_pages_without_a_started_survey_lead_to_the_landing_page(
        self, client: TestClient, place: Place
    ) -> None:
        page = client.get(f"/q/{place.token}/p/screening", follow_redirects=False)
        assert page.headers["location"] == f"/q/{place.token}"


class TestLanguage:
    def test_vietnamese_by_default(self, client: TestClient, place: Place) -> None:
        landing = client.get(f"/q/{place.token}")
        assert 'lang="vi"' in landing.text and "Bắt đầu" in landing.text

    def test_english_switch_is_remembered(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        landing = client.get(f"/q/{place.token}?lang=en")
        assert "Start" in landing.text and "Bắt đầu" not in landing.text
        first = client.post(f"/q/{place.token}/start", data={"start_id": start_id(landing.text)})
        assert 'lang="en"' in first.text and "Page 1 of" in first.text
        assert all_responses(sessions)[0].language == "en"
        back = client.get(f"{first.url.path}?lang=vi")
        assert "Trang 1/" in back.text


class TestLandingPage:
    def test_shows_unit_counter_and_short_code(self, client: TestClient, place: Place) -> None:
        landing = client.get(f"/q/{place.token}")
        assert "Phường Hải An" in landing.text and "Quầy số 1" in landing.text
        assert re.search(r'class="code">[A-Z2-9]{6}<', landing.text)
        assert "t.me" not in landing.text

    def test_links_to_telegram_when_a_bot_is_configured(
        self, telegram_client: TestClient, place: Place
    ) -> None:
        client = telegram_client
        client.app.state.telegram_username = "hailong_bot"  # type: ignore[attr-defined]
        landing = client.get(f"/q/{place.token}")
        assert f'href="https://t.me/hailong_bot?start={start_payload(place.token)}"' in landing.text
        assert "Trả lời qua Telegram" in landing.text

    def test_the_start_address_opened_directly_leads_to_the_landing_page(
        self, client: TestClient, place: Place
    ) -> None:
        page = client.get(f"/q/{place.token}/start", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == f"/q/{place.token}"
