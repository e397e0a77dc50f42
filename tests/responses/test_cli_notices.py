"""`hailong import responses` and `hailong responses review` nudge open progress pages through
Redis (HAILONG_REDIS_URL), as the web app does, so a page served elsewhere updates; a file that
is refused sends nothing."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from hailong.cli import build_cli
from hailong.live.notices import CHANNEL
from tests.responses.forms import form, setup_units_and_period, write_forms


@pytest.fixture
def heard(redis_url: str, redis_prefix: str) -> Iterator[redis.client.PubSub]:
    """What an open progress page hears: the notices channel, subscribed before the command."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"{redis_prefix}{CHANNEL}")
    yield pubsub
    pubsub.close()
    client.close()


def notices(pubsub: redis.client.PubSub, *, wait: float = 2.0) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            data = json.loads(message["data"])
            found.add((data["period_id"], data["unit_id"]))
        elif found:
            break
    return found


def run(database_url: str, redis_url: str, redis_prefix: str, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HAILONG_")}
    env.update(
        HAILONG_DATABASE_URL=database_url,
        HAILONG_REDIS_URL=redis_url,
        HAILONG_REDIS_PREFIX=redis_prefix,
    )
    return CliRunner().invoke(build_cli(), list(args), env=env)


def test_import_and_review_send_the_web_apps_notices(
    session: Session,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    heard: redis.client.PubSub,
    tmp_path: Path,
) -> None:
    period, wards = setup_units_and_period(session)
    hai_an, ngo_quyen = wards[0], wards[1]
    forms = [form(1, hai_an.code), form(2, ngo_quyen.code)]
    path = write_forms(tmp_path / "in.csv", forms)
    imported = run(database_url, redis_url, redis_prefix, "import", "responses", str(path))
    assert imported.exit_code == 0, imported.stderr
    assert notices(heard) == {(period.id, hai_an.id), (period.id, ngo_quyen.id)}

    review = ("responses", "review", "--id", "HA-00002", "--state", "rejected")
    reviewed = run(database_url, redis_url, redis_prefix, *review)
    assert reviewed.exit_code == 0, reviewed.stderr
    assert notices(heard) == {(period.id, ngo_quyen.id)}

    # Nothing changes, nothing is sent: the same file again, a refused file.
    again = run(database_url, redis_url, redis_prefix, "import", "responses", str(path))
    assert again.exit_code == 0, again.stderr
    bad = write_forms(tmp_path / "bad.csv", [form(3, hai_an.code, A1="9")])
    refused = run(database_url, redis_url, redis_prefix, "import", "responses", str(bad))
    assert refused.exit_code != 0
    assert notices(heard, wait=1.0) == set()
