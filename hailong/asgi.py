"""ASGI entry for uvicorn's --factory mode: `uvicorn hailong.asgi:app_factory --factory`.

Production processes (several per host, behind the proxy) start here with settings from the
environment; nothing is built at import time.
"""

from __future__ import annotations

from fastapi import FastAPI

from hailong.app import create_app
from hailong.settings import Settings


def app_factory() -> FastAPI:
    return create_app(Settings())
