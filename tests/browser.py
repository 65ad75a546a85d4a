"""Open a Snakemake HTML report in Debian's headless chromium and list what it shows."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    if not Path(CHROMIUM).exists():
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


# For every result the report lists under a category: its MIME type, the size of its embedded data, and for
# images whether the browser decodes them to a picture with a size.
INSPECT_RESULTS = """
async () => {
    const listed = [];
    for (const [category, subcategories] of Object.entries(categories)) {
        for (const [subcategory, paths] of Object.entries(subcategories)) {
            for (const path of paths) listed.push({category, subcategory, path});
        }
    }
    const out = [];
    for (const item of listed) {
        const entry = results[item.path];
        const row = {...item, present: entry !== undefined};
        if (entry) {
            row.mime = entry.mime_type;
            const response = await fetch(entry.data_uri);
            row.bytes = (await response.arrayBuffer()).byteLength;
            if (row.mime.startsWith("image/")) {
                const image = new Image();
                image.src = entry.data_uri;
                try { await image.decode(); row.width = image.naturalWidth; } catch (e) { row.width = 0; }
            }
        }
        out.push(row);
    }
    return out;
}
"""


def inspect_report(report: Path) -> dict:
    """Console errors, failed requests, page text and the listed results of ``report`` in headless chromium."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = context.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.innerText.length > 0")
            listed = page.evaluate(INSPECT_RESULTS)
            text = page.inner_text("body")
        finally:
            context.close()
    return {"errors": errors, "failed": failed, "listed": listed, "text": text}
