"""A municipality worker surveys a centre at its door, on a phone, in Latvian: taps the answers, types
measures with a decimal comma, saves with no signal, and the survey is sent when the signal returns; the
centre's access, signage and check date follow on the public page, the planner's figures follow, and a
report frozen before does not."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import Watched, start_server
from tests.browser.test_accessibility import axe_violations
from tests.conftest import PASSWORD
from tests.test_photos import markers, phone_jpeg

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EDITOR, OWN = "dobele@example.test", "dobele-crafts-house"


def editor_server(tmp_path_factory):
    """The app on a local port with Dobele's editor account."""
    server = start_server(tmp_path_factory)
    result = server.app.test_cli_runner().invoke(
        args=["user", "add", EDITOR, "--role", "editor", "--municipality", "Dobeles novads"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return server


def sign_in(page, url, lang):
    page.goto(f"{url}/manage/login?lang={lang}")
    page.fill("#email", EDITOR)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.tap()


def test_a_survey_completed_on_a_phone_in_latvian_reaches_the_centre_page(browser, tmp_path_factory):
    server = editor_server(tmp_path_factory)
    context = browser.new_context(locale="lv-LV", **PHONE)
    planner = server.app.test_client()
    with server.app.test_request_context("/?lang=en"):
        from craftmap import reports
        report_id = reports.freeze({"role": "planner", "email": "planner@example.test"}, "pārskats 2026", "lv")
    frozen = planner.get(f"/api/v1/reports/{report_id}").get_json()

    def month_point():
        doc = planner.get("/api/v1/indicators/history").get_json()
        access = next(i for i in doc["indicators"] if i["metric"] == "wheelchair_share")
        return access["months"][-1]

    before = month_point()
    try:
        watched = Watched(context.new_page(), server.url)
        page = watched.page
        sign_in(page, server.url, "lv")
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
        context.set_offline(True)  # no signal at the door
        page.get_by_role("button", name="Saglabāt apsekojumu").tap()
        expect(page.locator("form .queue-status")).to_contain_text("Nav savienojuma: apsekojums ir saglabāts šajā ierīcē")
        expect(page.locator("#survey-queue li")).to_contain_text("gaida savienojumu")
        assert page.locator(".survey-result").count() == 0
        assert server.app.test_client().get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"] == []
        context.set_offline(False)  # the signal returns: the survey kept on the phone is sent, once
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
        assert len(server.app.test_client().get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"]) == 1
        page.goto(f"{server.url}/manage/?lang=lv")
        assert page.locator("#survey-queue").is_hidden()  # nothing is waiting any more

        # its photo, on the centre's photos page: captioned with a thumb, the page still fits the phone
        page.goto(f"{server.url}/manage/centres/{OWN}/photos?lang=lv")
        assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical", "moderate")] == []
        page.get_by_label("Paraksts").fill("Ieeja no pagalma")
        with page.expect_navigation():
            page.get_by_role("button", name="Saglabāt fotoattēlu").tap()
        expect(page.locator(".flash")).to_contain_text("Fotoattēls saglabāts: tiek rādīts apmeklētājiem.")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.goto(f"{server.url}/centres/{OWN}?lang=lv")
        assert page.locator(".photos img").get_attribute("alt") == "Ieeja no pagalma"

        page.goto(f"{server.url}/planner/coverage?lang=lv")  # the planner's figures follow
        lead = page.locator(".known-lead").inner_text()
        assert re.search(rf"zināma {before['known'] + 1} no {before['total']}", lead), lead
        after = month_point()
        assert (after["period"], after["known"]) == (before["period"], before["known"] + 1)
        page.goto(f"{server.url}/planner/?lang=lv")
        month_row = page.locator("table[data-periods=months] tbody tr").last
        expect(month_row.locator("td[data-metric=wheelchair_share]")).to_contain_text(f"{after['known']} no")
        assert planner.get(f"/api/v1/reports/{report_id}").get_json() == frozen  # a frozen report stays
        assert watched.errors == []
    finally:
        context.close()
        server.stop()


def test_a_survey_whose_answer_was_lost_is_sent_again_from_another_page_and_saved_once(browser, tmp_path_factory):
    server = editor_server(tmp_path_factory)
    context = browser.new_context(locale="lt-LT", **PHONE)
    try:
        page = Watched(context.new_page(), server.url).page
        sign_in(page, server.url, "lt")
        page.goto(f"{server.url}/manage/centres/{OWN}/survey?lang=lt")
        page.locator("label.survey-choice:has(input[name=entrance][value=step_free])").tap()
        page.get_by_label(re.compile("durų plotis", re.I)).fill("95")
        page.locator("label.survey-choice:has(input[name=rooms_step_free][value=yes])").tap()

        def lose_the_answer(route):  # the server saves the survey; the phone never hears back
            route.fetch()
            route.abort()
        page.route("**/survey*", lambda route: lose_the_answer(route) if route.request.method == "POST"
                   else route.continue_())
        page.get_by_role("button", name="Išsaugoti apžiūrą").tap()
        expect(page.locator("#survey-queue li")).to_contain_text("laukia ryšio")
        page.unroute("**/survey*")
        saved = server.app.test_client().get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"]
        assert len(saved) == 1  # it did reach the server

        page.goto(f"{server.url}/manage/?lang=lt")  # the editor's start page sends what is waiting
        expect(page.locator("#survey-queue-note")).to_contain_text("išsiųsta ir išsaugota")
        expect(page.locator("#survey-queue")).to_be_hidden()
        again = server.app.test_client().get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"]
        assert [s["id"] for s in again] == [s["id"] for s in saved]  # once, not twice
        assert page.locator("body").get_attribute("data-surveys-waiting") == "0"
    finally:
        context.close()
        server.stop()


def test_a_survey_refused_when_sent_later_comes_back_into_its_form(browser, tmp_path_factory):
    server = editor_server(tmp_path_factory)
    context = browser.new_context(locale="en-GB", **PHONE)
    try:
        page = Watched(context.new_page(), server.url).page
        sign_in(page, server.url, "en")
        page.goto(f"{server.url}/manage/centres/{OWN}/survey?lang=en")
        page.locator("label.survey-choice:has(input[name=entrance][value=steps])").tap()
        page.get_by_label("Highest step at the entrance, in cm").fill("4")
        page.get_by_label("Entrance door width, in cm").fill("85")
        page.locator("label.survey-choice:has(input[name=rooms_step_free][value=yes])").tap()
        page.locator("label.survey-choice:has(input[name=sign_at_entrance][value=no])").tap()
        page.get_by_label("Photos (evidence)").set_input_files(
            [{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg((640, 480))}])
        context.set_offline(True)
        page.get_by_role("button", name="Save the survey").tap()
        expect(page.locator("#survey-queue li")).to_contain_text("waiting for a connection")
        with server.app.test_request_context("/?lang=en"):  # meanwhile a colleague sets the access by hand
            from craftmap import db, editing
            editing.save_centre(OWN, {"wheelchair": "yes"}, db.get_centre(OWN)["version"], "bauska@example.test")
        context.set_offline(False)
        item = page.locator("#survey-queue li[data-state=refused]")
        expect(item).to_contain_text("not saved: ")
        expect(item).to_contain_text("Wheelchair access or signage of this centre was changed while you surveyed it")
        with page.expect_navigation():
            item.get_by_role("link", name="Open it in the form").tap()
        expect(page.locator("form .queue-status")).to_contain_text("back in the form")
        assert page.locator("input[name=entrance][value=steps]").is_checked()
        assert page.get_by_label("Entrance door width, in cm").input_value() == "85"
        assert page.locator("input[name=sign_at_entrance][value=no]").is_checked()
        assert page.locator("input[name=rooms_step_free][value=yes]").is_checked()
        assert page.locator("input[name=toilet_wheelchair][value=unknown]").is_checked()  # as it was sent
        assert page.evaluate("() => document.querySelector('input[type=file]').files[0].name") == "door.jpg"
        page.get_by_role("button", name="Save the survey").tap()
        expect(page.locator(".survey-result")).to_contain_text("Limited wheelchair access")
        expect(page.locator("#survey-queue")).to_be_hidden()
        saved = server.app.test_client().get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"]
        with server.app.app_context():
            from craftmap import photos
            assert len(saved) == 1 and len(photos.for_centre(OWN, public_only=False)) == 1  # the photo came back too
    finally:
        context.close()
        server.stop()
