"""No request a client can send makes the app answer 5xx: the API as its OpenAPI document describes
it (writes signed in with an editor's token) and the pages' query strings, with odd headers.

Hypothesis draws the requests from a fixed seed (``derandomize``), so CI sees the same ones each
run; every 5xx is collected, not only the first, so one run lists them all.
"""
import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from craftmap import openapi
from craftmap.datasets import FILTERS
from craftmap.editing import EDITABLE
from craftmap.validation import CENTRE_FIELDS, ENUMS
from tests.conftest import PASSWORD

EXAMPLES = int(os.environ.get("CRAFTMAP_FUZZ_EXAMPLES", "600"))  # about 60 s per database on the CI machine
CENTRES = ["dobele-crafts-house", "rume-craft-centre-selonian-craft-centre"]
ROUTES = ["balts-road-selonian", "uzzini-ka-top"]
PAGES = ["/", "/centres", "/centres/{id}", "/routes", "/routes/{id}", "/sources", "/planner/", "/planner/coverage",
         "/planner/coverage.csv", "/planner/gaps", "/planner/report", "/planner/indicators.csv", "/manage/login"]
ODD = ["", " ", "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "1e-300", "100.0000001", "%", "\x00", "\ufffd",
       "Šiaulių", "ā" * 300, "23.7,56.6", "23.7,56.6,1", "181,0", "1,2", ",", "<script>", "${alert(1)}", "'", '"']
KNOWN = {"craft": ["weaving", "ceramics"], "country": ["LV", "LT"], "municipality": ["Dobeles novads", "Bauskas novads"],
         "route": ROUTES, "wheelchair": list(ENUMS["wheelchair"]), "signage": list(ENUMS["signage"]),
         "lang": ["lv", "lt", "en"], "fields": ["all", "map"], "by": ["municipality", "country", "route"],
         "distance_km": ["0.5", "10", "100"], "near": ["23.7,56.6"], "next": ["/manage/", "\r\nX-Injected: 1"]}
RAW_QUERY = ["", "%ff", "%c3", "%", "%zz", "&&", "=", "q=%ff%fe", "lang=%ff", "endpoint=x", "_method=DELETE"]


def _operations():
    """(method, path template, query parameter names): the API from its document, then the pages."""
    ops = []
    for template, item in openapi.PATHS.items():
        for method, op in item.items():
            names = [p["name"] for p in op.get("parameters", ()) if p["in"] == "query"]
            ops.append((method.upper(), template, names))
    page_query = [*FILTERS, "near", "fields", "by", "distance_km", "lang", "next"]
    writes = [op for op in ops if op[0] != "GET"]
    return ops + writes * 3 + [("GET", page, page_query) for page in PAGES]  # writes reach further when drawn often


OPERATIONS = _operations()
text = st.text(max_size=20)
number = st.one_of(st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True).map(repr))


def value(name):
    return st.one_of(st.sampled_from(KNOWN.get(name, ["x"])), st.sampled_from(ODD), text, number)


@st.composite
def queries(draw, names):
    pairs = draw(st.lists(st.sampled_from(names or ["lang"]).flatmap(lambda n: st.tuples(st.just(n), value(n))),
                          max_size=6))  # a name may repeat
    raw = draw(st.sampled_from(RAW_QUERY))
    return "&".join(filter(None, [urlencode(pairs), raw]))


json_value = st.recursive(st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | text,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                          max_leaves=6)
field_value = st.one_of(st.sampled_from(sorted({v for vs in ENUMS.values() for v in vs})), st.sampled_from(ODD),
                        json_value, st.sampled_from(["2024-05-01", "01.05.2024", "9999-99-99", "Mo-Fr 10:00-17:00"]))
visitors = st.dictionaries(st.one_of(st.sampled_from(["2023", "2024", "1", "-1", "99999999999", "x"]), text),
                           st.one_of(st.integers(-10**20, 10**20), json_value), max_size=3)
NEW_CENTRE = {"id": "fuzz-centre", "name": "Synthetic test centre", "kind": "craft_centre", "country": "LV",
              "municipality": "Dobeles novads", "wheelchair": "unknown", "signage": "unknown",
              "mid_baltic_network": "unknown", "status": "active", "coord_precision": "none", "source": "test"}
new_centre = st.builds(lambda changes, slug: NEW_CENTRE | changes | {"id": slug},
                       st.dictionaries(st.sampled_from(CENTRE_FIELDS), field_value, max_size=3),
                       st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True))  # synthetic, for this test only
