"""Accounts: Argon2id passwords, sessions that logout really ends, rate-limited login, CSRF, API tokens.

A session cookie carries the user id and the user's session epoch; logout and a password change
raise the epoch in the database, so every copy of an earlier cookie stops working at once.
"""
import datetime
import functools
import hashlib
import hmac
import secrets
import time

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, request, session
from flask_babel import gettext as _

from . import db

__all__ = ["ROLES", "hasher", "init_app", "current_user", "login_required", "csrf_token", "check_csrf",
           "attempt_login", "verify_password", "logout", "change_password", "user_for_token", "may_edit"]

ROLES = ("editor", "planner", "admin")
SESSION_HOURS = 8
LIMITS = {"account": (5, 900), "address": (20, 900)}  # failures allowed per window (seconds)
hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile


class RateLimited(Exception):
    pass


def _get_user(**where):
    column, value = next(iter(where.items()))
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.users).where(db.users.c[column] == value)).first()
    return dict(row._mapping) if row else None


def _failures(conn, key, window):
    since = time.time() - window
    return conn.execute(sa.select(sa.func.count()).select_from(db.login_failures)
                        .where(db.login_failures.c.key == key, db.login_failures.c.at > since)).scalar_one()


def attempt_login(email, password, address):
    """The user for these credentials, or None; raises RateLimited after too many failures."""
    email = email.strip().lower()
    keys = {"account": f"account:{email}", "address": f"address:{address}"}
    with db.transaction() as conn:  # counted as a failure until the password proves right, so parallel
        for kind, key in keys.items():  # guesses cannot all pass the check during the slow hash
            db.serialise(conn, key)
            if _failures(conn, key, LIMITS[kind][1]) >= LIMITS[kind][0]:
                raise RateLimited(kind)
        attempt = [conn.execute(db.login_failures.insert().values(key=k, at=time.time())).inserted_primary_key[0]
                   for k in keys.values()]
    user = _get_user(email=email)
    if user is None or not verify_password(user, password):
        return None
    with db.transaction() as conn:
        conn.execute(db.login_failures.delete().where(
            (db.login_failures.c.key == keys["account"]) | db.login_failures.c.id.in_(attempt)))
    session.clear()
    session.permanent = True
    session.update(uid=user["id"], epoch=user["session_epoch"], at=time.time(), csrf=secrets.token_urlsafe(24))
    return user


def verify_password(user, password):
    try:
        return hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def _end_sessions(conn, user_id):
    conn.execute(db.users.update().where(db.users.c.id == user_id)
                 .values(session_epoch=db.users.c.session_epoch + 1))


def logout():
    """End this session and every other copy of the user's sessions."""
    user = current_user()
    if user:
        with db.transaction() as conn:
            _end_sessions(conn, user["id"])
    session.clear()


def change_password(user, new_password):
    with db.transaction() as conn:
        conn.execute(db.users.update().where(db.users.c.id == user["id"])
                     .values(password_hash=hasher.hash(new_password)))
        _end_sessions(conn, user["id"])
    session.clear()


def current_user():
    """The logged-in user, checked against the database on every request."""
    if "user" in g:
        return g.user
    g.user = None
    uid, epoch, at = session.get("uid"), session.get("epoch"), session.get("at", 0)
    if uid is not None and time.time() - at < SESSION_HOURS * 3600:
        user = _get_user(id=uid)
        if user and user["session_epoch"] == epoch:
            g.user = user
    return g.user


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            from flask import redirect, url_for
            return redirect(url_for("manage.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapped


def csrf_token():
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf():
    sent = request.form.get("csrf_token", "")
    if not (session.get("csrf") and hmac.compare_digest(sent.encode(), session["csrf"].encode())):
        abort(400, description=_("The form has expired or did not come from this site. Go back, reload the page "
                                 "and send it again."))


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(header):
    """The user behind 'Authorization: Bearer <token>', or None."""
    if not header or not header.startswith("Bearer "):
        return None
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.users).join(db.api_tokens, db.api_tokens.c.user_id == db.users.c.id)
                           .where(db.api_tokens.c.token_hash == _token_hash(header[7:].strip()))).first()
    return dict(row._mapping) if row else None


def may_edit(user, centre):
    """Editors change only their municipality's centres; admins any."""
    if user is None or centre is None:
        return False
    return user["role"] == "admin" or (user["role"] == "editor" and centre["municipality"] == user["municipality"])


def init_app(app):
    from .accounts_cli import token_cli, user_cli
    app.permanent_session_lifetime = datetime.timedelta(hours=SESSION_HOURS)
    app.cli.add_command(user_cli)
    app.cli.add_command(token_cli)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
