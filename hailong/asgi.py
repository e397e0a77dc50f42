"""ASGI entry for uvicorn's --factory mode: `uvicorn hailong.asgi:app_factory --factory`.

Production processes (several per host, behind the proxy) start here with settings from the
environment; nothing is built at import time.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc

from fastapi import FastAPI

from hailong.app import create_app
from hailong.settings import Settings

# glibc's mallopt parameter for the number of malloc arenas (malloc.h).
M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def app_factory() -> FastAPI:
    _fewer_malloc_arenas()
    app = create_app(Settings())
    # What was made to start (modules, models, catalogs, the engine's caches) lives as long as
    # the process: frozen, it is left out of every later collection, and the collector's full
    # passes, tens of milliseconds each over this heap, walk only what requests make.
    gc.collect()
    gc.freeze()
    return app


def _fewer_malloc_arenas() -> None:
    """glibc gives each thread that allocates an arena of its own, up to eight per core; the
    threads that run the database's work each kept one, a few MB of resident memory apiece
    for no gain (they take turns on the GIL). The same as MALLOC_ARENA_MAX=2 in the
    environment, set here so every way of starting the app gets it; a no-op off glibc."""
    # The process's own symbols, libc's among them: no library search (find_library would
    # run ldconfig) at every start.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS)
