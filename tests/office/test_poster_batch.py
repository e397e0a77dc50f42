"""A province's poster batch (Hà Nội: 126 communes and the city, two counters each), started
from the office, is built in the background with visible progress while the official keeps
working, and the PDF downloads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from typer.testing import CliRunner

from hailong import migrate
from hailong.cli import build_cli
from hailong.db import make_engine, make_sessionmaker
from hailong.models import Role
from tests.accounts.conftest import make_account
from tests.conftest import TEST_SECRET
from tests.office.conftest import OFFICE_PC, sign_in
from tests.web.server import free_port, run_server
from tests.web.test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BASE_URL = "https://khaosat.example.gov.vn"


@pytest.fixture
def ha_noi(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'ha-noi.db'}"
    migrate.upgrade(url)
    env = {"HAILONG_DATABASE_URL": url, "HAILONG_BASE_URL": BASE_URL}
    cli = build_cli()
    for args in (
        ["import", "units", "--official", "--province", "01"],
        ["periods", "add", "--code", "2026", "--start", "2026-01-01", "--end", "2026-12-31"],
        ["counters", "add", "--unit", "01", "--subtree", "--per-unit", "2"],
    ):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        make_account(session, "sonoivu", Role.official, "01")
    engine.dispose()
    return {**env, "HAILONG_SECRET_KEY": TEST_SECRET}


def test_a_provinces_batch_builds_in_the_background(
    browser: Browser,  # noqa: F811
    ha_noi: dict[str, str],
) -> None:
    with run_server(ha_noi, free_port()) as server:
        context = browser.new_context(viewport=OFFICE_PC, accept_downloads=True)
        try:
            page = context.new_page()
            sign_in(page, server.url, "sonoivu")
            page.get_by_role("link", name="Áp phích mã QR").click()
            page.select_option("#unit", "01")
            page.select_option("#size", "A4")
            page.get_by_role("button", name="Tạo áp phích").click()
            # The answer comes at once, with the progress of a batch still being built.
            page.wait_for_url("**/office/posters/*")
            assert page.locator("#poster-job").get_attribute("data-state") == "running"
            assert "254" in page.inner_text("#poster-progress")
            job_url = page.url
            # The official keeps working meanwhile.
            page.goto(f"{server.url}/office/progress")
            expect(page.locator("#progress tbody tr")).to_have_count(127)
            page.goto(job_url)
            expect(page.locator("#poster-job")).to_have_attribute(
                "data-state", "done", timeout=180_000
            )
            assert "254 trên 254" in page.inner_text("#poster-progress")
            with page.expect_download() as download:
                page.click("#poster-download")
            pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
            assert len(pdf.pages) == 254
        finally:
            context.close()
