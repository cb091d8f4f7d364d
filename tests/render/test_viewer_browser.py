"""The HTML viewer in a real headless browser (Debian's chromium through Playwright).

Skipped, with the reason, when Playwright or a chromium executable is missing; a
browser is never downloaded (.ci/run installs Debian's chromium).
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from dotsocr.model import Document, Element, Page
from dotsocr.render.viewer import viewer_html
from support import load_script

viewer_screenshot = load_script("scripts/viewer_screenshot.py")

CURRENT = "section.page:not([hidden])"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium executable on PATH (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


class Errors:
    """Console errors and uncaught page errors seen while a test drives the page."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.messages.append(m.text))
        page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))


def _open(browser, html_path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors = Errors(page)
    page.goto(html_path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, errors


def _check_box_selects_block(page, element: Element, index: int) -> None:
    page.locator(f"{CURRENT} svg .box[data-index='{index}'] .frame").click()
    block = page.locator(f"{CURRENT} .block[data-index='{index}']")
    assert "selected" in block.get_attribute("class").split()
    assert block.get_attribute("aria-current") == "true"
    assert block.is_visible() and block.evaluate(
        "b => { const r = b.getBoundingClientRect(), p = b.parentElement.getBoundingClientRect();"
        " return r.bottom > p.top && r.top < p.bottom; }"
    ), "the block was not scrolled into view"
    plain = re.sub(r"<[^>]+>", " ", element.text or "")  # a table's cells, as text
    start = " ".join(plain.lstrip("#-* ").split())[:20]
    assert start in " ".join(block.inner_text().split())


def test_sample_report_in_chromium(browser, tmp_path):
    doc, html_path = viewer_screenshot.write_sample_viewer(tmp_path)
    page, errors = _open(browser, html_path)

    assert page.locator("svg .box").count() == sum(len(p.elements) for p in doc.pages)
    for p in doc.pages:
        boxes = page.locator(f"section.page[data-page='{p.number}'] svg .box")
        assert boxes.count() == len(p.elements) > 0
    assert page.locator(f"{CURRENT} img.page-image").evaluate("i => i.naturalWidth") > 0

    first = doc.pages[0]
    table = next(i for i, e in enumerate(first.elements) if e.category == "Table")
    _check_box_selects_block(page, first.elements[table], table)
    _check_box_selects_block(page, first.elements[1], 1)
    box1 = page.locator(f"{CURRENT} svg .box[data-index='1']")
    assert "selected" in box1.get_attribute("class").split()

    page.locator(f"{CURRENT} .block[data-index='2']").click()
    box2 = page.locator(f"{CURRENT} svg .box[data-index='2']")
    assert "selected" in box2.get_attribute("class").split()
    assert "selected" not in box1.get_attribute("class").split()

    page.locator(f"{CURRENT} svg .box[data-index='4'] .frame").hover()
    tip = page.locator("#tip")
    assert tip.is_visible() and "5 · Text" in tip.inner_text()

    lists = page.locator(f"{CURRENT} svg .box.cat-List-item")
    assert lists.count() == 3 and lists.first.is_visible()
    page.locator(".toggles input[data-cat='List-item']").uncheck()
    assert not any(lists.nth(i).is_visible() for i in range(3))
    assert not page.locator(f"{CURRENT} .block.cat-List-item").first.is_visible()
    assert page.locator(f"{CURRENT} svg .box.cat-Text").first.is_visible()
    page.locator(".toggles input[data-cat='List-item']").check()
    assert lists.first.is_visible()

    page.locator("#next").click()
    assert page.locator(CURRENT).get_attribute("data-page") == "2"
    assert page.locator("#page-input").input_value() == "2"
    assert page.locator("#next").is_disabled()
    second = doc.pages[1]
    _check_box_selects_block(page, second.elements[1], 1)
    page.locator("#prev").click()
    assert page.locator(CURRENT).get_attribute("data-page") == "1"
    page.locator("#page-input").fill("2")
    page.locator("#page-input").press("Enter")
    assert page.locator(CURRENT).get_attribute("data-page") == "2"
    page.locator("nav.pages [data-goto='1']").click()
    assert page.locator(CURRENT).get_attribute("data-page") == "1"
    assert page.locator("section.page:not([hidden])").count() == 1

    shot = tmp_path / "viewer.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size == (1400, 900)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 200
    assert errors.messages == []
    page.close()


def _synthetic_document(pages: int, folder: Path) -> Document:
    """A big document: random boxes and text on every page, one shared picture."""
    rng = random.Random(352)
    Image.new("RGB", (170, 240), (250, 250, 250)).save(folder / "page.jpg", quality=70)
    categories = ["Text", "Text", "Text", "Section-header", "List-item", "Caption", "Formula"]
    made = []
    for number in range(1, pages + 1):
        elements = []
        for _ in range(rng.randint(15, 35)):
            x, y = rng.randint(0, 1500), rng.randint(0, 2200)
            category = rng.choice(categories)
            words = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(40))
            text = "x^{2} + \\frac{1}{y}" if category == "Formula" else words
            box = [x, y, x + rng.randint(20, 150), y + rng.randint(10, 130)]
            elements.append(Element(bbox=box, category=category, text=text))
        made.append(Page(number=number, width=1654, height=2339, dpi=200, elements=elements))
    return Document(source="big.pdf", page_count=pages, pages=made)


def test_352_pages_load_fast_and_stay_usable(browser, tmp_path):
    doc = _synthetic_document(352, tmp_path)
    html_path = tmp_path / "big.html"
    html_path.write_text(viewer_html(doc, page_image=lambda p: "page.jpg"), "utf-8")
    page, errors = _open(browser, html_path)
    load_ms = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.loadEventEnd - n.startTime; }"
    )
    size_mb = html_path.stat().st_size / 1e6
    print(f"\n352-page viewer ({size_mb:.1f} MB HTML): load event after {load_ms:.0f} ms")
    assert 0 < load_ms < 3000
    assert page.locator(f"{CURRENT} svg .box").count() == len(doc.pages[0].elements)

    page.locator("#page-input").fill("300")
    page.locator("#page-input").press("Enter")
    assert page.locator(CURRENT).get_attribute("data-page") == "300"
    target = doc.pages[299]
    index = next(i for i, e in enumerate(target.elements) if e.category == "Text")
    box = page.locator(f"{CURRENT} svg .box[data-index='{index}']")
    box.evaluate("b => b.dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    block = page.locator(f"{CURRENT} .block[data-index='{index}']")
    assert "selected" in block.get_attribute("class").split()
    assert (target.elements[index].text or "")[:20] in block.inner_text()
    assert errors.messages == []
    page.close()


def test_the_html_writers_file_shows_its_page_pictures(browser, tmp_path):
    """What `--to html` writes, opened as a user opens it: the page pictures it links
    load, and every element has its box."""
    from support import SAMPLE_PDF, run_dotsocr

    done = run_dotsocr("parse", SAMPLE_PDF, "-o", tmp_path, "--to", "json,html")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "sample_report"
    doc = Document.model_validate_json((folder / "sample_report.json").read_text("utf-8"))
    page, errors = _open(browser, folder / "sample_report.html")
    # Lazy pictures may finish after the load event: wait for each to decode.
    loaded = page.evaluate(
        "() => Promise.all([...document.querySelectorAll(`section.page:not([hidden]) img`)]"
        ".map(i => i.decode().then(() => i.naturalWidth > 0, () => false)))"
    )
    assert loaded and all(loaded)
    boxes = page.locator("svg .box").count()
    assert boxes == sum(len(p.elements) for p in doc.pages)
    assert errors.messages == []
