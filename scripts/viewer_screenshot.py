#!/usr/bin/env python3
"""Screenshot the HTML viewer on the sample report, for docs/viewer.png.

Why: the viewer's look (boxes over the page text, content column beside the page)
can only be judged in a real browser. This parses samples/sample_report.pdf with the
CPU engine, writes the viewer and plain page JPEGs into a temporary folder, opens it
in headless Debian chromium (never a downloaded browser) at 1400x900, clicks one box
so the linking shows, and saves the picture.

    .venv/bin/python scripts/viewer_screenshot.py                 # -> docs/viewer.png
    .venv/bin/python scripts/viewer_screenshot.py --out /tmp/v.png --keep /tmp/viewer

:func:`write_sample_viewer` is also what tests/render/test_viewer_browser.py uses.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PDF = REPO_ROOT / "samples" / "sample_report.pdf"
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path() -> str | None:
    """Debian's chromium (or an Ubuntu-style chromium-browser), if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_pages(pdf_path: Path, dpis: dict[int, float], folder: Path, stem: str) -> dict[int, str]:
    """Plain page pictures at each page's parse DPI (so boxes match pixel for pixel),
    as ``pages/<stem>_page_<i>.jpg``; returns their paths relative to ``folder``."""
    import pypdfium2 as pdfium

    from dotsocr.sources.pdf import PDFIUM_LOCK

    (folder / "pages").mkdir(parents=True, exist_ok=True)
    names: dict[int, str] = {}
    for number, dpi in dpis.items():
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(pdf_path))
            try:
                image = pdf[number - 1].render(scale=dpi / 72).to_pil().convert("RGB")
            finally:
                pdf.close()
        name = f"pages/{stem}_page_{number - 1}.jpg"
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80)
        (folder / name).write_bytes(buffer.getvalue())
        names[number] = name
    return names


def write_sample_viewer(folder: Path, pdf_path: Path = SAMPLE_PDF):
    """Parse ``pdf_path`` with the CPU engine and write ``<stem>.html`` plus its page
    pictures into ``folder``; returns the Document and the HTML path."""
    from dotsocr.api import parse
    from dotsocr.render.viewer import viewer_html

    doc = parse(pdf_path, engine="cpu")
    stem = pdf_path.stem
    names = render_pages(pdf_path, {p.number: p.dpi or 200.0 for p in doc.pages}, folder, stem)
    html_path = folder / f"{stem}.html"
    html_path.write_text(viewer_html(doc, page_image=lambda p: names.get(p.number)), "utf-8")
    return doc, html_path


def screenshot(html_path: Path, out: Path, browser_path: str) -> None:
    """Open the viewer, select the first table's box (or the third box), save a PNG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(html_path.resolve().as_uri())
            page.wait_for_load_state("load")
            box = page.locator("section.page:not([hidden]) svg .box.cat-Table")
            if box.count() == 0:
                box = page.locator("section.page:not([hidden]) svg .box").nth(2)
            box.first.click()
            page.mouse.move(5, 895)  # no tooltip in the picture
            page.wait_for_timeout(300)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), type="png")
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "viewer.png")
    parser.add_argument("--keep", type=Path, help="write the viewer here and keep it")
    args = parser.parse_args(argv)
    browser_path = chromium_path()
    if browser_path is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dotsocr-viewer-") as tmp:
        folder = args.keep or Path(tmp)
        _, html_path = write_sample_viewer(folder)
        screenshot(html_path, args.out, browser_path)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB) from {html_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
