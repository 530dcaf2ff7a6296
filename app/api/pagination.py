"""One pagination style for every list: `limit` and `offset` in the query, the items in
the body (a JSON array, as before), and two headers: `X-Total-Count` (items in all) and an RFC 8288
`Link` with `rel="first"` and, unless this is the last page, `rel="next"`. The description documents
the headers on every operation that takes `offset` (app/api/openapi.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import after_this_request, request
from sqlalchemy import Select, func, select

from app.extensions import db


def page(query: Select, args: dict) -> list:
    """The page of `query` that `args` asks for; the response gets the total and the links."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.limit(args["limit"]).offset(args["offset"])))
    headers = page_headers(total or 0, args["limit"], args["offset"])

    @after_this_request
    def add_headers(response):  # noqa: ANN001, ANN202 - Flask's hook
        response.headers.update(headers)
        return response

    return rows


def page_headers(total: int, limit: int, offset: int) -> dict[str, str]:
    def url(at: int) -> str:
        query = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
        return f"{request.base_url}?{urlencode({**query, 'limit': limit, 'offset': at})}"

    links = [f'<{url(0)}>; rel="first"']
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}
