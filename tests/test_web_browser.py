"""`mediamon web` in a real browser: Debian's headless Chromium driven by Selenium against a database
filled by crawling the fixture sites. Key elements, zero JavaScript console errors, clicking from a
topic to a story to an article, search; a screenshot of each page is saved (test artifacts, and the
README's PNGs when MEDIAMON_SCREENSHOTS_DIR points at docs/screenshots)."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import webdata

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "no Chromium: install Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver); "
        ".ci/run does",
        allow_module_level=True,
    )

import uvicorn  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from crawler.web import app as web_app  # noqa: E402

ARTIFACTS = Path(os.environ.get("MEDIAMON_TEST_ARTIFACTS", Path(tempfile.gettempdir()) / "mediamon-test-artifacts"))
README_SHOTS = os.environ.get("MEDIAMON_SCREENSHOTS_DIR")  # e.g. docs/screenshots: refresh the README's images


@pytest.fixture(scope="module")
def base_url(module_db_url: str) -> Iterator[str]:
    """The web view on an ephemeral loopback port, over the crawled database."""
    sites = webdata.crawl_fixture_sites(module_db_url)
    sites.stop()  # the stored URLs stay; the browser never needs the fixture sites themselves
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web_app.create_app(module_db_url), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "web server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="mediamon-chromium-")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1280,800", "--lang=en-US"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for_url(driver: WebDriver, part: str) -> None:
    """Navigation started by a key press or a click finishes asynchronously."""
    WebDriverWait(driver, 15).until(expected_conditions.url_contains(part))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def console_errors(driver: WebDriver) -> list[dict[str, object]]:
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def screenshot(driver: WebDriver, name: str) -> None:
    """Full-page PNG (capped at 2,200 px) into the artifacts and, if asked, the README's folder.

    Chromium's DevTools capture beyond the viewport: resizing the window first proved racy.
    """
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})  # type: ignore[attr-defined]
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 2200), "scale": 1}
    shot = driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"web-{name}.png").write_bytes(base64.b64decode(shot["data"]))
    if README_SHOTS:
        Path(README_SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / f"web-{name}.png", Path(README_SHOTS) / f"{name}.png")


def first_story_path(driver: WebDriver, base_url: str) -> str:
    driver.get(f"{base_url}/topics/cuba")
    href = driver.find_element(By.CSS_SELECTOR, "a.story-link").get_attribute("href")
    assert href
    return href.removeprefix(base_url)


def pages(driver: WebDriver, base_url: str) -> dict[str, str]:
    story = first_story_path(driver, base_url)
    driver.get(base_url + story)
    article = driver.find_element(By.CSS_SELECTOR, "a.article-link").get_attribute("href") or ""
    return {"home": "/", "topic": "/topics/cuba", "story": story, "article": article.removeprefix(base_url),
            "search": "/search?q=maduro", "runs": "/runs", "sources": "/sources"}


def test_every_page_loads_without_console_errors(browser: WebDriver, base_url: str) -> None:
    browser.get_log("browser")  # drop anything logged before
    for name, path in pages(browser, base_url).items():
        browser.get(base_url + path)
        assert browser.find_element(By.TAG_NAME, "h1").text, name
        assert browser.execute_script("return document.readyState") == "complete"
        assert console_errors(browser) == [], name
        screenshot(browser, name)
        assert (ARTIFACTS / f"web-{name}.png").stat().st_size > 5000


def test_topic_page_key_elements(browser: WebDriver, base_url: str) -> None:
    browser.get(f"{base_url}/topics/cuba")
    assert browser.find_element(By.CSS_SELECTOR, "h1 .topic-name").text == "cuba"
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.is_displayed() and chart.size["width"] > 300
    assert len(chart.find_elements(By.CSS_SELECTOR, "g.day")) == 30
    assert browser.find_elements(By.CSS_SELECTOR, "table.outlets tbody tr")
    assert browser.find_elements(By.CSS_SELECTOR, "table.languages tbody tr")
    assert browser.find_element(By.CSS_SELECTOR, 'link[rel="alternate"][type="application/atom+xml"]')


def test_click_from_topic_to_story_to_article(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    browser.find_element(By.CSS_SELECTOR, 'a.topic-link[href="/topics/cuba"]').click()
    wait_for_url(browser, "/topics/cuba")
    assert browser.current_url == f"{base_url}/topics/cuba"
    story_link = browser.find_element(By.CSS_SELECTOR, "a.story-link")
    story_title = story_link.text
    story_link.click()
    wait_for_url(browser, "/stories/")
    assert "/stories/" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "h1.story-title").text == story_title
    first_row = browser.find_element(By.CSS_SELECTOR, "tr.copy.first")
    assert first_row.find_element(By.CSS_SELECTOR, ".badge").text == "first"
    first_row.find_element(By.CSS_SELECTOR, "a.article-link").click()
    wait_for_url(browser, "/articles/")
    assert "/articles/" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "h1.article-title").text == story_title
    assert browser.find_element(By.CSS_SELECTOR, "dd.date-source").text
    assert browser.find_elements(By.CSS_SELECTOR, "table.article-topics tbody tr")


def test_search_from_the_header_and_open_a_result(browser: WebDriver, base_url: str) -> None:
    browser.get(f"{base_url}/runs")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("/")  # app.js: "/" focuses the search box
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "quick-q"
    box.send_keys("maduro", Keys.ENTER)
    wait_for_url(browser, "/search")
    assert browser.current_url == f"{base_url}/search?q=maduro"
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert hits
    assert hits[0].find_elements(By.TAG_NAME, "mark")
    title = hits[0].find_element(By.CSS_SELECTOR, "a.hit-title").text
    hits[0].find_element(By.CSS_SELECTOR, "a.hit-title").click()
    wait_for_url(browser, "/articles/")
    assert browser.find_element(By.CSS_SELECTOR, "h1.article-title").text == title
    assert console_errors(browser) == []


def hit_languages(driver: WebDriver) -> set[str]:
    """The language shown last in each result's meta line ("host · date · lang")."""
    return {el.text.rsplit("·", 1)[-1].strip() for el in driver.find_elements(By.CSS_SELECTOR, "li.hit .meta")}


def test_search_filters_in_the_form_make_a_shareable_url(browser: WebDriver, base_url: str) -> None:
    browser.get(f"{base_url}/search")
    browser.find_element(By.ID, "q").send_keys("cuba")
    browser.find_element(By.CSS_SELECTOR, '#lang option[value="es"]').click()
    browser.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    wait_for_url(browser, "q=cuba")
    assert "lang=es" in browser.current_url and "q=cuba" in browser.current_url
    shared = browser.find_element(By.CSS_SELECTOR, "input.share-url").get_attribute("value")
    assert shared == browser.current_url
    assert hit_languages(browser) == {"es"}
    browser.get(shared)  # the same URL opened again shows the same results
    assert hit_languages(browser) == {"es"}
    assert console_errors(browser) == []


def test_a_search_error_is_a_message_on_the_page(browser: WebDriver, base_url: str) -> None:
    browser.get(f"{base_url}/search?q=maduro&from=yesterday")
    assert "not a date" in browser.find_element(By.CSS_SELECTOR, "p.error").text


def test_console_error_check_sees_a_failed_load(browser: WebDriver, base_url: str) -> None:
    """The console check can fail: a page that 404s is logged by Chromium as a SEVERE entry."""
    browser.get_log("browser")
    browser.get(f"{base_url}/no/such/page")
    assert console_errors(browser)
