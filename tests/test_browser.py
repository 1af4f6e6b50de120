"""The site in a real headless Chromium (Debian's chromium + chromedriver, driven by selenium).

A real build of ``data/fiches`` is served by ``kgbuild.serve`` on a free loopback port; the
browser only ever talks to 127.0.0.1. Screenshots of the seed fiche (desktop and phone width)
are saved in a temporary directory, printed at the end of the test.
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from kgbuild import serve
from kgbuild.build import build

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
SEED_TITLE = "Mededeling Apply AI-strategie"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    store = tmp_path_factory.mktemp("browser") / "store"
    build(["data/fiches"], store)
    proc, endpoint = serve.spawn(store, "--workers", "2", "--page-workers", "1")
    yield endpoint[: -len("/sparql")]
    proc.terminate()
    proc.wait(10)


def chromium(*, javascript: bool = True, width: int = 1200, height: int = 1000,
             phone: bool = False, logging: dict | None = None) -> webdriver.Chrome:
    """A fresh headless Chromium with its own empty profile; selenium downloads nothing.

    ``logging``: Chromium logs to keep (``{"performance": "ALL"}``: the network requests).
    ``phone``: emulate a phone's screen (``width`` CSS pixels, touch, device pixel ratio 3);
    a headless window itself is never narrower than 500 pixels."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "touch": True}})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    if logging:  # e.g. {"performance": "ALL"}: every request the page makes, in get_log()
        options.set_capability("goog:loggingPrefs", logging)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.profile_dir = profile
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def h1(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def path_of(driver, site) -> str:
    return driver.current_url[len(site):]


def test_follow_links_home_to_fiche_to_kamerstuk_and_back(browser, site):
    browser.get(site + "/")
    assert h1(browser) == "BNC-fiches as linked data"
    browser.find_element(By.LINK_TEXT, SEED_TITLE).click()
    assert path_of(browser, site) == "/doc/fiche/com-2025-723"
    assert h1(browser) == SEED_TITLE
    # the Kamerstuk cited in footnote 2, with the footnote beside the link
    link = browser.find_element(By.CSS_SELECTOR, 'a[href="/doc/kamerstuk/26643-640"]')
    item = link.find_element(By.XPATH, "./ancestor::li[1]")
    assert "footnote 2" in item.text
    link.click()
    assert path_of(browser, site) == "/doc/kamerstuk/26643-640"
    assert h1(browser) == "Kamerstuk 26643, nr. 640"
    assert "Cited by 1 fiche" in browser.find_element(By.TAG_NAME, "main").text
    official = browser.find_element(By.CSS_SELECTOR, 'a[href="https://zoek.officielebekendmakingen.nl/kst-26643-640"]')
    assert official.is_displayed()
    browser.find_element(By.LINK_TEXT, SEED_TITLE).click()
    assert path_of(browser, site) == "/doc/fiche/com-2025-723"
    assert h1(browser) == SEED_TITLE


def test_thing_iri_lands_on_its_page(browser, site):
    browser.get(site + "/id/fiche/com-2025-723")  # 303 to /doc/…
    assert path_of(browser, site) == "/doc/fiche/com-2025-723"
    assert h1(browser) == SEED_TITLE


def test_type_a_kamerstuk_in_the_home_page_search_box_and_land_on_it(browser, site):
    browser.get(site + "/")
    box = browser.find_element(By.ID, "home-find")
    box.send_keys("26 643, nr. 640")  # as the fiches write it
    box.submit()
    WebDriverWait(browser, 10).until(lambda d: path_of(d, site) == "/doc/kamerstuk/26643-640")
    assert h1(browser) == "Kamerstuk 26643, nr. 640"
    main = browser.find_element(By.TAG_NAME, "main")
    assert "Cited by 1 fiche" in main.text
    assert main.find_element(By.LINK_TEXT, SEED_TITLE).get_attribute("href").endswith("/doc/fiche/com-2025-723")


def test_search_a_word_and_follow_a_result_to_the_quoted_passage(browser, site):
    browser.get(site + "/fiches")
    box = browser.find_element(By.CSS_SELECTOR, "header form.find input[name=q]")  # every page has it
    box.send_keys("vlaggenschipinitiatieven")
    box.submit()  # not an identifier: /lookup sends it on to /search
    WebDriverWait(browser, 10).until(lambda d: path_of(d, site).startswith("/search?"))
    first = browser.find_element(By.CSS_SELECTOR, "ol.results > li")
    quote = first.find_element(By.TAG_NAME, "blockquote")
    assert "vlaggenschipinitiatieven" in quote.find_element(By.TAG_NAME, "mark").text.lower()
    first.find_element(By.TAG_NAME, "a").click()
    path, _, anchor = path_of(browser, site).partition("#")
    assert path.startswith("/doc/fiche/") and anchor
    target = browser.find_element(By.ID, anchor)
    assert "vlaggenschipinitiatieven" in target.text.lower()
    # the quoted passage is scrolled into view
    WebDriverWait(browser, 5).until(lambda d: d.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight",
        target), browser.execute_script("return [arguments[0].getBoundingClientRect().top, window.scrollY]", target))


