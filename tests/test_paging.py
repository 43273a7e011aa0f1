"""Long listings come in pages: every centre reachable, none twice, the filters kept, bad page numbers named."""
import re

import pytest

from bench.synthetic import synthetic_data_dir

from .conftest import DATA


@pytest.fixture(scope="module")
def big_data(tmp_path_factory):
    """The real data and 230 SYNTHETIC centres (bench/synthetic.py): 271 centres, three pages of 100."""
    return synthetic_data_dir(tmp_path_factory.mktemp("paging") / "data", 230, DATA)


def _centre_links(page):
    return re.findall(r'<th scope="row" data-label="[^"]*"><a href="/centres/([^"?]+)', page)


def _next(page):
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return found and found.group(1).replace("&amp;", "&")


def test_the_centres_list_walks_every_centre_once_in_pages(make_app, big_data):
    client = make_app(data=big_data).test_client()
    total = client.get("/api/v1/centres?fields=map").get_json()["meta"]["count"]
    seen, url, pages = [], "/centres?lang=en", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        assert len(_centre_links(html)) <= 100
        seen += _centre_links(html)
        url = _next(html)
    assert pages == 3 and len(seen) == len(set(seen)) == total
    third = client.get("/centres?lang=en&page=3").get_data(as_text=True)
    assert f"page 3 of 3 (201–{total} of {total})" in third and 'rel="prev"' in third and 'rel="next"' not in third


def test_a_filtered_list_keeps_its_filter_from_page_to_page(make_app, big_data):
    client = make_app(data=big_data).test_client()
    wanted = client.get("/api/v1/centres?fields=map&country=LT").get_json()["meta"]["count"]
    first = client.get("/centres?lang=lv&country=LT").get_data(as_text=True)
    assert 100 < wanted < 271 and "country=LT" in _next(first)
    assert re.search(r"lapa 1 no \d+ \(1–100 no " + str(wanted) + r"\)", first)


def test_one_page_shows_no_pager(client):
    html = client.get("/centres?lang=en").get_data(as_text=True)
    total = client.get("/api/v1/centres?fields=map").get_json()["meta"]["count"]
    assert 'class="pager"' not in html and len(_centre_links(html)) == total > 40


@pytest.mark.parametrize("path", ["/centres", "/planner/gaps"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e3", "²", "9" * 40, "1.5"])
def test_a_page_number_that_is_none_is_refused_by_name(client, path, value):
    refused = client.get(f"{path}?lang=lt&page={value}")
    assert refused.status_code == 400
    assert "page" in refused.get_data(as_text=True) and "sveikasis skaičius" in refused.get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last(make_app, big_data):
    client = make_app(data=big_data).test_client()
    last = client.get("/centres?lang=en&page=99").get_data(as_text=True)
    assert "page 3 of 3" in last and _centre_links(last)


def test_the_worklist_pages_keep_its_order_numbers_and_filters(make_app, big_data):
    client = make_app(data=big_data).test_client()
    first = client.get("/planner/gaps?lang=en&sort=centre").get_data(as_text=True)
    lead = re.search(r"(\d+) of (\d+) active centres to survey", first)
    assert int(lead.group(1)) > 200  # the count is of the whole worklist, not of this page
    link = _next(first)
    assert "sort=centre" in link and "page=2" in link
    second = client.get(link).get_data(as_text=True)
    numbers = re.findall(r'<td class="num" data-label="No.">(\d+)</td>', second)
    assert numbers[0] == "101" and len(numbers) == 100
    csv = client.get("/planner/gaps.csv?sort=centre").get_data(as_text=True)
    assert len(csv.strip().splitlines()) - 1 == int(lead.group(1))  # the export carries every row
