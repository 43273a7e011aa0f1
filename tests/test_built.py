"""Large bodies built once per server into files: shared by every worker, never stale, never in a worker's heap."""
import gzip
import json
import os
import time
from pathlib import Path

from craftmap import built, datasets, editing


def stored_files(app):
    return sorted(p for p in Path(app.config["BUILT_DIR"]).rglob("*") if p.suffix in (".plain", ".gz", ".br"))


def test_the_streamed_collection_is_the_collection(app):
    with app.test_request_context("/?lang=lv"):
        for filters in ({}, {"country": "LT"}, {"wheelchair": "yes"}, {"municipality": "nowhere"}):
            for slim in (False, True):
                whole = datasets.dumps(datasets.centres_collection(filters, "lv", slim=slim))
                assert "".join(datasets.centres_collection_json(filters, "lv", slim)) == whole
                assert json.loads(whole)["meta"]["count"] == len(json.loads(whole)["features"])


def test_every_worker_sends_the_files_the_first_one_built(make_app, tmp_path, monkeypatch):
    first = make_app(BUILT_DIR=tmp_path / "shared")
    second = make_app(BUILT_DIR=tmp_path / "shared", DATABASE_URL=first.config["DATABASE_URL"])
    one = first.test_client().get("/api/v1/centres", headers={"Accept-Encoding": "br"})
    files = {p: p.stat().st_mtime_ns for p in stored_files(first)}
    assert len(files) == 3  # plain, gzip, brotli
    monkeypatch.setattr(datasets, "centres_collection_json", None)  # fails if the second one builds again
    other = second.test_client().get("/api/v1/centres", headers={"Accept-Encoding": "br"})
    assert other.status_code == 200
    assert other.data == one.data and other.headers["ETag"] == one.headers["ETag"]
    assert {p: p.stat().st_mtime_ns for p in stored_files(second)} == files


def test_the_response_store_keeps_a_stored_body_only_while_it_is_small(app, client, monkeypatch):
    from craftmap import response_cache
    cache = app.wsgi_app
    zipped = client.get("/api/v1/centres", headers={"Accept-Encoding": "gzip"})
    kept = [key for key in cache.entries if key[3] == "/api/v1/centres"]
    assert len(kept) == 1 and cache.entries[kept[0]][2] == zipped.data  # the compressed copy, kept whole
    monkeypatch.setattr(response_cache, "FILE_KEPT_BYTES", len(zipped.data) - 1)
    plain = client.get("/api/v1/centres?lang=lv")
    assert plain.status_code == 200 and len(plain.data) > len(zipped.data)
    assert not [key for key in cache.entries if key[3] == "/api/v1/centres" and key[4] == "lang=lv"]
    client.get("/", headers={"Accept-Encoding": "gzip"})
    assert any(key[3] == "/" for key in cache.entries)  # the store still keeps what it kept


def test_an_edit_gives_a_new_body_and_the_old_version_goes(app, client, monkeypatch):
    before = client.get("/api/v1/centres").get_json()
    centre = next(f for f in before["features"] if f["id"] == "dobele-crafts-house")
    with app.app_context():
        editing.save_centre("dobele-crafts-house", {"wheelchair": "no"}, centre["properties"]["version"], "test")
    old = {p.parent for p in stored_files(app)}
    monkeypatch.setattr(built, "OLD_SECONDS", 0)
    time.sleep(0.01)
    after = client.get("/api/v1/centres").get_json()
    changed = next(f for f in after["features"] if f["id"] == "dobele-crafts-house")
    assert changed["properties"]["wheelchair"] == "no" and after["meta"]["data_version"] > before["meta"]["data_version"]
    assert not old & {p.parent for p in stored_files(app)}  # the old version's folder was swept


def test_other_data_at_the_same_version_never_gets_the_old_files(app):
    with app.test_request_context():
        snap = datasets.snapshot()
        same = datasets.Snapshot(snap.version, snap.centres, snap.routes, snap.counts)
        edited = [dict(c) for c in snap.centres]
        edited[0]["version"] += 1
        other = datasets.Snapshot(snap.version, edited, snap.routes, snap.counts)
        assert built._folder(same) == built._folder(snap) != built._folder(other)
        assert built._folder(snap) != built._folder(datasets.Snapshot(snap.version, snap.centres[1:], snap.routes, []))


def test_files_swept_under_a_worker_are_built_again(app, client):
    import brotli
    first = client.get("/api/v1/centres", headers={"Accept-Encoding": "gzip"})
    for p in stored_files(app):
        os.remove(p)
    again = client.get("/api/v1/centres", headers={"Accept-Encoding": "br"})  # not in the response store yet
    assert again.status_code == 200 and len(stored_files(app)) == 3
    assert brotli.decompress(again.data) == gzip.decompress(first.data)


def test_a_large_build_gives_its_freed_memory_back_once_answered(client, monkeypatch):
    from craftmap import web
    calls = []
    monkeypatch.setattr(web, "_TRIM", lambda pad: calls.append(pad))
    client.get("/api/v1/centres")  # the snapshot and the stored body are built
    assert calls == [0]
    client.get("/api/v1/centres")  # sent from the file: nothing built
    assert calls == [0]
    client.get("/planner/gaps")  # the worklist's rows are built for every request
    once = len(calls)
    client.get("/planner/gaps?sort=centre")
    assert once >= 2 and len(calls) == once + 1


def test_only_every_centre_is_stored_in_files_and_made_up_filters_are_not_kept(app, client):
    client.get("/api/v1/centres?lang=lv")
    client.get("/api/v1/centres?lang=lv&fields=map")
    client.get("/api/v1/centres?lang=lv&fields=map&country=LV")
    assert len(stored_files(app)) == 6  # two bodies, three files each
    with app.test_request_context():
        snap = datasets.snapshot()
    kept = len(snap.memo)
    for i in range(20):  # a visitor sending made-up values gets an answer, and nothing is kept of it
        made_up = client.get(f"/api/v1/centres?lang=lv&municipality=nowhere-{i}&fields=map")
        assert made_up.status_code == 200 and made_up.get_json()["meta"]["count"] == 0
    wanted = client.get("/api/v1/centres?lang=lv&country=LT&fields=map").get_json()
    assert wanted["meta"]["count"] > 0 and {f["id"] for f in wanted["features"]} < {
        f["id"] for f in client.get("/api/v1/centres?lang=lv&fields=map").get_json()["features"]}
    assert len(snap.memo) == kept + 1 and len(stored_files(app)) == 6


def test_every_server_builds_the_same_bytes(make_app, tmp_path):
    """Whoever builds it, the gzip file carries no name or time of its own: one ETag, one body."""
    one = make_app(BUILT_DIR=tmp_path / "one").test_client().get("/api/v1/centres", headers={"Accept-Encoding": "gzip"})
    two = make_app(BUILT_DIR=tmp_path / "two").test_client().get("/api/v1/centres", headers={"Accept-Encoding": "gzip"})
    assert one.data == two.data and one.data[3] == 0  # no FNAME flag in the gzip header
