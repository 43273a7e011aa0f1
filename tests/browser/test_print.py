"""A planner prints the programme report from chromium: a dated summary first, then the maps and charts,
then the tables, and every printed page names the date and the data version. The PDF chromium prints is
read back by pypdf."""
import datetime
import io

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from craftmap import db, editing
from craftmap.datasets import snapshot
from tests.browser.conftest import start_server

VERSION_WORDS = {"lv": "datu versija", "lt": "duomenų versija", "en": "data version"}
PAGE = {"lv": "lapa {n} no {total}", "lt": "puslapis {n} iš {total}", "en": "page {n} of {total}"}
SUMMARY = {"lv": "Kopsavilkums", "lt": "Santrauka", "en": "Summary of"}


@pytest.fixture(scope="module")
def printed(browser, tmp_path_factory):
    server = start_server(tmp_path_factory)
    with server.app.app_context():  # one survey's worth of data, so the summary has something to say
        centre = next(c for c in db.all_centres() if c["municipality"] == "Dobeles novads")
        editing.save_centre(centre["id"], {"wheelchair": "yes", "signage": "yes"}, centre["version"], "test")
        version = snapshot().version
    pdfs = {}
    try:
        for lang in ("lv", "lt", "en"):
            context = browser.new_context(locale=lang)
            page = context.new_page()
            page.goto(f"{server.url}/planner/report?lang={lang}")
            pdfs[lang] = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
            context.close()
    finally:
        server.stop()
    return pdfs, version


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_every_printed_page_carries_the_date_and_the_data_version(printed, lang):
    pdfs, version = printed
    reader = pdfs[lang]
    today = format_date(datetime.date.today(), "long", locale=lang)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(texts) >= 3
    for n, text in enumerate(texts, start=1):
        assert today in text and f"{VERSION_WORDS[lang]} {version}" in text, f"page {n} of {len(texts)}"
        assert PAGE[lang].format(n=n, total=len(texts)) in text


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_report_starts_with_the_summary_then_figures_then_tables(printed, lang):
    reader = printed[0][lang]
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert SUMMARY[lang] in texts[0]
    headings = {"lv": ("Kartes un diagrammas", "Tabulas"), "en": ("Maps and charts", "Tables")}[lang]
    first = [next(i for i, t in enumerate(texts) if h in t) for h in headings]
    assert 0 < first[0] < first[1]  # each part starts on a page of its own, in this order
    assert texts[first[0]].lstrip().startswith(headings[0]) or headings[0] in texts[first[0]][:200]
