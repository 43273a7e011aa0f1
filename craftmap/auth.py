"""Accounts: Argon2id passwords, sessions that logout really ends, rate-limited login, CSRF, API tokens.

A session cookie carries the user id and the user's session epoch; logout, a password change and
disabling the account raise the epoch in the database, so every copy of an earlier cookie stops working
at once. A password change and disabling also delete the account's API tokens.
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
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _

from . import db

__all__ = ["ROLES", "LIMITS", "TOKEN_DAYS", "RateLimited", "Disabled", "TokenExpired", "hasher", "init_app",
           "current_user", "login_required", "csrf_token", "check_csrf", "attempt_login", "verify_password",
           "logout", "check_current_password", "change_password", "set_password", "set_disabled", "user_by_email", "add_user", "role_rules",
           "set_role", "all_users", "token_id", "create_token", "user_for_token", "all_tokens", "revoke_token",
           "revoke_tokens"]

ROLES = ("editor", "planner", "admin")
SESSION_HOURS = 8
BACKGROUND_ENDPOINTS = {"manage.hours_preview"}  # asked by a page while it is open; never a navigation
LIMITS = {  # failures allowed per window (seconds), checked in this order
    "pair": (5, 900),        # one address guessing one account: the owner elsewhere is not locked out
    "address": (20, 900),    # one address guessing many accounts
    "account": (50, 3600),   # many addresses guessing one account
}
KEEP_FAILURES_S = max(window for _, window in LIMITS.values())
TOKEN_DAYS = 365
TOKEN_TOUCH_S = 60  # a token's last use is written at most this often, not on every API request
hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile


class RateLimited(Exception):
    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


class Disabled(Exception):
    """The right password for an account an administrator has disabled."""


class TokenExpired(Exception):
    pass


def _now():
    return datetime.datetime.now(datetime.UTC)


def _utc(moment):
    """A time read from the database as UTC (SQLite returns it without its zone)."""
    return moment.replace(tzinfo=datetime.UTC) if moment and moment.tzinfo is None else moment


def _get_user(**where):
    column, value = next(iter(where.items()))
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.users).where(db.users.c[column] == value)).first()
    return dict(row._mapping) if row else None


def user_by_email(email):
    return _get_user(email=email.strip().lower())


def add_user(email, password, role, municipality):
    """Add an account (role and municipality as ``role_rules`` returns them); False if the e-mail has one."""
    try:
        with db.transaction() as conn:
            conn.execute(db.users.insert().values(email=email.strip().lower(), password_hash=hasher.hash(password),
                                                  role=role, municipality=municipality))
    except sa.exc.IntegrityError:
        return False
    return True


def _throttle_keys(email, address):
    def key(kind, *parts):  # hashed: an e-mail of any length fits the column
        return kind + ":" + hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return {"pair": key("pair", email, str(address)), "address": key("address", str(address)),
            "account": key("account", email)}


def _could_be_an_account(email):
    """No account has control characters or more than the column holds; the database is not asked."""
    return len(email) <= db.users.c.email.type.length and not any(ord(c) < 32 or ord(c) == 127 for c in email)


def _failures(conn, key, since):
    return conn.execute(sa.select(sa.func.count()).select_from(db.login_failures)
                        .where(db.login_failures.c.key == key, db.login_failures.c.at > since)).scalar_one()


def _record_attempt(keys):
    """Refuse the attempt if a key has had too many failures, else count it as a failure of every key
    until its password proves right, so parallel guesses cannot all pass the check during the slow hash.
    Rows older than the longest window go at the same time (an indexed delete)."""
    now = time.time()
    with db.transaction() as conn:
        for kind, key in keys.items():  # always in this order: the advisory locks cannot deadlock
            db.serialise(conn, key)
            limit, window = LIMITS[kind]
            if _failures(conn, key, now - window) >= limit:
                raise RateLimited(window)
        ids = [conn.execute(db.login_failures.insert().values(key=k, at=now)).inserted_primary_key[0]
               for k in keys.values()]
        db.serialise(conn, "login_failures:prune")  # the last lock taken; one pruner at a time
        conn.execute(db.login_failures.delete().where(db.login_failures.c.at < now - KEEP_FAILURES_S))
    return ids


@functools.cache
def _dummy_hash():
    return hasher.hash(secrets.token_urlsafe(16))


def _password_matches(user, password):
    """Verify against a dummy hash when there is no such account, so that both answers take as long."""
    matches = verify_password(user or {"password_hash": _dummy_hash()}, password)
    return matches and user is not None


def check_current_password(user, password, address):
    """Whether ``password`` is the signed-in user's, counted against the sign-in limits: a stolen
    session cannot be used to guess the password. Raises RateLimited as sign-in does."""
    keys = _throttle_keys(user["email"], address)
    attempt = _record_attempt(keys)
    if not _password_matches(user, password):
        return False
    with db.transaction() as conn:
        conn.execute(db.login_failures.delete().where(db.login_failures.c.id.in_(attempt)))
    return True


def attempt_login(email, password, address):
    """Start a session for these credentials and return the user, or None if they are wrong.

    Raises RateLimited after too many failures, Disabled for the right password of a disabled account.
    """
    email = email.strip().lower()
    keys = _throttle_keys(email, address)
    attempt = _record_attempt(keys)
    user = _get_user(email=email) if _could_be_an_account(email) else None
    if not _password_matches(user, password):
        return None
    if user["disabled_at"] is not None:
        raise Disabled()
    with db.transaction() as conn:  # the owner's own address starts afresh; failures elsewhere still count
        conn.execute(db.login_failures.delete().where(
            (db.login_failures.c.key == keys["pair"]) | db.login_failures.c.id.in_(attempt)))
        conn.execute(db.users.update().where(db.users.c.id == user["id"]).values(last_login_at=_now()))
    session.clear()
    session.permanent = True
    session.update(uid=user["id"], epoch=user["session_epoch"], at=time.time(), csrf=secrets.token_urlsafe(24))
    return user


def verify_password(user, password):
    try:
        return hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def _end_access(conn, user_id, tokens=False):
    """End every copy of the user's sessions at once, and with ``tokens`` their API tokens too."""
    conn.execute(db.users.update().where(db.users.c.id == user_id)
                 .values(session_epoch=db.users.c.session_epoch + 1))
    if tokens:
        conn.execute(db.api_tokens.delete().where(db.api_tokens.c.user_id == user_id))


