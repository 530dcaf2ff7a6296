"""A memo that lives as long as the current database transaction.

A burst (10,000 missed check-ins after an outage) opens thousands of alerts in a few
transactions; each needs its centre's policy and on-call roster. They cannot change inside one
transaction as seen by it, so reading them once per transaction is exact, not a stale cache.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

T = TypeVar("T")
_KEY = "vigil_tx_cache"


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    memo = db.session().info.setdefault(_KEY, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def put(key: Hashable, value: T) -> T:
    db.session().info.setdefault(_KEY, {})[key] = value
    return value


def peek(key: Hashable) -> Any:
    return db.session().info.get(_KEY, {}).get(key)


# Session listeners, registered by `app.db.register` (after_commit, after_rollback,
# after_transaction_end): the memo ends with its transaction.


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def forget_after_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint rolled back may have taken rows this memo remembers; forgetting is always safe.
    if transaction.nested:
        session.info.pop(_KEY, None)
