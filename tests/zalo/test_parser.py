"""Zalo's events read as Zalo sends them: signatures, ids kept as strings, which events count."""

from __future__ import annotations

import hashlib
import json
import time

from bot.zalo import parser
from bot.zalo.parser import EventKind
from tests.zalo.phone import APP_ID, OA_SECRET, Events, signed

USER = "8146227452147896541"


def read(event: dict[str, object]) -> parser.Event:
    return parser.event(parser.read(json.dumps(event).encode()))


class TestSignature:
    def test_a_plain_sha256_of_app_id_body_timestamp_and_the_oa_secret(self) -> None:
        body = b'{"app_id":"1","timestamp":"1700000000000"}'
        wanted = hashlib.sha256(b"1" + body + b"1700000000000" + b"k").hexdigest()
        found = parser.expected_signature(
            body, app_id="1", timestamp="1700000000000", oa_secret="k"
        )
        assert found == wanted

    def test_numbers_in_the_body_are_signed_as_written(self) -> None:
        stamp = int(time.time() * 1000)
        raw = f'{{"app_id": {APP_ID}, "timestamp": {stamp}, "event_name": "follow"}}'.encode()
        mac = parser.expected_signature(
            raw, app_id=APP_ID, timestamp=str(stamp), oa_secret=OA_SECRET
        )
        envelope = parser.read(raw)
        assert parser.authentic(raw, envelope, f"mac={mac}", app_id=APP_ID, oa_secret=OA_SECRET)
        assert not parser.authentic(raw, envelope, mac[:-1] + "0", app_id=APP_ID, oa_secret="x")

    def test_a_signed_event_passes_and_its_twin_from_yesterday_does_not(self) -> None:
        body, headers = signed(Events().text(USER, "4"))
        envelope = parser.read(body)
        signature = headers["X-ZEvent-Signature"]
        assert parser.authentic(body, envelope, signature, app_id=APP_ID, oa_secret=OA_SECRET)
        tomorrow = time.time() + 86_400
        assert not parser.authentic(
            body, envelope, signature, app_id=APP_ID, oa_secret=OA_SECRET, now=tomorrow
        )


class TestEvents:
    def test_ids_stay_strings_even_when_sent_as_numbers(self) -> None:
        raw = (
            b'{"app_id": 1, "event_name": "user_send_text", "sender": {"id": 8146227452147896541},'
            b' "message": {"msg_id": "abc", "text": "4"}, "timestamp": 1}'
        )
        event = parser.event(parser.read(raw))
        assert (event.kind, event.user_id, event.text) == (EventKind.text, USER, "4")

    def test_follow_falls_back_to_the_sender(self) -> None:
        follow = Events().follow(USER)
        assert read(follow).user_id == USER
        del follow["follower"]
        follow["sender"] = {"id": USER}
        assert (read(follow).kind, read(follow).user_id) == (EventKind.follow, USER)

    def test_a_button_event_or_a_prefixed_text_is_a_tap(self) -> None:
        events = Events()
        clicked = events.text(USER, "#hl:a:1:A1:0", event_name="user_click_button")
        assert read(clicked).kind is EventKind.button and read(clicked).tapped
        assert read(events.text(USER, "#hl:a:1:A1:0")).tapped
        assert not read(events.text(USER, "4")).tapped

    def test_receipts_and_the_oas_own_messages_are_ignored(self) -> None:
        events = Events()
        assert read(events.received(USER)).kind is EventKind.ignored
        seen = events.received(USER) | {"event_name": "user_seen_message"}
        assert read(seen).kind is EventKind.ignored
        assert read(events.text(USER, "x", event_name="oa_send_text")).kind is EventKind.ignored
        assert read(events.sticker(USER)).kind is EventKind.other

    def test_a_long_msg_id_still_fits_the_event_column(self) -> None:
        event = Events().text(USER, "4")
        event["message"]["msg_id"] = "m" * 200  # type: ignore[index]
        assert len(read(event).event_id) == 64
