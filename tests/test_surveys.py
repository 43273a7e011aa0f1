"""Field surveys: the rules that turn answers at the door into wheelchair and signage values, at each
threshold, and the survey's save through the write API: scoped, version-checked, never twice."""
import re
import uuid

import pytest

from craftmap import db, surveys
from craftmap.surveys import derive_signage, derive_wheelchair

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"
STEP_FREE = {"entrance": "step_free", "door_width_cm": 90, "rooms_step_free": "yes"}


@pytest.mark.parametrize("answers, value", [
    (STEP_FREE, "yes"),
    (STEP_FREE | {"entrance": "ramp"}, "yes"),
    (STEP_FREE | {"door_width_cm": 89}, "limited"),          # under 90 cm
    (STEP_FREE | {"door_width_cm": 89.9}, "limited"),
    (STEP_FREE | {"entrance": "steps", "step_height_cm": 7}, "limited"),  # 7 cm counts as limited
    (STEP_FREE | {"entrance": "steps", "step_height_cm": 7.5}, "no"),     # above 7 cm
    (STEP_FREE | {"entrance": "steps", "step_height_cm": 0}, "limited"),
    (STEP_FREE | {"rooms_step_free": "no"}, "limited"),
    ({"entrance": "steps", "step_height_cm": 12}, "no"),    # one answer decides "no"
    ({"entrance": "steps"}, "unknown"),                     # how high is not answered
    (STEP_FREE | {"door_width_cm": None}, "unknown"),
    ({k: v for k, v in STEP_FREE.items() if k != "rooms_step_free"}, "unknown"),
    ({}, "unknown"),
])
def test_wheelchair_follows_the_openstreetmap_rules_at_each_threshold(app, answers, value):
    with app.test_request_context("/?lang=en"):
        derived, reasons = derive_wheelchair({k: v for k, v in answers.items() if v is not None})
    assert derived == value and reasons


def test_the_reasons_say_what_decided_and_what_is_missing(app):
    with app.test_request_context("/?lang=en"):
        assert derive_wheelchair(STEP_FREE | {"door_width_cm": 80})[1] == [
            "the entrance has no step", "the door is 80 cm wide (under 90 cm)", "the main rooms are step-free"]
        assert derive_wheelchair({"entrance": "steps", "step_height_cm": 12})[1] == [
            "the highest step at the entrance is 12 cm, above 7 cm, with no ramp"]
        assert derive_wheelchair({"entrance": "ramp"})[1] == [
            "not answered: the door width, whether the main rooms are step-free"]
    with app.test_request_context("/?lang=lv"):
        app.preprocess_request()  # the page's language, as a request chooses it
        assert "durvis" in " ".join(derive_wheelchair(STEP_FREE)[1])


@pytest.mark.parametrize("junction, entrance, value", [
    ("yes", "yes", "yes"), ("yes", "no", "no"), ("no", "unknown", "no"), ("yes", "unknown", "unknown"),
    ("unknown", "unknown", "unknown")])
def test_signage_needs_both_signs(app, junction, entrance, value):
    with app.test_request_context("/?lang=en"):
        assert derive_signage({"sign_at_junction": junction, "sign_at_entrance": entrance})[0] == value


@pytest.fixture
def token(runner, accounts):
    return runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()


def _post(client, token, centre_id, body, etag="*"):
    headers = {"Authorization": f"Bearer {token}"} | ({"If-Match": etag} if etag else {})
    return client.post(f"/api/v1/centres/{centre_id}/surveys?lang=en", json=body, headers=headers)


def _state(app):
    with app.app_context():
        return db.all_centres(), surveys.for_centre(OWN), db.all_visitor_counts()


SURVEY = {"surveyed_on": "2026-05-14", "notes": "Ramp at the side door.",
          "answers": STEP_FREE | {"entrance": "ramp", "sign_at_junction": "yes", "sign_at_entrance": "yes",
                                  "toilet_wheelchair": "no", "parking_wheelchair": "yes"}}


