"""`hailong enumerators assign|own|unassign`, as an operator runs them."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from tests.accounts.conftest import ACCOUNTS, make_account, make_country

Hailong = Callable[..., Result]


@pytest.fixture
def hailong(database_url: str, sessions: sessionmaker[Session]) -> Hailong:
    with sessions.begin() as session:
        make_country(session)
        for username, role, unit in ACCOUNTS:
            make_account(session, username, role, unit)
    app = build_cli()
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env.update(HAILONG_DATABASE_URL=database_url)
    return lambda *args: CliRunner().invoke(app, list(args), env=env)


class TestAssign:
    def test_assign_then_list(self, hailong: Hailong) -> None:
        assigned = hailong("enumerators", "assign", "--user", "dieutra", "--unit", "11413")
        again = hailong("enumerators", "assign", "--user", "dieutra", "--unit", "11413")
        listed = hailong("enumerators", "--format", "json")

        assert (
            assigned.exit_code == 0
            and "dieutra được phân công tại Phường Hải An" in assigned.stdout
        )
        assert again.exit_code == 0 and "đã được phân công" in again.stdout
        assert '"assigned": "11413"' in listed.stdout

    def test_one_s_own_unit_is_refused_politely(self, hailong: Hailong) -> None:
        assert hailong("enumerators", "own", "--user", "dieutra", "--unit", "31").exit_code == 0

        refused = hailong("enumerators", "assign", "--user", "dieutra", "--unit", "11341")

        assert refused.exit_code == 1
        assert "không cho phép khảo sát đơn vị của chính mình" in refused.stderr
        assert "Traceback" not in refused.output

    def test_only_an_enumerator_s_account_is_assigned(self, hailong: Hailong) -> None:
        refused = hailong("enumerators", "assign", "--user", "motcua", "--unit", "11341")

        assert refused.exit_code == 1 and "motcua" in refused.stderr
