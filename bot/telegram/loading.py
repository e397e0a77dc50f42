"""Importing aiogram without building all of its Bot API models at once.

`aiogram.types` ends by rebuilding every one of its few hundred pydantic models with the
namespace their forward references need, which makes pydantic build a full validator for each
(about 100 MB and several seconds); the webhook uses a handful. `load_aiogram` imports aiogram
with that loop skipped and lets each model build itself, with the same namespace, the first time
it is used (pydantic rebuilds a model that is not complete when it is first validated). The
models every update needs are built at once, so the first update is not slow.

Call it before anything imports aiogram (the app's Telegram channel and `hailong telegram`
do); once aiogram is imported, it changes nothing.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel

_lock = threading.Lock()


def load_aiogram() -> None:
    """Import aiogram with its Bot API models built on first use (see the module's note)."""
    with _lock:
        if "aiogram" in sys.modules:
            return
        _import_deferred()


def _import_deferred() -> None:
    rebuild = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def skip_aiogram_types(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        # Only the eager loop at the end of aiogram.types: it is the one that passes a
        # namespace, and it runs while this patch is in place.
        if cls.__module__.startswith("aiogram.types.") and "_types_namespace" in kwargs:
            return None
        result: bool | None = rebuild(cls, *args, **kwargs)
        return result

    BaseModel.model_rebuild = classmethod(skip_aiogram_types)  # type: ignore[assignment]
    try:
        import aiogram.types as types
        from aiogram.client.default import Default
        from aiogram.methods.base import Response, TelegramMethod
        from aiogram.types.base import TelegramObject
    finally:
        BaseModel.model_rebuild = classmethod(rebuild)  # type: ignore[assignment]
    namespace: dict[str, Any] = {
        "List": list,
        "Optional": Optional,
        "Union": Union,
        "Literal": Literal,
        "Default": Default,
    }
    namespace.update({name: getattr(types, name) for name in types.__all__})

    def rebuild_with_namespace(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        # What aiogram passes in its loop, now given whenever pydantic rebuilds a model itself.
        if kwargs.get("_types_namespace") is None:
            kwargs["_types_namespace"] = namespace
        result: bool | None = rebuild(cls, *args, **kwargs)
        return result

    # The Bot API's objects, its methods, and the responses parametrised by what a method
    # returns (Response[Message]...): each may be the first to need a model not built yet.
    for base in (TelegramObject, TelegramMethod, Response):
        base.model_rebuild = classmethod(rebuild_with_namespace)  # type: ignore[assignment]
    # Every update is validated as an Update; most calls return a Message or a User.
    for model in (types.Update, types.Message, types.User):
        model.model_rebuild()
