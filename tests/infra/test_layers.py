"""Data flows one way: the import rules of README's CONVENTIONS, checked on the source itself.

A small import-linter: every import statement (top-level, inside functions, under
TYPE_CHECKING) counts, relative imports are resolved to the module they name.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hailong", "survey_flows", "bot", "webhook", "qr", "migrations")
ADAPTERS = ("bot", "webhook")
# Where the web app, the command line and the channels are put together from every part.
ASSEMBLY_POINTS = ("hailong.app", "hailong.cli", "hailong.channels")
# The one module that asks which database is in use (hailong.db.is_postgresql). SQLAlchemy
# hands the models' column types the dialect itself; migrations run outside the app.
DIALECT_QUESTION = re.compile(r"dialect\.name\b")
MAY_ASK_THE_DIALECT = ("hailong/db.py", "hailong/models/", "migrations/")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "hailong.units.service"
    target: str  # the imported module, e.g. "bot.telegram"
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    found: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # Each name, since `from hailong import models` imports the module hailong.models.
            found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def project_imports() -> list[Import]:
    found: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += imports_of(
                path.read_text(encoding="utf-8"),
                module_name(path),
                is_package=path.name == "__init__.py",
            )
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(imports: list[Import], importer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{i.module} (line {i.line}) imports {i.target}"
        for i in imports
        if within(i.module, importer) and any(within(i.target, f) for f in forbidden)
    )


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return project_imports()


class TestSurveyEngineIsPure:
    def test_engine_imports_no_storage_and_no_channel(self, imports: list[Import]) -> None:
        assert violations(imports, "survey_flows", ("hailong", *ADAPTERS, "qr")) == []


class TestStorageImportsNoLogic:
    def test_models_import_only_models(self, imports: list[Import]) -> None:
        bad = [
            v
            for v in violations(imports, "hailong.models", ("hailong", "survey_flows", "qr"))
            if " imports hailong.models" not in v
        ]
        assert bad == []


class TestCoreImportsNoAdapter:
    def test_only_the_assembly_points_import_adapters(self, imports: list[Import]) -> None:
        core = [i for i in imports if not any(within(i.module, a) for a in ASSEMBLY_POINTS)]
        assert violations(core, "hailong", ADAPTERS) == []


class TestOnePlaceAsksForPostgresql:
    def test_only_hailong_db_asks_which_database_is_in_use(self) -> None:
        asking = sorted(
            f"{path.relative_to(ROOT)}:{number}"
            for package in PACKAGES
            for path in (ROOT / package).rglob("*.py")
            if not path.relative_to(ROOT).as_posix().startswith(MAY_ASK_THE_DIALECT)
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if DIALECT_QUESTION.search(line)
        )
        assert asking == [], "use hailong.db.is_postgresql"


class TestTheRegistryLoadsNoAdapter:
    def test_importing_the_channel_registry_loads_no_chat_library(self) -> None:
        # The registry names adapters only inside the functions that build a channel: the
        # report and the periods import it, and must not load aiogram for it.
        loaded = "print(sorted(m for m in sys.modules if m.split('.')[0] in ADAPTERS))"
        code = f"import sys, hailong.channels; ADAPTERS = {(*ADAPTERS, 'aiogram')!r}; {loaded}"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert done.stdout.strip() == "[]", done.stderr


class TestTheChatIsChannelNeutral:
    """bot/chat holds the conversation every chat app shares; a chat app's package (Telegram's,
    Zalo's) adds a client, an event parser and a renderer on top of it, never the reverse."""

    def test_bot_chat_imports_no_chat_app(self, imports: list[Import]) -> None:
        apps = ("aiogram", "bot.telegram", "bot.zalo", "webhook", "fastapi", "starlette")
        assert violations(imports, "bot.chat", apps) == []

    def test_no_chat_app_imports_another(self, imports: list[Import]) -> None:
        assert violations(imports, "bot.telegram", ("bot.zalo",)) == []
        assert violations(imports, "bot.zalo", ("bot.telegram",)) == []


class TestOneSurveySession:
    """Answers reach storage only through the survey session (hailong.survey), which checks
    the counter, the period and the answers first: no channel stores answers itself."""

    def test_only_the_survey_session_calls_save_answers(self) -> None:
        callers = sorted(
            module_name(path)
            for package in PACKAGES
            for path in (ROOT / package).rglob("*.py")
            if "save_answers" in path.read_text(encoding="utf-8")
        )
        assert callers == ["hailong.responses.service", "hailong.survey.service"]

    def test_channels_reach_responses_through_the_session(self, imports: list[Import]) -> None:
        channels = ("bot", "webhook", "hailong.web")
        storing = ("hailong.responses.service.save_answers", "hailong.responses.service.start")
        for channel in channels:
            assert violations(imports, channel, storing) == []


class TestTheCheckerSeesImports:
    """The rules above pass by finding nothing; these show that they would find something."""

    def test_finds_imports_inside_functions_and_relative_ones(self) -> None:
        source = (
            "from . import questionnaire\n"
            "from ..hailong import db\n"
            "def later():\n"
            "    import bot.telegram\n"
            "    from webhook.telegram import router\n"
        )
        found = {i.target for i in imports_of(source, "survey_flows.engine")}
        assert {"survey_flows.questionnaire", "hailong.db", "bot.telegram"} <= found
        assert "webhook.telegram.router" in found

    def test_reports_a_forbidden_import(self) -> None:
        found = imports_of("from hailong.db import make_engine\n", "survey_flows.engine")
        assert violations(found, "survey_flows", ("hailong",)) == [
            "survey_flows.engine (line 1) imports hailong.db.make_engine"
        ]

    def test_sees_every_package(self, imports: list[Import]) -> None:
        importers = {i.module.split(".")[0] for i in imports}
        assert {"hailong", "survey_flows", "bot", "qr"} <= importers
