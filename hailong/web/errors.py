from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

if TYPE_CHECKING:
    from hailong.app import AppContext


def install_error_handlers(app: FastAPI, context: AppContext) -> None:
    """Render HailongError as a polite page. (Being built with the web form.)"""
    del app, context
