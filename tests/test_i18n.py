"""Latvian, Lithuanian and English: every string translated, the language chosen and carried."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

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
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
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
