"""The site in a real headless Chromium (Debian's chromium + chromedriver, driven by selenium).

A real build of ``data/fiches`` is served by ``kgbuild.serve`` on a free loopback port; the
browser only ever talks to 127.0.0.1. Screenshots of the seed fiche (desktop and phone width)
are saved in a temporary directory, printed at the end of the test.
"""

from __future__ import annotations

import base64
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
             phone: bool = False) -> webdriver.Chrome:
    """A fresh headless Chromium with its own empty profile; selenium downloads nothing.

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


def test_run_an_example_query_in_the_query_ui(browser, site):
    browser.get(site + "/")
    browser.find_element(By.LINK_TEXT, "open the query UI").click()
    assert path_of(browser, site) == "/sparql"
    Select(browser.find_element(By.ID, "examples")).select_by_value("fiches-citing-kamerstuk")
    assert "citesKamerstuk" in browser.find_element(By.ID, "query").get_attribute("value")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results table tr")) > 1)
    rows = browser.find_elements(By.CSS_SELECTOR, "#results table tr")
    assert any("26643-640" in row.text and "com-2025-723" in row.text for row in rows)
    assert "rows" in browser.find_element(By.ID, "status").text


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
        # JavaScript is really off: the query UI's script would fill the list of examples
        driver.get(site + "/sparql")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#examples option")) == 1
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
