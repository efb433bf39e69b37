"""Transactions that PostgreSQL refused because another one ran into them at the same moment.

The lock order (docs/ARCHITECTURE.md, "Lock order") rules out most deadlocks. Where it cannot (a
change that reaches the ledger of two programs, bulk updates of many rows), the service is wrapped in
`retry_on_conflict`: PostgreSQL's deadlock and serialisation failures roll the whole transaction back,
so running it again from the start is safe. After a few tries it gives up with `Busy`, which
ConflictMiddleware answers with 503 and Retry-After (and a socket with a "busy" error frame): a
moment of contention is never a 500.
"""

import functools
import logging
import random
import time

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

log = logging.getLogger(__name__)

# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and was rolled
# back whole; the same work can simply run again.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3
RETRY_AFTER_SECONDS = 2


class Busy(Exception):
    """The database refused the transaction ATTEMPTS times in a row: ask again in a moment."""


def is_conflict(exc: BaseException) -> bool:
    """Whether this is a deadlock or serialisation failure (Django wraps psycopg's error)."""
    while exc is not None:
        if getattr(exc, "sqlstate", None) in CONFLICT_SQLSTATES:
            return True
        exc = exc.__cause__
    return False


def is_busy(exc: BaseException) -> bool:
    """Whether a request or a frame failed only because of contention (answered 503 or "busy", never
    logged as an error): retried and still refused, or a conflict where no retry was possible."""
    return isinstance(exc, Busy) or (isinstance(exc, OperationalError) and is_conflict(exc))


def retry_on_conflict(func=None, *, attempts: int = ATTEMPTS):
    """Runs the decorated service (itself one transaction) again when PostgreSQL rolled it back for a
    deadlock or a serialisation failure; raises Busy after `attempts` tries.

    Called inside a transaction that is already open (another service, a test), it runs once: only
    whoever opened the outermost transaction can start it again, and the error goes up to them."""
    if func is None:
        return functools.partial(retry_on_conflict, attempts=attempts)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, attempts + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_conflict(exc):
                    raise
                if attempt == attempts:
                    log.warning("%s gave up after %d conflicts: %s", func.__qualname__, attempts, exc)
                    raise Busy(func.__qualname__) from exc
                log.info("%s conflicted (attempt %d), running it again", func.__qualname__, attempt)
                # A short random pause, so that the two sides of a deadlock do not meet again at once.
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return wrapper
