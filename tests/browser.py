"""Debian's Chromium driven by Playwright, offline: for the report tests and the benchmark.

Never Playwright's own browser download: the executable is `/usr/bin/chromium` (or
`PERITO_CHROMIUM`). Every request the page makes is recorded and aborted, so a test sees any
attempt to reach the network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = Path(os.environ.get("PERITO_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Visit:
    """What a page did while it was open."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def table_ready(page: Page) -> None:
    """Wait until the page's script has drawn the first page of the events table."""
    page.locator("#events-body tr").first.wait_for(state="attached")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, path: Path, *, width: int = 1280) -> Iterator[Visit]:
    """Open a local file with the network cut off: every request but the file is aborted."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  offline=True, java_script_enabled=True)
    page = context.new_page()
    visit = Visit(page)
    url = path.resolve().as_uri()

    def route(request_route: Route) -> None:
        if request_route.request.url == url:
            request_route.continue_()
        else:
            visit.requests.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: visit.console_errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
    try:
        page.goto(url, wait_until="load")
        yield visit
    finally:
        context.close()
