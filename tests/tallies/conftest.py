"""The `hailong` command runner of the administration tests, for `hailong tallies`."""

from tests.admin.conftest import hailong, write_csv  # noqa: F401
