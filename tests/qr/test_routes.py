"""GET /q/<token>/qr.svg and .png, the short address /c/<code> printed for typing, and what an
old poster's codes lead to after `hailong counters rotate|revoke`: over HTTP, against both
databases."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import CounterToken
from hailong.settings import Settings
from tests.admin.conftest import Hailong
from tests.qr.reading import decode
from tests.web.citizen import Citizen, stored_counts
from tests.web.conftest import Place

REPLACED_VI = "Mã QR này đã được thay bằng mã mới. Vui lòng quét mã QR mới tại quầy."
REPLACED_EN = (
    "This QR code has been replaced by a new one. Please scan the new poster at the counter."
)
UNKNOWN_VI = "Mã QR này không thuộc hệ thống khảo sát."
NO_SUCH_PAGE_VI = "Không tìm thấy trang này. Vui lòng quét lại mã QR tại quầy."
REVOKED_VI = "Mã QR này không còn được sử dụng."
REVOKED_EN = "This QR code is no longer in use."


def survey_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/q/{token}"


def printed_token(output: str) -> str:
    found = re.search(r"/q/([A-Za-z0-9_-]+)", output)
    assert found, output
    return found.group(1)


@pytest.mark.usefixtures("readers")
class TestImages:
    @pytest.mark.parametrize(
        ("suffix", "media_type"), [("png", "image/png"), ("svg", "image/svg+xml")]
    )
    def test_the_image_of_a_live_counter(
        self,
        client: TestClient,
        place: Place,
        settings: Settings,
        tmp_path: Path,
        suffix: str,
        media_type: str,
    ) -> None:
        image = client.get(f"/q/{place.token}/qr.{suffix}")
        assert image.status_code == 200
        assert image.headers["content-type"] == media_type
        if suffix == "png":
            png = tmp_path / "code.png"
            png.write_bytes(image.content)
            assert decode(png) == [survey_url(settings, place.token)]
        else:
            assert image.text.startswith("<?xml") and "<svg" in image.text

    def test_unchanged_images_are_not_sent_again(self, client: TestClient, place: Place) -> None:
        first = client.get(f"/q/{place.token}/qr.png")
        again = client.get(
            f"/q/{place.token}/qr.png", headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""
        assert client.head(f"/q/{place.token}/qr.svg").status_code == 200

    @pytest.mark.parametrize(
        "path",
        [
            "/q/not-a-token/qr.svg",
            "/q/AAAAAAAAAAAAAAAAAAAAAA/qr.png",
            "/q/" + "A" * 500 + "/qr.png",
            "/q/%00%ff/qr.svg",
            "/q/ĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐĐ/qr.png",
            "/q/..%2F..%2Fetc%2Fpasswd/qr.svg",
        ],
    )
    def test_unknown_codes_get_the_polite_page(self, client: TestClient, path: str) -> None:
        page = client.get(path)
        assert page.status_code == 404
        assert "text/html" in page.headers["content-type"]
        # Ours, or (for a path that is no token at all) the page for addresses we do not have.
        assert UNKNOWN_VI in page.text or NO_SUCH_PAGE_VI in page.text

    def test_other_image_types_are_not_found(self, client: TestClient, place: Place) -> None:
        assert client.get(f"/q/{place.token}/qr.gif").status_code == 404
        assert client.post(f"/q/{place.token}/qr.png").status_code == 405


@pytest.mark.usefixtures("readers")
class TestRotated:
    def test_old_poster_gets_410_new_poster_works(
        self,
        client: TestClient,
        place: Place,
        hailong: Hailong,
        sessions: sessionmaker[Session],
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        rotated = hailong("counters", "rotate", "--counter", str(place.counter_id))
        assert rotated.exit_code == 0, rotated.stderr
        new = printed_token(rotated.stdout)
        assert new != place.token

        self._assert_gone(client, place.token, REPLACED_VI, REPLACED_EN)
        assert stored_counts(sessions) == (0, 0)

        assert client.get(f"/q/{new}").status_code == 200
        first_page = Citizen(client, new).start()
        assert first_page.status_code == 200 and "/p/" in first_page.url.path
        assert stored_counts(sessions) == (1, 0)
        png = tmp_path / "new.png"
        png.write_bytes(client.get(f"/q/{new}/qr.png").content)
        assert decode(png) == [survey_url(settings, new)]

    def test_a_survey_begun_on_the_old_code_stores_nothing_more(
        self, client: TestClient, place: Place, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        citizen = Citizen(client, place.token)
        page = citizen.start()
        before = stored_counts(sessions)
        assert hailong("counters", "rotate", "--counter", str(place.counter_id)).exit_code == 0
        sent = client.post(page.url.path, data={"received_result": "yes"})
        assert sent.status_code == 410
        assert REPLACED_VI in sent.text
        assert stored_counts(sessions) == before

    @staticmethod
    def _assert_gone(client: TestClient, token: str, vi: str, en: str) -> None:
        for method, path, data in [
            ("GET", f"/q/{token}", None),
            ("POST", f"/q/{token}/start", {"start_id": str(uuid.uuid4())}),
            ("GET", f"/q/{token}/qr.svg", None),
            ("GET", f"/q/{token}/qr.png", None),
            ("GET", f"/q/{token}/p/screening", None),
        ]:
            page = client.request(method, path, data=data)
            assert page.status_code == 410, (method, path)
            assert "text/html" in page.headers["content-type"]
            assert vi in page.text and en in page.text, (method, path)


@pytest.mark.usefixtures("readers")
class TestRevoked:
    def test_old_poster_gets_410_and_nothing_is_stored(
        self,
        client: TestClient,
        place: Place,
        hailong: Hailong,
        sessions: sessionmaker[Session],
    ) -> None:
        revoked = hailong("counters", "revoke", "--counter", str(place.counter_id))
        assert revoked.exit_code == 0, revoked.stderr
        TestRotated._assert_gone(client, place.token, REVOKED_VI, REVOKED_EN)
        assert stored_counts(sessions) == (0, 0)


def short_code_of(sessions: sessionmaker[Session], token: str) -> str:
    with sessions() as session:
        code = session.scalar(select(CounterToken.short_code).where(CounterToken.token == token))
    assert code is not None
    return code


class TestTypedAddress:
    """The poster's "On the web" line: BASE_URL/c/<short code>, for a citizen who types."""

    def test_leads_to_the_counters_landing_page(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session]
    ) -> None:
        code = short_code_of(sessions, place.token)
        moved = client.get(f"/c/{code}", follow_redirects=False)
        assert moved.status_code == 303
        assert moved.headers["location"] == f"/q/{place.token}"
        # Typed on a phone: lower case, a dash in the middle.
        landing = client.get(f"/c/{code[:3].lower()}-{code[3:].lower()}")
        assert landing.status_code == 200
        assert landing.url.path == f"/q/{place.token}"
        assert stored_counts(sessions) == (0, 0)
        first_page = Citizen(client, place.token).start()
        assert "/p/" in first_page.url.path

    @pytest.mark.parametrize(
        "code", ["ZZZZZZ", "0O1IL0", "ABC", "A" * 300, "%00%ff", "Đ" * 6, "..%2F..%2Fetc"]
    )
    def test_unknown_codes_get_the_polite_page(
        self, client: TestClient, place: Place, sessions: sessionmaker[Session], code: str
    ) -> None:
        assert code != short_code_of(sessions, place.token)
        page = client.get(f"/c/{code}")
        assert page.status_code == 404
        assert "text/html" in page.headers["content-type"]
        assert UNKNOWN_VI in page.text or NO_SUCH_PAGE_VI in page.text
        assert stored_counts(sessions) == (0, 0)

    def test_an_old_posters_code_after_rotation_and_revocation(
        self,
        client: TestClient,
        place: Place,
        hailong: Hailong,
        sessions: sessionmaker[Session],
    ) -> None:
        old = short_code_of(sessions, place.token)
        rotated = hailong("counters", "rotate", "--counter", str(place.counter_id))
        assert rotated.exit_code == 0, rotated.stderr
        new_token = printed_token(rotated.stdout)
        new = short_code_of(sessions, new_token)
        assert new != old

        gone = client.get(f"/c/{old}")
        assert gone.status_code == 410
        assert REPLACED_VI in gone.text and REPLACED_EN in gone.text
        assert client.get(f"/c/{new}", follow_redirects=False).headers["location"] == (
            f"/q/{new_token}"
        )

        assert hailong("counters", "revoke", "--counter", str(place.counter_id)).exit_code == 0
        revoked = client.get(f"/c/{new}")
        assert revoked.status_code == 410
        assert REVOKED_VI in revoked.text and REVOKED_EN in revoked.text
        assert stored_counts(sessions) == (0, 0)
