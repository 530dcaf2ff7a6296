"""Fixtures for the SMS seam tests: the Twilio stand-in (Prism behind a recording proxy).

Imported rather than declared with `pytest_plugins`, which pytest allows only in the root
conftest; if the root conftest loads `tests.support.fixtures`, drop this import.
"""

from __future__ import annotations

from tests.support.fixtures import prism, twilio_api, twilio_config, twilio_proxy  # noqa: F401
