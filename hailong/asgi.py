"""ASGI entry for uvicorn's --factory mode: `uvicorn hailong.asgi:app_factory --factory`.

Production processes (several per host, behind the proxy) start here with settings from the
environment; nothing is built at import time.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from hailong.app import create_app
from hailong.settings import Settings


def app_factory() -> FastAPI:
    app = create_app(Settings())
    # What was made to start (modules, models, catalogs, the engine's caches) lives as long as
    # the process: frozen, it is left out of every later collection, and the collector's full
    # passes, tens of milliseconds each over this heap, walk only what requests make.
    gc.collect()
    gc.freeze()
    return app
