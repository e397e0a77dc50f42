"""A phone-sized real Chromium answers every page against a real server, JavaScript on and off."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hailong.db import make_engine, make_sessionmaker
from hailong.models import ResponseStatus
from tests.conftest import in_ci
from tests.web.citizen import all_responses, answers_of
from tests.web.conftest import ServedDatabase
from tests.web.plan import Plan, answer_plan, page_fields, stored_form
from tests.web.server import free_port, run_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is not installed"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def answer_page(page: Page, plan: Plan) -> list[str]:
    """Tap every answer of the plan on this page, as a thumb would; returns the keys."""
    keys = page_fields(page.content())
    for key in keys:
        if page.locator(f'textarea[name="{key}"]').count():
            page.fill(f'textarea[name="{key}"]', plan[key][0])
            continue
        for value in plan[key]:
            choice = page.locator(f'input[name="{key}"][value="{value}"]')
            if value == "" and not choice.count():
                continue  # an optional question of the profile, left empty
            choice.check()
    before = page.url
    page.click("button.next")  # not "skip this part" on the profile page
    page.wait_for_url(lambda url: url != before)
    return keys


def exported_rows(database: ServedDatabase, folder: Path) -> list[dict[str, str]]:
    """`hailong export responses` run as the operator runs it, read back as CSV rows."""
    out = folder / "export.csv"
    hailong = Path(sys.executable).with_name("hailong")
    period = str(database.place.period_code)
    subprocess.run(
        [str(hailong), "export", "responses", "--period", period, "-o", str(out)],
        env={**os.environ, **database.env()},
        check=True,
        capture_output=True,
        timeout=60,
    )
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class TestPhoneBrowser:
    @pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
    def test_every_page_to_the_thank_you_page(
        self,
        browser: Browser,
        served_database: ServedDatabase,
        javascript: bool,
        tmp_path: Path,
    ) -> None:
        place = served_database.place
        plan = answer_plan(place.procedure_code)
        with run_server(served_database.env(), free_port()) as server:
            keys, requested, text = self._answer_everything(
                browser, f"{server.url}/q/{place.token}", plan, javascript
            )

        assert "Cảm ơn" in text
        # Nothing is fetched from anywhere but our own server: no fonts, CDNs or frameworks.
        assert all(url.startswith(server.url) for url in requested), requested
        engine = make_engine(served_database.url)
        sessions = make_sessionmaker(engine)
        [response] = all_responses(sessions)
        assert response.status == ResponseStatus.completed
        assert answers_of(sessions, response.id) == stored_form(plan, keys)
        engine.dispose()
        # What the official downloads: exactly this response, with these answers.
        [row] = exported_rows(served_database, tmp_path)
        assert row["channel"] == "web"
        assert row["procedure_code"] == place.procedure_code
        for key, value in stored_form(plan, keys).items():
            column = "procedure_code" if key == "procedure" else key
            assert row[column] == (value or ""), key

    def _answer_everything(
        self, browser: Browser, landing_url: str, plan: Plan, javascript: bool
    ) -> tuple[list[str], list[str], str]:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
        )
        requested: list[str] = []
        try:
            page = context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(landing_url)
            page.get_by_role("button", name="Bắt đầu").click()
            page.wait_for_url("**/p/**")
            keys: list[str] = []
            while "/p/" in page.url:
                keys += answer_page(page, plan)
            assert page.url.endswith("/done")
            return keys, requested, page.inner_text("main")
        finally:
            context.close()
