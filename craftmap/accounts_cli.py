"""The command line for accounts and API tokens: `flask user ...` and `flask token ...`."""
import secrets
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from . import auth, db

__all__ = ["user_cli", "token_cli"]


def _read_password():
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


user_cli = AppGroup("user", help="Manage accounts.")


@user_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--municipality", default=None, help="required for editors, e.g. 'Dobeles novads'")
def add_user(email, role, municipality):
    """Add an account; the password is read from a prompt or standard input."""
    ref = current_app.extensions["craftmap.reference"]
    if role == "editor" and municipality not in set(ref.municipalities["name_local"]):
        raise click.BadParameter(f"{municipality!r} is not a municipality of the study region", param_hint="--municipality")
    password = _read_password()
    if len(password) < 12:
        raise click.BadParameter("the password must have at least 12 characters", param_hint="password")
    try:
        with db.transaction() as conn:
            conn.execute(db.users.insert().values(email=email.strip().lower(), password_hash=auth.hasher.hash(password),
                                                  role=role, municipality=municipality if role == "editor" else None))
    except sa.exc.IntegrityError:
        raise click.BadParameter(f"{email} already has an account", param_hint="EMAIL") from None
    click.echo(f"Added {role} {email}" + (f" for {municipality}" if role == "editor" else ""))


token_cli = AppGroup("token", help="Manage API tokens.")


def _account(email):
    """The account named on the command line, or an error naming the EMAIL argument."""
    user = auth._get_user(email=email.strip().lower())
    if user is None:
        raise click.BadParameter(f"no account {email}", param_hint="EMAIL")
    return user


@token_cli.command("create")
@click.argument("email")
def create_token(email):
    """Create an API token for an account; it is printed once and stored only as a hash."""
    user = _account(email)
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        conn.execute(db.api_tokens.insert().values(token_hash=auth._token_hash(token), user_id=user["id"]))
    click.echo(token)


@token_cli.command("revoke")
@click.argument("email")
def revoke_tokens(email):
    """Revoke every API token of an account (when a key leaks, or its holder leaves)."""
    user = _account(email)
    with db.transaction() as conn:
        count = conn.execute(db.api_tokens.delete().where(db.api_tokens.c.user_id == user["id"])).rowcount
    click.echo(f"{count} token(s) of {user['email']} revoked")
