"""Refused requests: JSON under /api/, a page in the visitor's language elsewhere, never a 5xx."""
import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.conftest import EXAMPLE_ARGS, example_paths

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "BREW"]


def test_host_label_over_63_characters_is_a_bad_request_page(client):
    host = "a" * 64 + ".example"
    page = client.get("/centres?lang=lv", headers={"Host": host})
    assert page.status_code == 400 and "Pieprasījumu nevarēja apstrādāt" in page.get_data(as_text=True)
    assert client.get("/api/v1/centres", headers={"Host": host}).status_code == 400
    assert client.get("/no-such-page", headers={"Host": host}).status_code in (400, 404)


def test_unknown_api_path_and_method_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json and missing.json["error"] == "not found"
    refused = client.delete("/api/v1/centres")
    assert refused.status_code == 405 and refused.is_json
    assert set(refused.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "DELETE" in refused.json["error"] and "POST" in refused.json["error"]


def test_unsupported_method_on_a_page_is_a_page_in_its_language(client):
    page = client.open("/centres?lang=lt", method="PROPFIND")
    html = page.get_data(as_text=True)
    assert page.status_code == 405 and page.mimetype == "text/html" and 'lang="lt"' in html
    assert "Šis adresas nepriima tokios užklausos." in html and "GET" in page.headers["Allow"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_method_on_any_route_is_a_server_error(app, client, editor_client, signed_in):
    who = editor_client if signed_in else client
    for rule, path in example_paths(app):
        for method in METHODS:
            response = who.open(path, method=method)
            response.close()  # static files are sent from an open file
            assert response.status_code < 500, (method, path, response.status_code)
            if response.status_code == 405:
                assert response.is_json == path.startswith("/api/"), (method, path)
                assert response.mimetype in ("application/json", "text/html") and response.headers["Allow"]


class Body:
    """A request body of ``size`` bytes that counts how much of it the app reads."""

    def __init__(self, size, fill=b"a"):
        self.left, self.read_bytes, self.fill = size, 0, fill

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return self.fill * n

    def readline(self, n=-1):
        return self.read(n)


LIMIT_MB = 1
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def small_limit(make_app):
    return make_app(MAX_UPLOAD_MB=LIMIT_MB)


def send(app, path, size, declared=True, headers=None):
    """POST ``size`` bytes, with Content-Length or (``declared=False``) chunked as a WSGI server hands it on."""
    body = Body(size, b"x")
    environ = EnvironBuilder(path, method="POST", content_type=FORM, headers=headers).get_environ()
    environ.update({"wsgi.input": body} | ({"CONTENT_LENGTH": str(size)} if declared else {"wsgi.input_terminated": True}))
    if not declared:
        environ.pop("CONTENT_LENGTH")
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    app_iter, status, response_headers = run_wsgi_app(app, environ)
    return app.response_class(b"".join(app_iter), status, response_headers), body.read_bytes


def test_oversized_declared_body_is_refused_unread(small_limit):
    for path in ("/manage/login?lang=lv", "/", "/centres", "/api/v1/centres", "/no-such-page"):
        response, read = send(small_limit, path, 50 * 2**20)
        assert response.status_code == 413 and read == 0, (path, read)
    page, _ = send(small_limit, "/manage/login?lang=lv", 50 * 2**20)
    assert "Pieprasījums ir pārāk liels" in page.get_data(as_text=True)
    assert f"Vienā reizē sūtiet ne vairāk kā {LIMIT_MB} MB." in page.get_data(as_text=True)
    api, _ = send(small_limit, "/api/v1/centres", 50 * 2**20)
    assert api.is_json and api.json["error"] == f"the request body is larger than the limit of {LIMIT_MB} MB"


def test_oversized_chunked_body_is_cut_off_at_the_limit(small_limit):
    response, read = send(small_limit, "/manage/login?lang=en", 50 * 2**20, declared=False)
    assert response.status_code == 413 and read <= LIMIT_MB * 2**20 + 65536
    assert "Send at most 1 MB at a time." in response.get_data(as_text=True)


def test_oversized_chunked_api_write_is_cut_off_at_the_limit(small_limit, runner):
    runner = small_limit.test_cli_runner()
    runner.invoke(args=["user", "add", "dobele@example.test", "--role", "editor", "--municipality", "Dobeles novads"],
                  input="correct horse battery\n")
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    response, read = send(small_limit, "/api/v1/centres", 50 * 2**20, declared=False,
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.is_json and read <= LIMIT_MB * 2**20 + 65536


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_within_the_limit_is_read(small_limit, declared):
    response, read = send(small_limit, "/manage/login", LIMIT_MB * 2**20 - 100, declared)
    assert response.status_code == 400 and read == LIMIT_MB * 2**20 - 100  # read, then refused for its CSRF token


def test_a_control_character_in_an_id_is_not_found(app, editor_client, runner):
    """PostgreSQL refuses a NUL in a query: /manage/centres/%00 and PATCH /api/v1/centres/%00 answered 500."""
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    for rule, _ in example_paths(app):
        ids = {a: "a\x00b" for a in rule.arguments if a in ("centre_id", "route_id")}
        if not ids:
            continue
        path = rule.build({**EXAMPLE_ARGS, **ids}, append_unknown=False)[1]
        if "%00" not in path:  # /manage/routes/new, where route_id is a default
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = editor_client.open(path, method=method, json={},
                                          headers={"Authorization": f"Bearer {token}", "If-Match": "v1"})
            assert response.status_code == 404, (method, path, response.status_code)


@pytest.mark.parametrize("path, headers", [
    ("/centres?q=%ff%fe&lang=%ff", {}), ("/centres/%ff%fe", {}), ("/centres?craft=weaving&craft=x&lang=lt&lang=xx", {}),
    ("/centres", {"Accept-Language": "en;q=abc, *;q=1e500, ;;"}), ("/", {"If-None-Match": '"unterminated, W/'}),
    ("/centres", {"Cookie": "lang=" + "x" * 8000}), ("/manage/", {"Cookie": "session=not-a-session"}),
    ("/planner/coverage?distance_km=nan", {}), ("/api/v1/centres?near=nan,nan", {}), ("/api/v1/routes?lang=%00", {}),
])
def test_odd_headers_and_queries_are_answered(client, path, headers):
    assert client.get(path, headers=headers).status_code in (200, 302, 400, 404)