def test_a_survey_sets_the_centres_values_through_the_same_version_check_and_history(app, client, token, runner):
    etag = client.get(f"/api/v1/centres/{OWN}").headers["ETag"]
    sid = str(uuid.uuid4())
    response = _post(client, token, OWN, SURVEY | {"id": sid}, etag)
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert saved["wheelchair"] == saved["wheelchair_derived"] == "yes" and saved["signage"] == "yes"
    centre = client.get(f"/api/v1/centres/{OWN}?lang=en")
    props = centre.get_json()["properties"]
    assert (props["wheelchair"], props["signage"], props["signage_checked_on"]) == ("yes", "yes", "2026-05-14")
    assert props["toilets_wheelchair"] == "no" and centre.headers["ETag"] != etag
    history = client.get(f"/api/v1/centres/{OWN}/history", headers={"Authorization": f"Bearer {token}"}).get_json()
    fields = {c["field"] for c in history["changes"] if c["survey_id"] == sid.replace("-", "")}
    assert {"wheelchair", "signage", "signage_checked_on", "toilets_wheelchair"} <= fields
    # the phone sends it again (it never saw the answer): the same survey, nothing saved twice
    before = _state(app)
    again = _post(client, token, OWN, SURVEY | {"id": sid}, etag)
    assert again.status_code == 200 and again.get_json()["id"] == saved["id"]
    assert _state(app) == before
    # anyone reads the survey; who surveyed only those who may read the centre's history
    public = client.get(f"/api/v1/centres/{OWN}/surveys").get_json()["surveys"]
    assert len(public) == 1 and "surveyed_by" not in public[0] and public[0]["answers"]["entrance"] == "ramp"
    planner = runner.invoke(args=["token", "create", "planner@example.test"]).output.strip()
    full = client.get(f"/api/v1/centres/{OWN}/surveys", headers={"Authorization": f"Bearer {planner}"}).get_json()
    assert full["surveys"][0]["surveyed_by"] == "dobele@example.test"


def test_the_centre_page_says_when_access_and_signage_were_surveyed(client, token):
    assert _post(client, token, OWN, SURVEY).status_code == 201
    for lang, text in (("en", "surveyed on May 14, 2026"), ("lv", "apsekots: 2026. gada 14. maijs"),
                       ("lt", "apžiūrėta 2026 m. gegužės 14 d.")):
        html = client.get(f"/centres/{OWN}?lang={lang}").get_data(as_text=True)
        assert html.count(text) == 2, (lang, text)  # beside access and beside signage


def test_an_override_needs_a_reason_and_is_kept_beside_the_derived_value(client, token):
    body = SURVEY | {"answers": STEP_FREE | {"door_width_cm": 85}, "wheelchair_override": "yes"}
    response = _post(client, token, OWN, body)
    assert response.status_code == 422 and response.get_json()["field"] == "override_reason"
    response = _post(client, token, OWN, body | {"override_reason": "A second, 95 cm door is always open."})
    saved = response.get_json()
    assert response.status_code == 201 and (saved["wheelchair"], saved["wheelchair_derived"]) == ("yes", "limited")


def test_a_survey_that_leaves_access_unanswered_does_not_undo_what_was_known(app, client, token):
    assert _post(client, token, OWN, SURVEY).status_code == 201
    assert _post(client, token, OWN, {"surveyed_on": "2026-06-01", "answers": {"sign_at_junction": "no"}}).status_code == 201
    props = client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]
    assert (props["wheelchair"], props["signage"], props["signage_checked_on"]) == ("yes", "no", "2026-06-01")