def logout():
    """End this session and every other copy of the user's sessions."""
    user = current_user()
    if user:
        with db.transaction() as conn:
            _end_access(conn, user["id"])
    session.clear()


def set_password(user_id, new_password):
    """A new password ends the account's sessions and API tokens: whoever held the old one is out."""
    with db.transaction() as conn:
        conn.execute(db.users.update().where(db.users.c.id == user_id)
                     .values(password_hash=hasher.hash(new_password)))
        _end_access(conn, user_id, tokens=True)


def change_password(user, new_password):
    set_password(user["id"], new_password)
    session.clear()


def set_disabled(user_id, disabled):
    """Disable an account (its sessions and tokens end at once; its history keeps its name) or enable it."""
    with db.transaction() as conn:
        conn.execute(db.users.update().where(db.users.c.id == user_id)
                     .values(disabled_at=_now() if disabled else None))
        if disabled:
            _end_access(conn, user_id, tokens=True)


def role_rules(role, municipality, municipalities):
    """The municipality to store for ``role``, or ValueError: an editor has exactly one of
    ``municipalities``; planners and admins, who see the whole region, none."""
    if role not in ROLES:
        raise ValueError(f"{role!r} is not a role; roles are {', '.join(ROLES)}")
    if role != "editor":
        return None
    if municipality not in municipalities:
        raise ValueError(f"{municipality!r} is not a municipality of the study region" if municipality
                         else "an editor needs a municipality")
    return municipality


