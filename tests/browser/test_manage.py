"""An editor logs in, edits a centre, and sees it on the public map."""
import pytest

from tests.browser.conftest import Watched, start_server
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory)
    runner = server.app.test_cli_runner()
    result = runner.invoke(args=["user", "add", "dobele@example.test", "--role", "editor",
                                 "--municipality", "Dobeles novads"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    yield server
    server.stop()


def sign_in(page, url):
    page.goto(url + "/manage/?lang=en")
    page.get_by_label("Email").fill("dobele@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_location_picker_shows_the_base_map_and_boundaries_even_after_bad_input(browser, server):
    context = browser.new_context()
    watched = Watched(context.new_page(), server.url)
    page = watched.page
    sign_in(page, server.url)
    page.goto(server.url + "/manage/centres/dobele-crafts-house?lang=en")
    page.wait_for_selector("#pick-map[data-loaded]")
    assert page.locator("#pick-map .leaflet-tile-pane img").count() > 0
    assert page.locator("#pick-map .leaflet-overlay-pane path").count() > 1  # the municipalities around
    page.get_by_label("Latitude").fill("abc")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=is not a number")  # the page that came back names the field
    page.wait_for_selector("#pick-map[data-loaded]")
    assert watched.errors == [] and watched.foreign_requests() == []
    context.close()


def test_editor_edit_reaches_the_public_map(browser, server):
    context = browser.new_context()
    watched = Watched(context.new_page(), server.url)
    page = watched.page
    sign_in(page, server.url)
    page.get_by_role("link", name="Dobeles Amatu māja", exact=True).click()
    page.get_by_label("Wheelchair access", exact=True).select_option("yes")
    page.get_by_label("Opening hours", exact=True).fill("Tu-Sa 10:00-17:00")
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.locator(".flash").inner_text()
    page.goto(server.url + "/?lang=en&municipality=Dobeles+novads&wheelchair=yes")
    page.wait_for_selector("body[data-loaded]")
    page.locator(".pin-marker.pin-yes, .pin-marker").first.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content a").wait_for()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Dobeles Amatu māja" in popup and "Wheelchair accessible" in popup and "Tuesday–Saturday 10:00–17:00" in popup
    assert page.locator(".pin-yes").count() >= 1
    assert watched.foreign_requests() == []
    context.close()


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_manage_pages_pass_axe(browser, server, lang):
    from tests.browser.test_accessibility import axe_violations
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/manage/login?lang=" + lang)
    assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical", "moderate")] == []
    page.fill("#email", "dobele@example.test")
    page.fill("#password", PASSWORD)
    page.locator("form.narrow button[type=submit]").click()
    for path in ("/manage/", "/manage/centres/dobele-crafts-house", "/manage/centres/dobele-crafts-house/history",
                 "/manage/import", "/manage/password", "/manage/centres/new"):
        page.goto(f"{server.url}{path}?lang={lang}")
        page.wait_for_load_state("load")
        bad = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical", "moderate")]
        assert bad == [], path
    context.close()
