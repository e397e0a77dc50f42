from __future__ import annotations

from enum import StrEnum


class UnitLevel(StrEnum):
    province = "province"
    district = "district"
    commune = "commune"
    department = "department"


class Channel(StrEnum):
    web = "web"
    telegram = "telegram"
    zalo = "zalo"
    email = "email"
    interview = "interview"
    paper = "paper"


class ResponseStatus(StrEnum):
    in_progress = "in_progress"
    completed = "completed"
    # "No" to the screening question: thanked politely, never counted.
    screened_out = "screened_out"
    abandoned = "abandoned"


class ReviewState(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class TokenState(StrEnum):
    active = "active"
    replaced = "replaced"
    revoked = "revoked"
