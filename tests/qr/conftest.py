"""Fixtures for qr/: the command runner of the admin tests, the web form's app and counter, and
the poppler and zbar tools that read posters back."""

from __future__ import annotations

import pytest

from tests.admin.conftest import hailong
from tests.qr.reading import require_tools
from tests.web.conftest import client, place

__all__ = ["client", "hailong", "place", "readers"]


@pytest.fixture
def readers() -> None:
    """poppler-utils and zbar-tools, which CI installs (bash .ci/test)."""
    require_tools()