def test_query_editor_runs_an_example_without_a_request_leaving_the_server(site):
    options_log = {"performance": "ALL"}
    driver = chromium(logging=options_log)
    try:
        driver.get(site + "/")
        driver.find_element(By.LINK_TEXT, "open the query UI").click()
        assert path_of(driver, site) == "/sparql"
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
        # the project's prefixes are filled in
        first = driver.execute_script("return window.kgbuildYasgui.getTab().getYasqe().getValue()")
        assert "PREFIX bnc: <https://w3id.org/bnc-fiches/ontology#>" in first
        Select(driver.find_element(By.ID, "examples")).select_by_value("fiches-citing-kamerstuk")
        tabs = driver.find_elements(By.CSS_SELECTOR, ".yasgui .tabsList .tab")
        assert any("fiches-citing-kamerstuk" in t.text for t in tabs)
        query = driver.execute_script("return window.kgbuildYasgui.getTab().getYasqe().getValue()")
        assert "citesKamerstuk" in query
        driver.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
        WebDriverWait(driver, 30).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody tr")) > 1)
        rows = driver.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody tr")
        assert any("26643-640" in r.text and "com-2025-723" in r.text for r in rows)
        hrefs = [a.get_attribute("href") for a in
                 driver.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody a.local")]
        assert site + "/doc/kamerstuk/26643-640" in hrefs and site + "/doc/fiche/com-2025-723" in hrefs
        # completion offers the project's prefixes (no prefix.cc)
        yasqe = "window.kgbuildYasgui.getTab().getYasqe()"
        offered = driver.execute_async_script(
            f"const done = arguments[0]; Yasgui.Yasqe.Autocompleters.prefixes.get({yasqe}).then(done)")
        assert "competence: <https://w3id.org/bnc-fiches/id/competence/>" in offered
        # and the ontology's properties and classes, asked of this endpoint (no LOV)
        for kind, typed, expected in (("property", "cites", "citesKamerstuk"), ("class", "Fi", "Fiche")):
            terms = driver.execute_async_script(
                f"const done = arguments[0]; Yasgui.Yasqe.Autocompleters.{kind}.get({yasqe}, "
                f"{{autocompletionString: 'https://w3id.org/bnc-fiches/ontology#{typed}'}}).then(done)")
            assert f"https://w3id.org/bnc-fiches/ontology#{expected}" in terms, (kind, terms)
            assert all(t.startswith(f"https://w3id.org/bnc-fiches/ontology#{typed}") for t in terms)
        # the links open the local pages
        driver.find_element(By.CSS_SELECTOR, '.tabPanel.active .yasr tbody a.local[href="/doc/kamerstuk/26643-640"]').click()
        WebDriverWait(driver, 10).until(lambda d: path_of(d, site) == "/doc/kamerstuk/26643-640")
        requested = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
        urls = {m["params"]["request"]["url"] for m in requested if m["method"] == "Network.requestWillBeSent"}
        assert site + "/static/yasgui/yasgui.min.js" in urls
        assert any(u.startswith(site + "/sparql") for u in urls)
        # (chrome://… are the browser's own pages, its first blank tab: not network requests)
        away = sorted(u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")
                      and not u.startswith(site + "/"))
        assert away == [], away
    finally:
        driver.quit()
        shutil.rmtree(driver.profile_dir, ignore_errors=True)


def test_fiche_page_screenshots_desktop_and_phone(site, tmp_path_factory):
    """Saved for a person to look at; checked here for size and for no sideways scrolling."""
    out = tmp_path_factory.mktemp("screenshots")
    for name, width in [("desktop", 1200), ("phone", 390)]:
        driver = chromium(width=width, height=900, phone=name == "phone")
        try:
            driver.get(site + "/doc/fiche/com-2025-723")
            assert h1(driver) == SEED_TITLE
            assert driver.execute_script("return window.innerWidth") == width
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"
            png = out / f"fiche-{name}.png"
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            png.write_bytes(base64.b64decode(shot["data"]))
            assert png.stat().st_size > 20_000
            font = driver.execute_script(
                "return parseFloat(getComputedStyle(document.querySelector('main p, main dd')).fontSize)")
            assert font >= 14
        finally:
            driver.quit()
            shutil.rmtree(driver.profile_dir, ignore_errors=True)
    print(f"screenshots: {out}")


def test_pages_work_without_javascript(site):
    driver = chromium(javascript=False)
    try:
        # JavaScript is really off: the editor's script would show the examples; the form works
        driver.get(site + "/sparql")
        assert not driver.find_element(By.ID, "example-bar").is_displayed()
        form = driver.find_element(By.CSS_SELECTOR, "noscript form, form[action='/sparql']")
        assert "PREFIX bnc:" in driver.find_element(By.ID, "query").get_attribute("value")
        form.submit()
        WebDriverWait(driver, 20).until(lambda d: "bindings" in d.find_element(By.TAG_NAME, "body").text)
        assert SEED_TITLE in driver.find_element(By.TAG_NAME, "body").text
        # the search box works without JavaScript too
        driver.get(site + "/")
        box = driver.find_element(By.ID, "home-find")
        box.send_keys("kst-26643-640")
        box.submit()
        WebDriverWait(driver, 10).until(lambda d: path_of(d, site) == "/doc/kamerstuk/26643-640")
        driver.get(site + "/")
        driver.find_element(By.LINK_TEXT, SEED_TITLE).click()
        assert h1(driver) == SEED_TITLE
        main = driver.find_element(By.TAG_NAME, "main").text
        for expected in ["COM(2025) 723", "Verdicts", "Competence categories", "Kamerstukken cited"]:
            assert expected in main
        driver.find_element(By.CSS_SELECTOR, 'a[href="/doc/kamerstuk/26643-640"]').click()
        assert h1(driver) == "Kamerstuk 26643, nr. 640"
    finally:
        driver.quit()
        shutil.rmtree(driver.profile_dir, ignore_errors=True)
