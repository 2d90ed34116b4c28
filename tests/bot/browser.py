"""The `page` fixture: Debian's chromium driven by Playwright (never a downloaded browser).

Skips with the install command when chromium is missing, except where CI=true: there it fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT_MS = 10_000


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        message = "chromium is missing: sudo apt-get install chromium fonts-noto-cjk"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="madoguchi-chromium-")
    try:
        with sync_playwright() as pw:
            # A fresh profile per run; Playwright never downloads a browser here, it drives Debian's.
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, locale="ja-JP"
            )
            try:
                tab = context.new_page()
                tab.set_default_timeout(TIMEOUT_MS)
                yield tab
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


