"""Latvian, Lithuanian and English: every string translated, the language chosen and carried."""
from pathlib import Path

import html as htmllib
import json
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import page_paths

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("craftmap/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages():
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_every_string_is_translated(lang):
    with open(ROOT / f"craftmap/translations/{lang}/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - translated)
    assert not missing, f"{len(missing)} strings not translated into {lang}: {missing[:10]}"


def test_language_from_query_is_remembered_and_carried(client):
    response = client.get("/?lang=lv")
    html = response.get_data(as_text=True)
    assert '<html lang="lv">' in html and "lang=lv" in response.headers["Set-Cookie"]
    assert 'href="/centres?lang=lv"' in html
    assert '<html lang="lv">' in client.get("/routes").get_data(as_text=True)


def test_language_from_accept_language(client):
    html = client.get("/routes", headers={"Accept-Language": "lt-LT,lt;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="lt">' in html
    assert '<html lang="en">' in client.get("/routes", headers={"Accept-Language": "de"}).get_data(as_text=True)


@pytest.mark.parametrize("lang, route, wheelchair", [
    ("lv", "Baltu ceļš: Sēļu loks", "unknown"), ("lt", "Baltų kelias: sėlių atkarpa", "unknown"),
    ("en", "Balts' Road: Selonian loop", "unknown")])
def test_route_names_and_labels_follow_the_language(client, lang, route, wheelchair):
    props = client.get(f"/api/v1/routes/balts-road-selonian?lang={lang}").get_json()["properties"]
    assert props["name"] == route
    en = client.get("/api/v1/routes/balts-road-selonian?lang=en").get_json()["properties"]
    if lang != "en":
        assert props["stops"][0]["wheelchair_label"] != en["stops"][0]["wheelchair_label"]


def test_craft_names_follow_the_language(client):
    feature = client.get("/api/v1/centres/dobele-crafts-house?lang=lv").get_json()
    assert feature["properties"]["crafts"][0] == {"key": "weaving", "label": "aušana"}


def test_missing_translation_falls_back_visibly(make_app, data_dir):
    import json
    doc = json.loads((data_dir / "routes.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["description_lt"] = ""
    (data_dir / "routes.geojson").write_text(json.dumps(doc), encoding="utf-8")
    html = make_app(data=data_dir).test_client().get("/routes/balts-road-selonian?lang=lt").get_data(as_text=True)
    assert 'lang="en">The Selonian segment' in html


def test_numbers_in_the_local_format(client):
    km = client.get("/api/v1/routes/balts-road-selonian").get_json()["properties"]["length_km"]
    whole, tenth = f"{km:.1f}".split(".")
    assert f"{whole},{tenth}" in client.get("/routes/balts-road-selonian?lang=lv").get_data(as_text=True)
    assert f"{whole}.{tenth}" in client.get("/routes/balts-road-selonian?lang=en").get_data(as_text=True)


def language_links(html):
    return [a.replace("&amp;", "&") for a in re.findall(r'<a href="([^"]*)"\s+hreflang=', html)]


ODD_QUERY = "endpoint=x&_method=DELETE&_external=1&_anchor=top&_scheme=javascript&centre_id=other&lang=lt"


def test_query_parameters_named_like_url_for_arguments_are_only_query(app, client, editor_client, planner_client):
    """?endpoint= and ?_method= reached url_for as its own arguments in the language links: 500 on every page."""
    for path in page_paths(app):
        for who in (client, editor_client, planner_client):
            response = who.get(f"{path}?{ODD_QUERY}")
            assert response.status_code < 500, (path, response.status_code)
            if response.status_code == 200 and response.mimetype == "text/html":
                links = language_links(response.get_data(as_text=True))
                kept, bare = ([f"{path}?{query}lang={code}" for code in ("lv", "lt", "en")]
                              for query in (ODD_QUERY.replace("lang=lt", ""), ""))
                assert links in (kept, bare), (path, links)  # the same page; the query as it came, or none
                assert 'lang="lt"' in response.get_data(as_text=True)


def test_language_links_keep_the_directory_filters(client):
    html = client.get("/centres?country=LV&q=k%C4%81r&lang=en").get_data(as_text=True)
    assert language_links(html) == [f"/centres?country=LV&q=k%C4%81r&lang={c}" for c in ("lv", "lt", "en")]


def test_the_boundaries_attribution_reads_in_the_pages_language(client):
    for lang, words in (("lv", "Robežas: © "), ("lt", "Ribos: © "), ("en", "Boundaries: © ")):
        page = htmllib.unescape(client.get(f"/sources?lang={lang}").get_data(as_text=True))
        assert words in page and 'href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>' in page
        html = client.get(f"/?lang={lang}").get_data(as_text=True)
        config = json.loads(re.search(r'id="craftmap-config">(.*?)</script>', html, re.S).group(1))
        assert htmllib.unescape(config["boundaryAttribution"]).startswith(words)  # what the map's (i) opens
