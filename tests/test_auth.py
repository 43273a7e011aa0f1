"""Accounts: Argon2id, CLI, rate limits, CSRF, and sessions that logout and password change end."""
import datetime
import time

import pytest
import sqlalchemy as sa

from craftmap import db
from craftmap.auth import LIMITS
from tests.conftest import PASSWORD, Auth


def test_passwords_are_argon2id(app, accounts):
    with app.app_context(), db.engine().connect() as conn:
        hashes = [h for (h,) in conn.execute(sa.select(db.users.c.password_hash))]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)


def test_user_add_refuses_unknown_municipality_and_short_password(runner, app):
    result = runner.invoke(args=["user", "add", "x@example.test", "--role", "editor", "--municipality", "Rīga"],
                           input=PASSWORD + "\n")
    assert result.exit_code != 0 and "'Rīga' is not a municipality" in result.output
    result = runner.invoke(args=["user", "add", "y@example.test", "--role", "planner"], input="short\n")
    assert result.exit_code != 0 and "at least 12 characters" in result.output


def test_token_is_printed_once_and_stored_hashed(app, runner, accounts):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    assert len(token) > 30
    with app.app_context(), db.engine().connect() as conn:
        stored = conn.execute(sa.select(db.api_tokens.c.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_revoked_tokens_stop_working(runner, accounts, client):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    signed = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/centres/dobele-crafts-house/history", headers=signed).status_code == 200
    assert "1 token(s)" in runner.invoke(args=["token", "revoke", "dobele@example.test"]).output
    assert client.get("/api/v1/centres/dobele-crafts-house/history", headers=signed).status_code == 401


def test_login_and_wrong_password(auth, client):
    assert auth.login("dobele@example.test", "wrong password!").status_code == 401
    assert auth.login("dobele@example.test").status_code == 302
    assert "Centres of Dobeles novads" in client.get("/manage/").get_data(as_text=True)


def test_login_is_rate_limited_per_account(auth):
    for _ in range(5):
        assert auth.login("bauska@example.test", "wrong password!").status_code == 401
    assert auth.login("bauska@example.test").status_code == 429  # even the right password now


def test_login_is_rate_limited_per_address(auth):
    for i in range(20):
        auth.login(f"nobody{i}@example.test", "wrong password!")
    assert auth.login("dobele@example.test").status_code == 429


@pytest.mark.parametrize("proxies", [0, 1])
def test_address_limit_counts_the_visitor_behind_a_trusted_proxy(make_app, proxies):
    app = make_app(PROXIES=proxies)
    app.test_cli_runner().invoke(args=["user", "add", "dobele@example.test", "--role", "editor", "--municipality",
                                       "Dobeles novads"], input=PASSWORD + "\n")
    client = app.test_client()
    for i in range(20):  # one visitor guessing, from behind nginx
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{5 if proxies else i}"
        Auth(client).login(f"nobody{i}@example.test", "wrong password!")
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"  # another visitor, through the same nginx
    status = Auth(client).login("dobele@example.test").status_code
    assert status == (302 if proxies else 429)  # without a trusted proxy the header is ignored, not obeyed


def test_rate_limit_is_shared_by_app_processes(make_app, auth, app):
    for _ in range(5):
        auth.login("bauska@example.test", "wrong password!")
    other = make_app(DATABASE_URL=app.config["DATABASE_URL"])  # a second app server on the same database
    assert Auth2(other.test_client()).login("bauska@example.test").status_code == 429


class Auth2:
    def __init__(self, client):
        from tests.conftest import Auth
        self.inner = Auth(client)

    def login(self, email):
        return self.inner.login(email)


def test_forms_need_the_csrf_token(auth, client):
    auth.login("dobele@example.test")
    assert client.post("/manage/logout").status_code == 400
    assert client.post("/manage/centres/dobele-crafts-house", data={"phone": "1"}).status_code == 400


def test_cookie_saved_before_logout_does_not_work_after(auth, client, app):
    auth.login("dobele@example.test")
    saved = client.get_cookie("session").value
    auth.post("/manage/logout")
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/manage/")
    assert response.status_code == 302 and "/manage/login" in response.headers["Location"]


def test_password_change_ends_every_session(auth, client, app):
    auth.login("dobele@example.test")
    other_device = app.test_client()
    from tests.conftest import Auth
    Auth(other_device).login("dobele@example.test")
    auth.post("/manage/password", {"password": PASSWORD, "new_password": "another long password"})
    assert other_device.get("/manage/").status_code == 302
    assert auth.login("dobele@example.test", "another long password").status_code == 302


def test_a_stolen_session_cannot_guess_the_password_on_the_change_form(auth, app):
    auth.login("dobele@example.test")
    guesses = [auth.post("/manage/password", {"password": f"guess {i}", "new_password": "another long password"})
               for i in range(6)]
    assert [g.status_code for g in guesses] == [200] * 5 + [429]
    right = auth.post("/manage/password", {"password": PASSWORD, "new_password": "another long password"})
    assert right.status_code == 429 and "Retry-After" in right.headers  # the real password waits too
    with app.app_context():
        from craftmap import auth as accounts
        assert accounts.verify_password(accounts.user_by_email("dobele@example.test"), PASSWORD)  # unchanged


def test_session_cookie_flags(auth, client):
    response = auth.login("dobele@example.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_manage_pages_are_not_cached(auth, client):
    auth.login("dobele@example.test")
    assert client.get("/manage/").headers["Cache-Control"] == "no-store"


def test_sessions_expire(auth, client):
    auth.login("dobele@example.test")
    assert client.get("/manage/").status_code == 200
    with client.session_transaction() as session:
        session["at"] -= 9 * 3600
    assert client.get("/manage/").status_code == 302


def test_parallel_guesses_cannot_pass_the_account_limit(app, accounts):
    from concurrent.futures import ThreadPoolExecutor

    def guess(_):
        return Auth(app.test_client()).login("bauska@example.test", "wrong password!").status_code
    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(guess, range(10)))
    assert statuses == [401] * 5 + [429] * 5


def _from(client, address):
    client.environ_base["REMOTE_ADDR"] = address
    return Auth(client)


def test_an_attackers_failures_do_not_lock_the_owner_out_elsewhere(app, accounts):
    attacker = _from(app.test_client(), "203.0.113.5")
    statuses = [attacker.login("bauska@example.test", "wrong password!").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert _from(app.test_client(), "198.51.100.7").login("bauska@example.test").status_code == 302
    assert attacker.login("bauska@example.test").status_code == 429  # the owner's sign-in did not free A


def test_many_addresses_guessing_one_account_are_stopped(app, accounts, monkeypatch):
    monkeypatch.setitem(LIMITS, "account", (6, 3600))  # 50 / hour, scaled down to keep the test short
    for i in range(3):
        for _ in range(2):
            assert _from(app.test_client(), f"203.0.113.{i}").login("bauska@example.test", "x").status_code == 401
    response = _from(app.test_client(), "198.51.100.7").login("bauska@example.test")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
    assert "Wait 60 minutes" in response.get_data(as_text=True)


def test_a_wrong_password_takes_as_long_for_a_missing_account(auth):
    def mean_seconds(email):
        started = time.perf_counter()
        for _ in range(3):
            assert auth.login(email, "wrong password!").status_code == 401
        return (time.perf_counter() - started) / 3
    auth.login("warm-up@example.test", "wrong password!")  # the dummy hash is made once per process
    ratio = mean_seconds("nobody@example.test") / mean_seconds("dobele@example.test")
    assert 0.5 < ratio < 2


def _login_to(client, target):
    return client.post("/manage/login", query_string={"next": target},
                       data={"email": "dobele@example.test", "password": PASSWORD, "csrf_token": Auth(client).csrf()})


@pytest.mark.parametrize("target", ["/manage/\r\nSet-Cookie: a=b", "/manage/\nx", "//evil.example/", "/\\evil.example",
                                    "https://evil.example/", "manage/", ""])
def test_next_after_login_stays_on_this_site(client, accounts, target):
    response = _login_to(client, target)
    assert response.status_code == 302 and response.headers["Location"].split("?")[0] == "/manage/"


def test_next_after_login_returns_to_the_page_asked_for(client, accounts):
    assert _login_to(client, "/manage/centres/dobele-crafts-house?lang=lv").headers["Location"] == \
        "/manage/centres/dobele-crafts-house?lang=lv"


def _token(runner, *options):
    return runner.invoke(args=["token", "create", "dobele@example.test", *options]).output.strip()


def _history(client, token):
    return client.get("/api/v1/centres/dobele-crafts-house/history", headers={"Authorization": f"Bearer {token}"})


def test_a_password_change_ends_the_accounts_api_tokens(auth, client, runner):
    token = _token(runner)
    assert _history(client, token).status_code == 200
    auth.login("dobele@example.test")
    auth.post("/manage/password", {"password": PASSWORD, "new_password": "another long password"})
    assert _history(client, token).status_code == 401


def test_an_expired_token_is_refused_saying_so(app, client, runner, accounts):
    token = _token(runner, "--days", "1")
    assert _history(client, token).status_code == 200
    with app.app_context(), db.transaction() as conn:
        conn.execute(db.api_tokens.update().values(
            expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)))
    response = _history(client, token)
    assert response.status_code == 401 and "expired" in response.get_json()["error"]


def _last_used(app):
    with app.app_context(), db.engine().connect() as conn:
        return conn.execute(sa.select(db.api_tokens.c.last_used_at)).scalar_one()


def test_a_tokens_last_use_is_written_at_most_once_a_minute(app, client, runner, accounts):
    token = _token(runner)
    assert _last_used(app) is None
    _history(client, token)
    first = _last_used(app)
    _history(client, token)
    assert first is not None and _last_used(app) == first
    with app.app_context(), db.transaction() as conn:
        conn.execute(db.api_tokens.update().values(last_used_at=first - datetime.timedelta(minutes=2)))
    _history(client, token)
    assert _last_used(app) > first


def test_login_failures_older_than_the_longest_window_are_pruned(app, auth):
    with app.app_context(), db.transaction() as conn:
        conn.execute(db.login_failures.insert().values(key="old", at=time.time() - 2 * 3600))
        conn.execute(db.login_failures.insert().values(key="recent", at=time.time() - 1800))
    auth.login("dobele@example.test", "wrong password!")
    with app.app_context(), db.engine().connect() as conn:
        keys = {k for (k,) in conn.execute(sa.select(db.login_failures.c.key))}
    assert "old" not in keys and "recent" in keys
