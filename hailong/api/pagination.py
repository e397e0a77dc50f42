"""Cursor pagination for every list of the API.

A page holds `items` and `next_cursor`; the client passes `cursor=<next_cursor>` for the next
page, until `next_cursor` is null. The cursor is the last item's sort key, so pages stay
right while rows are added, and each page is one indexed range read, however deep.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from hailong.errors import BadInput
from hailong.i18n import N_

Item = TypeVar("Item")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None


class BadCursor(BadInput):
    message = N_("This cursor is not one we gave out. Start again without it.")


def encode_cursor(key: str | int) -> str:
    raw = json.dumps([key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))[0]
    except (ValueError, IndexError, TypeError, KeyError, binascii.Error):
        raise BadCursor() from None
    if not isinstance(key, str | int) or isinstance(key, bool):
        raise BadCursor()
    return key


class PageRequest:
    """The `cursor` and `limit` query parameters, as a dependency."""

    def __init__(
        self,
        cursor: str | None = Query(None, description="next_cursor of the previous page"),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page"),
    ) -> None:
        self.after = decode_cursor(cursor) if cursor else None
        self.limit = limit


# The largest key a cursor may carry: the databases' integer columns stop there.
MAX_KEY = 2**63 - 1


def _checked(after: str | int, key: Any) -> str | int:
    """A cursor made for another list (or by hand) carries a key of another type: refused
    politely, never compared with the wrong column."""
    wanted = key.type.python_type
    if not isinstance(after, wanted) or (isinstance(after, int) and not 0 <= after <= MAX_KEY):
        raise BadCursor()
    return after


def keyset_page(
    session: Session,
    query: Select[Any],
    *,
    key: Any,
    page: PageRequest,
    item: Callable[[Row[Any]], Item],
) -> Page[Item]:
    """One page of `query` ordered by `key` (a unique column), after the cursor's key."""
    if page.after is not None:
        query = query.where(key > _checked(page.after, key))
    rows: Sequence[Row[Any]] = session.execute(query.order_by(key).limit(page.limit + 1)).all()
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last_key = getattr(rows[-1], key.key) if more else None
    return Page[Item](
        items=[item(row) for row in rows],
        next_cursor=encode_cursor(last_key) if last_key is not None else None,
    )
