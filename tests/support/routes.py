"""The app's routes as (method, path) pairs, with converters reduced to their names
(`/alerts/<int(max=...):alert_id>` → `/alerts/<alert_id>`), for the authorization matrices."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask


def routes(app: Flask, keep: Callable[[str], bool]) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if keep(rule.rule):
            path = re.sub(r"<int\(max=\d+\):(\w+)>", r"<\1>", rule.rule)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found
