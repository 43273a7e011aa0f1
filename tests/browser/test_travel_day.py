"""A visitor picks a travel day on a route page, on a phone, and sees each stop open or closed that day,
with Latvia's and Lithuania's own public holidays."""
import contextlib
import shutil

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Watched, start_server
from tests.conftest import DATA, set_opening_hours

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_travel_day_marks_each_stop_with_the_holidays_of_its_country(browser, tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DATA, data)
    # the first stop of "Find out how it's made!", in Latvia
    set_opening_hours(data, {"folk-applied-art-studio-auce": "Mo-Fr 09:00-17:00; PH off"})
    server = start_server(tmp_path_factory, data=data)
    try:
        context = browser.new_context(locale="lv-LV", **PHONE)
        page = Watched(context.new_page(), server.url).open("/routes/uzzini-ka-top?lang=lv")
        page.get_by_label("Jūsu ceļojuma diena").fill("2026-11-18")  # Latvia's proclamation day, a Wednesday
        page.get_by_role("button", name="Rādīt, kas atvērts").click()
        page.wait_for_selector("body[data-loaded]")
        assert "date=2026-11-18" in page.url  # a planned day can be shared
        first = page.locator("table.stops tbody tr").first
        assert "Slēgts" in first.inner_text() and "proklamēšanas" in first.inner_text().lower()
        assert "svētku diena" in first.inner_text()
        assert "1 no 10" not in page.locator(".day-summary").inner_text()
        assert "slēgtas 1" in page.locator(".day-summary").inner_text()
        page.get_by_label("Jūsu ceļojuma diena").fill("2026-02-16")  # Lithuania's holiday: a working Monday here
        page.get_by_role("button", name="Rādīt, kas atvērts").click()
        page.wait_for_selector("body[data-loaded]")
        first = page.locator("table.stops tbody tr").first
        assert "Atvērts 09:00–17:00" in first.inner_text() and "(svētku diena)" not in first.inner_text()
        page.get_by_role("link", name="Lietuvių").click()  # the day stays when the language changes
        page.wait_for_selector("body[data-loaded]")
        assert "date=2026-02-16" in page.url and "Atidaryta" in page.locator("table.stops tbody tr").first.inner_text()
        context.close()
        # the map's popup says whether the centre is open on the visitor's own day
        context = browser.new_context(locale="lv-LV", **PHONE)
        page = context.new_page()
        page.clock.set_fixed_time("2026-11-18T12:00:00")  # the proclamation day, on the visitor's phone
        page = Watched(page, server.url).open("/?lang=lv&q=Auce")
        page.locator(".pin-marker").first.focus()
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup-content .open-on").wait_for()
        text = page.locator(".leaflet-popup-content .open-on").inner_text()
        assert text.startswith("Šodien slēgts – svētku diena: ") and "proklamēšanas" in text.lower()
        context.close()
    finally:
        server.stop()


def test_the_map_marks_each_centre_for_the_travel_day_picked_and_keeps_it_in_the_url(browser, tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "data"
    shutil.copytree(DATA, data)
    set_opening_hours(data, {"folk-applied-art-studio-auce": "Mo-Fr 09:00-17:00; PH off",
                             "dobele-crafts-house": "Mo-Sa 10:00-17:00"})
    server = start_server(tmp_path_factory, data=data)
    try:
        context = browser.new_context(locale="lv-LV", **PHONE)
        page = Watched(context.new_page(), server.url).open("/?lang=lv")
        assert page.locator(".leaflet-marker-icon.day-closed, .leaflet-marker-icon.day-open").count() == 0  # no day, no marks
        page.get_by_role("button", name="Filtri").click()
        page.get_by_label("Jūsu ceļojuma diena").fill("2026-11-18")  # Latvia's proclamation day, a Wednesday
        page.get_by_role("button", name="Rādīt kartē").click()
        page.wait_for_function("() => document.body.getAttribute('data-loaded') === '2'")
        assert "date=2026-11-18" in page.url  # a planned day can be shared
        states = [f["properties"]["open_on"]["state"] for f in page.evaluate(
            "fetch('/api/v1/centres?fields=map&date=2026-11-18').then(r => r.json())")["features"] if f["geometry"]]
        n = {s: states.count(s) for s in ("open", "closed", "unknown")}
        assert n["closed"] >= 1 and n["open"] >= 1  # Auce and Dobele among them
        status = page.locator("#result-count").inner_text()
        assert (f"trešdiena, 18. novembris, kartē: atvērti {n['open']}, slēgti {n['closed']}, "
                f"nav zināms {n['unknown']}") in status
        assert page.locator(".legend-day").first.is_visible()
        context.close()

        # the shared link opens on that day; the centre in Auce is closed for the holiday, Dobele open
        context = browser.new_context(locale="lv-LV", **PHONE)
        page = Watched(context.new_page(), server.url).open("/?lang=lv&date=2026-11-18&q=Auce")
        assert page.locator("#filter-date").input_value() == "2026-11-18"
        marker = page.locator(".leaflet-marker-icon.day-closed")
        marker.first.wait_for()  # once the map has zoomed to what it found
        assert marker.count() == 1 and "Slēgts (trešdiena, 18. novembris)" in marker.get_attribute("title")
        marker.focus()
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup-content .open-on").wait_for()
        text = page.locator(".leaflet-popup-content .open-on").inner_text()
        assert text.startswith("Slēgts (trešdiena, 18. novembris) – svētku diena: ") and "proklamēšanas" in text.lower()
        # the map pans the popup into view once its details arrive; on a busy machine that can take a while
        clear = ("() => document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect().top"
                 " >= document.getElementById('result-count').getBoundingClientRect().bottom")
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(clear, timeout=5000)
        page.wait_for_timeout(300)  # and stays there
        popup, count = (page.locator(s).bounding_box() for s in (".leaflet-popup-content-wrapper", "#result-count"))
        assert popup["y"] >= count["y"] + count["height"], "the count box covers the popup's name"
        assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 390  # its close button on the screen
        page.goto(server.url + "/?lang=lv&date=2026-11-18&q=Dobele")
        page.wait_for_selector("body[data-loaded]")
        page.locator(".leaflet-marker-icon.day-open .day-mark").first.wait_for()
        assert "Atvērts (trešdiena, 18. novembris): 10:00–17:00" in page.locator("#centre-items").inner_text()
        page.goto(server.url + "/?lang=lv&date=not-a-day")  # a day the browser cannot take is dropped, not sent
        page.wait_for_selector("body[data-loaded]")
        status = page.locator("#result-count").inner_text()
        assert status.startswith("Parādīti centri: ") and ":" not in status.split(")")[-1]  # the map, no day's line
        assert page.locator(".leaflet-marker-icon.day-closed, .leaflet-marker-icon.day-open").count() == 0
        context.close()
    finally:
        server.stop()
