"""report.html in a real headless browser (Debian's Chromium through Playwright), offline.

In CI (CI=true) a browser that cannot start fails the tests; elsewhere, without Chromium, they
are skipped with the command that installs it (`make test` installs it when run as root).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Error, expect

from perito.cli import main
from tests.browser import CHROMIUM, chromium, open_page, table_ready
from tests.builders.report import HOSTILE, MATCHED_LINK, build_life_backup
from tests.paths import ROOT, SHARED_IOCS

PEGASUS = SHARED_IOCS / "amnesty" / "pegasus.stix2"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots, ignored by git
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists() and os.environ.get("CI") != "true":
        pytest.skip(f"{CHROMIUM} is missing: install it with 'apt-get install chromium'")
    try:
        with chromium() as started:
            yield started
    except Error as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Chromium does not start here: {error.message.splitlines()[0]}")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The life backup's report in each language, and a redacted one."""
    base = tmp_path_factory.mktemp("browser")
    backup = build_life_backup(base / "backup")
    out = base / "out"
    assert main(["ios", "check-backup", str(backup), "-i", str(PEGASUS), "-o", str(out),
                 "--redact", "--lang", "en"]) == 2
    found: dict[str, Path] = {"redacted": out / "report-redacted.html"}
    for language in ("en", "es"):
        assert main(["report", str(out), "--lang", language]) == 0
        found[language] = base / f"report-{language}.html"
        shutil.copy(out / "report.html", found[language])
    return found


@pytest.mark.parametrize("name", ["en", "es", "redacted"])
def test_renders_offline_without_errors_or_requests(browser: Browser, reports: dict[str, Path],
                                                    name: str, tmp_path: Path) -> None:
    with open_page(browser, reports[name]) as visit:
        page = visit.page
        table_ready(page)
        assert page.locator("#verdict h1").is_visible()
        assert page.locator("article.detection").first.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        for folder in (ARTIFACTS, tmp_path):  # the first screen: verdict, first detection
            page.screenshot(path=str(folder / f"report-{name}.png"), full_page=False)
        chart = page.locator("svg.chart").first
        chart.scroll_into_view_if_needed()
        assert chart.is_visible() and chart.bounding_box() is not None
        assert page.locator("#events-body tr").count() > 0  # the script drew the table
        assert page.title() != "pwned"  # the hostile record text did not run
        for folder in (ARTIFACTS, tmp_path):
            page.locator("#timeline").screenshot(path=str(folder / f"timeline-{name}.png"))
        assert visit.console_errors == []
        assert visit.requests == []


def test_verdict_text_per_language(browser: Browser, reports: dict[str, Path]) -> None:
    with open_page(browser, reports["es"]) as visit:
        assert "Se encontraron indicadores conocidos" in visit.page.locator("#verdict h1") \
            .inner_text()
        assert visit.page.locator("html").get_attribute("lang") == "es"
    with open_page(browser, reports["en"]) as visit:
        assert visit.page.locator("#verdict h1").inner_text() == \
            "Known spyware indicators were found."


def test_hostile_text_is_shown_as_text(browser: Browser, reports: dict[str, Path]) -> None:
    with open_page(browser, reports["en"]) as visit:
        page = visit.page
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        shown = page.locator("#detections").inner_text()
        assert MATCHED_LINK in shown
        assert HOSTILE in shown  # as text in the record's table, not as markup
        assert page.locator("#detections script, #detections img").count() == 0


def test_table_filters_and_pages(browser: Browser, reports: dict[str, Path]) -> None:
    with open_page(browser, reports["en"]) as visit:
        page = visit.page
        table_ready(page)
        status = page.locator("#events-status")
        page.locator("#f-near").uncheck()
        everything = page.locator("#events-body tr").count()
        assert everything > 3
        page.locator("#f-text").fill("Safari visit")  # the table follows after a pause
        rows = page.locator("#events-body tr")
        expect(rows).not_to_have_count(everything)
        assert rows.count() > 0
        assert all("Safari visit" in text for text in rows.all_inner_texts())
        page.locator("#f-text").fill("no event says this")
        expect(status).to_have_text("No event matches the filters.")
        assert page.locator("#events-body tr").count() == 0
        page.locator("#f-text").fill("")
        page.locator("#f-artifact").select_option(label="Call history")
        expect(status).to_contain_text(" of ")
        assert all("Call history" in text for text in rows.all_inner_texts())
        assert visit.console_errors == []


def test_table_pages(browser: Browser, reports: dict[str, Path], tmp_path: Path) -> None:
    """250 events: three pages of at most 100 rows; the DOM never holds more than a page."""
    out = tmp_path / "paged"
    out.mkdir()
    source = reports["redacted"].parent
    for name in ("info.json", "alerts.json"):
        shutil.copy(source / name, out / name)
    start = 1_709_154_845_000_000  # µs, 2024-02-28T21:14:05Z
    with (out / "timeline.jsonl").open("w") as handle:
        for i in range(250):
            micros = start + i * 60_000_000
            stamp = dt.datetime.fromtimestamp(micros / 1e6, dt.UTC).isoformat(
                timespec="microseconds")
            handle.write(json.dumps({
                "message": f"Safari visit to https://example.org/{i}", "datetime": stamp,
                "timestamp": micros, "timestamp_desc": "Safari visit",
                "artifact": "ios.safari.history", "plugin": "SafariHistory",
                "source_file": "HomeDomain/Library/Safari/History.db"}) + "\n")
    assert main(["report", str(out), "--lang", "en"]) == 0
    with open_page(browser, out / "report.html") as visit:
        page = visit.page
        table_ready(page)
        page.locator("#f-near").uncheck()
        rows, label = page.locator("#events-body tr"), page.locator("#p-label")
        expect(label).to_have_text("Page 1 of 3")
        assert rows.count() == 100 and page.locator("#p-prev").is_disabled()
        assert rows.first.inner_text().startswith("2024-02-28 21:14:05")
        page.locator("#p-next").click()
        expect(label).to_have_text("Page 2 of 3")
        assert "https://example.org/100" in rows.first.inner_text()
        page.locator("#p-next").click()
        assert rows.count() == 50 and page.locator("#p-next").is_disabled()
        assert visit.console_errors == [] and visit.requests == []


def test_accessible(browser: Browser, reports: dict[str, Path]) -> None:
    """axe-core (WCAG 2.1 AA and best practice: headings, contrast, tables, landmarks), on
    the Spanish report and the redacted one (English, with its notice): every element."""
    for name in ("es", "redacted"):
        with open_page(browser, reports[name]) as visit:
            results = Axe().run(visit.page, options={"runOnly": WCAG})
            assert results.violations_count == 0, results.generate_report()


def test_prints_to_pdf(browser: Browser, reports: dict[str, Path], tmp_path: Path) -> None:
    with open_page(browser, reports["en"]) as visit:
        visit.page.emulate_media(media="print")
        assert not visit.page.locator("#filters").is_visible()
        assert visit.page.locator("details.record table").first.is_visible()
        pdf = visit.page.pdf(path=str(tmp_path / "report.pdf"), format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
