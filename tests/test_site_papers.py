"""The site's pages of cited Kamerstukken and their dossiers with the publisher's metadata
records (issue 12): a real harvest against the local SRU server (tests/sru_server.py, records in
the real shape), a real build, ``kgbuild serve`` on a free loopback port, real HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from sru_server import FakeSRU  # noqa: E402
from test_sru import FAST, populate  # noqa: E402
from test_web import BROWSER, assert_valid_html, links_of, text_of  # noqa: E402

from kgbuild import serve  # noqa: E402
from kgbuild.build import build  # noqa: E402
from kgbuild.sru import cited_in_store, harvest_cited, harvest_fiches  # noqa: E402

TITLE = "Strategisch Actieplan voor Artificiële Intelligentie"
DOSSIER_TITLE = "Informatie- en communicatietechnologie (ICT)"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    """A store whose fiches cite 26643-640 and 36259-21 with harvested metadata records
    (and seven other papers without), served."""
    root = tmp_path_factory.mktemp("papers")
    with FakeSRU() as sru:
        populate(sru)
        harvest_fiches(root, sru_url=sru.sru_url, **FAST)
        build([root], root / "store", progress=False, jobs=1)
        summary = harvest_cited(root, cited_in_store(root / "store"), sru_url=sru.sru_url, **FAST)
        assert summary.finished and summary.new == 2, summary.errors
    report = build([root], root / "store", progress=False, jobs=1)
    assert report.counts["kamerstuk_records"] == 2
    proc, endpoint = serve.spawn(root / "store", "--workers", "1", "--page-workers", "1")
    with httpx.Client(base_url=endpoint[: -len("/sparql")], timeout=30) as client:
        yield client
    proc.terminate()
    proc.wait(10)


def facts_of(doc) -> dict[str, str]:
    [paper] = [e for e in doc.iter() if e.get("id") == "paper"]
    names = ["".join(e.itertext()) for e in paper if e.tag.endswith("dt")]
    values = ["".join(e.itertext()) for e in paper if e.tag.endswith("dd")]
    return dict(zip(names, values))


def test_a_cited_paper_shows_its_title_kind_date_submitter_and_dossier(http):
    resp = http.get("/doc/kamerstuk/26643-640", headers={"Accept": BROWSER})
    assert resp.status_code == 200
    doc = assert_valid_html(resp.content, "kamerstuk")
    [h1] = [e for e in doc.iter() if e.tag.endswith("h1")]
    assert "".join(h1.itertext()) == TITLE
    facts = facts_of(doc)
    assert facts == {"Kamerstuk": "Kamerstuk 26643, nr. 640", "Kind": "Brief regering",
                     "Date": "2019-10-08", "Submitted by": "M.C.G. Keijzer",
                     "Dossier": f"{DOSSIER_TITLE} (dossier 26643)"}, facts
    assert links_of(doc)[f"{DOSSIER_TITLE} (dossier 26643)"] == "/doc/dossier/26643"
    assert "Cited by 1 fiche" in text_of(doc)


def test_the_dossier_page_shows_its_title(http):
    doc = assert_valid_html(http.get("/doc/dossier/26643", headers={"Accept": BROWSER}).content, "dossier")
    [h1] = [e for e in doc.iter() if e.tag.endswith("h1")]
    assert "".join(h1.itertext()) == DOSSIER_TITLE
    assert "/doc/kamerstuk/26643-640" in links_of(doc).values()


def test_a_paper_without_a_record_has_no_empty_labels(http):
    doc = assert_valid_html(http.get("/doc/kamerstuk/26643-1125", headers={"Accept": BROWSER}).content, "k")
    assert not [e for e in doc.iter() if e.get("id") == "paper"]
    [h1] = [e for e in doc.iter() if e.tag.endswith("h1")]
    assert "".join(h1.itertext()) == "Kamerstuk 26643, nr. 1125"
    text = text_of(doc)
    assert "Kind" not in text and "Submitted by" not in text


def test_the_fiche_page_names_the_cited_papers_and_search_finds_them(http):
    doc = assert_valid_html(http.get("/doc/fiche/com-2025-723", headers={"Accept": BROWSER}).content, "f")
    [cited] = [e for e in doc.iter() if e.get("id") == "cited-kamerstukken"]
    assert TITLE in text_of(doc)
    hits = http.get("/search", params={"q": '"Strategisch Actieplan"'},
                    headers={"Accept": "application/json"}).json()["results"]
    assert [h["url"] for h in hits] == ["/doc/fiche/com-2025-723#cited-kamerstukken"]


def test_lookup_of_the_paper_lands_on_its_page(http):
    resp = http.get("/lookup", params={"q": "Kamerstukken II 2019/20, 26 643, nr. 640"},
                    headers={"Accept": BROWSER}, follow_redirects=True)
    assert resp.url.path == "/doc/kamerstuk/26643-640" and TITLE in resp.text
