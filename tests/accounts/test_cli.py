"""`hailong users ...` and `hailong audit`, run as an operator would, then used over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts.tokens import prefix_of
from hailong.models import Account, ApiToken
from tests.accounts.conftest import PASSWORD, make_country
from tests.admin.conftest import Hailong, as_json

PasswordFile = Callable[[str], Path]


@pytest.fixture
def password_file(tmp_path: Path) -> PasswordFile:
    def write(password: str) -> Path:
        path = tmp_path / "password.txt"
        path.write_text(password + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def units(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        make_country(session)


def add(hailong: Hailong, password_file: PasswordFile, username: str, role: str, unit: str | None):  # type: ignore[no-untyped-def]
    where = ["--unit", unit] if unit else []
    return hailong(
        "users", "add", "--username", username, "--role", role, *where,
        "--password-file", str(password_file(PASSWORD)),
    )  # fmt: skip


def token_of(hailong: Hailong, username: str) -> str:
    result = hailong("users", "token", username, "--name", "phần mềm một cửa")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.usefixtures("units")
class TestUsersAndTokensOverHttp:
    """`users add` + `users token`, then an HTTP client with the token."""

    def test_an_official_of_a_province_lists_its_communes(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        assert add(hailong, password_file, "sonoivu", "official", "31").exit_code == 0
        token = token_of(hailong, "sonoivu")
        answer = client.get("/api/v1/units", headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        communes = {u["code"] for u in answer.json()["items"] if u["level"] == "commune"}
        assert communes == {"11413", "11341"}

    def test_an_official_gets_its_communes_progress_with_their_quotas(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        assert add(hailong, password_file, "sonoivu", "official", "31").exit_code == 0
        assert add(hailong, password_file, "motcua", "ward_staff", "11413").exit_code == 0
        period = ("periods", "add", "--code", "2026", "--start", "2026-01-01")
        assert hailong(*period, "--end", "2026-12-31", "--quota", "30").exit_code == 0
        quota = ("periods", "quota", "--period", "2026", "--unit", "11341", "--quota", "50")
        assert hailong(*quota).exit_code == 0
        headers = {"authorization": f"Bearer {token_of(hailong, 'sonoivu')}"}
        answer = client.get("/api/v1/progress?period=2026", headers=headers)
        assert answer.status_code == 200, answer.text
        quotas = {u["code"]: (u["completed"], u["quota"]) for u in answer.json()["units"]}
        assert quotas["11341"] == (0, 50) and quotas["11413-TT"] == (0, 30)
        # Units above others take no quota of their own unless they have counters.
        assert quotas["31"] == (0, None) and quotas["11413"] == (0, None)
        assert "00004" not in quotas
        ward = {"authorization": f"Bearer {token_of(hailong, 'motcua')}"}
        other = client.get("/api/v1/progress?period=2026&unit=11341", headers=ward)
        assert other.status_code in (403, 404) and "Ngô Quyền" not in other.text
        assert client.get("/api/v1/progress?period=2026").status_code == 401

    def test_ward_staff_asking_for_another_ward_get_nothing_of_it(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        assert add(hailong, password_file, "motcua", "ward_staff", "11413").exit_code == 0
        headers = {"authorization": f"Bearer {token_of(hailong, 'motcua')}"}
        other = client.get("/api/v1/units/11341", headers=headers)
        assert other.status_code == 404
        assert "Ngô Quyền" not in other.text
        assert other.json()["error"]["code"] == "not_found"
        own = client.get("/api/v1/units/11413", headers=headers)
        assert own.json()["name"] == "Phường Hải An"

    def test_anonymous_gets_401(self, client: TestClient) -> None:
        answer = client.get("/api/v1/units")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        message = answer.json()["error"]["message"]
        assert message["vi"].startswith("Vui lòng đăng nhập") and message["en"]

    def test_a_revoked_token_and_a_disabled_account_stop_working(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        add(hailong, password_file, "sonoivu", "official", "31")
        first, second = token_of(hailong, "sonoivu"), token_of(hailong, "sonoivu")
        prefix = prefix_of(first)
        assert hailong("users", "revoke-token", prefix).exit_code == 0
        assert (
            client.get("/api/v1/me", headers={"authorization": f"Bearer {first}"}).status_code
            == 401
        )
        assert (
            client.get("/api/v1/me", headers={"authorization": f"Bearer {second}"}).status_code
            == 200
        )
        assert hailong("users", "disable", "sonoivu").exit_code == 0
        assert (
            client.get("/api/v1/me", headers={"authorization": f"Bearer {second}"}).status_code
            == 401
        )

    def test_an_expired_token_stops_working(
        self,
        hailong: Hailong,
        password_file: PasswordFile,
        client: TestClient,
        sessions: sessionmaker[Session],
    ) -> None:
        add(hailong, password_file, "sonoivu", "official", "31")
        made = as_json(hailong("users", "token", "sonoivu", "--expires", "1", "--format", "json"))
        headers = {"authorization": f"Bearer {made['token']}"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        with sessions.begin() as session:
            from sqlalchemy import update

            from hailong.models.base import utcnow

            session.execute(update(ApiToken).values(expires_at=utcnow()))
        assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.usefixtures("units")
class TestUsers:
    def test_add_asks_for_the_password_twice_when_no_file(self, hailong: Hailong) -> None:
        result = hailong(
            "users", "add", "--username", "sonoivu", "--role", "official", "--unit", "31",
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert "sonoivu" in result.stdout
        assert PASSWORD not in result.stdout

    def test_two_different_passwords_are_refused(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        result = hailong(
            "users", "add", "--username", "sonoivu", "--role", "official", "--unit", "31",
            input=f"{PASSWORD}\n{PASSWORD}x\n",
        )  # fmt: skip
        assert result.exit_code == 1
        assert "không giống nhau" in result.stderr
        assert accounts(sessions) == 0

    @pytest.mark.parametrize(
        ("password", "says"),
        [
            ("ngắn-quá", "at least 12 characters"),
            ("sonoivu-2026-mat-khau", "must not contain the username"),
            ("Password1234", "most common"),
            ("aaaaaaaaaaaaaaaa", "most common"),
        ],
    )
    def test_weak_passwords_are_refused(
        self,
        hailong: Hailong,
        password_file: PasswordFile,
        sessions: sessionmaker[Session],
        password: str,
        says: str,
    ) -> None:
        result = hailong(
            "users", "add", "--username", "sonoivu", "--role", "official", "--unit", "31",
            "--password-file", str(password_file(password)),
        )  # fmt: skip
        assert result.exit_code == 1
        assert says in result.stderr
        assert accounts(sessions) == 0

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (["--role", "official"], "needs a unit"),
            (["--role", "admin", "--unit", "31"], "whole country"),
            (["--role", "official", "--unit", "99999"], "no unit with the code 99999"),
        ],
    )
    def test_a_unit_fits_the_role(
        self, hailong: Hailong, password_file: PasswordFile, args: list[str], says: str
    ) -> None:
        result = hailong(
            "users", "add", "--username", "sonoivu", *args,
            "--password-file", str(password_file(PASSWORD)),
        )  # fmt: skip
        assert result.exit_code == 1
        assert says in result.stderr

    def test_usernames_are_unique_and_plain(
        self, hailong: Hailong, password_file: PasswordFile
    ) -> None:
        assert add(hailong, password_file, "SoNoiVu", "official", "31").exit_code == 0
        again = add(hailong, password_file, "sonoivu", "official", "31")
        assert again.exit_code == 1 and "already taken" in again.stderr
        accented = add(hailong, password_file, "sở-nội-vụ", "official", "31")
        assert accented.exit_code == 1 and "without accents" in accented.stderr

    def test_list_disable_enable_and_password(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        add(hailong, password_file, "quantri", "admin", None)
        add(hailong, password_file, "motcua", "ward_staff", "11413")
        listed = as_json(hailong("users", "list", "--format", "json"))
        assert [(a["username"], a["role"], a["unit_code"], a["active"]) for a in listed] == [
            ("motcua", "ward_staff", "11413", True),
            ("quantri", "admin", None, True),
        ]
        new = "Một-mật-khẩu-mới-2027"
        assert (
            hailong(
                "users", "password", "motcua", "--password-file", str(password_file(new))
            ).exit_code
            == 0
        )
        from tests.accounts.conftest import sign_in

        assert sign_in(client, "motcua", PASSWORD).status_code == 401
        assert sign_in(client, "motcua", new).status_code == 303
        assert hailong("users", "disable", "motcua").exit_code == 0
        assert as_json(hailong("users", "list", "--format", "json"))[0]["active"] is False
        assert hailong("users", "disable", "motcua").exit_code == 1
        assert hailong("users", "enable", "motcua").exit_code == 0
        assert sign_in(client, "motcua", new).status_code == 303
        assert hailong("users", "enable", "motcua").exit_code == 1

    def test_tokens_are_listed_by_prefix_never_in_full(
        self, hailong: Hailong, password_file: PasswordFile, sessions: sessionmaker[Session]
    ) -> None:
        add(hailong, password_file, "sonoivu", "official", "31")
        token = token_of(hailong, "sonoivu")
        listed = as_json(hailong("users", "tokens", "sonoivu", "--format", "json"))
        assert [t["prefix"] for t in listed] == [prefix_of(token)]
        assert listed[0]["name"] == "phần mềm một cửa"
        assert token not in json.dumps(listed)
        with sessions() as session:
            stored = session.scalars(select(ApiToken.secret_hash)).one()
        assert token not in stored and len(stored) == 64


def accounts(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0


@pytest.mark.usefixtures("units")
class TestAuditCommand:
    def test_lists_who_did_what_on_which_unit(
        self, hailong: Hailong, password_file: PasswordFile, client: TestClient
    ) -> None:
        add(hailong, password_file, "sonoivu", "official", "31")
        add(hailong, password_file, "bađinh", "official", "01")  # refused: not plain
        add(hailong, password_file, "badinh", "official", "01")
        token_of(hailong, "sonoivu")
        from tests.accounts.conftest import sign_in

        sign_in(client, "sonoivu", "wrong password, again")
        sign_in(client, "sonoivu")
        lines = as_json(hailong("audit", "--format", "json"))
        assert [(line["action"], line["unit_code"]) for line in lines] == [
            ("user.add", "31"),
            ("user.add", "01"),
            ("token.create", "31"),
            ("login.failed", "31"),
            ("login.ok", "31"),
        ]
        assert lines[0]["actor"].startswith("console:")
        assert lines[-1]["actor"] == "sonoivu" and lines[-1]["address"]
        # A unit's log is that of its subtree only.
        hai_phong = as_json(hailong("audit", "--unit", "31", "--format", "json"))
        assert {line["unit_code"] for line in hai_phong} == {"31"}
        assert as_json(hailong("audit", "--since", "2999-01-01", "--format", "json")) == []
        table = hailong("audit", "--unit", "01")
        assert table.exit_code == 0 and "user.add" in table.stdout
        assert hailong("audit", "--unit", "99999").exit_code == 1
