"""What the logs may say about a request: its path with secrets masked, and no client address
unless an operator asks for them for a while.

A counter's QR token opens its survey, so a log line with `/q/<token>` hands the form to
whoever reads the log; a client's address is personal data. The paths that carry a secret are
listed once here: the access log, the error log and the guessing limit (hailong.web.guessing)
all follow this list, so a new route with a secret in its path only adds its first segment.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

# First segments of paths whose second segment is a secret.
SECRET_SEGMENTS = frozenset(
    {
        "q",  # a counter's QR token: /q/<token>, /q/<token>/p/<page>, /q/<token>/qr.png
        "c",  # a counter's short code, typed from the poster: /c/<code>
        "i",  # an invitation's token: /i/<token>
    }
)
MASK = "…"
ACCESS_LOGGER = "uvicorn.access"
HIDDEN_ADDRESS = "-"


def carries_secret(path: str) -> bool:
    parts = path.split("/", 3)
    return len(parts) >= 3 and parts[0] == "" and parts[1] in SECRET_SEGMENTS and bool(parts[2])


def masked_path(path: str) -> str:
    """`/q/<token>/p/A` -> `/q/…/p/A`; other paths as they are."""
    if not carries_secret(path):
        return path
    parts = path.split("/", 3)
    parts[2] = MASK
    return "/".join(parts)


def masked_target(target: str) -> str:
    """A path with its query string: the path masked, the query's values left out."""
    path, mark, query = target.partition("?")
    if not mark:
        return masked_path(path)
    names = [pair.partition("=")[0] for pair in query.split("&") if pair]
    return masked_path(path) + "?" + "&".join(f"{name}={MASK}" for name in names)


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access-log records: `%s - "%s %s HTTP/%s" %d` with (client address,
    method, target, HTTP version, status)."""

    def __init__(self, addresses_until: datetime | None) -> None:
        super().__init__()
        self.addresses_until = addresses_until

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            address, method, target, version, status = args
            if not self.showing_addresses():
                address = HIDDEN_ADDRESS
            record.args = (address, method, masked_target(str(target)), version, status)
        return True

    def showing_addresses(self) -> bool:
        until = self.addresses_until
        return until is not None and datetime.now(UTC) < until


def redact_access_log(addresses_until: datetime | None) -> None:
    """Put the redaction on uvicorn's access logger (once: a new app replaces the old filter)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in [f for f in logger.filters if isinstance(f, AccessLogRedaction)]:
        logger.removeFilter(old)
    logger.addFilter(AccessLogRedaction(addresses_until))
