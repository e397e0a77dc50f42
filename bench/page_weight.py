"""Page weights of the citizen web form, as a phone on slow 3G downloads them.

    .venv/bin/python bench/page_weight.py

Seeds the demo data into a temporary SQLite file, then opens the landing page and answers
every form page (element E included) through to the thank-you page, printing for each page
its HTML size raw and gzip-compressed and the first-visit total with the stylesheet, then the
whole survey's download (every page, the stylesheet and the form's script once each). Exits 1
when a page with its stylesheet is over 14 KB compressed (the landing page above all: it is
the first thing a citizen waits for after scanning), or the whole survey over 60 KB.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from hailong import migrate
from hailong.app import create_app
from hailong.db import make_engine, make_sessionmaker
from hailong.demo import demo_counter, seed_if_empty
from hailong.periods.service import today_in_vietnam
from hailong.settings import Settings

LIMIT = 14 * 1024
SURVEY_LIMIT = 60 * 1024
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
SCRIPT = re.compile(r'<script src="([^"]+)"')
CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="([^"]+)" value="([^"]*)"')


@dataclass(frozen=True)
class Weight:
    page: str
    raw: int
    compressed: int

    def first_visit(self, css: Weight) -> int:
        return self.compressed + css.compressed


def weigh(page: str, body: bytes) -> Weight:
    # Level 9, as the app's own GZipMiddleware compresses.
    return Weight(page, len(body), len(gzip.compress(body, compresslevel=9)))


def first_answers(html: str) -> dict[str, str]:
    """The first choice of every question on the page ("yes" to feedback, so E is shown)."""
    answers: dict[str, str] = {}
    for name, value in CHOICE.findall(html):
        answers.setdefault(name, value)
    return answers


def walk(client: TestClient, landing_path: str) -> tuple[list[Weight], Weight, Weight | None]:
    landing = client.get(landing_path)
    css_url = STYLESHEET.search(landing.text)
    if landing.status_code != 200 or css_url is None:
        raise SystemExit(f"the landing page did not load: {landing.status_code}")
    css = weigh("site.css", client.get(css_url.group(1)).content)
    weights = [weigh("landing", landing.content)]
    start_id = re.search(r'name="start_id" value="([^"]+)"', landing.text)
    assert start_id is not None
    page = client.post(f"{landing_path}/start", data={"start_id": start_id.group(1)})
    script: Weight | None = None
    while "/p/" in page.url.path:
        weights.append(weigh(page.url.path.rsplit("/", 1)[1], page.content))
        script_url = SCRIPT.search(page.text)
        if script is None and script_url is not None:
            script = weigh("form.js", client.get(script_url.group(1)).content)
        page = client.post(page.url.path, data=first_answers(page.text))
    weights.append(weigh("thank-you", page.content))
    return weights, css, script


def measure() -> tuple[list[Weight], Weight, Weight | None]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            secret_key="bench-only",
            base_url="http://testserver",
        )
        migrate.upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        seed_if_empty(sessions, today=today_in_vietnam())
        with sessions() as session:
            counter = demo_counter(session, base_url=settings.public_base_url)
        engine.dispose()
        if counter is None:
            raise SystemExit("the demo data has no counter")
        landing_path = counter.survey_url.removeprefix(settings.public_base_url)
        with TestClient(create_app(settings)) as client:
            return walk(client, landing_path)


def main() -> int:
    weights, css, script = measure()
    print(f"{'page':<12} {'HTML raw':>10} {'HTML gzip':>10} {'+CSS gzip':>10}")
    for weight in weights:
        print(
            f"{weight.page:<12} {weight.raw:>10,} {weight.compressed:>10,} "
            f"{weight.first_visit(css):>10,}"
        )
    print(f"{css.page:<12} {css.raw:>10,} {css.compressed:>10,}")
    if script is not None:
        print(f"{script.page:<12} {script.raw:>10,} {script.compressed:>10,}")
    files = [*weights, css, *([script] if script is not None else [])]
    whole = sum(w.compressed for w in files)
    print(f"{'survey':<12} {sum(w.raw for w in files):>10,} {whole:>10,}")
    heavy = [w.page for w in weights if w.first_visit(css) > LIMIT]
    failed = False
    if heavy:
        print(f"over {LIMIT:,} bytes compressed with the CSS: {', '.join(heavy)}")
        failed = True
    if whole > SURVEY_LIMIT:
        print(f"the whole survey is over {SURVEY_LIMIT:,} bytes compressed")
        failed = True
    if not failed:
        print(
            f"every page is at most {LIMIT:,} bytes compressed with its CSS, "
            f"the whole survey at most {SURVEY_LIMIT:,}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
