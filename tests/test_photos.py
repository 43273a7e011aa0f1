"""Photos as evidence: only JPEG, PNG, WebP and HEIC, checked by content; stored upright, resized and
re-encoded without the phone's GPS position or camera; shown to visitors only where marked public."""
import io
import re
import struct
import uuid
import zlib

import pytest
from PIL import ExifTags, Image

from craftmap import db, photos, surveys

OWN, OTHER = "dobele-crafts-house", "bauska-craft-centre"
GPS = {1: "N", 2: (56.0, 37.0, 0.0), 3: "E", 4: (23.0, 17.0, 0.0)}  # synthetic: a test photo's position


def phone_jpeg(size=(4000, 3000), orientation=6):
    """A synthetic photo as a phone saves it: EXIF with the camera, the GPS position and 'rotate 90°'."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "TestPhone", "Model X", orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def heic():
    import pillow_heif
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (800, 600), (10, 200, 30))).save(out, quality=60)
    return out.getvalue()


def encoded(fmt, mode="RGB", size=(640, 480)):
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 0) if mode == "RGBA" else (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def bomb_png(width=10000, height=6000):
    """A PNG header claiming 60 megapixels over a few bytes of data: refused before it is decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def markers(jpeg):
    """The JPEG's segment markers, read from its bytes (not by the library that wrote it)."""
    found, i = [], 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF:
        marker, length = jpeg[i + 1], struct.unpack(">H", jpeg[i + 2:i + 4])[0]
        found.append((marker, jpeg[i + 4:i + 10]))
        if marker == 0xDA:  # start of scan: the image data follows
            break
        i += 2 + length
    return found


@pytest.fixture
def token(runner, accounts):
    return runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()


def upload(client, token, data, name="photo.jpg", centre_id=OWN, **form):
    return client.post(f"/api/v1/centres/{centre_id}/photos?lang=en", headers={"Authorization": f"Bearer {token}"},
                       data={"photo": (io.BytesIO(data), name), **form}, content_type="multipart/form-data")


def test_a_phone_photo_is_stored_upright_resized_and_without_its_position_or_camera(app, client, token):
    original = phone_jpeg()
    assert any(m == 0xE1 and s.startswith(b"Exif") for m, s in markers(original)) and b"TestPhone" in original
    response = upload(client, token, original, public="true")
    assert response.status_code == 201, response.get_json()
    stored = client.get(response.get_json()["url"])
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    assert not any(m == 0xE1 for m, _s in markers(stored.data))  # no EXIF, no XMP segment at all
    assert b"TestPhone" not in stored.data and b"Model X" not in stored.data
    assert (response.get_json()["width"], response.get_json()["height"]) == (1200, 1600)  # turned as the phone held it
    with Image.open(io.BytesIO(stored.data)) as back:
        assert back.size == (1200, 1600) and not back.getexif()


@pytest.mark.parametrize("data, name", [(heic(), "IMG_0001.HEIC"), (encoded("PNG", "RGBA"), "logo.png"),
                                        (encoded("WEBP"), "sign.webp"), (encoded("PNG"), "no-extension")])
def test_heic_png_and_webp_are_taken_by_their_content(client, token, data, name):
    response = upload(client, token, data, name, public="true")
    assert response.status_code == 201, response.get_json()
    assert client.get(response.get_json()["url"]).data[:2] == b"\xff\xd8"  # kept as JPEG


@pytest.mark.parametrize("data, name, words", [
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "photo.jpg", "is not a photo"),
    (b"GIF89a" + b"\0" * 100, "anim.gif", "is not a photo"),
    (encoded("BMP", size=(100, 100)), "scan.bmp", "is not a photo"),  # small: the test client leaks a spooled body
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg", "is not a photo"),
    (phone_jpeg()[:5000], "cut.jpg", "is not a photo"),
    (bomb_png(), "bomb.png", "megapixels"),
    (b"", "empty.jpg", "is not a photo"),
])
def test_anything_else_is_refused_naming_the_field_and_nothing_is_stored(app, client, token, data, name, words):
    response = upload(client, token, data, name)
    body = response.get_json()
    assert response.status_code == 422 and body["field"] == "photo" and words in body["error"], body
    with app.app_context():
        assert photos.for_centre(OWN, public_only=False) == []


def test_a_photo_over_the_limit_is_refused_before_it_is_decoded(app, client, token, monkeypatch):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(photos.PhotoError, match="at most 8 MB"):
            photos.prepare(b"\xff\xd8" + b"\0" * photos.MAX_BYTES)
    monkeypatch.setattr(photos, "MAX_BYTES", 100_000)  # the same path over HTTP, with a file the test keeps in memory
    response = upload(client, token, phone_jpeg((1600, 1200)) + b"\0" * 100_000)
    assert response.status_code == 422 and response.get_json()["field"] == "photo"
    assert "MB is taken" in response.get_json()["error"]


