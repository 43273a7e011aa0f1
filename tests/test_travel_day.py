"""'Open on my travel day': each centre and stop is open, closed or unknown on a chosen date, from its
opening hours with the public holidays of its own country (PH differs between Latvia and Lithuania)."""
import datetime
import html as htmllib
import re

import holidays
import pytest

from craftmap import hours
from tests.conftest import set_opening_hours

LV_STOP = "folk-applied-art-studio-auce"  # the first stop of "Find out how it's made!", in Latvia
LT_CENTRE = "birzai-regional-museum-sela"
WEEKDAYS = "Mo-Fr 09:00-17:00; PH off"
LV_DAY, LT_DAY = "2026-11-18", "2026-02-16"  # Wednesday, Latvia's proclamation day; Monday, Lithuania's


@pytest.fixture
def client(make_app, data_dir):
    set_opening_hours(data_dir, {LV_STOP: WEEKDAYS, LT_CENTRE: WEEKDAYS})
    return make_app(data=data_dir).test_client()


def named(country, day, language):
    """The holiday's name as the holidays package gives it."""
    day = datetime.date.fromisoformat(day)
    return holidays.country_holidays(country, years=day.year, language=language)[day]


def open_on(client, centre_id, day, lang="en"):
    response = client.get(f"/api/v1/centres/{centre_id}?date={day}&lang={lang}")
    assert response.status_code == 200
    return response.get_json()["properties"]["open_on"]


def test_each_country_closes_on_its_own_public_holiday_and_names_it(client):
    assert open_on(client, LV_STOP, LV_DAY, "lv") == {
        "date": LV_DAY, "state": "closed", "intervals": [],
        "holiday": {"name": named("LV", LV_DAY, "lv"), "lang": "lv"}}
    assert open_on(client, LT_CENTRE, LV_DAY) == {
        "date": LV_DAY, "state": "open", "intervals": [{"opens": "09:00", "closes": "17:00"}], "holiday": None}
    lt = open_on(client, LT_CENTRE, LT_DAY, "lt")
    assert lt["state"] == "closed" and lt["holiday"] == {"name": "Lietuvos valstybės atkūrimo diena", "lang": "lt"}
    assert named("LV", LV_DAY, "lv").lower() == "latvijas republikas proklamēšanas diena"
    assert open_on(client, LV_STOP, LT_DAY)["state"] == "open"
    # a Lithuanian visitor reads Latvia's holiday in Latvian, marked as such: the names exist in no other
    assert open_on(client, LV_STOP, LV_DAY, "lt")["holiday"]["lang"] == "lv"
    assert open_on(client, LT_CENTRE, "2026-11-21")["state"] == "closed"  # a Saturday


def test_no_recorded_hours_is_unknown_never_closed(client):
    centre = "dobele-crafts-house"
    assert open_on(client, centre, LV_DAY) == {"date": LV_DAY, "state": "unknown", "intervals": [],
                                               "holiday": {"name": named("LV", LV_DAY, "en_US"),
                                                           "lang": "en"}}


def test_the_route_and_the_collection_answer_the_same(client):
    stops = client.get(f"/api/v1/routes/uzzini-ka-top?date={LV_DAY}").get_json()["properties"]["stops"]
    assert stops[0]["open_on"]["state"] == "closed" and stops[0]["open_on"]["holiday"]
    assert all(s["open_on"]["state"] == "unknown" for s in stops[1:] if not s["opening_hours"])
    features = client.get(f"/api/v1/centres?date={LT_DAY}&country=LT").get_json()["features"]
    by_id = {f["id"]: f["properties"]["open_on"] for f in features}
    assert by_id[LT_CENTRE]["state"] == "closed" and len(by_id) == len(features)
    assert "open_on" not in client.get("/api/v1/centres?country=LT").get_json()["features"][0]["properties"]


@pytest.mark.parametrize("bad", ["2026-13-40", "18.11.2026", "2026-02-30", "1999-12-31", "x" * 5000, "２０２６-１１-１８",
                                 "2026-11-18T00:00", "%2B2026-11-18"])
def test_a_day_that_is_no_day_is_refused_naming_the_field(client, bad):
    for url in (f"/api/v1/centres?date={bad}", f"/api/v1/centres/{LV_STOP}?date={bad}",
                f"/api/v1/routes/uzzini-ka-top?date={bad}"):
        response = client.get(url + "&lang=lv")
        assert response.status_code == 400 and response.get_json()["field"] == "date", url
        message = response.get_json()["error"]
        assert "GGGG-MM-DD" in message and "must be" not in message and bad[:20] not in message
    page = client.get(f"/routes/uzzini-ka-top?date={bad}&lang=lv")
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    assert page.status_code == 400 and "Ceļojuma diena" in text and "must be" not in text


def test_the_route_page_marks_each_stop_for_the_day_in_the_visitors_language(client):
    page = client.get(f"/routes/uzzini-ka-top?date={LV_DAY}&lang=lv").get_data(as_text=True)
    text = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "trešdiena, 2026. gada 18. novembris" in text
    assert f"Slēgts {named('LV', LV_DAY, 'lv')} (svētku diena)" in text
    # the day itself says it is a holiday, for stops that are no centre and have no hours to say so
    assert f"Latvija, svētku diena: {named('LV', LV_DAY, 'lv')} ." in text and "Lietuva, svētku diena" not in text
    lt_day = htmllib.unescape(re.sub(r"<[^>]+>", " ", client.get(f"/routes/balts-road-selonian?date={LT_DAY}&lang=en")
                                     .get_data(as_text=True)))
    assert "Lithuania, public holiday: " in re.sub(r"\s+", " ", lt_day)
    assert "nav reģistrēta darba laika" in text or "darba laiks nav norādīts" in text
    assert 'href="geo:' in page and "openstreetmap.org/directions?to=" in page
    assert 'value="2026-11-18"' in page
    lt = client.get(f"/routes/uzzini-ka-top?date={LT_DAY}&lang=lt").get_data(as_text=True)
    assert "Atidaryta" in htmllib.unescape(lt) and "09:00–17:00" in lt


@pytest.mark.parametrize("country", ["LV", "LT"])
def test_the_days_opening_hours_py_calls_ph_are_the_holidays_packages_public_holidays(country):
    """Every day opening-hours-py calls PH is a public holiday of the holidays package. That package lists
    besides only Latvia's moved days off, Latvian holidays on a weekend (opening-hours-py counts the
    Monday after instead) and Lithuania's Sunday feasts (Mother's and Father's Day)."""
    for year in (2026, 2027, 2028):
        ph = set(hours.holidays(country, year))
        named = holidays.country_holidays(country, years=year)
        assert ph <= set(named), sorted(ph - set(named))
        for day in set(named) - ph:
            name = holidays.country_holidays(country, years=year, language="en_US").get(day)
            monday = day + datetime.timedelta(days=7 - day.weekday())
            moved = "substituted" in name.lower() or (day.weekday() >= 5 and monday in ph)
            assert (moved if country == "LV" else day.weekday() == 6), (day, name)
        assert datetime.date(year, 1, 1) in ph
