"""The write API for municipalities' own systems: tokens, If-Match, scoped, validated."""
import pytest

from craftmap import db

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"


@pytest.fixture
def token(runner, accounts):
    return runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()


def headers(token, etag=None):
    h = {"Authorization": f"Bearer {token}"}
    return h | ({"If-Match": etag} if etag else {})


def state(app):
    with app.app_context():
        return db.all_centres(), db.all_visitor_counts()


def test_patch_with_fresh_etag(client, token):
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    response = client.patch(f"/api/v1/centres/{OWN}", json={"wheelchair": "limited", "visitors": {"2025": 800}},
                            headers=headers(token, etag))
    assert response.status_code == 200
    assert response.get_json()["properties"]["wheelchair"] == "limited"
    assert response.headers["ETag"] != etag
    history = client.get(f"/api/v1/centres/{OWN}/history", headers=headers(token)).get_json()["changes"]
    assert {c["field"] for c in history} == {"wheelchair", "visitors_2025"}
    assert history[0]["by"] == "dobele@example.test"


def test_no_if_match_is_428(client, token, app):
    before = state(app)
    assert client.patch(f"/api/v1/centres/{OWN}", json={"phone": "1"}, headers=headers(token)).status_code == 428
    assert state(app) == before


def test_stale_if_match_is_412(client, token, app):
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    assert client.patch(f"/api/v1/centres/{OWN}", json={"phone": "+371 1"}, headers=headers(token, etag)).status_code == 200
    before = state(app)
    response = client.patch(f"/api/v1/centres/{OWN}", json={"phone": "+371 2"}, headers=headers(token, etag))
    assert response.status_code == 412 and response.get_json()["field"] == "If-Match"
    assert state(app) == before


def test_other_municipality_is_403(client, token, app):
    etag = client.get(f"/api/v1/centres/{OTHER}").headers["ETag"]
    before = state(app)
    response = client.patch(f"/api/v1/centres/{OTHER}", json={"phone": "+371 9"}, headers=headers(token, etag))
    assert response.status_code == 403
    assert client.get(f"/api/v1/centres/{OTHER}/history", headers=headers(token)).status_code == 403
    post = client.post("/api/v1/centres", json={"id": "x-in-bauska", "municipality": "Bauskas novads"},
                       headers=headers(token))
    assert post.status_code == 403
    assert state(app) == before


@pytest.mark.parametrize("body, field", [({"wheelchair": "sometimes"}, "wheelchair"),
                                         ({"opening_hours": "daily"}, "opening_hours"),
                                         ({"website": "javascript:alert(1)"}, "website"),
                                         ({"visitors": {"2024": True}}, "visitors"),
                                         ({"municipality_secret": 1}, "municipality_secret"),
                                         ({"lat": 56.40794, "lon": 24.19443}, "lat")])
def test_invalid_field_is_422_naming_it(client, token, app, body, field):
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    before = state(app)
    response = client.patch(f"/api/v1/centres/{OWN}", json=body, headers=headers(token, etag))
    assert response.status_code == 422 and response.get_json()["field"] == field
    assert state(app) == before


def test_bad_token_is_401(client):
    assert client.patch(f"/api/v1/centres/{OWN}", json={}, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_post_creates_in_own_municipality(client, token):
    response = client.post("/api/v1/centres", headers=headers(token), json={
        "id": "dobele-api-workshop", "name": "API darbnīca", "kind": "workshop", "country": "LV",
        "wheelchair": "yes", "signage": "unknown", "toilets_wheelchair": "unknown", "mid_baltic_network": "unknown",
        "coord_precision": "none", "source": "municipality register"})
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/api/v1/centres/dobele-api-workshop")
    assert response.get_json()["properties"]["municipality"] == "Dobeles novads"
