"""Public responses served again from the app's own store: never stale past a write, never mixed up."""
import gzip
import time

from craftmap import editing, mapbuild
from craftmap.response_cache import ResponseCache

from .test_manage import form_of

CENTRE = "/api/v1/centres/dobele-crafts-house"


def wheelchair(client, **kwargs):
    return client.get(CENTRE, **kwargs).get_json()["properties"]["wheelchair"]


def test_an_edit_through_this_server_shows_on_the_next_request(app, client, auth):
    anonymous = app.test_client()
    page = anonymous.get("/centres/dobele-crafts-house?lang=en").get_data(as_text=True)
    assert wheelchair(anonymous) == "unknown"
    auth.login("dobele@example.test")
    saved = auth.post("/manage/centres/dobele-crafts-house", form_of(app, "dobele-crafts-house", wheelchair="yes"))
    assert saved.status_code == 302
    assert wheelchair(anonymous) == "yes"
    assert anonymous.get("/centres/dobele-crafts-house?lang=en").get_data(as_text=True) != page


def test_a_write_through_another_server_shows_within_the_check_interval(make_app):
    first = make_app(VERSION_CHECK_SECONDS=0.5)
    url = first.config["DATABASE_URL"]
    other = make_app(VERSION_CHECK_SECONDS=0.5, DATABASE_URL=url)
    client = first.test_client()
    version = client.get(CENTRE).get_json()["properties"]["version"]
    assert wheelchair(client) == "unknown"
    with other.app_context():
        editing.save_centre("dobele-crafts-house", {"wheelchair": "no"}, version, "test")
    time.sleep(0.5)
    assert wheelchair(client) == "no"


def test_languages_and_encodings_are_kept_apart(app, client):
    lv = client.get("/", headers={"Accept-Language": "lv"}).get_data(as_text=True)
    en = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    lithuanian = app.test_client()
    lithuanian.set_cookie("lang", "lt")
    lt = lithuanian.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="lv"' in lv and '<html lang="en"' in en and '<html lang="lt"' in lt
    assert client.get("/", headers={"Accept-Language": "lv"}).get_data(as_text=True) == lv
    zipped = client.get("/", headers={"Accept-Language": "en", "Accept-Encoding": "gzip"})
    plain = client.get("/", headers={"Accept-Language": "en"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == plain.data
    assert "Content-Encoding" not in plain.headers


def test_choosing_a_language_still_remembers_it(app):
    for _ in range(2):  # the second visitor is served from the store
        response = app.test_client().get("/?lang=lt")
        assert "lang=lt" in response.headers["Set-Cookie"]


def test_repeat_visitors_get_304_from_the_store(app):
    client = app.test_client(use_cookies=False)
    first = client.get("/centres?lang=en")
    again = client.get("/centres?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    other = client.get("/centres?lang=en", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_what_one_user_may_see_is_never_served_to_another(client, auth, app):
    auth.login("dobele@example.test")
    assert client.get("/manage/").status_code == 200
    signed_in = client.get("/centres/dobele-crafts-house?lang=en")
    assert "private" in signed_in.headers["Cache-Control"] and app.wsgi_app.entries == {}  # nothing kept
    stranger = app.test_client()
    assert stranger.get("/manage/").status_code == 302
    public = stranger.get("/centres/dobele-crafts-house?lang=en")
    assert "public" in public.headers["Cache-Control"] and len(app.wsgi_app.entries) == 1


def test_a_browser_etag_is_good_on_every_server(make_app):
    first = make_app()
    second = make_app(DATABASE_URL=first.config["DATABASE_URL"])
    for url in ("/?lang=en", "/routes/uzzini-ka-top?lang=lv", "/centres/dobele-crafts-house?lang=lt"):
        etag = first.test_client().get(url).headers["ETag"]
        assert second.test_client().get(url, headers={"If-None-Match": etag}).status_code == 304


def test_api_clients_read_the_latest_version_at_once(make_app):
    first = make_app(VERSION_CHECK_SECONDS=60)
    other = make_app(VERSION_CHECK_SECONDS=60, DATABASE_URL=first.config["DATABASE_URL"])
    runner = first.test_cli_runner()
    runner.invoke(args=["user", "add", "dobele@example.test", "--role", "editor", "--municipality", "Dobeles novads"],
                  input="correct horse battery\n")
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    client = first.test_client()
    version = client.get(CENTRE).get_json()["properties"]["version"]
    with other.app_context():  # a write through another server
        editing.save_centre("dobele-crafts-house", {"wheelchair": "limited"}, version, "test")
    signed = {"Authorization": f"Bearer {token}"}
    assert wheelchair(client, headers=signed) == "limited"
    etag = client.get(CENTRE, headers=signed).headers["ETag"]
    assert client.patch(CENTRE, json={"wheelchair": "yes"}, headers=signed | {"If-Match": etag}).status_code == 200


def test_many_searches_push_neither_the_map_page_out_of_the_store_nor_its_map(app, monkeypatch):
    builds = []
    real = mapbuild.build_map
    monkeypatch.setattr(mapbuild, "build_map", lambda *a, **k: builds.append(1) or real(*a, **k))
    client = app.test_client(use_cookies=False)
    page = client.get("/?lang=en").data
    for i in range(600):
        assert client.get(f"/api/v1/centres?q=search{i}&fields=map").status_code == 200
        assert client.get(f"/centres?q=search{i}&lang=en").status_code == 200
    assert client.get("/?lang=en").data == page and len(builds) == 1
    assert not any("q=" in (key[4] or "") for key in app.wsgi_app.entries)  # no search was kept


def test_without_the_store_many_searches_leave_the_map_built(make_app, monkeypatch):
    builds = []
    real = mapbuild.build_map
    monkeypatch.setattr(mapbuild, "build_map", lambda *a, **k: builds.append(1) or real(*a, **k))
    client = make_app(RESPONSE_CACHE_MB=0).test_client(use_cookies=False)
    client.get("/?lang=en")
    for i in range(600):
        client.get(f"/api/v1/centres?q=search{i}&fields=map")
    client.get("/?lang=en")
    assert len(builds) == 1


def test_a_full_store_drops_the_least_recently_served_response():
    served = []

    def app(environ, start_response):
        served.append(environ["PATH_INFO"])
        start_response("200 OK", [("Cache-Control", "public"), ("Content-Type", "text/plain")])
        return [b"x" * 100]

    class Versions:
        def stamp(self):
            return 1

    store = ResponseCache(app, Versions(), 250, "session", "lang")

    def get(path):
        return b"".join(store({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda *a: None))
    for path in ("/a", "/b", "/a", "/c", "/a", "/b"):
        assert get(path) == b"x" * 100
    assert served == ["/a", "/b", "/c", "/b"]  # /c pushed out /b, the least recently served, not /a
