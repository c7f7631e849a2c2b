"""Make the README's screenshot (docs/screenshot.png) from the running page, so it shows the page as
it is: a real server on a free loopback port, Debian's Chromium driven by Playwright, the headline
question asked. Usage: python scripts/screenshot.py [OUT]   (`make screenshot`)"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.app import launch  # noqa: E402
from ui.replicas import free_port  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUESTION = "Who refused to meet whom?"


def main() -> None:
    from playwright.sync_api import sync_playwright

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    server = launch(port=free_port(), block=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(server.url)
            page.wait_for_selector("#question textarea", timeout=120_000)
            page.locator("#question textarea").fill(QUESTION)
            page.locator("#send").click()
            page.wait_for_selector("#doc-view mark.answer", timeout=120_000)
            page.wait_for_timeout(500)  # the scroll to the answer
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.close()
    print(f"{out}: the page answering {QUESTION!r}")


if __name__ == "__main__":
    main()
