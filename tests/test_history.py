"""A centre's history is one entry per save; undo asks first, never reverts a later save unasked, and
two people's saves merge three ways. Synthetic values only (phone numbers, hours)."""
import html as htmllib
import re

import pytest

from craftmap import changesets, db
from tests.test_manage import OWN, OTHER, form_of

PAGE = f"/manage/centres/{OWN}"


@pytest.fixture
def editor(auth):
    auth.login("dobele@example.test")
    return auth


def _text(response):
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _sets(app, centre=OWN):
    with app.app_context():
        return changesets.change_sets(centre)


def _centre(app, centre=OWN):
    with app.app_context():
        return db.get_centre(centre)


def _save(editor, app, **changes):
    assert editor.post(PAGE, form_of(app, OWN, **changes)).status_code == 302


def _undo(editor, app, batch, lang="en", **extra):
    version = _centre(app)["version"]
    return editor.post(f"{PAGE}/changes/{batch}/undo?lang={lang}", {"version": str(version)} | extra)


def test_one_save_is_one_entry_with_labels_and_values_in_the_pages_language(editor, client, app):
    _save(editor, app, phone="+371 6300 0001", wheelchair="no")
    assert len(_sets(app)) == 1 and {r["field"] for r in _sets(app)[0]["rows"]} == {"phone", "wheelchair"}
    text = _text(client.get(f"{PAGE}/history?lang=lv"))
    assert "Saglabāja dobele@example.test" in text and "Tālrunis" in text and "+371 6300 0001" in text
    assert "Atsaukt šo saglabāšanu" in text


def test_undo_asks_first_then_restores_and_says_what(editor, client, app):
    _save(editor, app, phone="+371 6300 0001", wheelchair="no")
    batch = _sets(app)[0]["batch"]
    confirm = client.get(f"{PAGE}/changes/{batch}/undo?lang=en")
    assert confirm.status_code == 200 and "+371 6300 0001" in _text(confirm)
    assert _centre(app)["phone"] == "+371 6300 0001"  # the confirmation page writes nothing
    done = _undo(editor, app, batch)
    assert done.status_code == 302
    assert (_centre(app)["phone"], _centre(app)["wheelchair"]) == ("", "unknown")
    message = _text(client.get(done.headers["Location"]))
    assert "Undone the save by dobele@example.test" in message and "Phone" in message
    assert _sets(app)[0]["reverts"] == batch


def test_a_value_a_later_save_wrote_is_kept_unless_ticked(editor, client, app):
    _save(editor, app, opening_hours="Mo-Fr 10:00-17:00", phone="+371 6300 0001")
    first = _sets(app)[0]["batch"]
    _save(editor, app, opening_hours="Tu-Sa 10:00-17:00")
    _save(editor, app, opening_hours="Mo-Fr 10:00-17:00")  # back to the first save's value: still a later change
    page = _text(client.get(f"{PAGE}/changes/{first}/undo?lang=en"))
    assert "Changed again later by dobele@example.test" in page
    assert 'name="include" value="opening_hours" id="include-opening_hours">' in \
        client.get(f"{PAGE}/changes/{first}/undo").get_data(as_text=True)  # not ticked
    assert _undo(editor, app, first).status_code == 302
    assert (_centre(app)["opening_hours"], _centre(app)["phone"]) == ("Mo-Fr 10:00-17:00", "")
    _save(editor, app, phone="+371 6300 0002", opening_hours="Sa 10:00-14:00")
    second = _sets(app)[0]["batch"]
    _save(editor, app, opening_hours="Su 10:00-14:00")
    assert _undo(editor, app, second, include="opening_hours").status_code == 302
    assert (_centre(app)["opening_hours"], _centre(app)["phone"]) == ("Mo-Fr 10:00-17:00", "")


def test_undo_of_an_undo_brings_the_save_back(editor, app):
    _save(editor, app, phone="+371 6300 0001")
    saved = _sets(app)[0]["batch"]
    _undo(editor, app, saved)
    undo = _sets(app)[0]["batch"]
    assert _centre(app)["phone"] == ""
    page = editor.client.get(f"{PAGE}/history?lang=en").get_data(as_text=True)
    assert page.count("Undo this save") == 1 and f"/changes/{undo}/undo" in page  # the undone save is not offered
    assert _undo(editor, app, undo).status_code == 302
    assert _centre(app)["phone"] == "+371 6300 0001"


def test_a_location_is_restored_whole_or_not_at_all(editor, app):
    before = _centre(app)
    _save(editor, app, lat="56.6", lon="23.3", coord_precision="approximate")
    location = _sets(app)[0]["batch"]
    _save(editor, app, coord_precision="surveyed")  # a later save touched one part of the location
    assert _undo(editor, app, location).status_code == 422  # nothing else to restore, location not ticked
    assert (_centre(app)["lat"], _centre(app)["coord_precision"]) == (56.6, "surveyed")
    assert _undo(editor, app, location, include="location").status_code == 302
    now = _centre(app)
    assert (now["lat"], now["lon"], now["coord_precision"]) == (before["lat"], before["lon"], before["coord_precision"])


