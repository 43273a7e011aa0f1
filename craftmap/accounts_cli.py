"""The command line for accounts and API tokens: `flask user ...` and `flask token ...`.

A thin adapter over auth: it parses and checks arguments, names the one that is wrong, and prints.
"""
import datetime
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


def _when(moment):
    """A stored time in UTC (SQLite gives it back without its zone, PostgreSQL in the session's)."""
    if moment is None:
        return "-"
    return (moment.astimezone(datetime.UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")


def _table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


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


@user_cli.command("list")
def list_users():
    """List every account: role, municipality, when it was disabled, created and last signed in (UTC)."""
    rows = [(u["email"], u["role"], u["municipality"] or "-", _when(u["disabled_at"]), _when(u["created_at"]),
             _when(u["last_login_at"])) for u in auth.all_users()]
    _table(("email", "role", "municipality", "disabled", "created", "last sign-in"), rows)


@user_cli.command("disable")
@click.argument("email")
def disable_user(email):
    """Disable an account: it cannot sign in, its sessions and API tokens stop at once; its changes stay
    recorded under its name."""
    user = _account(email)
    auth.set_disabled(user["id"], True)
    click.echo(f"Disabled {user['email']}; its sessions and API tokens have ended")


@user_cli.command("enable")
@click.argument("email")
def enable_user(email):
    """Let a disabled account sign in again (its old API tokens stay revoked)."""
    user = _account(email)
    auth.set_disabled(user["id"], False)
    click.echo(f"Enabled {user['email']}")


@user_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(auth.ROLES))
@click.option("--municipality", default=None, help="for an editor; by default the one the account has")
def set_role(email, role, municipality):
    """Change an account's role; an editor needs exactly one municipality, planners and admins none."""
    user = _account(email)
    municipality = _checked_municipality(role, municipality or user["municipality"])
    auth.set_role(user["id"], role, municipality)
    click.echo(f"{user['email']} is now {role}" + (f" for {municipality}" if municipality else ""))


@user_cli.command("set-municipality")
@click.argument("email")
@click.argument("municipality")
def set_municipality(email, municipality):
    """Move an editor to another municipality of the study region."""
    user = _account(email)
    if user["role"] != "editor":
        raise click.BadParameter(f"{user['email']} is {user['role']}; only editors have a municipality",
                                 param_hint="EMAIL")
    auth.set_role(user["id"], "editor", _checked_municipality("editor", municipality))
    click.echo(f"{user['email']} now edits {municipality}")


@user_cli.command("set-password")
@click.argument("email")
def set_password(email):
    """Set a new password from a prompt or standard input; the account's sessions and API tokens end."""
    user = _account(email)
    auth.set_password(user["id"], _read_password())
    click.echo(f"Password of {user['email']} changed; its sessions and API tokens have ended")


@token_cli.command("create")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 3650), default=auth.TOKEN_DAYS, show_default=True,
              help="days until the token expires")
@click.option("--label", default=None, help="what the token is for, shown by `token list`")
def create_token(email, days, label):
    """Create an API token for an account; it is printed once and stored only as a hash."""
    user = _account(email)
    if user["disabled_at"] is not None:
        raise click.BadParameter(f"{user['email']} is disabled", param_hint="EMAIL")
    token, _expires = auth.create_token(user["id"], days, label)
    click.echo(token)


@token_cli.command("list")
@click.argument("email", required=False)
def list_tokens(email):
    """List API tokens (all, or one account's): id, account, label, created, expires, last used (UTC)."""
    tokens = auth.all_tokens(_account(email)["id"] if email else None)
    rows = [(t["id"], t["email"], t["label"] or "-", _when(t["created_at"]),
             _when(t["expires_at"]) + (" (expired)" if t["expired"] else ""),
             _when(t["last_used_at"])) for t in tokens]
    _table(("id", "account", "label", "created", "expires", "last used"), rows)


@token_cli.command("revoke")
@click.argument("email", required=False)
@click.option("--id", "token_id", default=None, help="revoke only this token (its id from `token list`)")
def revoke_tokens(email, token_id):
    """Revoke every API token of an account (when a key leaks, or its holder leaves), or one by --id."""
    if bool(email) == bool(token_id):
        raise click.UsageError("give either EMAIL (every token of that account) or --id (one token)")
    if token_id:
        matched = auth.revoke_token(token_id.strip().lower())
        if matched != 1:
            raise click.BadParameter(f"{token_id!r} matches {matched} tokens; give an id from `token list`",
                                     param_hint="--id")
        click.echo(f"token {token_id} revoked")
        return
    user = _account(email)
    click.echo(f"{auth.revoke_tokens(user['id'])} token(s) of {user['email']} revoked")
