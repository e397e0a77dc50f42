"""The production shape (docker-compose.yml, Dockerfile), checked without a Docker engine.

The compose file is validated against the Compose Specification's JSON schema (as vendored by
check-jsonschema), then read the way `docker compose` reads it: YAML first, then ${...}
interpolation of every value, which is where a missing secret stops it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from hailong.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
REQUIRED_SECRETS = ("HAILONG_SECRET_KEY", "HAILONG_POSTGRES_PASSWORD")
# Not a secret, but with no sensible default: it is printed in every QR code.
REQUIRED = (*REQUIRED_SECRETS, "HAILONG_BASE_URL")
FULL_ENVIRONMENT = {
    "HAILONG_SECRET_KEY": "s3cret-from-env",
    "HAILONG_POSTGRES_PASSWORD": "pw-from-env",
    "HAILONG_BASE_URL": "https://khaosat.example.gov.vn",
}


class MissingVariable(Exception):
    pass


# $$, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_]\w*))"
)


def interpolate_text(text: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        value = env.get(name)
        op, arg = match["op"] or "", match["arg"] or ""
        unset = value is None or (op.startswith(":") and value == "")
        if op.endswith("?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        if op.endswith("-") and unset:
            return arg
        return value or ""

    return _VARIABLE.sub(replace, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation, applied to every string value of the parsed file."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return interpolate_text(node, env)
    return node


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = interpolate(raw, FULL_ENVIRONMENT)
    return rendered


def compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendor.joinpath("compose-spec.json").read_text("utf-8"))
    return schema


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def app_port() -> str:
    command = re.search(r"^CMD \[(.*)\]", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert command, "the Dockerfile has no CMD"
    words = json.loads(f"[{command.group(1)}]")
    return str(words[words.index("--port") + 1])


class TestComposeSpecification:
    def test_file_is_valid_against_the_compose_schema(self, raw: dict[str, Any]) -> None:
        errors = sorted(
            f"{error.json_path}: {error.message}"
            for error in Draft202012Validator(compose_schema()).iter_errors(raw)
        )
        assert errors == []

    def test_the_schema_catches_a_mistake(self, raw: dict[str, Any]) -> None:
        broken = json.loads(json.dumps(raw))
        broken["services"]["app"]["deploy"]["replicas"] = [2]
        broken["services"]["app"]["restart_policy"] = "always"
        errors = list(Draft202012Validator(compose_schema()).iter_errors(broken))
        assert len(errors) >= 2


class TestSecretsComeFromTheEnvironment:
    @pytest.mark.parametrize("secret", REQUIRED)
    def test_refuses_to_start_without_a_secret(self, raw: dict[str, Any], secret: str) -> None:
        env = {k: v for k, v in FULL_ENVIRONMENT.items() if k != secret}
        with pytest.raises(MissingVariable, match=secret):
            interpolate(raw, env)

    def test_secrets_reach_the_app_and_the_migration(self, compose: dict[str, Any]) -> None:
        for name in ("app", "migrate", "worker"):
            env = compose["services"][name]["environment"]
            assert env["HAILONG_SECRET_KEY"] == FULL_ENVIRONMENT["HAILONG_SECRET_KEY"]
            assert env["HAILONG_ENVIRONMENT"] == "production"
            assert ":pw-from-env@postgres:" in env["HAILONG_DATABASE_URL"]

    def test_no_literal_secret_in_the_file(self, raw: dict[str, Any]) -> None:
        for service in raw["services"].values():
            for key, value in (service.get("environment") or {}).items():
                if re.search(r"SECRET|PASSWORD|TOKEN|_KEY$", key):
                    assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", str(value)), key
        # Passwords inside URLs too: postgresql://user:PASSWORD@host/...
        for text in strings(raw):
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", text):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", password), text

    def test_every_dollar_is_escaped_or_a_variable(self, raw: dict[str, Any]) -> None:
        # nginx's $host written as $host would be replaced by Compose with an empty string.
        for text in strings(raw):
            for match in re.finditer(r"\$(?!\$|\{)", text.replace("$$", "")):
                pytest.fail(f"unescaped $ in: {text[max(match.start() - 20, 0) :][:60]!r}")
        conf = interpolate(raw, FULL_ENVIRONMENT)["configs"]["nginx_conf"]["content"]
        assert "$host" in conf


class TestProductionShape:
    def test_at_least_two_app_replicas(self, compose: dict[str, Any]) -> None:
        assert compose["services"]["app"]["deploy"]["replicas"] >= 2

    def test_migrations_run_once_before_the_app(self, compose: dict[str, Any]) -> None:
        services = compose["services"]
        migrate = services["migrate"]
        assert migrate["command"][-3:] == ["hailong", "db", "upgrade"]
        assert migrate.get("restart", "no") == "no"
        assert "deploy" not in migrate or migrate["deploy"].get("replicas", 1) == 1
        assert depends_on(services["app"])["migrate"] == "service_completed_successfully"
        assert depends_on(migrate)["postgres"] == "service_healthy"

    def test_proxy_publishes_a_port_and_forwards_to_the_app(self, compose: dict[str, Any]) -> None:
        proxy = compose["services"]["proxy"]
        assert proxy["ports"], "the proxy publishes no port"
        assert "app" in depends_on(proxy)
        (config,) = proxy["configs"]
        content = compose["configs"][config["source"]]["content"]
        assert f"server app:{app_port()}" in content
        assert "proxy_pass" in content
        assert "X-Forwarded-Proto $scheme" in content
        assert "ports" not in compose["services"]["app"], (
            "the app is reached only through the proxy"
        )

    @pytest.mark.parametrize("name", ["postgres", "redis"])
    def test_stores_have_healthchecks_and_volumes(self, compose: dict[str, Any], name: str) -> None:
        service = compose["services"][name]
        assert service["healthcheck"]["test"]
        (volume,) = service["volumes"]
        assert volume.split(":")[0] in compose["volumes"]

    def test_the_app_believes_forwarded_addresses_from_the_proxy_only(
        self, compose: dict[str, Any]
    ) -> None:
        # A client's own X-Forwarded-For must not choose the address rate limits count.
        trusted = compose["services"]["app"]["environment"]["HAILONG_TRUSTED_PROXIES"]
        proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
        assert trusted.split(",") == [proxy_address]
        (subnet,) = compose["networks"]["default"]["ipam"]["config"]
        assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet["subnet"])
        conf = compose["configs"]["nginx_conf"]["content"]
        assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
        command = re.search(r"^CMD \[(.*)\]", DOCKERFILE.read_text(encoding="utf-8"), re.M)
        assert command and "*" not in command.group(1)

    def test_no_plain_http_base_url_and_no_access_log_of_tokens(
        self, raw: dict[str, Any], compose: dict[str, Any]
    ) -> None:
        assert "http://" not in raw["x-hailong-environment"]["HAILONG_BASE_URL"]
        assert "access_log off;" in compose["configs"]["nginx_conf"]["content"]

    def test_the_app_talks_to_the_compose_stores(self, compose: dict[str, Any]) -> None:
        env = compose["services"]["app"]["environment"]
        assert "@postgres:5432/" in env["HAILONG_DATABASE_URL"]
        assert env["HAILONG_REDIS_URL"].startswith("redis://redis:")
        assert depends_on(compose["services"]["app"])["postgres"] == "service_healthy"


class TestWorker:
    def test_the_worker_sends_the_outbox_with_the_apps_settings(
        self, compose: dict[str, Any]
    ) -> None:
        services = compose["services"]
        worker = services["worker"]
        assert worker["command"] == ["hailong", "worker"]
        assert worker["image"] == services["app"]["image"]
        assert worker["environment"] == services["app"]["environment"]
        assert worker["restart"] == "unless-stopped"

    def test_the_worker_waits_for_the_migration(self, compose: dict[str, Any]) -> None:
        waits = depends_on(compose["services"]["worker"])
        assert waits["migrate"] == "service_completed_successfully"
        assert waits["postgres"] == "service_healthy"

    def test_no_web_health_check_and_time_to_finish_a_send(self, compose: dict[str, Any]) -> None:
        worker = compose["services"]["worker"]
        # The image's check asks /healthz, which a worker does not serve.
        assert worker["healthcheck"] == {"disable": True}
        grace = int(worker["stop_grace_period"].removesuffix("s"))
        assert grace > Settings().outbox_send_timeout_seconds
        assert "ports" not in worker and "expose" not in worker


class TestDockerfile:
    def test_slim_python_non_root_with_healthcheck(self) -> None:
        text = DOCKERFILE.read_text(encoding="utf-8")
        assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
        users = re.findall(r"^USER (\S+)", text, re.M)
        assert users and users[-1] not in ("root", "0")
        assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
        assert re.search(r"^RUN pip install \.", text, re.M)

    def test_no_secret_baked_in(self) -> None:
        text = DOCKERFILE.read_text(encoding="utf-8")
        for line in re.findall(r"^(?:ENV|ARG)\b.*(?:\n\s+.*)*", text, re.M):
            assert not re.search(r"SECRET|PASSWORD|TOKEN", line), line

    def test_build_context_holds_only_the_sources(self) -> None:
        lines = [
            line.strip()
            for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert lines[0] == "*", "start from nothing, then allow the sources"
        allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
        copied = {
            source.rstrip("/")
            for arguments in re.findall(r"^COPY (.+)$", DOCKERFILE.read_text("utf-8"), re.M)
            for source in arguments.split()[:-1]
        }
        assert copied == allowed
        assert "**/*.db" in lines and "**/.hailong-demo" in lines


@pytest.mark.slow
class TestPackage:
    def test_the_wheel_carries_every_data_file(self, tmp_path: Path) -> None:
        # The image installs the package (not the work tree): a template, catalog or
        # stylesheet missing from the wheel would break production only.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-q",
                "-w",
                str(tmp_path),
                str(ROOT),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (wheel,) = tmp_path.glob("hailong-*.whl")
        packaged = set(zipfile.ZipFile(wheel).namelist())
        packages = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
            "setuptools"
        ]["packages"]["find"]["include"]
        roots = {pattern.rstrip("*") for pattern in packages}
        tracked = subprocess.run(
            ["git", "ls-files", *roots], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        missing = sorted(set(tracked) - packaged)
        assert missing == []
