"""Signing in to the office: sessions, cookies, timeouts, the throttle and the audit log."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts import service
from hailong.app import create_app
from hailong.audit.service import Who
from hailong.models import Account, LoginSession
from hailong.models.base import utcnow
from hailong.settings import Settings
from tests.accounts.conftest import PASSWORD, audit_actions, csrf_token, sign_in, sqlite_only

pytestmark = pytest.mark.usefixtures("country")


def live_sessions(sessions: sessionmaker[Session], username: str) -> int:
    with sessions() as session:
        return len(
            session.scalars(
                select(LoginSession)
                .join(Account, LoginSession.account_id == Account.id)
                .where(Account.username == username, LoginSession.revoked_at.is_(None))
            ).all()
        )


class TestSignIn:
    def test_the_right_password_lands_on_the_office_page(self, client: TestClient) -> None:
        answer = sign_in(client, "sonoivu")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/office/"
        home = client.get("/office/")
        assert home.status_code == 200
        assert "sonoivu" in home.text and "Thành phố Hải Phòng" in home.text
        assert "Cán bộ quản lý" in home.text  # the role, in Vietnamese first

    def test_an_admin_sees_the_whole_country(self, client: TestClient) -> None:
        sign_in(client, "quantri")
        assert "Cả nước" in client.get("/office/").text

    def test_cookie_is_http_only_and_same_site_and_not_secure_over_http(
        self, client: TestClient
    ) -> None:
        cookie = sign_in(client, "sonoivu").headers["set-cookie"].lower()
        assert "hl_office=" in cookie
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie

    @pytest.mark.parametrize(
        "update", [{"base_url": "https://khaosat.example.vn"}, {"environment": "production"}]
    )
    def test_office_cookies_are_secure_behind_https_and_in_production(
        self, app_settings: Settings, update: dict[str, str]
    ) -> None:
        with TestClient(create_app(app_settings.model_copy(update=update))) as client:
            cookie = client.get("/office/login").headers["set-cookie"].lower()
        assert "hl_csrf=" in cookie and "secure" in cookie

    def test_the_session_cookie_is_secure_over_https(self, app_settings: Settings) -> None:
        app = create_app(app_settings)
        with TestClient(app, base_url="https://khaosat.example.vn") as client:
            answer = sign_in(client, "sonoivu")
        assert answer.status_code == 303
        assert "secure" in answer.headers["set-cookie"].lower()
        assert answer.headers["strict-transport-security"].startswith("max-age=")

    def test_a_wrong_password_is_refused_in_both_languages(self, client: TestClient) -> None:
        answer = sign_in(client, "sonoivu", "not the password at all")
        assert answer.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in answer.text
        assert "The username or the password is not right" in answer.text
        assert "hl_office" not in answer.headers.get("set-cookie", "")
        assert client.get("/office/", follow_redirects=False).status_code == 303

    def test_an_unknown_username_gets_the_same_answer(self, client: TestClient) -> None:
        answer = sign_in(client, "khongco", PASSWORD)
        assert answer.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in answer.text

    def test_next_goes_back_to_the_page_asked_for_but_never_elsewhere(
        self, client: TestClient
    ) -> None:
        for asked, landing in [("/api/v1/docs", "/api/v1/docs"), ("//evil.example", "/office/")]:
            page = client.get("/office/login", params={"next": asked})
            answer = client.post(
                "/office/login",
                data={
                    "username": "sonoivu",
                    "password": PASSWORD,
                    "csrf_token": csrf_token(page.text),
                    "next": asked,
                },
                follow_redirects=False,
            )
            assert answer.headers["location"] == landing
            client.cookies.clear()

    def test_the_session_id_changes_at_every_sign_in(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        token = csrf_token(client.get("/office/login").text)
        form = {"username": "sonoivu", "password": PASSWORD, "csrf_token": token}
        client.post("/office/login", data=form, follow_redirects=False)
        first = client.cookies["hl_office"]
        client.post("/office/login", data=form, follow_redirects=False)
        second = client.cookies["hl_office"]
        assert second != first
        # The session the browser brought is revoked, not left alive beside the new one.
        assert live_sessions(sessions, "sonoivu") == 1
        client.cookies.set("hl_office", first)
        assert client.get("/office/", follow_redirects=False).status_code == 303


@sqlite_only
class TestRehash:
    def test_a_hash_with_old_parameters_is_replaced_at_sign_in(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))
        with sessions.begin() as session:
            session.execute(
                update(Account)
                .where(Account.username == "motcua")
                .values(password_hash=weak.hash(PASSWORD))
            )
        assert sign_in(client, "motcua").status_code == 303
        with sessions() as session:
            stored = service.get_account(session, "motcua").password_hash
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


class TestSignOut:
    def test_sign_out_ends_the_session_even_for_a_copied_cookie(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        sign_in(client, "sonoivu")
        copied = client.cookies["hl_office"]
        home = client.get("/office/")
        answer = client.post(
            "/office/logout", data={"csrf_token": csrf_token(home.text)}, follow_redirects=False
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/office/login"
        assert live_sessions(sessions, "sonoivu") == 0
        client.cookies.set("hl_office", copied)
        assert client.get("/office/", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/me").status_code == 401
        assert ("sonoivu", "logout") in audit_actions(sessions)

    def test_disabling_the_account_ends_its_sessions(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        sign_in(client, "motcua")
        with sessions.begin() as session:
            service.disable_account(session, username="motcua", by=Who.console())
        assert client.get("/office/", follow_redirects=False).status_code == 303
        assert sign_in(client, "motcua").status_code == 403  # the right password, disabled

    def test_a_new_password_ends_every_session(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        sign_in(client, "motcua")
        with sessions.begin() as session:
            service.change_password(
                session, username="motcua", password="Một-mật-khẩu-mới-hơn", by=Who.console()
            )
        assert client.get("/office/", follow_redirects=False).status_code == 303


class TestTimeouts:
    def age(self, sessions: sessionmaker[Session], **columns: object) -> None:
        with sessions.begin() as session:
            session.execute(update(LoginSession).values(**columns))

    def test_a_session_unused_for_longer_than_the_idle_time_ends(
        self, client: TestClient, sessions: sessionmaker[Session], app_settings: Settings
    ) -> None:
        sign_in(client, "sonoivu")
        idle = timedelta(minutes=app_settings.session_idle_minutes)
        self.age(sessions, last_seen_at=utcnow() - idle + timedelta(minutes=2))
        assert client.get("/office/").status_code == 200  # still within: and it is touched
        self.age(sessions, last_seen_at=utcnow() - idle - timedelta(minutes=1))
        assert client.get("/office/", follow_redirects=False).status_code == 303

    def test_a_session_ends_after_the_absolute_time_however_busy(
        self, client: TestClient, sessions: sessionmaker[Session], app_settings: Settings
    ) -> None:
        sign_in(client, "sonoivu")
        absolute = timedelta(hours=app_settings.session_absolute_hours)
        self.age(sessions, created_at=utcnow() - absolute - timedelta(minutes=1))
        assert client.get("/office/", follow_redirects=False).status_code == 303


@sqlite_only
class TestLock:
    """10 wrong passwords in a row slow down and then lock the account for a while."""

    def test_ten_failures_lock_the_account_then_the_right_password_works_again(
        self, client: TestClient, sessions: sessionmaker[Session], app_settings: Settings
    ) -> None:
        answers = []
        started = time.monotonic()
        for _ in range(10):
            answers.append(sign_in(client, "sonoivu", "wrong password, again"))
        elapsed = time.monotonic() - started
        assert [a.status_code for a in answers] == [401] * 9 + [429]
        # From the fourth failure on, the answer waits (0.01 s doubling up to 0.04 s here).
        assert elapsed >= 0.01 + 0.02 + 0.04 * 4
        locked = answers[-1]
        assert "Đăng nhập sai quá nhiều lần" in locked.text
        assert "Too many failed sign-ins" in locked.text
        assert locked.text.index("Đăng nhập sai") < locked.text.index("Too many failed")
        assert int(locked.headers["retry-after"]) >= 1

        # Locked: even the right password is refused, and says so.
        refused = sign_in(client, "sonoivu")
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in refused.text

        time.sleep(app_settings.login_lock_seconds + 0.2)
        assert sign_in(client, "sonoivu").status_code == 303

        actions = [action for actor, action in audit_actions(sessions) if actor == "sonoivu"]
        assert actions == ["login.failed"] * 10 + ["login.locked", "login.ok"]

    def test_the_lock_is_per_account(self, client: TestClient) -> None:
        for _ in range(10):
            sign_in(client, "sonoivu", "wrong password, again")
        assert sign_in(client, "motcua").status_code == 303

    def test_a_success_starts_the_count_again(self, client: TestClient) -> None:
        for _ in range(9):
            sign_in(client, "sonoivu", "wrong password, again")
        assert sign_in(client, "sonoivu").status_code == 303
        client.cookies.clear()
        for _ in range(9):
            assert sign_in(client, "sonoivu", "wrong password, again").status_code == 401

    def test_an_address_trying_many_accounts_is_locked(
        self, app_settings: Settings, sessions: sessionmaker[Session]
    ) -> None:
        tight = app_settings.model_copy(update={"login_lock_failures": 2})
        with TestClient(create_app(tight)) as client:
            statuses = [
                sign_in(client, username, "wrong password, again").status_code
                for username in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b0"]
            ]
            # Five times the account limit from one address, each account under its own.
            assert statuses == [401] * 9 + [429]
            assert sign_in(client, "sonoivu").status_code == 429

    def test_the_password_is_never_in_the_audit_log(
        self, client: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        sign_in(client, "sonoivu", "my-secret-typo-123")
        sign_in(client, "my-secret-typo-123!", "whatever")  # a password in the username field
        sign_in(client, "sonoivu")
        with sessions() as session:
            from hailong.models import AuditEntry

            text = repr(
                [
                    (e.actor, e.action, e.target, e.comment, e.details)
                    for e in session.scalars(select(AuditEntry))
                ]
            )
        assert "my-secret-typo" not in text and PASSWORD not in text


@sqlite_only
class TestSharedThrottle:
    def test_two_app_processes_share_the_count_through_redis(
        self, app_settings: Settings, redis_url: str, redis_prefix: str
    ) -> None:
        shared = app_settings.model_copy(
            update={"redis_url": redis_url, "redis_prefix": redis_prefix}
        )
        with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
            statuses = [
                sign_in(one if i % 2 else two, "sonoivu", "wrong password, again").status_code
                for i in range(10)
            ]
            assert statuses[-1] == 429
            assert sign_in(one, "sonoivu").status_code == 429

    def test_with_redis_down_signing_in_still_works(self, app_settings: Settings) -> None:
        down = app_settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
        with TestClient(create_app(down)) as client:
            assert sign_in(client, "sonoivu", "wrong password, again").status_code == 401
            assert sign_in(client, "sonoivu").status_code == 303
