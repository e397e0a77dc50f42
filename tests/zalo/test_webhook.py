"""POST /webhook/zalo refuses what Zalo would never send, acknowledges what it ignores, and
changes nothing twice."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Answer, InboundEvent, OutboxMessage
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram.conftest import Office, row_counts, stored_answers
from tests.zalo.phone import APP_ID, WEBHOOK_PATH, Events, Phone, sign, signed, tap_paging

CITIZEN = "8146227452147896541"


def post(client: TestClient, body: bytes, headers: dict[str, str]) -> int:
    return client.post(WEBHOOK_PATH, content=body, headers=headers).status_code


class TestRefused:
    def test_a_wrong_signature_is_401_and_stores_nothing(
        self, client: TestClient, engine: Engine
    ) -> None:
        before = row_counts(engine)
        body, headers = signed(Events().text(CITIZEN, "ABC234"))
        headers["X-ZEvent-Signature"] = "mac=" + "0" * 64
        assert post(client, body, headers) == 401
        assert row_counts(engine) == before

    def test_a_missing_signature_is_401(self, client: TestClient, engine: Engine) -> None:
        before = row_counts(engine)
        body, headers = signed(Events().text(CITIZEN, "ABC234"))
        del headers["X-ZEvent-Signature"]
        assert post(client, body, headers) == 401
        assert row_counts(engine) == before

    def test_a_body_changed_after_signing_is_401(self, client: TestClient) -> None:
        body, headers = signed(Events().text(CITIZEN, "ABC234"))
        assert post(client, body.replace(b"ABC234", b"ABC235"), headers) == 401

    def test_a_stale_event_is_401_even_when_signed(
        self, client: TestClient, engine: Engine
    ) -> None:
        before = row_counts(engine)
        event = Events().text(CITIZEN, "ABC234")
        event["timestamp"] = str(int((time.time() - 4 * 3600) * 1000))
        assert post(client, *signed(event)) == 401
        assert row_counts(engine) == before

    def test_another_apps_event_is_401(self, client: TestClient) -> None:
        event = Events().text(CITIZEN, "ABC234")
        event["app_id"] = "999"
        body = json.dumps(event).encode()
        headers = {"X-ZEvent-Signature": sign(body, app_id="999", timestamp=event["timestamp"])}
        assert post(client, body, headers) == 401

    def test_malformed_json_is_400(self, client: TestClient, engine: Engine) -> None:
        before = row_counts(engine)
        assert post(client, b'{"app_id": ', {"X-ZEvent-Signature": "mac=00"}) == 400
        assert row_counts(engine) == before

    def test_a_body_over_the_limit_is_413(self, client: TestClient) -> None:
        event = Events().text(CITIZEN, "x" * 70_000)
        assert post(client, *signed(event)) == 413

    def test_the_unsigned_probe_when_the_address_is_saved_is_200_and_changes_nothing(
        self, client: TestClient, engine: Engine
    ) -> None:
        before = row_counts(engine)
        assert post(client, b"{}", {"Content-Type": "application/json"}) == 200
        assert row_counts(engine) == before

    def test_delivery_receipts_are_200_and_ignored(
        self, client: TestClient, engine: Engine
    ) -> None:
        before = row_counts(engine)
        assert post(client, *signed(Events().received(CITIZEN))) == 200
        assert row_counts(engine) == before


class TestOnceOnly:
    def test_the_same_event_twice_sends_one_reply(
        self, phone: Phone, office: Office, engine: Engine, zalo_api: FakeZaloAPI
    ) -> None:
        event = phone.send(office.short_code)
        before = row_counts(engine)
        phone.deliver(event)
        assert row_counts(engine) == before
        assert len(phone.messages()) == 1
        assert zalo_api.sends == 1

    def test_an_old_questions_button_changes_nothing(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        phone.send(office.short_code)
        first = phone.last
        phone.tap("Đã nhận", first)
        answers = stored_answers(engine)
        phone.tap("Chưa nhận", first)
        assert stored_answers(engine) == answers
        assert "đã được trả lời" in phone.last.text

    def test_an_unknown_code_is_refused_in_both_languages_and_starts_nothing(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        del office
        phone.send("ZZZ999")
        assert phone.last.text.startswith("Không tìm thấy quầy nào có mã này.")
        assert "We could not find" in phone.last.text
        with Session(engine) as session:
            assert session.scalars(select(Answer)).all() == []

    def test_codes_guessed_again_and_again_are_refused_without_a_look(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        for guess in range(10):
            phone.send("ZZZ" + "23456789AB"[guess] * 3)
        phone.send(office.short_code)
        assert "chờ mười phút" in phone.last.text
        with Session(engine) as session:
            assert session.scalars(select(Answer)).all() == []


class TestConversation:
    def test_follow_asks_for_the_counter_code(self, phone: Phone) -> None:
        phone.deliver(phone.events.follow(phone.user_id))
        assert "mã quầy" in phone.last.text

    def test_a_sticker_is_nudged_and_kept_nowhere(self, phone: Phone, engine: Engine) -> None:
        phone.deliver(phone.events.sticker(phone.user_id))
        assert "tin nhắn" in phone.last.text
        with Session(engine) as session:
            assert session.scalars(select(Answer)).all() == []

    def test_typed_answers_with_or_without_diacritics(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        phone.send(office.short_code)
        phone.send("da nhan")
        phone.tap(office.procedures["1.001612"])
        phone.send("rat hai long")
        phone.send("Hài lòng")
        phone.send("3")
        phone.send("0")
        assert {k: v for k, v in stored_answers(engine).items() if k[0] == "A"} == {
            "A1": "5",
            "A2": "4",
            "A3": "3",
            "A4": None,
        }

    def test_something_typed_that_answers_nothing_is_nudged(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        phone.send(office.short_code)
        phone.send("xin chào")
        assert phone.last.text.startswith("Xin Ông/Bà bấm một trong các nút")
        assert len(phone.last.buttons) == 2  # the question again, with its buttons
        assert stored_answers(engine) == {}

    def test_cancel_and_language(self, phone: Phone, office: Office, engine: Engine) -> None:
        phone.send(office.short_code)
        phone.send("/ngonngu")
        assert "English" in phone.last.text
        assert "Yes, I have" in phone.last.titles()
        phone.send("/huy")
        assert "cancelled" in phone.last.text
        with Session(engine) as session:
            assert session.scalar(select(OutboxMessage.recipient).limit(1)) is None
            assert len(session.scalars(select(InboundEvent)).all()) == 3

    def test_every_message_has_at_most_five_buttons(
        self, phone: Phone, office: Office, zalo_api: FakeZaloAPI
    ) -> None:
        phone.send(office.short_code)
        phone.tap("Đã nhận")
        assert all(len(m.buttons) <= 5 for m in phone.messages())
        assert zalo_api.problems == []
        assert APP_ID


class TestTypedOnly:
    def test_a_whole_survey_typed_without_a_single_tap(
        self, phone: Phone, office: Office, engine: Engine
    ) -> None:
        from tests.telegram.conftest import only_response
        from tests.telegram.plan import PLAN

        typed = {None: "0", "yes": "co", "priorities": "P1 P4"}
        phone.send(office.short_code)
        for key, value in PLAN.items():
            text = typed.get(key) or typed.get(value, value)  # type: ignore[arg-type]
            assert text is not None
            phone.send(text)
            assert "Xin Ông/Bà bấm" not in phone.last.text, (key, text, phone.last.text)
        assert only_response(engine).status == "completed"
        assert stored_answers(engine) == dict(PLAN)


class TestCompactLayout:
    def test_many_procedures_page_with_more_and_come_round_again(
        self, phone: Phone, sessions: sessionmaker[Session], engine: Engine
    ) -> None:
        from tests.telegram.conftest import seed_office

        names = {f"1.00{n:04d}": f"Thủ tục số {n}" for n in range(1, 9)}
        office = seed_office(sessions, procedures=names)
        phone.send(office.short_code)
        phone.tap("Đã nhận")
        pages = []
        for _ in range(4):
            pages.append(phone.last.titles())
            assert len(phone.last.buttons) <= 5
            phone.tap("Xem thêm")
        # Three procedures a page, "Xem thêm" and "Thủ tục khác"; the fourth page is the first.
        assert pages[0][-2:] == ["Xem thêm", "Thủ tục khác"]
        assert pages[3] == pages[0]
        shown = {title for page in pages[:3] for title in page[:-2]}
        assert shown == set(names.values())
        tap_paging(phone, "Thủ tục số 8")
        assert stored_answers(engine)["procedure"] == "1.000008"
