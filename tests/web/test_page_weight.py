"""The pages stay light: bench/page_weight.py passes (every page <= 14 KB gzip with its CSS)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class TestPageWeight:
    def test_every_page_is_within_14_kb_compressed(self) -> None:
        run = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "page_weight.py")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        pages = [line.split()[0] for line in run.stdout.splitlines()[1:-1]]
        assert pages[0] == "landing" and pages[-2] == "thank-you"
        assert {"screening", "procedure", "A", "E", "profile"} <= set(pages)