bodies = st.one_of(
    new_centre,
    st.dictionaries(st.sampled_from(sorted(set(EDITABLE) | set(CENTRE_FIELDS))), field_value, max_size=6),
    st.fixed_dictionaries({"visitors": visitors}),
    json_value,
    st.binary(max_size=40),
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=20)  # what HTTP carries
headers = st.fixed_dictionaries({}, optional={
    "Accept-Language": st.one_of(st.sampled_from(["lv", "lt,en;q=0.5", "en;q=abc", "*;q=1e500", "xx-YY", ";;,,"]), header_text),
    "If-None-Match": st.one_of(st.sampled_from(['"', 'W/', '*', '"a", W/"b"']), header_text),
    "If-Match": st.one_of(st.sampled_from(["v1", '"v1-x"', "*", "v99999999999999999999", "v-1"]), header_text),
    "Cookie": st.one_of(st.sampled_from(["lang=lt", "lang=" + "x" * 5000, "session=garbage", "=;=;"]), header_text),
    "Accept-Encoding": st.sampled_from(["gzip", "br;q=0", "*", "identity;q=0"]),
    "Range": st.sampled_from(["bytes=0-10", "bytes=-5", "bytes=x"]),
})


@st.composite
def requests(draw):
    method, template, names = draw(st.sampled_from(OPERATIONS))
    ids = CENTRES if "centre" in template else ROUTES
    ident = draw(st.one_of(st.sampled_from(ids[:1]), st.sampled_from(ids), text))  # mostly ids that exist
    path = template.replace("{id}", quote(ident, safe="") or "x").replace("{photo_id}", quote(draw(text), safe="") or "x")
    request = {"method": method, "path": path, "template": template, "query_string": draw(queries(names)), "headers": draw(headers)}
    if method in ("POST", "PATCH"):
        body = draw(bodies)
        request["data"] = body if isinstance(body, bytes) else json.dumps(body)
        request["content_type"] = draw(st.sampled_from(["application/json", "text/plain"]))
    return request


def _holds(value, test):
    """Whether ``test`` holds for ``value`` or anything inside it (keys included)."""
    if isinstance(value, dict):
        return any(_holds(k, test) or _holds(v, test) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v, test) for v in value)
    return test(value)


def _send(client, token, request):
    request = dict(request, headers=dict(request["headers"]))
    request.pop("template", None)
    if request["method"] != "GET" or request["path"].endswith("/history"):
        request["headers"]["Authorization"] = f"Bearer {token}"
    try:
        response = client.open(**request)
        response.close()
        return response.status_code, response.get_data(as_text=True)[:200] if response.status_code >= 500 else ""
    except Exception as exc:  # noqa: BLE001 - an exception is the 500 a server would send
        return 500, f"{type(exc).__name__}: {exc}"[:200]


def test_no_request_is_a_server_error(app, runner, accounts):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    client, found = app.test_client(), []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests(), fresh_etag=st.booleans())
    def run(request, fresh_etag):
        if fresh_etag and request["method"] == "PATCH":  # the current version, so that writes get through
            current = client.get(request["path"], headers={"Authorization": f"Bearer {token}"})
            request["headers"]["If-Match"] = current.headers.get("ETag", "")
        status, detail = _send(client, token, request)
        if status >= 500:
            found.append((status, request, detail))
        seen.add((request["method"], request["template"], status))

    seen = set()
    run()
    assert not found, "\n".join(f"{s} {r} -> {d}" for s, r, d in found[:20])
    assert not undocumented(seen)


CONDITIONAL = {200, 206, 304, 412, 416}  # what any GET may answer to If-None-Match, If-Match or Range


def undocumented(seen):
    """API answers whose status the OpenAPI document does not list for their operation."""
    return sorted((m, t, s) for m, t, s in seen if t in openapi.PATHS and str(s) not in openapi.PATHS[t][m.lower()][
        "responses"] and not (m == "GET" and s in CONDITIONAL))


def _patch(client, token, body):
    signed = {"Authorization": f"Bearer {token}"}
    etag = client.get("/api/v1/centres/dobele-crafts-house", headers=signed).headers["ETag"]
    return _send(client, token, {"method": "PATCH", "path": "/api/v1/centres/dobele-crafts-house", "query_string": "",
                                 "headers": {"If-Match": etag}, "data": json.dumps(body),
                                 "content_type": "application/json"})[0]


def test_a_huge_visitor_count_is_refused_not_a_server_error(client, runner, accounts):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    assert _patch(client, token, {"visitors": {"2024": 10**20}}) == 422


def test_a_nul_in_a_written_text_is_refused_not_a_server_error(client, runner, accounts):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    assert _patch(client, token, {"name": "Dobeles\x00Amatu māja"}) == 422


@pytest.mark.parametrize("email", ["dobele\x00@example.test", "d" * 5000 + "@example.test"])
def test_an_impossible_sign_in_email_is_a_wrong_password_not_a_server_error(auth, email):
    response = auth.login(email)
    assert response.status_code == 401 and "Wrong email or password" in response.get_data(as_text=True)


def test_a_line_break_in_next_after_sign_in_is_not_a_server_error(auth, client):
    response = client.post("/manage/login?next=/manage/%0d%0aX-Injected:%201",
                           data={"email": "dobele@example.test", "password": PASSWORD, "csrf_token": auth.csrf()})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]
