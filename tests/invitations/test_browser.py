"""From the e-mail to the thank-you page in real Chromium: the fake SMTP server of ours gets
the invitation, the test follows its link on a phone, and the link then says it was used."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from hailong import migrate
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Response, ResponseStatus
from hailong.settings import Settings
from tests.accounts.conftest import make_country
from tests.conftest import TEST_SECRET
from tests.factories import make_period, make_procedure
from tests.fakes.smtp import FakeSmtp
from tests.invitations.conftest import ADDRESS, BIRTH, FAST, invite, send_all
from tests.invitations.test_sending import database_bytes
from tests.web.plan import answer_plan
from tests.web.server import free_port, run_server
from tests.web.test_browser import PHONE, answer_page, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_email_s_link_opens_the_survey_once(
    browser: Browser,  # noqa: F811
    smtp: FakeSmtp,
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'invited.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        make_country(session)
        make_period(session)
        make_procedure(session, code=BIRTH, name="Đăng ký khai sinh")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": TEST_SECRET,
        "base_url": base,
        "smtp_url": smtp.url,
        **FAST,
    }
    smtp.refuse_first = 1  # the server refuses the first attempt: later, not lost
    invite(sessions, "H37-0001")
    # In a thread of its own: Playwright's loop already runs in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(send_all, Settings(**values), sessions).result()
    (mail,) = smtp.wait_for(1)
    found = re.search(rf"{re.escape(base)}/i/[A-Za-z0-9_-]{{32}}", mail.part("plain"))
    assert found is not None
    assert ADDRESS.encode() not in database_bytes(url)

    env = {"HAILONG_DATABASE_URL": url, "HAILONG_SECRET_KEY": TEST_SECRET, "HAILONG_BASE_URL": base}
    with run_server(env, port):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            page = context.new_page()
            page.goto(found.group(0))
            assert "Đăng ký khai sinh" in page.inner_text("main")
            page.get_by_role("button", name="Bắt đầu").click()
            page.wait_for_url("**/p/**")
            plan = answer_plan(BIRTH)
            while "/p/" in page.url:
                assert "procedure" not in answer_page(page, plan)
            assert "Cảm ơn" in page.inner_text("main")
            page.goto(found.group(0))
            assert "đã được gửi" in page.inner_text("main")
        finally:
            context.close()

    with sessions() as session:
        [response] = session.scalars(select(Response)).all()
    assert response.channel == "email" and response.status == ResponseStatus.completed
    engine.dispose()
