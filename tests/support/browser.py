"""Waiting on a page without eval: the viewer's CSP (script-src 'self') blocks the
string evaluation Playwright's ``wait_for_function`` does inside the page, and
tests must run against the page as served, CSP included."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page


def wait_until(page: Page, expression: str, arg: Any = None, timeout_s: float = 20.0) -> Any:
    """Poll ``page.evaluate(expression, arg)`` (evaluated by the DevTools protocol, which
    the page's CSP does not govern) until it is truthy; return that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true within {timeout_s:.0f} s: {expression}")
        time.sleep(0.1)
