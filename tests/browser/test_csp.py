"""Every page under the Content Security Policy in a real browser: nothing refused, the map still works,
and the map tells the visitor when the server cannot answer."""
import pytest

from tests.browser.conftest import start_server
from tests.conftest import PASSWORD

# Recorded from the first script on: violations of inline scripts or styles happen while the page parses.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""
PUBLIC = ["/?lang=en", "/centres?lang=en", "/centres/dobele-crafts-house?lang=en", "/routes?lang=en",
          "/routes/balts-road-selonian?lang=en", "/sources?lang=en", "/planner/?lang=en",
          "/planner/coverage?by=municipality&lang=en", "/planner/coverage?by=country&lang=en",
          "/planner/coverage?by=route&lang=en", "/planner/gaps?lang=en", "/planner/report?lang=en",
          "/manage/login?lang=en"]
EDITOR = ["/manage/?lang=en", "/manage/centres/dobele-crafts-house?lang=en", "/manage/import?lang=en",
          "/manage/centres/dobele-crafts-house/history?lang=en"]
PLANNER = ["/manage/routes?lang=en", "/manage/routes/balts-road-selonian?lang=en"]
MAPS = ("/?", "/centres/", "/routes/balts-road-selonian", "/planner/coverage")
ACCOUNTS = {"dobele@example.test": ["--role", "editor", "--municipality", "Dobeles novads"],
            "planner@example.test": ["--role", "planner"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory)
    runner = server.app.test_cli_runner()
    for email, args in ACCOUNTS.items():
        result = runner.invoke(args=["user", "add", email, *args], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    yield server
    server.stop()


class Policed:
    """A browser context that records CSP violations, console errors and script errors on its pages."""

    def __init__(self, browser, base, **options):
        self.context = browser.new_context(locale="en-GB", **options)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page, self.base, self.problems = self.context.new_page(), base, []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"error: {e}"))

    def open(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        if path.startswith(MAPS) and not path.startswith("/centres/dobele"):
            self.page.wait_for_selector("body[data-loaded]", timeout=15000)
        if path.startswith("/manage/centres/") and "history" not in path:
            self.page.wait_for_selector("#pick-map[data-loaded]", timeout=15000)
        return self.page

    def violations(self):
        return self.page.evaluate("window.__violations") + self.problems

    def sign_in(self, email):
        self.open("/manage/login?lang=en")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url("**/manage/**")


@pytest.fixture
def policed(browser, server):
    made = []

    def make(**options):
        made.append(Policed(browser, server.url, **options))
        return made[-1]
    yield make
    for p in made:
        p.context.close()


def test_every_page_runs_under_the_policy_without_a_violation(policed):
    visitor, editor, planner = policed(), policed(), policed()
    editor.sign_in("dobele@example.test")
    planner.sign_in("planner@example.test")
    found = {}
    for who, paths in ((visitor, PUBLIC), (editor, EDITOR), (planner, PLANNER)):
        for path in paths:
            page = who.open(path)
            assert "Content-Security-Policy" not in page.content()  # the header, not a <meta>, sets it
            if who.violations():
                found[path] = who.violations()
            who.problems.clear()
    assert found == {}


def test_the_map_works_under_the_policy(policed):
    visitor = policed()
    page = visitor.open("/?lang=en")
    assert page.locator(".leaflet-tile-loaded").count() > 0 and page.locator(".marker-cluster").count() > 0
    page.select_option("#filter-municipality", "Joniškio rajono savivaldybė")
    page.wait_for_function("() => document.querySelectorAll('#centre-items li').length < 46")
    page.locator(".pin-marker").first.click()
    page.locator(".leaflet-popup-content a").wait_for()
    assert "Joniškio" in page.locator(".leaflet-popup-content").inner_text()
    # route colours reach the legend and the layer list, though the policy refuses style attributes
    sample = page.locator(".leaflet-control-layers .swatch").first
    assert sample.evaluate("s => getComputedStyle(s).borderTopColor") == "rgb(27, 108, 168)"
    assert visitor.violations() == []


def test_route_colours_and_the_print_button_work_without_inline_code(policed):
    visitor = policed()
    page = visitor.open("/routes/balts-road-selonian?lang=en")
    assert page.locator("h1 .swatch").evaluate("s => getComputedStyle(s).borderTopColor") == "rgb(27, 108, 168)"
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("button", name="Print").click()
    assert page.locator("body[data-printed=yes]").count() == 1
    chips = visitor.open("/planner/coverage?by=municipality&lang=en").locator(".legend .chip")
    assert len({chips.nth(i).evaluate("c => getComputedStyle(c).backgroundColor") for i in range(chips.count())}) > 2
    assert visitor.violations() == []


@pytest.mark.parametrize("failure", ["network", "server"])
def test_a_popup_whose_details_fail_says_so(policed, failure):
    page = policed().open("/?lang=en&municipality=Joni%C5%A1kio+rajono+savivaldyb%C4%97")

    def fail(route):
        if failure == "network":
            route.abort()
        else:
            route.fulfill(status=503, body="{}", content_type="application/json")
    page.route("**/api/v1/centres/*", fail)
    page.wait_for_selector(".pin-marker")
    page.locator(".pin-marker").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_text("The details could not be loaded. Open the marker again to retry.").wait_for(timeout=5000)
    assert "Loading" not in popup.inner_text()


def test_a_failed_list_says_so(policed):
    page = policed().open("/?lang=en")
    page.route("**/api/v1/centres?*", lambda route: route.fulfill(status=500, body="oops"))
    page.select_option("#filter-country", "LT")
    page.locator("#result-count").get_by_text("The centres could not be loaded").wait_for(timeout=5000)


def test_a_late_answer_to_an_older_filter_does_not_replace_the_list(policed):
    page = policed().open("/?lang=en")
    held = []

    def hold_latvia(route):
        if "country=LV" in route.request.url:
            held.append(route)  # answered only after the newer filter's list is shown
        else:
            route.continue_()
    page.route("**/api/v1/centres?*", hold_latvia)
    page.select_option("#filter-country", "LV")
    page.wait_for_function("() => document.getElementById('result-count').textContent.includes('Loading')")
    page.select_option("#filter-country", "LT")
    page.wait_for_function("() => document.querySelectorAll('#centre-items li').length === 19")
    assert len(held) == 1
    try:
        held[0].continue_()  # the browser may have given up on it already: that is the point
    except Exception:  # noqa: BLE001 - Playwright raises when the request was aborted
        pass
    page.wait_for_timeout(1500)
    assert page.locator("#centre-items li").count() == 19
    assert "Latvia" not in page.locator("#centre-items").inner_text()
    assert "Centres shown: 19" in page.locator("#result-count").inner_text()
