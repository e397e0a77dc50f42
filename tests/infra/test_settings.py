"""Settings come from HAILONG_* variables, and every `hailong` subcommand honours them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import typer.core
import typer.main
from pydantic import ValidationError
from typer.testing import CliRunner

from hailong.cli import build_cli
from hailong.migrate import alembic_config
from hailong.settings import Settings
from tests.infra.processes import clean_environment, run_hailong


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def sqlite_revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


def leaf_commands(
    group: typer.core.TyperGroup, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, typer.core.TyperGroup):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


class TestSettingsFromEnvironment:
    def test_every_documented_variable_is_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HAILONG_DATABASE_URL", "postgresql://db.example/hailong")
        monkeypatch.setenv("HAILONG_REDIS_URL", "redis://cache.example:6379/2")
        monkeypatch.setenv("HAILONG_SECRET_KEY", "from-the-environment")
        monkeypatch.setenv("HAILONG_BASE_URL", "https://khaosat.example.vn/")
        settings = Settings()
        assert settings.database_url == "postgresql://db.example/hailong"
        assert settings.redis_url == "redis://cache.example:6379/2"
        assert settings.secret() == "from-the-environment"
        assert settings.public_base_url == "https://khaosat.example.vn"

    def test_defaults_are_a_sqlite_file_here_and_no_redis(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        for name in ("HAILONG_DATABASE_URL", "HAILONG_REDIS_URL", "HAILONG_SECRET_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)
        settings = Settings()
        assert settings.database_url == f"sqlite:///{tmp_path / 'hailong.db'}"
        assert settings.redis_url is None

    def test_production_refuses_to_start_without_a_secret(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("HAILONG_SECRET_KEY", raising=False)
        monkeypatch.setenv("HAILONG_ENVIRONMENT", "production")
        with pytest.raises(ValidationError, match="HAILONG_SECRET_KEY"):
            Settings()
        monkeypatch.setenv("HAILONG_SECRET_KEY", "set")
        assert Settings().secret() == "set"


class TestEverySubcommand:
    def test_every_subcommand_reads_the_environment_first(self) -> None:
        # Production without a secret is refused before any subcommand runs, so a subcommand
        # that built its own settings (or none) would show up here by succeeding or failing
        # for another reason.
        app = build_cli()
        cli = typer.main.get_command(app)
        assert isinstance(cli, typer.core.TyperGroup)
        commands = list(leaf_commands(cli))
        assert ("db", "upgrade") in commands
        runner = CliRunner()
        env = {"HAILONG_ENVIRONMENT": "production", "HAILONG_SECRET_KEY": None}
        for path in commands:
            result = runner.invoke(app, list(path), env=env)
            # One polite line, Vietnamese then English, and no traceback.
            assert result.exit_code == 1, (path, result.output, result.exception)
            assert isinstance(result.exception, SystemExit), (path, result.exception)
            assert result.stdout == "", path
            assert result.stderr.count("\n") == 1, (path, result.stderr)
            assert "HAILONG_SECRET_KEY" in result.stderr, path
            assert "openssl rand" in result.stderr, path


class TestDatabaseUrl:
    def test_db_upgrade_creates_the_database_where_the_url_says(self, tmp_path: Path) -> None:
        elsewhere = tmp_path / "data" / "survey.db"
        elsewhere.parent.mkdir()
        workdir = tmp_path / "work"
        workdir.mkdir()
        env = clean_environment(HAILONG_DATABASE_URL=f"sqlite:///{elsewhere}")
        result = run_hailong("db", "upgrade", env=env, cwd=workdir)
        assert result.returncode == 0, result.stderr
        assert sqlite_revision(elsewhere) == head_revision()
        assert list(workdir.iterdir()) == []

    def test_without_a_url_the_database_is_in_the_working_directory(self, tmp_path: Path) -> None:
        result = run_hailong("db", "upgrade", env=clean_environment(), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert sqlite_revision(tmp_path / "hailong.db") == head_revision()

    def test_db_upgrade_on_postgresql(
        self, postgres_database_factory: Callable[[], str], tmp_path: Path
    ) -> None:
        url = postgres_database_factory()
        result = run_hailong(
            "db", "upgrade", env=clean_environment(HAILONG_DATABASE_URL=url), cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        with psycopg.connect(url) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        assert row == (head_revision(),)
        assert list(tmp_path.iterdir()) == []

    def test_production_without_a_secret_touches_no_database(self, tmp_path: Path) -> None:
        target = tmp_path / "never.db"
        env = clean_environment(
            HAILONG_ENVIRONMENT="production", HAILONG_DATABASE_URL=f"sqlite:///{target}"
        )
        result = run_hailong("db", "upgrade", env=env, cwd=tmp_path)
        assert result.returncode != 0
        assert "HAILONG_SECRET_KEY" in result.stderr
        assert not target.exists()


class TestWhereTheDatabaseIs:
    def test_a_command_outside_a_project_creates_no_database(self, tmp_path: Path) -> None:
        result = run_hailong("units", env=clean_environment(), cwd=tmp_path)
        assert result.returncode == 1
        assert str(tmp_path / "hailong.db") in result.stderr
        assert "hailong db upgrade" in result.stderr and "HAILONG_DATABASE_URL" in result.stderr
        assert "Traceback" not in result.stderr
        assert list(tmp_path.iterdir()) == []

    def test_db_upgrade_says_where_it_made_the_database(self, tmp_path: Path) -> None:
        result = run_hailong("db", "upgrade", env=clean_environment(), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert str(tmp_path / "hailong.db") in result.stdout

    def test_a_postgresql_url_is_shown_without_its_password(self) -> None:
        from hailong.cli_support import database_location

        shown = database_location("postgresql://hailong:s3cret@db.example:5432/hailong")
        assert "s3cret" not in shown and "db.example:5432/hailong" in shown


class TestBadSettings:
    def test_a_bad_value_is_one_polite_line_naming_the_variable(self, tmp_path: Path) -> None:
        env = clean_environment(HAILONG_RESUME_HOURS="a day")
        result = run_hailong("units", env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "HAILONG_RESUME_HOURS" in result.stderr and "Traceback" not in result.stderr

    def test_production_without_a_secret_in_a_real_process(self, tmp_path: Path) -> None:
        env = clean_environment(HAILONG_ENVIRONMENT="production")
        result = run_hailong("serve", env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "HAILONG_SECRET_KEY" in result.stderr
