"""Extension instances, unbound; create_app binds them. Nothing else lives here."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations reviewable and reversible on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


class VigilApi(Api):
    """flask-smorest Api whose HTTP errors use Vigil's single error shape, also in the description."""

    from app.schemas.common import ErrorSchema as ERROR_SCHEMA  # noqa: N811, N814 - smorest's attribute name

    def _init_spec(self, *args, **kwargs):  # noqa: ANN002, ANN003 - smorest's signature
        super()._init_spec(*args, **kwargs)
        # Every reader of the description (the served JSON, `flask openapi`, the tests) goes through
        # to_dict, so the conventions of app/api/openapi.py apply to all of them.
        build = self.spec.to_dict

        def finished() -> dict:
            from flask import current_app, has_app_context

            from app.api.openapi import finish

            url = current_app.config.get("PUBLIC_BASE_URL") if has_app_context() else None
            return finish(build(), server_url=url)

        self.spec.to_dict = finished

    def handle_http_exception(self, error):  # noqa: ANN001 - smorest's signature
        from app.api.errors import error_response

        return error_response(error)


api = VigilApi()

# Query strings follow the schemas' own rule (unknown names refused by name), like bodies do:
# a typo such as ?statuss=open must not silently return the unfiltered list.
Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION = {
    **Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION,
    "query": None,
    "querystring": None,
}