@pytest.mark.parametrize("body, field", [
    ({"answers": {"step_height_cm": "high"}}, "answers.step_height_cm"),
    ({"answers": {"step_height_cm": 101}}, "answers.step_height_cm"),
    ({"answers": {"door_width_cm": float("inf")}}, "answers.door_width_cm"),
    ({"answers": {"entrance": "<script>"}}, "answers.entrance"),
    ({"answers": {"lift": "yes"}}, "answers.lift"),
    ({"answers": ["ramp"]}, "answers"),
    ({"surveyed_on": "2999-01-01"}, "surveyed_on"),
    ({"surveyed_on": "31.02.2026"}, "surveyed_on"),
    ({"surveyed_on": 20260514}, "surveyed_on"),
    ({"notes": "x" * 4001}, "notes"),
    ({"notes": {"a": 1}}, "notes"),
    ({"id": "../../etc/passwd"}, "id"),
    ({"id": 12}, "id"),
    ({"wheelchair_override": "maybe", "override_reason": "x"}, "wheelchair_override"),
])
def test_bad_surveys_are_refused_naming_the_field_and_nothing_is_saved(app, client, token, body, field):
    before = _state(app)
    response = _post(client, token, OWN, body)
    assert response.status_code == 422 and response.get_json()["field"] == field, response.get_json()
    assert _state(app) == before