def test_a_private_photo_is_for_the_centres_editors_only(app, client, token, auth):
    private = upload(client, token, encoded("JPEG")).get_json()
    public = upload(client, token, encoded("JPEG"), public="1", caption="The sign at the gate").get_json()
    assert client.get(private["url"]).status_code == 404  # not told it exists
    assert [p["id"] for p in client.get(f"/api/v1/centres/{OWN}/photos").get_json()["photos"]] == [public["id"]]
    mine = client.get(f"/api/v1/centres/{OWN}/photos", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {p["id"] for p in mine["photos"]} == {private["id"], public["id"]}
    page = client.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)
    assert public["id"] in page and private["id"] not in page and 'alt="The sign at the gate"' in page
    auth.login("dobele@example.test")
    assert client.get(private["url"]).status_code == 200
    assert "no-store" in client.get(private["url"]).headers["Cache-Control"]


def test_photos_are_scoped_like_every_write(client, token, runner):
    assert upload(client, token, encoded("JPEG"), centre_id=OTHER).status_code == 403
    assert upload(client, "nope", encoded("JPEG")).status_code == 401
    assert upload(client, token, encoded("JPEG"), centre_id="no-such-centre").status_code == 404
    assert upload(client, token, encoded("JPEG"), public="perhaps").get_json()["field"] == "public"
    assert upload(client, token, encoded("JPEG"), survey_id="f" * 32).get_json()["field"] == "survey_id"
    response = client.post(f"/api/v1/centres/{OWN}/photos", headers={"Authorization": f"Bearer {token}"}, data={})
    assert response.status_code == 422 and response.get_json()["field"] == "photo"
    assert client.get("/photos/" + "x" * 200 + ".jpg").status_code == 404


