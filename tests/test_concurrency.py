"""4 processes × 100 edits of one visitor count through the write API: no update is ever lost."""
import multiprocessing

from craftmap import create_app
from tests.conftest import DATA

CENTRE, YEAR, EDITS, PROCESSES = "dobele-crafts-house", "2025", 100, 4


def _edit_many(database_url, token, queue):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url, "DATA_DIR": DATA,
                      "TILE_URL": ""})
    client, landed, refused = app.test_client(), 0, 0
    for _ in range(EDITS):
        current = client.get(f"/api/v1/centres/{CENTRE}")
        count = current.get_json()["properties"]["visitors"].get(YEAR, 0)
        response = client.patch(f"/api/v1/centres/{CENTRE}", json={"visitors": {YEAR: count + 1}},
                                headers={"Authorization": f"Bearer {token}", "If-Match": current.headers["ETag"]})
        if response.status_code == 200:
            landed += 1
        elif response.status_code == 412:
            refused += 1
        else:
            raise AssertionError(response.get_data(as_text=True))
    app.extensions["craftmap.engine"].dispose()
    app.extensions["craftmap.write_engine"].dispose()
    queue.put((landed, refused))


def test_no_edit_is_lost(app, runner, accounts, client):
    token = runner.invoke(args=["token", "create", "dobele@example.test"]).output.strip()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_edit_many, args=(app.config["DATABASE_URL"], token, queue))
               for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=300) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    landed = sum(r[0] for r in results)
    assert sum(r[0] + r[1] for r in results) == PROCESSES * EDITS
    final = client.get(f"/api/v1/centres/{CENTRE}").get_json()["properties"]["visitors"][YEAR]
    assert final == landed and landed > 0
