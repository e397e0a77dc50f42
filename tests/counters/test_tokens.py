"""Counter tokens and short codes: unguessable, fit a Telegram payload, easy to type, unique."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy.orm import Session

from hailong.counters.service import (
    ReplacedCounterCode,
    issue_token,
    resolve_short_code,
    resolve_token,
    revoke,
    rotate,
)
from hailong.counters.tokens import (
    SHORT_CODE_ALPHABET,
    new_short_code,
    new_token,
    normalise_short_code,
    start_payload,
    token_from_payload,
)
from hailong.models import Counter
from tests.factories import make_counter, make_unit

TELEGRAM_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LOOK_ALIKES = "0O1IL"


class TestToken:
    def test_carries_at_least_128_random_bits_in_base64url(self) -> None:
        token = new_token()
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128

    def test_never_repeats(self) -> None:
        tokens = {new_token() for _ in range(10_000)}
        assert len(tokens) == 10_000

    def test_telegram_start_payload_fits_and_reads_back(self) -> None:
        for _ in range(100):
            token = new_token()
            payload = start_payload(token)
            assert TELEGRAM_PAYLOAD.match(payload), payload
            assert token_from_payload(payload) == token

    @pytest.mark.parametrize(
        "payload", ["", "c_", "c_short", "x_" + "A" * 22, "c_" + "A" * 63, "c_ÄÖÜäöüÄÖÜäöüÄÖÜäöü"]
    )
    def test_other_payloads_are_not_tokens(self, payload: str) -> None:
        assert token_from_payload(payload) is None


class TestShortCode:
    def test_six_characters_without_look_alikes(self) -> None:
        assert not set(LOOK_ALIKES) & set(SHORT_CODE_ALPHABET)
        codes = [new_short_code() for _ in range(2_000)]
        assert all(len(code) == 6 and set(code) <= set(SHORT_CODE_ALPHABET) for code in codes)
        # Every letter and digit of the alphabet turns up: none is missing by mistake.
        assert set("".join(codes)) == set(SHORT_CODE_ALPHABET)

    @pytest.mark.parametrize(
        ("typed", "code"),
        [
            ("KGP5ZG", "KGP5ZG"),
            ("kgp5zg", "KGP5ZG"),
            (" kgp-5zg ", "KGP5ZG"),
            ("KGP 5ZG", "KGP5ZG"),
        ],
    )
    def test_typed_codes_are_forgiven_case_spaces_and_dashes(self, typed: str, code: str) -> None:
        assert normalise_short_code(typed) == code

    @pytest.mark.parametrize(
        "typed", ["", "KGP5Z", "KGP5ZGX", "KGP5Z0", "OGP5ZG", "KGP5ZI", "xin chào"]
    )
    def test_other_text_is_not_a_code(self, typed: str) -> None:
        assert normalise_short_code(typed) is None


class TestShortCodeUniqueness:
    """Unique among live counters, on both databases (a partial unique index)."""

    def test_a_code_in_use_is_drawn_again(self, session: Session) -> None:
        unit = make_unit(session)
        _, first = make_counter(session, unit, name="Quầy số 1")
        other, _ = make_counter(session, unit, name="Quầy số 2")
        drawn = iter([first.short_code, first.short_code, "NEW234"])
        token = issue_token(session, other, short_codes=lambda: next(drawn))
        assert token.short_code == "NEW234"
        assert resolve_short_code(session, first.short_code).token.id == first.id

    def test_retired_codes_may_be_reused(self, session: Session) -> None:
        unit = make_unit(session)
        rotated, old = make_counter(session, unit, name="Quầy số 1")
        revoked, gone = make_counter(session, unit, name="Quầy số 2")
        rotate(session, rotated)
        revoke(session, revoked)
        for number, code in enumerate((old.short_code, gone.short_code), 3):
            counter = Counter(unit_id=unit.id, name=f"Quầy số {number}")
            session.add(counter)
            session.flush()
            assert (
                issue_token(session, counter, short_codes=lambda code=code: code).short_code == code
            )
            assert resolve_short_code(session, code).counter.id == counter.id

    def test_rotation_retires_token_and_code(self, session: Session) -> None:
        unit = make_unit(session)
        counter, old = make_counter(session, unit)
        new = rotate(session, counter)
        session.commit()
        assert new.token != old.token and new.short_code != old.short_code
        with pytest.raises(ReplacedCounterCode):
            resolve_token(session, old.token)
        # Typed from an old poster, the old code says so rather than "unknown".
        with pytest.raises(ReplacedCounterCode):
            resolve_short_code(session, old.short_code)
        assert resolve_token(session, new.token).counter.id == counter.id
        assert resolve_short_code(session, new.short_code).counter.id == counter.id
