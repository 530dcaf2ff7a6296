"""The machine's yardstick: Flask hello-world under the same gunicorn (the brief quotes ~4,000/s here)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
