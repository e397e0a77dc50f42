"""The pages stay light: bench/page_weight.py passes (every page <= 14 KB gzip with its CSS,
the whole survey under 60 KB)."""

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
        assert pages[0] == "landing" and "thank-you" in pages
        # Screening and procedure share a page, and so do elements A and B.
        assert {"screening", "A", "E", "profile"} <= set(pages)
        assert "survey" in pages
