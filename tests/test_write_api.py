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


def test_a_minimal_post_gets_the_forms_defaults(client, token):
    response = client.post("/api/v1/centres", headers=headers(token), json={
        "id": "dobele-minimal", "name": "Mazā darbnīca", "kind": "workshop", "source": "municipality register"})
    assert response.status_code == 201, response.get_json()
    props = response.get_json()["properties"]
    assert (props["municipality"], props["country"], props["wheelchair"], props["signage"]) == \
        ("Dobeles novads", "LV", "unknown", "unknown")


def test_a_centre_cannot_take_the_id_of_the_add_form(client, token):
    response = client.post("/api/v1/centres?lang=lv", headers=headers(token), json={
        "id": "new", "name": "Mazā darbnīca", "kind": "workshop", "source": "municipality register"})
    assert response.status_code == 422 and response.get_json()["problems"] == [
        {"field": "id", "error": "'new' ir centra pievienošanas formas nosaukums; izvēlieties citu id"}]


def test_a_post_missing_a_field_hears_of_it_once(client, token):
    response = client.post("/api/v1/centres", headers=headers(token), json={"id": "dobele-no-name", "kind": "workshop",
                                                                           "source": "register"})
    assert response.status_code == 422
    assert response.get_json()["problems"] == [{"field": "name", "error": "is required"}]
    emptied = client.patch(f"/api/v1/centres/{OWN}", json={"wheelchair": ""}, headers=headers(token, "*"))
    assert emptied.get_json()["problems"] == [{"field": "wheelchair", "error": "is required"}]


def test_if_match_star_succeeds_when_the_centre_exists(client, token):
    response = client.patch(f"/api/v1/centres/{OWN}", json={"phone": "+371 6300 0001"}, headers=headers(token, "*"))
    assert response.status_code == 200 and response.get_json()["properties"]["phone"] == "+371 6300 0001"
    assert client.patch("/api/v1/centres/no-such-centre", json={"phone": "+371 1"},
                        headers=headers(token, "*")).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"visitors": {"2025": 10**30}}, "visitors"),
    ({"visitors": {"2025": -1}}, "visitors"),
    ({"name": ["Dobeles Amatu māja"]}, "name"),
    ({"name": {"lv": "Dobeles Amatu māja"}}, "name"),
    ({"address": 12}, "address"),
    ({"notes": "before\x00after"}, "notes"),
    ({"name": "Dobele\x1b[31m"}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"notes": "x" * 4001}, "notes"),
    ({"website": "https://example.lv/" + "x" * 500}, "website"),
    ({"lat": float("nan"), "lon": 23.3}, "lat"),
    ({"lat": 10**400, "lon": 23.3}, "lat"),
    ({"lat": 56.6, "lon": -10**400}, "lon"),
    ({"lat": True, "lon": 23.3}, "lat"),
    ({"signage_checked_on": "20240101"}, "signage_checked_on"),
    ({"signage_checked_on": "2024-W01-1"}, "signage_checked_on"),
])
def test_out_of_range_input_is_422_naming_the_field(client, token, app, body, field):
    before = state(app)
    response = client.patch(f"/api/v1/centres/{OWN}", json=body, headers=headers(token, "*"))
    assert response.status_code == 422 and response.get_json()["field"] == field, response.get_json()
    assert state(app) == before


def test_a_deeply_nested_body_is_refused(client, token, app):
    before = state(app)
    for data in ("[" * 100_000, "{\"name\": " + "[" * 100_000):
        response = client.patch(f"/api/v1/centres/{OWN}", data=data, content_type="application/json",
                                headers=headers(token, "*"))
        assert response.status_code == 400 and response.get_json()["field"] == "body"
    assert state(app) == before


def test_refusals_are_in_the_callers_language(client, token):
    for body, message in (({"name": ["x"]}, "jābūt tekstam, nevis: saraksts"),
                          ({"notes": "x" * 4001}, "garums ir 4001 rakstzīmes; atļautas ne vairāk kā 4000")):
        response = client.patch(f"/api/v1/centres/{OWN}?lang=lv", json=body, headers=headers(token, "*"))
        assert response.get_json()["problems"][0]["error"] == message
    lt = client.patch(f"/api/v1/centres/{OWN}", json={"wheelchair": "maybe"},
                      headers=headers(token, "*") | {"Accept-Language": "lt"})
    assert lt.get_json()["error"] == ("wheelchair: 'maybe' nėra nė viena iš leistinų reikšmių: yes (Prieinama neįgaliojo vežimėliu); "
                                          "limited (Ribotas prieinamumas neįgaliojo vežimėliu); no (Neprieinama neįgaliojo "
                                          "vežimėliu); unknown (Prieinamumas neįgaliojo vežimėliu nežinomas)")


def test_six_parallel_posts_of_one_new_id_make_one_centre(app, token):
    import threading
    barrier, results = threading.Barrier(6), []
    body = {"id": "dobele-race", "name": "Sacīkste", "kind": "workshop", "source": "register"}

    def post():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/centres", json=body, headers=headers(token))
        results.append((response.status_code, (response.get_json() or {}).get("field")))
    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [(201, None)] + [(422, "id")] * 5
    with app.app_context():
        assert db.get_centre("dobele-race")["name"] == "Sacīkste"
