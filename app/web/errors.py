"""How the web pages answer a service's refusal (app/services/errors.py): an error page with the
status the API would answer, worded for the care team."""

from __future__ import annotations

from app.services.errors import (
    DomainError,
    NotFoundError,
)

# The pages say where the thing was looked for.
NOT_FOUND = {
    "patient": "There is no such patient in your centre.",
    "alert": "There is no such alert in your centre.",
    "protocol": "There is no such protocol.",
}


def page_message(error: DomainError) -> str:
    if isinstance(error, NotFoundError) and error.subject in NOT_FOUND:
        return NOT_FOUND[error.subject]
    return error.message
