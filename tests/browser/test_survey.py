"""A municipality worker surveys a centre at its door, on a phone, in Latvian: taps the answers, types
measures with a decimal comma, saves, and the centre's access, signage and check date follow on the
public page."""
from playwright.sync_api import expect

from tests.browser.conftest import Watched, start_server
from tests.browser.test_accessibility import axe_violations
from tests.conftest import PASSWORD
from tests.test_photos import markers, phone_jpeg

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EDITOR, OWN = "dobele@example.test", "dobele-crafts-house"


def test_a_survey_completed_on_a_phone_in_latvian_reaches_the_centre_page(browser, tmp_path_factory):
    server = start_server(tmp_path_factory)
    result = server.app.test_cli_runner().invoke(
        args=["user", "add", EDITOR, "--role", "editor", "--municipality", "Dobeles novads"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    context = browser.new_context(locale="lv-LV", **PHONE)
    try:
        watched = Watched(context.new_page(), server.url)
        page = watched.page
        page.goto(f"{server.url}/manage/login?lang=lv")
        page.fill("#email", EDITOR)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.locator("form button[type=submit]").first.tap()
        page.goto(f"{server.url}/manage/centres/{OWN}/survey?lang=lv")
        assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical", "moderate")] == []
        choice = page.locator("label.survey-choice", has=page.locator("input[name=entrance][value=steps]"))
        box = choice.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= 390  # a thumb's target, on the screen
        choice.tap()
        page.get_by_label("Augstākais pakāpiens pie ieejas, cm").fill("5,5")
        page.get_by_label("Ieejas durvju platums, cm").fill("92")
        for name, value in (("rooms_step_free", "yes"), ("sign_at_junction", "yes"), ("sign_at_entrance", "yes")):
            page.locator(f"label.survey-choice:has(input[name={name}][value={value}])").tap()
        big = [{"name": f"liels-{i}.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"\0" * 6_000_000}
               for i in (1, 2)]  # two phone photos over the 10 MB one request takes: stopped before sending
        page.get_by_label("Fotoattēli (pierādījumi)").set_input_files(big)
        page.get_by_role("button", name="Saglabāt apsekojumu").tap()
        expect(page.locator("#photos-too-much")).to_contain_text("kopā ir 11,4 MB; vienā reizē var nosūtīt ne vairāk kā 10 MB")
        assert page.get_by_label("Ieejas durvju platums, cm").input_value() == "92"  # nothing lost
        photo = phone_jpeg((2000, 1500))  # a phone's JPEG with its GPS position and camera in EXIF
        page.get_by_label("Fotoattēli (pierādījumi)").set_input_files(
            [{"name": "ieeja.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        page.locator("label.survey-choice:has(input[name=photos_public])").tap()
        page.get_by_role("button", name="Saglabāt apsekojumu").tap()
        result = page.locator(".survey-result")
        expect(result).to_contain_text("Ierobežota piekļuve ratiņkrēslā")
        expect(result).to_contain_text("pie ieejas viens 5,5 cm augsts pakāpiens")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.goto(f"{server.url}/centres/{OWN}?lang=lv")
        facts = page.locator("dl").first.inner_text()
        assert "Ierobežota piekļuve ratiņkrēslā" in facts and facts.count("apsekots: ") == 2
        src = page.locator(".photos img").get_attribute("src")
        stored = page.evaluate("url => fetch(url).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))", src)
        stored = bytes(stored)
        assert stored[:2] == b"\xff\xd8" and not any(m == 0xE1 for m, _s in markers(stored))  # no EXIF: no GPS
        assert b"TestPhone" in photo and b"TestPhone" not in stored
        assert watched.errors == []
    finally:
        context.close()
        server.stop()
