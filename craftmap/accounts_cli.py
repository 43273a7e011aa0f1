"""The command line for accounts and API tokens: `flask user ...` and `flask token ...`.

A thin adapter over auth: it parses and checks arguments, names the one that is wrong, and prints.
"""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import auth

__all__ = ["user_cli", "token_cli"]

MIN_PASSWORD = 12
user_cli = AppGroup("user", help="Manage accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")


def _read_password():
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"the password must have at least {MIN_PASSWORD} characters", param_hint="password")
    return password


def _account(email):
    """The account named on the command line, or an error naming the EMAIL argument."""
    user = auth.user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no account {email}", param_hint="EMAIL")
    return user


def _checked_municipality(role, municipality):
    names = set(current_app.extensions["craftmap.reference"].municipalities["name_local"])
    try:
        return auth.role_rules(role, municipality, names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--municipality") from None


@user_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--municipality", default=None, help="required for editors, e.g. 'Dobeles novads'")
def add_user(email, role, municipality):
    """Add an account; the password is read from a prompt or standard input."""
    municipality = _checked_municipality(role, municipality)
    if not auth.add_user(email, _read_password(), role, municipality):
        raise click.BadParameter(f"{email} already has an account", param_hint="EMAIL")
    click.echo(f"Added {role} {email}" + (f" for {municipality}" if municipality else ""))


@token_cli.command("create")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 3650), default=auth.TOKEN_DAYS, show_default=True,
              help="days until the token expires")
@click.option("--label", default=None, help="what the token is for")
def create_token(email, days, label):
    """Create an API token for an account; it is printed once and stored only as a hash."""
    user = _account(email)
    if user["disabled_at"] is not None:
        raise click.BadParameter(f"{user['email']} is disabled", param_hint="EMAIL")
    token, _expires = auth.create_token(user["id"], days, label)
    click.echo(token)


@token_cli.command("revoke")
@click.argument("email")
def revoke_tokens(email):
    """Revoke every API token of an account (when a key leaks, or its holder leaves)."""
    user = _account(email)
    click.echo(f"{auth.revoke_tokens(user['id'])} token(s) of {user['email']} revoked")