def test_a_survey_with_photos_saves_them_with_it_and_a_bad_one_saves_nothing(app, client, auth):
    auth.login("dobele@example.test")
    html = client.get(f"/manage/centres/{OWN}/survey?lang=lv").get_data(as_text=True)
    hidden = dict(re.findall(r'name="(version|id)" value="([^"]*)"', html))
    form = hidden | {"entrance": "ramp", "door_width_cm": "95", "rooms_step_free": "yes", "photos_public": "1"}
    bad = auth.post(f"/manage/centres/{OWN}/survey?lang=lv", form | {
        "photos": [(io.BytesIO(phone_jpeg((800, 600))), "ieeja.jpg"), (io.BytesIO(b"%PDF-1.4"), "plāns.jpg")]},
        content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "plāns.jpg: nav fotoattēls" in page
    with app.app_context():
        assert surveys.for_centre(OWN) == [] and photos.for_centre(OWN, public_only=False) == []
    good = auth.post(f"/manage/centres/{OWN}/survey?lang=lv", form | {
        "photos": [(io.BytesIO(phone_jpeg((800, 600))), "ieeja.jpg")]}, content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        [survey] = surveys.for_centre(OWN)
        [photo] = photos.for_centre(OWN)
        assert photo["survey_id"] == survey["id"] and photo["public"] and db.get_centre(OWN)["wheelchair"] == "yes"
    assert uuid.UUID(survey["id"])


def test_an_editor_withdraws_captions_and_deletes_a_photo_on_the_survey_page(app, client, token, auth):
    shown = upload(client, token, encoded("JPEG"), public="1").get_json()
    kept = upload(client, token, encoded("JPEG")).get_json()
    public_page = lambda: client.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)  # noqa: E731
    assert shown["id"] in public_page()
    auth.login("dobele@example.test")
    action = f"/manage/centres/{OWN}/photos/{shown['id']}?lang=lv"
    # withdrawn: gone from the centre's page and the open API, and its URL answers as if it never was
    survey = client.get(f"/manage/centres/{OWN}/survey?lang=lv").get_data(as_text=True)
    photos_page = re.search(r'href="(/manage/centres/[^"]+/photos[^"]*)"', survey).group(1).replace("&amp;", "&")
    assert action.split("?")[0] in client.get(photos_page).get_data(as_text=True)  # its own page, linked from the survey
    done = auth.post(action, {"caption": "Zīme pie vārtiem"})
    assert done.status_code == 302 and done.headers["Location"].startswith(f"/manage/centres/{OWN}/photos")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Fotoattēls saglabāts: apmeklētājiem netiek rādīts." in page and 'value="Zīme pie vārtiem"' in page
    with app.app_context():
        assert [p["caption"] for p in photos.for_centre(OWN, public_only=False) if p["id"] == shown["id"]] == ["Zīme pie vārtiem"]
        assert photos.for_centre(OWN) == []
    anonymous = app.test_client()
    assert shown["id"] not in anonymous.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)
    assert anonymous.get(shown["url"]).status_code == 404
    # shown again, with its caption as the picture's text
    auth.post(action, {"caption": "Zīme pie vārtiem", "public": "1"})
    assert 'alt="Zīme pie vārtiem"' in anonymous.get(f"/centres/{OWN}?lang=en").get_data(as_text=True)
    # a caption too long is refused in the page's language, naming it, and nothing changes
    refused = auth.post(action, {"caption": "ā" * (photos.MAX_CAPTION + 1), "public": "1"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'id="photo-error-{shown["id"]}"' in text and "rakstzīmes" in text
    form = text.split(f'action="{action.split("?")[0]}')[1].split("</form>")[0]
    assert 'value="ā' in form and 'name="public" value="1" checked' in form  # what was typed and ticked is kept
    with app.app_context():
        assert {p["id"]: p["caption"] for p in photos.for_centre(OWN)} == {shown["id"]: "Zīme pie vārtiem"}
    # deleted: its bytes go; the other photo stays
    assert auth.post(action, {"delete": "1"}).status_code == 302
    with app.app_context():
        assert [p["id"] for p in photos.for_centre(OWN, public_only=False)] == [kept["id"]]
        assert photos.get(shown["id"]) is None
    assert auth.post(action, {"delete": "1"}).status_code == 404  # already gone


def test_an_editor_may_change_only_the_photos_of_own_centres(app, client, token, auth, runner):
    other_token = runner.invoke(args=["token", "create", "bauska@example.test"]).output.strip()
    theirs = upload(client, other_token, encoded("JPEG"), centre_id=OTHER, public="1").get_json()
    auth.login("dobele@example.test")
    assert auth.post(f"/manage/centres/{OTHER}/photos/{theirs['id']}", {"delete": "1"}).status_code == 403
    # a photo of another centre named under an own centre is not found there, and stays
    assert auth.post(f"/manage/centres/{OWN}/photos/{theirs['id']}", {"delete": "1"}).status_code == 404
    api = f"/api/v1/centres/{OTHER}/photos/{theirs['id']}"
    signed = {"Authorization": f"Bearer {token}"}
    assert client.delete(api, headers=signed).status_code == 403
    assert client.patch(api, json={"public": False}, headers=signed).status_code == 403
    assert client.delete(f"/api/v1/centres/{OWN}/photos/{theirs['id']}", headers=signed).status_code == 404
    with app.app_context():
        assert [p["id"] for p in photos.for_centre(OTHER)] == [theirs["id"]]


@pytest.mark.parametrize("body, field", [({"public": "perhaps"}, "public"), ({"public": 1}, "public"),
                                         ({"caption": 5}, "caption"), ({"caption": "x" * 501}, "caption"),
                                         ({"caption": "a\x00b"}, "caption"), ({"centre_id": OTHER}, "centre_id")])
def test_the_api_names_what_is_wrong_with_a_photo_change(app, client, token, body, field):
    shown = upload(client, token, encoded("JPEG"), public="1", caption="Ieeja").get_json()
    response = client.patch(f"/api/v1/centres/{OWN}/photos/{shown['id']}?lang=en", json=body,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.get_json()["field"] == field
    with app.app_context():
        assert [(p["public"], p["caption"]) for p in photos.for_centre(OWN)] == [(True, "Ieeja")]


def test_the_api_withdraws_captions_and_deletes_a_photo(client, token):
    shown = upload(client, token, encoded("JPEG"), public="1").get_json()
    signed = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/centres/{OWN}/photos/{shown['id']}"
    changed = client.patch(path, json={"public": False, "caption": "  Zīme\npie vārtiem "}, headers=signed)
    assert changed.status_code == 200 and changed.get_json()["public"] is False
    assert changed.get_json()["caption"] == "Zīme pie vārtiem"
    assert client.get(f"/api/v1/centres/{OWN}/photos").get_json()["photos"] == []
    assert client.patch(path, json={}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.delete(path, headers=signed).status_code == 204
    assert client.delete(path, headers=signed).status_code == 404
    assert client.get(f"/api/v1/centres/{OWN}/photos", headers=signed).get_json()["photos"] == []
    long_caption = upload(client, token, encoded("JPEG"), caption="x" * 501)
    assert long_caption.status_code == 422 and long_caption.get_json()["field"] == "caption"
