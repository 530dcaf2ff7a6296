"""The rules engine is pure: its tests need no app and no database.

tests/conftest.py cleans the database after every test (an autouse fixture). Overriding it
here keeps these hundreds of table rows from building the app and truncating tables for
nothing, on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_db() -> Iterator[None]:
    yield