def test_surveys_are_scoped_and_version_checked_like_every_write(app, client, token):
    before = _state(app)
    assert _post(client, token, OTHER, SURVEY).status_code == 403
    assert _post(client, token, OWN, SURVEY, etag=None).status_code == 428
    assert _post(client, token, OWN, SURVEY, etag='"v999-en-x"').status_code == 412
    assert _post(client, "not-a-token", OWN, SURVEY).status_code == 401
    assert _post(client, token, "no-such-centre", SURVEY).status_code == 404
    assert client.get("/api/v1/centres/no-such-centre/surveys").status_code == 404
    response = client.post(f"/api/v1/centres/{OWN}/surveys", data=b"{not json", headers={
        "Authorization": f"Bearer {token}", "If-Match": "*", "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["field"] == "body"
    assert _state(app) == before


def test_a_survey_id_of_another_centre_is_refused(client, runner, accounts):
    bauska = runner.invoke(args=["token", "create", "bauska@example.test"]).output.strip()
    sid = str(uuid.uuid4())
    assert _post(client, bauska, OTHER, SURVEY | {"id": sid}).status_code == 201
    dobele = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    response = _post(client, dobele, OWN, SURVEY | {"id": sid})
    assert response.status_code == 422 and response.get_json()["field"] == "id"


FORM = {"surveyed_on": "14.05.2026", "entrance": "steps", "step_height_cm": "6,5", "door_width_cm": "95",
        "rooms_step_free": "yes", "sign_at_junction": "no", "sign_at_entrance": "yes", "notes": "Vienu pakāpienu."}


def _form(auth, client, centre_id=OWN, lang="lv"):
    html = client.get(f"/manage/centres/{centre_id}/survey?lang={lang}").get_data(as_text=True)
    hidden = dict(re.findall(r'name="(version|id)" value="([^"]*)"', html))
    return html, hidden


def test_an_editor_surveys_a_centre_in_latvian_and_sees_what_it_gave_and_why(app, client, auth):
    auth.login("dobele@example.test")
    html, hidden = _form(auth, client)
    assert "Augstākais pakāpiens pie ieejas, cm" in html and "7 cm vai mazāk" in html  # the definitions beside
    response = auth.post(f"/manage/centres/{OWN}/survey?lang=lv", FORM | hidden)
    assert response.status_code == 302
    again = auth.post(f"/manage/centres/{OWN}/survey?lang=lv", FORM | hidden)  # a second tap on "save"
    assert again.status_code == 302
    with app.app_context():
        assert len(surveys.for_centre(OWN)) == 1
        centre = db.get_centre(OWN)
    assert (centre["wheelchair"], centre["signage"], centre["signage_checked_on"]) == ("limited", "no", "2026-05-14")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saglabāts." in page and "pie ieejas viens 6,5 cm augsts pakāpiens" in page
    assert "trūkst: norāde krustojumā ar tuvāko galveno ceļu" in page


def test_a_bad_answer_is_named_in_the_page_language_and_nothing_is_saved(app, client, auth):
    auth.login("dobele@example.test")
    _html, hidden = _form(auth, client)
    before = _state(app)
    response = auth.post(f"/manage/centres/{OWN}/survey?lang=lt", FORM | hidden | {"door_width_cm": "plati"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Įėjimo durų plotis, cm" in page and "nėra matas centimetrais" in page
    assert 'value="plati"' in page and "Vienu pakāpienu." in page  # what was typed stays
    assert _state(app) == before


def test_the_survey_form_is_for_the_centres_own_editors(client, auth):
    auth.login("dobele@example.test")
    assert client.get(f"/manage/centres/{OTHER}/survey?lang=en").status_code == 403
    auth.login("planner@example.test")
    assert client.get(f"/manage/centres/{OWN}/survey?lang=en").status_code == 403


def test_a_survey_sent_after_a_colleague_changed_the_centre(app, client, auth):
    """A phone number edited meanwhile does not stop the survey; access edited meanwhile does, answers kept."""
    from craftmap import editing
    auth.login("dobele@example.test")
    _html, hidden = _form(auth, client)
    with app.app_context():
        editing.save_centre(OWN, {"phone": "+371 63700000"}, int(hidden["version"]), "someone@else")
    assert auth.post(f"/manage/centres/{OWN}/survey?lang=en", FORM | hidden).status_code == 302
    _html, hidden = _form(auth, client)
    with app.app_context():
        editing.save_centre(OWN, {"wheelchair": "no"}, int(hidden["version"]), "someone@else")
        kept = surveys.for_centre(OWN)
    response = auth.post(f"/manage/centres/{OWN}/survey?lang=en", FORM | hidden | {"door_width_cm": "93"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "changed while you surveyed it" in page and 'value="93"' in page
    with app.app_context():
        assert surveys.for_centre(OWN) == kept and db.get_centre(OWN)["wheelchair"] == "no"


def test_the_saved_result_is_the_survey_just_sent_and_the_form_starts_from_its_answers(app, client, auth):
    auth.login("dobele@example.test")
    _html, hidden = _form(auth, client)
    assert auth.post(f"/manage/centres/{OWN}/survey?lang=en", {"surveyed_on": "2026-06-01"} | hidden).status_code == 302
    _html, hidden = _form(auth, client)
    old = FORM | hidden | {"surveyed_on": "01.03.2025", "step_height_cm": "5 cm", "door_width_cm": "92cm"}
    response = auth.post(f"/manage/centres/{OWN}/survey?lang=en", old)  # backdated, and measures with units
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Limited wheelchair access" in page.split('class="survey-result"')[1].split("</div>")[0]
    assert re.search(r'name="door_width_cm"[^>]*value="92(\.0)?"', page)  # the form starts from these answers


def test_a_survey_that_looked_at_no_sign_leaves_the_signage_date_and_the_surveyed_dates_stay(app, client, token):
    assert _post(client, token, OWN, SURVEY).status_code == 201  # 14 May 2026: both
    assert _post(client, token, OWN, {"surveyed_on": "2026-06-01", "answers": {"entrance": "steps"}}).status_code == 201
    props = client.get(f"/api/v1/centres/{OWN}").get_json()["properties"]
    assert props["signage_checked_on"] == "2026-05-14"  # no sign looked at on 1 June
    assert (props["wheelchair_surveyed_on"], props["signage_surveyed_on"]) == ("2026-05-14", "2026-05-14")


def test_the_same_survey_sent_from_two_connections_at_once_is_saved_once(app, token):
    """A phone that lost its signal mid-send and sends again: both requests arrive together."""
    import threading
    sid, answers, barrier = uuid.uuid4().hex, [], threading.Barrier(4)

    def send():
        client = app.test_client()
        barrier.wait()
        answers.append(_post(client, token, OWN, SURVEY | {"id": sid}).status_code)
    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 200, 200, 201]
    with app.app_context():
        assert len(surveys.for_centre(OWN)) == 1
