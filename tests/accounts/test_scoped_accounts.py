"""Accounts as an official manages them (hailong.accounts.scoped): only those of its units,
roles no higher than its own, every change audited and ending the account's sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts import scoped, service
from hailong.accounts.caller import actor_for
from hailong.accounts.passwords import PasswordsDiffer, PasswordTooShort, verify_password
from hailong.accounts.scope import Actor, NotAllowed
from hailong.accounts.sessions import Lifetimes, find_session, open_session
from hailong.audit.service import Who
from hailong.errors import NotFound
from hailong.models import Account, AuditEntry, Role
from tests.accounts.conftest import make_account

LIFETIMES = Lifetimes(idle=timedelta(hours=1), absolute=timedelta(hours=8))
BY = Who(name="sonoivu")


def actor(session: Session, username: str) -> Actor:
    account = service.get_account(session, username)
    return actor_for(session, account, via="session", credential_id=0)


def account_id(session: Session, username: str) -> int:
    return service.get_account(session, username).id


class TestList:
    def test_an_official_sees_the_accounts_of_its_subtree_only(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            make_account(session, "badinh", Role.ward_staff, "00004")
            official = actor(session, "sonoivu")
            shown = {a.username for a in scoped.list_accounts(session, official, unit_code=None)}
            below = scoped.list_accounts(session, official, unit_code="11413")
        assert shown == {"sonoivu", "motcua", "dieutra"}
        assert {a.username for a in below} == {"motcua", "dieutra"}

    def test_ward_staff_may_not_manage_accounts(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session, pytest.raises(NotAllowed):
            scoped.list_accounts(session, actor(session, "motcua"), unit_code=None)

    def test_the_last_sign_in_is_shown(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            open_session(session, account=service.get_account(session, "motcua"))
            official = actor(session, "sonoivu")
            seen = scoped.get_account(session, official, account_id(session, "motcua"))
            never = scoped.get_account(session, official, account_id(session, "dieutra"))
        assert seen.last_sign_in_at is not None
        assert never.last_sign_in_at is None


class TestAdd:
    def test_an_official_adds_ward_staff_of_a_ward_below_it(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            account, generated = scoped.add_account(
                session,
                actor(session, "sonoivu"),
                username="haian2",
                role=Role.ward_staff,
                unit_code="11413",
                password="",
                repeated="",
                by=BY,
            )
            assert generated is not None
            assert verify_password(generated, account.password_hash)[0]
            line = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert line is not None and line.action == "user.add" and line.actor == "sonoivu"

    @pytest.mark.parametrize(
        ("role", "unit", "error"),
        [
            (Role.admin, None, NotAllowed),  # a role above its own
            (Role.ward_staff, "00004", NotFound),  # a unit outside its subtree
        ],
    )
    def test_an_official_cannot_give_more_than_it_has(
        self,
        sessions: sessionmaker[Session],
        country: dict[str, int],
        role: Role,
        unit: str | None,
        error: type[Exception],
    ) -> None:
        with sessions.begin() as session:
            with pytest.raises(error):
                scoped.add_account(
                    session,
                    actor(session, "sonoivu"),
                    username="khac",
                    role=role,
                    unit_code=unit,
                    password="",
                    repeated="",
                    by=BY,
                )
            assert session.scalar(select(Account).where(Account.username == "khac")) is None

    @pytest.mark.parametrize(
        ("password", "repeated", "error"),
        [
            ("ngắn-quá", "ngắn-quá", PasswordTooShort),
            ("Lúa-chín-vàng-2026", "khác", PasswordsDiffer),
        ],
    )
    def test_a_bad_password_adds_nothing(
        self,
        sessions: sessionmaker[Session],
        country: dict[str, int],
        password: str,
        repeated: str,
        error: type[Exception],
    ) -> None:
        with sessions.begin() as session, pytest.raises(error):
            scoped.add_account(
                session,
                actor(session, "sonoivu"),
                username="haian3",
                role=Role.ward_staff,
                unit_code="11413",
                password=password,
                repeated=repeated,
                by=BY,
            )


class TestChange:
    def test_disabling_ends_the_sessions_and_enabling_lets_it_sign_in_again(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            _login, secret = open_session(session, account=service.get_account(session, "motcua"))
        with sessions.begin() as session:
            official = actor(session, "sonoivu")
            scoped.disable_account(session, official, account_id(session, "motcua"), by=BY)
        with sessions.begin() as session:
            assert find_session(session, secret, lifetimes=LIFETIMES) is None
            scoped.enable_account(
                session, actor(session, "sonoivu"), account_id(session, "motcua"), by=BY
            )
            assert service.get_account(session, "motcua").active
            # The ended session stays ended: the person signs in again.
            assert find_session(session, secret, lifetimes=LIFETIMES) is None
            actions = [e.action for e in session.scalars(select(AuditEntry))]
        assert "user.disable" in actions and "user.enable" in actions

    def test_a_generated_password_replaces_the_old_one(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            password = scoped.reset_to_generated(
                session, actor(session, "sonoivu"), account_id(session, "motcua"), by=BY
            )
            stored = service.get_account(session, "motcua").password_hash
        assert verify_password(password, stored)[0]
        assert not verify_password("Lúa-chín-vàng-2026", stored)[0]

    def test_an_official_cannot_touch_an_account_outside_its_subtree(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            make_account(session, "haian-cb", Role.official, "11413")
            foreign = make_account(session, "badinh", Role.ward_staff, "00004").id
            sister = account_id(session, "sonoivu")  # the city's official, above it
            ward_official = actor(session, "haian-cb")
            for target in (foreign, sister):
                with pytest.raises(scoped.AccountNotFound):
                    scoped.get_account(session, ward_official, target)
                with pytest.raises(scoped.AccountNotFound):
                    scoped.disable_account(session, ward_official, target, by=BY)

    def test_no_one_disables_their_own_account(
        self, sessions: sessionmaker[Session], country: dict[str, int]
    ) -> None:
        with sessions.begin() as session:
            official = actor(session, "sonoivu")
            with pytest.raises(scoped.NotYourself):
                scoped.disable_account(session, official, official.account_id, by=BY)


def test_generated_passwords_pass_the_rule_and_differ() -> None:
    made = {scoped.generated_password("motcua") for _ in range(20)}
    assert len(made) == 20
    assert all(len(password) == 19 for password in made)
