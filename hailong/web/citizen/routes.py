from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from hailong.app import AppContext


def citizen_router(context: AppContext) -> APIRouter:
    """The web form's routes. (Being built.)"""
    del context
    return APIRouter()
