"""Flask commands: users, demo."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from marshmallow import ValidationError
from sqlalchemy import select

from app.demo import load_demo, welcome_lines
from app.extensions import db
from app.models import ROLES, Center, StaffUser
from app.scheduling.cli import scheduler
from app.schemas.common import normalise_phone
from app.services.deactivation import AlreadyInactiveError, deactivate
from app.services.staff import PasswordPolicyError, create_staff
from app.timesource import utcnow

users = AppGroup("users", help="Manage staff users.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option(
    "--center",
    "center_id",
    type=int,
    default=None,
    help="Centre id (required for clinicians and nurses). An admin with a centre administers that "
    "centre only; without one, every centre (a platform administrator).",
)
@click.option("--phone", default=None, help="E.164 phone for pages, e.g. +16175550100.")
@click.option("--name", default="")
def create_user(email: str, password: str, role: str, center_id: int | None, phone: str | None, name: str) -> None:
    """Create a staff user."""
    if role != "admin" and center_id is None:
        raise click.BadParameter("clinicians and nurses belong to a centre", param_hint="--center")
    if center_id is not None and db.session.get(Center, center_id) is None:
        raise click.BadParameter(f"no centre {center_id}", param_hint="--center")
    try:
        phone = normalise_phone(phone) if phone else None
    except ValidationError as exc:
        raise click.BadParameter(" ".join(exc.messages), param_hint="--phone") from exc
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email.lower())):
        raise click.ClickException(f"a user with email {email} exists")
    try:
        user = create_staff(email=email, password=password, role=role, center_id=center_id, phone=phone, name=name)
    except PasswordPolicyError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from exc
    db.session.commit()
    scope = (
        "platform administrator (every centre)" if user.is_platform_admin else f"{user.role} of centre {user.center_id}"
    )
    click.echo(f"created {user.role} {user.email} (id {user.id}): {scope}")


@users.command("deactivate")
@click.option("--email", required=True)
def deactivate_user(email: str) -> None:
    """Deactivate a staff user: tokens, web sessions and SMS ACK stop; they leave every roster."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no user with email {email}", param_hint="--email")
    try:
        warnings = deactivate(user, utcnow())
    except AlreadyInactiveError as exc:
        raise click.ClickException(f"{email} is already deactivated") from exc
    db.session.commit()
    click.echo(f"deactivated {user.role} {user.email} (id {user.id})")
    for line in warnings:
        click.echo(f"warning: {line}")


@click.command("demo")
def demo_command() -> None:
    """Load the demo centre, staff, protocols, patients, reports and alerts (idempotent)."""
    for line in load_demo():
        click.echo(line)


@click.command("welcome")
def welcome_command() -> None:
    """Print where Vigil answers, the demo sign-ins and a phone's path with curl (`make run`)."""
    for line in welcome_lines(current_app.config["PUBLIC_BASE_URL"]):
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)
    app.cli.add_command(welcome_command)
    app.cli.add_command(scheduler)
