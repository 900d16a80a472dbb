"""Browser tests drive Debian's chromium through Playwright against pages served by the app.

Never ``playwright install``: the machine has no way to download a browser. A screenshot of
every failing test is kept under ``var/test-results``.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fa-IR", "viewport": {"width": 1280, "height": 900}}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    browser_items = [item for item in items if str(item.path).startswith(here)]
    if browser_items and not os.path.exists(CHROMIUM):
        raise pytest.UsageError(f"Browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