def set_role(user_id, role, municipality):
    """Store a role and municipality already checked by ``role_rules``; they apply from the next request."""
    with db.transaction() as conn:
        conn.execute(db.users.update().where(db.users.c.id == user_id).values(role=role, municipality=municipality))


def all_users():
    with db.engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(db.users).order_by(db.users.c.email))]


def current_user():
    """The logged-in user, checked against the database on every request."""
    if "user" in g:
        return g.user
    g.user = None
    uid, epoch, at = session.get("uid"), session.get("epoch"), session.get("at", 0)
    if uid is not None and time.time() - at < SESSION_HOURS * 3600:
        user = _get_user(id=uid)
        if user and user["session_epoch"] == epoch:  # disabling raises the epoch too
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


def token_id(token_hash):
    """The public name of a token: the start of its stored hash, which does not reveal the token."""
    return token_hash[:12]


def create_token(user_id, days=TOKEN_DAYS, label=None):
    """A new API token, valid for ``days``: returned once, stored only as a hash."""
    token = secrets.token_urlsafe(32)
    expires = _now() + datetime.timedelta(days=days)
    with db.transaction() as conn:
        conn.execute(db.api_tokens.insert().values(token_hash=_token_hash(token), user_id=user_id,
                                                   expires_at=expires, label=label))
    return token, expires


def user_for_token(header):
    """The user behind 'Authorization: Bearer <token>', or None; TokenExpired once it has expired."""
    if not header or not header.startswith("Bearer "):
        return None
    with db.engine().connect() as conn:
        row = conn.execute(sa.select(db.api_tokens)
                           .where(db.api_tokens.c.token_hash == _token_hash(header[7:].strip()))).first()
    if row is None:  # never made, revoked, or ended by a password change or disabling
        return None
    now = _now()
    if _utc(row.expires_at) <= now:
        raise TokenExpired(_utc(row.expires_at))
    if row.last_used_at is None or (now - _utc(row.last_used_at)).total_seconds() >= TOKEN_TOUCH_S:
        with db.transaction() as conn:
            conn.execute(db.api_tokens.update().where(db.api_tokens.c.token_hash == row.token_hash)
                         .values(last_used_at=now))
    return _get_user(id=row.user_id)


def all_tokens(user_id=None):
    """Every token (or one account's) with its id, account's e-mail and whether it has expired."""
    query = (sa.select(db.api_tokens, db.users.c.email).join(db.users, db.users.c.id == db.api_tokens.c.user_id)
             .order_by(db.users.c.email, db.api_tokens.c.created_at))
    if user_id is not None:
        query = query.where(db.api_tokens.c.user_id == user_id)
    with db.engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    now = _now()
    return [r | {"id": token_id(r["token_hash"]), "expired": _utc(r["expires_at"]) <= now} for r in rows]


def revoke_token(prefix):
    """Revoke the one token whose id starts with ``prefix``; the number of tokens it matched."""
    if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
        return 0
    matching = db.api_tokens.c.token_hash.startswith(prefix)
    with db.transaction() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(db.api_tokens).where(matching)).scalar_one()
        if count == 1:
            conn.execute(db.api_tokens.delete().where(matching))
    return count


def revoke_tokens(user_id):
    with db.transaction() as conn:
        return conn.execute(db.api_tokens.delete().where(db.api_tokens.c.user_id == user_id)).rowcount




class _SessionInterface(SecureCookieSessionInterface):
    """A page's background request (the live hours reading) leaves the session cookie alone unless it
    changed the session: answered after a save, its refreshed copy of the older session overwrote
    the save's, and the "Saved." message was lost."""

    def should_set_cookie(self, app, session):
        return session.modified or (request.endpoint not in BACKGROUND_ENDPOINTS
                                    and super().should_set_cookie(app, session))


def init_app(app):
    from .accounts_cli import token_cli, user_cli
    app.permanent_session_lifetime = datetime.timedelta(hours=SESSION_HOURS)
    app.session_interface = _SessionInterface()
    app.cli.add_command(user_cli)
    app.cli.add_command(token_cli)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
