"""The write boundary's policy holds at every route of the app, found by walking its URL map."""
import pytest

from craftmap import db, editing

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"
WRITES = {"POST", "PATCH", "PUT", "DELETE"}


@pytest.fixture
def other_change(app):
    """A recorded change of Bauska's centre, for the routes that take a change id."""
    with app.app_context():
        editing.save_centre(OTHER, {"phone": "+371 6390 0000"}, 1, "bauska@example.test")
        return editing.history(OTHER)[0]["batch"]


def _routes(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(rule, change_id):
    values = {"centre_id": OTHER, "change_id": change_id, "batch": change_id, "route_id": "x", "fmt": "gpx",
              "photo_id": "0" * 32}
    return rule.build({a: values[a] for a in rule.arguments})[1]


def _asks_for_login(response):
    return response.status_code in (401, 403) or (
        response.status_code == 302 and response.headers["Location"].startswith("/manage/login"))


def test_every_manage_endpoint_needs_a_login(app, client, other_change):
    for rule, method in _routes(app, "/manage"):
        if rule.endpoint != "manage.login":
            response = client.open(_url(rule, other_change), method=method)
            assert _asks_for_login(response), (rule.rule, method, response.status_code)


def test_every_write_api_endpoint_answers_401_without_a_token(app, client, other_change):
    writes = [(rule, method) for rule, method in _routes(app, "/api/") if method in WRITES]
    assert {r.endpoint for r, _ in writes} >= {"api.patch_centre", "api.post_centre"}
    for rule, method in writes:
        response = client.open(_url(rule, other_change), method=method, json={"phone": "+371 1"},
                               headers={"If-Match": "*"})
        assert response.status_code == 401, (rule.rule, method)
        assert response.get_json()["field"] == "Authorization"


def test_another_municipalitys_centre_is_403_at_every_private_route_that_takes_it(app, auth, client, runner,
                                                                                   other_change):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    anonymous = app.test_client()
    auth.login("dobele@example.test")
    before = db_state(app)
    private = set()
    for prefix in ("/manage", "/api/"):
        for rule, method in _routes(app, prefix):
            if not {"centre_id", "change_id", "batch"} & rule.arguments:
                continue
            url = _url(rule, other_change)
            if not _asks_for_login(anonymous.open(url, method=method)):
                continue  # public: a centre's page or GeoJSON
            private.add(rule.endpoint)
            if prefix == "/api/":
                response = client.open(url, method=method, json={"phone": "+371 2"},
                                       headers={"Authorization": f"Bearer {token}", "If-Match": "*"})
            elif method == "POST":
                response = auth.post(url, {"phone": "+371 2", "version": "2"})
            else:
                response = client.open(url, method=method)
            assert response.status_code == 403, (rule.rule, method, response.status_code)
    assert private >= {"manage.edit", "manage.close", "manage.history", "manage.undo", "api.patch_centre",
                       "api.centre_history"}
    assert db_state(app) == before


def db_state(app):
    with app.app_context():
        return db.all_centres(), db.all_visitor_counts(), len(editing.history(OTHER))


def test_planners_read_every_history_on_the_web_and_through_the_api_but_change_nothing(app, auth, client, runner,
                                                                                      other_change):
    token = runner.invoke(args=["token", "create", "planner@example.test"]).output.strip()
    api = client.get(f"/api/v1/centres/{OTHER}/history", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["changes"][0]["new"] == "+371 6390 0000"
    auth.login("planner@example.test")
    page = client.get(f"/manage/centres/{OTHER}/history?lang=en").get_data(as_text=True)
    assert "+371 6390 0000" in page and "Undo this save" not in page
    assert client.get(f"/manage/centres/{OTHER}/changes/{other_change}/undo").status_code == 403
    assert auth.post(f"/manage/centres/{OTHER}/changes/{other_change}/undo", {"version": "2"}).status_code == 403
    assert client.patch(f"/api/v1/centres/{OTHER}", json={"phone": "+371 3"},
                        headers={"Authorization": f"Bearer {token}", "If-Match": "*"}).status_code == 403


def test_closing_a_centre_keeps_it_shown_as_closed(auth, client):
    auth.login("dobele@example.test")
    assert auth.post(f"/manage/centres/{OWN}/close", {"version": "1"}).status_code == 302
    assert client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]["status"] == "closed"
    assert "This centre is closed." in client.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)
