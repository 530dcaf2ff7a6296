"""The API docs page's assets: Swagger UI 5, vendored from npm's swagger-ui-dist under
app/web/static/swagger-ui (scripts/vendor-swagger-ui.sh), served locally so the page works with
no internet."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory

SWAGGER_UI = Path(__file__).resolve().parent.parent / "web" / "static" / "swagger-ui"

bp = Blueprint("docs_assets", __name__)


@bp.route("/api/v1/docs/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(SWAGGER_UI, filename, max_age=3600)
