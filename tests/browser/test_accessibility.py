"""WCAG 2.1 AA checks with axe-core (npm, run offline) in chromium, every page in every language."""
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/?date=2026-11-18", "/centres", "/centres/dobele-crafts-house", "/centres/svete-ceramics-workshop", "/routes",
         "/routes/balts-road-selonian", "/sources", "/no-such-page", "/planner/", "/planner/coverage",
         "/planner/coverage?by=route", "/planner/gaps", "/planner/report"]
# Moderate findings that remain, each with its reason (none at present).
ACCEPTED_MODERATE = {}


def axe_violations(page):
    if not page.evaluate("() => !!window.axe"):  # evaluated over the DevTools protocol: a <script> tag would
        page.evaluate(AXE.read_text(encoding="utf-8"))  # be inline, which the page's CSP refuses
    result = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
    })).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))""")
    return result


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_violations(watched, path, lang):
    page = watched.page
    page.goto(f"{watched.base}{path}{'&' if '?' in path else '?'}lang={lang}")
    page.wait_for_load_state("load")
    if page.locator("#craftmap-config").count():
        page.wait_for_selector("body[data-loaded]")
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []
    moderate = [v for v in violations if v["impact"] == "moderate" and v["id"] not in ACCEPTED_MODERATE]
    assert moderate == []


def test_skip_link_and_keyboard_reach_the_list(watched):
    page = watched.open("/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")  # to the main content: its first stop is the link past the map
    page.keyboard.press("Tab")
    link = page.get_by_role("link", name="Skip the map to the list of centres")
    assert link.evaluate("a => a === document.activeElement") and link.is_visible()
    box = link.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0  # shown where it is focused, not off-screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "centre-list"


def test_markers_are_reachable_by_keyboard(watched):
    page = watched.open("/?lang=en&country=LT&municipality=Joni%C5%A1kio+rajono+savivaldyb%C4%97")
    marker = page.locator(".pin-marker").first
    marker.focus()
    assert "Wheelchair access unknown" in marker.get_attribute("title")
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content a").wait_for()
    assert "Joniškio istorijos" in page.locator(".leaflet-popup-content").inner_text()


def test_a_cluster_opens_by_keyboard(watched):
    page = watched.open("/?lang=en")
    assert page.locator(".marker-cluster").count() > 0
    before = page.evaluate("[window.craftmap.map.getZoom(), document.querySelectorAll('.pin-marker').length]")
    page.locator(".marker-cluster").first.focus()
    page.keyboard.press("Enter")  # zooms in, or spreads out centres that share one location
    page.wait_for_function(f"() => window.craftmap.map.getZoom() > {before[0]} "
                           f"|| document.querySelectorAll('.pin-marker').length > {before[1]}", timeout=5000)
