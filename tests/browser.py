"""Open a Snakemake HTML report in Debian's headless chromium and list what it shows."""

from __future__ import annotations

import re
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


# A resource the browser would fetch: script/link/img/iframe sources, ES module imports, CSS imports.
EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|embed|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//"
    r"|\bimport\b[^;\n]{0,200}?\bfrom\s*[\"'](?:https?:)?//"
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//",
    re.IGNORECASE,
)

# Schemes that stay inside the report file: the file itself, embedded results, and blobs made from them.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def inspect_report(report: Path, interactive: dict | None = None, list_results: bool = True) -> dict:
    """Console errors, failed and outside requests, page text and the listed results of ``report`` in chromium.

    With ``interactive`` (keys category, subcategory, table, search, volcano), also open the interactive
    table and volcano pages from the report's own menu, as a reader would, and record what they show.
    ``list_results=False`` skips reading every embedded result (an unpacked report.zip keeps them as files,
    which a page may not fetch).
    """
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            # Every request of every frame, the embedded pages' too.
            context.on(
                "request",
                lambda request: outside.append(request.url) if not request.url.startswith(LOCAL_SCHEMES) else None,
            )
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.innerText.length > 0")
            listed = page.evaluate(INSPECT_RESULTS) if list_results else []
            text = page.inner_text("body")
            shown = exercise_interactive_pages(page, **interactive) if interactive else {}
        finally:
            context.close()
    return {"errors": errors, "failed": failed, "outside": outside, "listed": listed, "text": text, **shown}


def show_result(page, path: str):
    """Click the eye button of ``path`` in the listed results and return the frame that shows it."""
    name = path.rsplit("/", 1)[-1]
    page.locator("tr", has_text=path).locator("a[iconname=eye]").click()
    # The single-file report shows a data: URL naming the file; report.zip the file's own path.
    page.wait_for_function(f"(document.querySelector('iframe')?.src || '').includes('{name}')")
    return page.locator("iframe").element_handle().content_frame()


def exercise_interactive_pages(page, category: str, subcategory: str, table: str, search: str, volcano: str) -> dict:
    """Rows of the table before and after typing ``search``; the tooltip text over a volcano point."""
    page.get_by_role("link", name=category, exact=True).click()
    page.get_by_role("link", name=subcategory, exact=True).click()
    frame = show_result(page, table)
    rows = "table.dataTable tbody tr"
    frame.wait_for_selector(rows, timeout=60_000)
    info = frame.locator(".dt-info").inner_text()
    frame.locator("input[type=search]").first.fill(search)
    frame.wait_for_function("document.querySelector('.dt-info').innerText.includes('filtered')")
    searched = frame.locator(rows).all_inner_texts()
    searched_info = frame.locator(".dt-info").inner_text()
    frame = show_result(page, volcano)
    frame.wait_for_selector("#plot svg g.mark-symbol.role-mark path", timeout=60_000)
    points = frame.locator("#plot svg g.mark-symbol.role-mark path")
    before = frame.evaluate("document.querySelector('#vg-tooltip-element.visible') !== null")
    points.first.hover(force=True)
    frame.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
    tooltip = frame.locator("#vg-tooltip-element").inner_text()
    return {
        "table_info": info,
        "searched_rows": searched,
        "searched_info": searched_info,
        "volcano_points": points.count(),
        "tooltip_before_hover": before,
        "tooltip": tooltip,
    }
