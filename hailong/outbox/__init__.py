"""The outbox: messages written in the transaction that causes them, sent by `hailong worker`.

Producers call enqueue() inside their own transaction; channels provide a Sender. The rest
(claims under a lease, retries with backoff, erasing recipients) is the worker's.
"""

from hailong.outbox.sending import (
    Failed,
    Outcome,
    OutgoingMessage,
    Refresh,
    RetryLater,
    Sender,
    Sent,
)
from hailong.outbox.service import Enqueued, enqueue

__all__ = [
    "Enqueued",
    "Failed",
    "Outcome",
    "OutgoingMessage",
    "Refresh",
    "RetryLater",
    "Sender",
    "Sent",
    "enqueue",
]
