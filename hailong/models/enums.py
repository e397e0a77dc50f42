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
    # Finished without a single criterion rated (each one "I prefer not to answer"): kept and
    # exported, but counted neither in the index nor toward the quota.
    unrated = "unrated"
    abandoned = "abandoned"


class ReviewState(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class TokenState(StrEnum):
    active = "active"
    replaced = "replaced"
    revoked = "revoked"
