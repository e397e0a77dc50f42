"""A small country with accounts of every role, and ways to call the app as each of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts import service, tokens
from hailong.accounts.passwords import hash_password
from hailong.accounts.sessions import open_session
from hailong.app import create_app
from hailong.audit.service import Who
from hailong.models import Account, AuditEntry, Role, Unit
from hailong.settings import Settings
from tests.admin.conftest import hailong  # noqa: F401  (the `hailong` command fixture)
from tests.factories import make_unit

PASSWORD = "Lúa-chín-vàng-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Thành phố Hải Phòng with two wards (one with a department below it), and Hà Nội with one.
UNITS = (
    ("31", "Thành phố Hải Phòng", "province", None),
    ("11413", "Phường Hải An", "commune", "31"),
    ("11341", "Phường Ngô Quyền", "commune", "31"),
    ("11413-TT", "Trung tâm Phục vụ HCC Phường Hải An", "department", "11413"),
    ("01", "Thành phố Hà Nội", "province", None),
    ("00004", "Phường Ba Đình", "commune", "01"),
)
# One account per role; the admin's unit is the whole country.
ACCOUNTS = (
    ("quantri", Role.admin, None),
    ("sonoivu", Role.official, "31"),
    ("motcua", Role.ward_staff, "11413"),
    ("dieutra", Role.enumerator, "11413"),
)


def make_country(session: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, name, level, parent in UNITS:
        above = session.get(Unit, ids[parent]) if parent is not None else None
        ids[code] = make_unit(session, code=code, name=name, level=level, parent=above).id
    return ids


@cache
def password_hash() -> str:
    # Argon2id takes a tenth of a second by design: hash the tests' password once.
    return hash_password(PASSWORD)


def make_account(session: Session, username: str, role: Role, unit: str | None) -> Account:
    """An account with PASSWORD (`hailong users add` is tested through the command)."""
    unit_id = session.scalar(select(Unit.id).where(Unit.code == unit)) if unit else None
    account = Account(
        username=username, role=role.value, unit_id=unit_id, password_hash=password_hash()
    )
    session.add(account)
    session.flush()
    return account


# Throttling and rate limits are not about storage: one database is enough for them.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def country(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions.begin() as session:
        ids = make_country(session)
        for username, role, unit in ACCOUNTS:
            make_account(session, username, role, unit)
    return ids


@dataclass(frozen=True)
class Credentials:
    session_cookie: str
    token: str
    token_prefix: str


def credentials_for(sessions: sessionmaker[Session], username: str) -> Credentials:
    """A fresh signed-in session and a fresh API token for the account."""
    with sessions.begin() as session:
        account = service.get_account(session, username)
        _login, secret = open_session(session, account=account)
        api_token, token = tokens.create_token(
            session, account=account, name="test", expires_days=None, by=Who.console()
        )
    return Credentials(session_cookie=secret, token=token, token_prefix=api_token.prefix)


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    """Sign-in throttling fast enough for tests: a short lock, a tiny slow-down."""
    return settings.model_copy(update={"login_lock_seconds": 2, "login_slowdown_seconds": 0.01})


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as client:
        yield client


def csrf_token(page_html: str) -> str:
    found = CSRF.search(page_html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the real form, as a browser would."""
    page = client.get("/office/login")
    return client.post(
        "/office/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )


def audit_actions(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [
            (entry.actor, entry.action)
            for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
