"""What the API answers, as pydantic models (they are its OpenAPI description too)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hailong.accounts.scope import Action
from hailong.models import Role


class UnitOut(BaseModel):
    code: str = Field(description="official code of the unit (mã đơn vị hành chính)")
    name: str
    level: str = Field(description="province, district, commune or department")
    parent_code: str | None
    active: bool = Field(description="false: kept for history (before the 2025 reform)")

    @classmethod
    def of(cls, row: Any) -> UnitOut:
        return cls(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_code=row.parent_code,
            active=row.active,
        )


class MeOut(BaseModel):
    username: str
    role: Role
    unit: UnitOut | None = Field(description="null for an admin: the whole country")
    signed_in_with: Literal["session", "token"]
    actions: list[Action] = Field(description="what the role may do within its units")
