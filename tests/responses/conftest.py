"""The `hailong` command runner of the administration tests, against this test's database."""

from tests.admin.conftest import hailong

__all__ = ["hailong"]
