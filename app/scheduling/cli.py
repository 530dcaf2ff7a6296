"""`flask --app wsgi scheduler run|tick`: one code path for both."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from app.scheduling.runner import run_forever, run_sender
from app.scheduling.sweeps import run_all_sweeps

scheduler = AppGroup("scheduler", help="The clock process.")


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    # ClickException: one line ("Error: ..."), not a traceback nor the usage text.
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.ClickException(
            f"--now {value!r} is not an ISO-8601 time; give one with a time zone, e.g. 2026-11-22T14:05:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise click.ClickException(f"--now {value!r} has no time zone; e.g. 2026-11-22T14:05:00Z")
    return parsed


@scheduler.command("tick")
@click.option("--now", "now_text", default=None, help="Run the sweeps as of this ISO-8601 time.")
def tick_command(now_text: str | None) -> None:
    """Run every sweep once and print what it did."""
    for name, result in run_all_sweeps(_parse_now(now_text)).items():
        click.echo(f"{name}: {result}")


@scheduler.command("run")
def run_command() -> None:
    """Run the sweeps periodically until SIGTERM, then drain."""
    run_forever()


@scheduler.command("send", hidden=True)
@click.option("--parent", "parent_pid", type=int, required=True, help="The clock process that owns this sender.")
def send_command(parent_pid: int) -> None:
    """The clock's sender child (started by `scheduler run`; stops when that clock is gone)."""
    run_sender(parent_pid)
