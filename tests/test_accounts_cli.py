"""`flask user` and `flask token`: an administrator manages accounts and tokens without SQL."""
import datetime

import pytest

from craftmap import editing
from tests.conftest import PASSWORD, Auth

OWN = "dobele-crafts-house"
NEW_PASSWORD = "a new long password"


def cli(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


def token_for(runner, email="dobele@example.test", *options):
    return cli(runner, "token", "create", email, *options).output.strip()


def history(client, token):
    return client.get(f"/api/v1/centres/{OWN}/history", headers={"Authorization": f"Bearer {token}"})


def signed_in(app, email="dobele@example.test"):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def test_user_list_shows_every_account_with_role_municipality_and_last_sign_in(app, runner, accounts):
    signed_in(app, "bauska@example.test")
    lines = cli(runner, "user", "list").output.splitlines()
    assert lines[0].split() == ["email", "role", "municipality", "disabled", "created", "last", "sign-in"]
    rows = {line.split()[0]: line for line in lines[1:]}
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert set(rows) == set(accounts)
    assert "editor" in rows["bauska@example.test"] and "Bauskas novads" in rows["bauska@example.test"]
    assert rows["bauska@example.test"].count(today) == 2  # created and signed in today
    assert rows["dobele@example.test"].count(today) == 1 and rows["dobele@example.test"].rstrip().endswith("-")


def test_a_disabled_account_is_out_at_once_and_its_history_keeps_its_name(app, runner, accounts):
    token = token_for(runner)
    session = signed_in(app)
    Auth(session).post(f"/manage/centres/{OWN}", _form(app, phone="+371 6300 0000"))
    result = cli(runner, "user", "disable", "dobele@example.test")
    assert result.exit_code == 0, result.output
    assert session.get("/manage/").status_code == 302
    assert history(app.test_client(), token).status_code == 401
    response = Auth(app.test_client()).login("dobele@example.test")
    assert response.status_code == 403 and "has been disabled" in response.get_data(as_text=True)
    row = next(line for line in cli(runner, "user", "list").output.splitlines() if line.startswith("dobele@"))
    assert row.count(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}") == 3  # created, disabled, signed in
    with app.app_context():
        assert {c["by"] for c in editing.history(OWN)} == {"dobele@example.test"}
    assert "is disabled" in cli(runner, "token", "create", "dobele@example.test").output
    assert cli(runner, "user", "enable", "dobele@example.test").exit_code == 0
    assert Auth(app.test_client()).login("dobele@example.test").status_code == 302
    assert history(app.test_client(), token).status_code == 401  # enabling does not bring old tokens back


def _form(app, **changes):
    from tests.test_manage import form_of
    return form_of(app, OWN, **changes)


def test_a_wrong_password_for_a_disabled_account_says_only_wrong_password(app, runner, accounts):
    cli(runner, "user", "disable", "dobele@example.test")
    response = Auth(app.test_client()).login("dobele@example.test", "wrong password!")
    assert response.status_code == 401 and "disabled" not in response.get_data(as_text=True)


def test_set_role_follows_the_role_rules(app, runner, accounts):
    result = cli(runner, "user", "set-role", "planner@example.test", "editor")
    assert result.exit_code != 0 and "an editor needs a municipality" in result.output
    result = cli(runner, "user", "set-role", "planner@example.test", "editor", "--municipality", "Rīga")
    assert result.exit_code != 0 and "'Rīga' is not a municipality of the study region" in result.output
    result = cli(runner, "user", "set-role", "planner@example.test", "editor", "--municipality", "Dobeles novads")
    assert result.exit_code == 0, result.output
    assert "Centres of Dobeles novads" in signed_in(app, "planner@example.test").get("/manage/").get_data(as_text=True)
    assert cli(runner, "user", "set-role", "dobele@example.test", "planner").exit_code == 0
    row = next(line for line in cli(runner, "user", "list").output.splitlines() if line.startswith("dobele@"))
    assert row.split()[1:3] == ["planner", "-"]


def test_set_municipality_moves_an_editor(app, runner, accounts):
    session = signed_in(app)
    result = cli(runner, "user", "set-municipality", "dobele@example.test", "Bauskas novads")
    assert result.exit_code == 0, result.output
    assert "Centres of Bauskas novads" in session.get("/manage/").get_data(as_text=True)
    result = cli(runner, "user", "set-municipality", "dobele@example.test", "Rīga")
    assert result.exit_code != 0 and "'Rīga' is not a municipality" in result.output
    result = cli(runner, "user", "set-municipality", "planner@example.test", "Bauskas novads")
    assert result.exit_code != 0 and "only editors have a municipality" in result.output


def test_set_password_ends_sessions_and_tokens(app, runner, accounts):
    token, session = token_for(runner), signed_in(app)
    assert cli(runner, "user", "set-password", "dobele@example.test", input="short\n").exit_code != 0
    result = cli(runner, "user", "set-password", "dobele@example.test", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert session.get("/manage/").status_code == 302 and history(app.test_client(), token).status_code == 401
    assert Auth(app.test_client()).login("dobele@example.test").status_code == 401
    assert Auth(app.test_client()).login("dobele@example.test", NEW_PASSWORD).status_code == 302


def test_unknown_account_is_named(runner, accounts):
    for command in (["user", "disable"], ["user", "enable"], ["user", "set-password"], ["token", "list"]):
        result = cli(runner, *command, "gone@example.test")
        assert result.exit_code != 0 and "no account gone@example.test" in result.output


def _token_rows(runner, *email):
    lines = cli(runner, "token", "list", *email).output.splitlines()
    assert lines[0].split() == ["id", "account", "label", "created", "expires", "last", "used"]
    return [line.split() for line in lines[1:]]


def test_token_list_shows_account_expiry_and_last_use_but_never_the_secret(app, client, runner, accounts):
    token = token_for(runner, "dobele@example.test", "--days", "30", "--label", "import-script")
    other = token_for(runner, "bauska@example.test")
    history(client, token)
    listing = cli(runner, "token", "list").output
    assert token not in listing and other not in listing
    rows = {row[1]: row for row in _token_rows(runner)}
    today = datetime.datetime.now(datetime.UTC)
    in_30_days, in_a_year = (f"{today + datetime.timedelta(days=d):%Y-%m-%d}" for d in (30, 365))
    assert rows["dobele@example.test"][2] == "import-script" and rows["dobele@example.test"][5] == in_30_days
    assert rows["dobele@example.test"][7] == f"{today:%Y-%m-%d}"  # used today
    assert rows["bauska@example.test"][5] == in_a_year and rows["bauska@example.test"][-1] == "-"
    assert [row[1] for row in _token_rows(runner, "bauska@example.test")] == ["bauska@example.test"]


def test_token_revoke_by_id_ends_that_token_only(app, client, runner, accounts):
    first, second = token_for(runner), token_for(runner)
    used = history(client, first).status_code
    first_id = next(row[0] for row in _token_rows(runner) if row[-1] != "-")
    assert len(first_id) == 12 and first_id not in first
    result = cli(runner, "token", "revoke", "--id", first_id)
    assert used == 200 and result.exit_code == 0, result.output
    assert history(client, first).status_code == 401 and history(client, second).status_code == 200
    result = cli(runner, "token", "revoke", "--id", first_id)
    assert result.exit_code != 0 and "matches 0 tokens" in result.output


@pytest.mark.parametrize("args", [[], ["dobele@example.test", "--id", "abcdef123456"]])
def test_token_revoke_needs_an_account_or_an_id(runner, accounts, args):
    result = cli(runner, "token", "revoke", *args)
    assert result.exit_code != 0 and "either EMAIL" in result.output
