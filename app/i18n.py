"""Language selection: a patient's own language when a patient is the audience, else English."""

from __future__ import annotations

from flask import current_app, g, request


def select_locale() -> str:
    actor = g.get("actor")
    if actor is not None and actor.patient is not None:
        return actor.patient.language
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or languages[0]
