"""The JSON API's flask-smorest extension, unbound; create_app binds it (app/__init__.py)."""

from __future__ import annotations

from flask import Response, current_app, has_app_context
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from app.api.errors import error_response
from app.api.openapi import finish
from app.schemas.common import ErrorSchema


class VigilApi(Api):
    """flask-smorest Api whose HTTP errors use Vigil's single error shape, also in the description."""

    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - smorest's signature
        super()._init_spec(*args, **kwargs)
        # Every reader of the description (the served JSON, `flask openapi`, the tests) goes through
        # to_dict, so the conventions of app/api/openapi.py apply to all of them.
        build = self.spec.to_dict

        def finished() -> dict:
            url = current_app.config.get("PUBLIC_BASE_URL") if has_app_context() else None
            return finish(build(), server_url=url)

        self.spec.to_dict = finished

    def handle_http_exception(self, error: HTTPException) -> Response:
        return error_response(error)


api = VigilApi()

# Query strings follow the schemas' own rule (unknown names refused by name), like bodies do:
# a typo such as ?statuss=open must not silently return the unfiltered list.
Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION = {
    **Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION,
    "query": None,
    "querystring": None,
}
