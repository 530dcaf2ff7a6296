"""Why a service refused: a small family of domain errors, raised by services and worded for
people, never for HTTP.

Each front door translates them into its own answer: app/api into the JSON error shape, app/web
into an error page or the form shown again with the fields marked. Both answer with the kind's
`status`, so a refusal means the same on both doors (the one HTTP word here: which kind it is).
`code` is a specific reason a client may act on ("duplicate_mrn"); `fields` names the fields at
fault, each with its messages; `subject` names what was not found ("patient"), so a door can word
that in its own way.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the caller can understand and act on; nothing changed."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        subject: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.subject = subject


class NotAuthenticatedError(DomainError):
    """The credential presented (a password, an enrollment code) does not prove who the caller is."""

    status = 401


class ForbiddenError(DomainError):
    """The caller is known but may not do this (a locked account, a locked enrollment code)."""

    status = 403


class NotFoundError(DomainError):
    """No such thing, or not visible to the caller: a centre never learns that another's ids exist."""

    status = 404


class ConflictError(DomainError):
    """The request contradicts what is stored (a duplicate, an alert already resolved)."""

    status = 409


class InvalidError(DomainError):
    """A value is not acceptable; `fields` names each field at fault."""

    status = 422
