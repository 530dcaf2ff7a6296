"""Entry point for gunicorn (`wsgi:app`) and the flask CLI (`flask --app wsgi ...`)."""

import sys

from app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # A setting is wrong: say which, in one line, instead of a traceback.
    print(f"vigil: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