def test_stale_confirmation_writes_nothing_and_says_so(editor, client, app):
    _save(editor, app, phone="+371 6300 0001")
    batch = _sets(app)[0]["batch"]
    version = _centre(app)["version"]
    _save(editor, app, notes="a colleague, meanwhile")
    response = editor.post(f"{PAGE}/changes/{batch}/undo?lang=lv", {"version": str(version)})
    assert response.status_code == 409 and "nekas netika atsaukts" in _text(response)
    assert _centre(app)["phone"] == "+371 6300 0001" and len(_sets(app)) == 2


def test_an_editor_of_another_municipality_is_refused_in_their_language(auth, client, app):
    auth.login("bauska@example.test")
    auth.post(f"/manage/centres/{OTHER}", form_of(app, OTHER, phone="+371 6390 0001"))
    auth.post("/manage/logout")
    auth.login("dobele@example.test")
    batch = _sets(app, OTHER)[0]["batch"]
    page = client.get(f"/manage/centres/{OTHER}/changes/{batch}/undo?lang=lt")
    assert page.status_code == 403 and "Dobeles novads" in _text(page) and '<html lang="lt">' in page.get_data(True)
    version = _centre(app, OTHER)["version"]
    assert auth.post(f"/manage/centres/{OTHER}/changes/{batch}/undo", {"version": str(version)}).status_code == 403
    assert _centre(app, OTHER)["phone"] == "+371 6390 0001"


@pytest.mark.parametrize("batch", ["0" * 32, "x" * 5000, "%00", "..%2f..", "1 OR 1=1", "ā"])
def test_hostile_batch_ids_are_404_never_500(editor, client, app, batch):
    assert client.get(f"{PAGE}/changes/{batch}/undo").status_code == 404
    assert editor.post(f"{PAGE}/changes/{batch}/undo", {"version": "1"}).status_code == 404


def test_a_batch_of_another_centre_is_not_found_under_this_one(editor, client, app):
    other_own = "dobele-crafts-house"
    _save(editor, app, phone="+371 6300 0001")
    batch = _sets(app, other_own)[0]["batch"]
    owns = [c["id"] for c in db_centres(app) if c["municipality"] == "Dobeles novads" and c["id"] != OWN]
    assert client.get(f"/manage/centres/{owns[0]}/changes/{batch}/undo").status_code == 404
    assert editor.post(f"/manage/centres/{owns[0]}/changes/{batch}/undo", {"version": "1",
                                                                          "include": "x" * 9999}).status_code == 404


def db_centres(app):
    with app.app_context():
        return db.all_centres()


# --- two people save one centre -------------------------------------------------------------------

def test_one_field_changed_on_each_side_merges_by_itself(editor, client, app):
    mine = form_of(app, OWN, phone="+371 6300 0001")
    _save(editor, app, opening_hours="Mo-Fr 10:00-17:00")  # the colleague, meanwhile
    response = editor.post(PAGE + "?lang=en", mine)
    assert response.status_code == 302
    assert (_centre(app)["phone"], _centre(app)["opening_hours"]) == ("+371 6300 0001", "Mo-Fr 10:00-17:00")
    assert "Merged with the change by dobele@example.test" in _text(client.get(response.headers["Location"]))


def test_a_field_both_changed_waits_for_a_choice(editor, client, app):
    mine = form_of(app, OWN, phone="+371 6300 0001", notes="mine")
    _save(editor, app, phone="+371 6300 0002")
    before = _centre(app)
    response = editor.post(PAGE + "?lang=en", mine)
    text = _text(response)
    assert response.status_code == 409 and "+371 6300 0002" in text and "+371 6300 0001" in text
    assert _centre(app) == before  # nothing saved
    html = response.get_data(as_text=True)
    seen = re.search(r'name="seen" value="(\d+)"', html).group(1)
    again = editor.post(PAGE + "?lang=en", mine | {"seen": seen})
    assert again.status_code == 409 and "Choose a value for each field" in _text(again)
    chosen = editor.post(PAGE + "?lang=en", mine | {"seen": seen, "choose-phone": "theirs"})
    assert chosen.status_code == 302
    assert (_centre(app)["phone"], _centre(app)["notes"]) == ("+371 6300 0002", "mine")


def test_the_same_value_on_both_sides_is_no_conflict(editor, app):
    mine = form_of(app, OWN, phone="+371 6300 0001")
    _save(editor, app, phone="+371 6300 0001")
    assert editor.post(PAGE, mine).status_code == 302
    assert _centre(app)["phone"] == "+371 6300 0001"


def test_a_garbled_starting_version_asks_about_every_difference(editor, app):
    _save(editor, app, phone="+371 6300 0002")
    mine = form_of(app, OWN, phone="+371 6300 0001") | {"version": "9" * 40}
    assert editor.post(PAGE, mine).status_code == 409
    assert _centre(app)["phone"] == "+371 6300 0002"
