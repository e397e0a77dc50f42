"""The `hailong` command runner of the administration tests, for `hailong index`."""

from tests.admin.conftest import hailong  # noqa: F401
