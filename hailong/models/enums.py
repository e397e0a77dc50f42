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
    """An official's decision on a response, named as ODK Central names them."""

    received = "received"  # not looked at yet: counted
    has_issues = "has_issues"  # looked at, something to check: still counted until rejected
    approved = "approved"
    rejected = "rejected"  # left out of the index


class TokenState(StrEnum):
    active = "active"
    replaced = "replaced"
    revoked = "revoked"
