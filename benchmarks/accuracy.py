"""Accuracy of the CPU engine on the shared data set. Prints a table per part.

(a) docling PDFs: document Markdown without page headers/footers (docling's ground
    truth leaves them out) vs groundtruth/*.md — normalised edit distance of
    the text with Markdown syntax and whitespace removed (target <= 0.10 per
    document) and word recall (target >= 0.95);
(b) Japanese and Chinese pdf.js PDFs rendered at 200 DPI and forced through OCR vs
    their text layer — CER after NFKC and whitespace removal (target <= 0.05);
(c) the page whose text layer lies (Cyrillic glyphs mapped to Hangul) must be OCR'd.

    python benchmarks/accuracy.py [--part a|b|c]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data
from dotsocr import parse
from textmetrics import (
    character_error_rate,
    normalised_edit_distance,
    squeeze,
    strip_markdown,
    word_recall,
)
from vertical_ocr import textlayer_columns

#: Its font's encoding is not honoured by PDFium, so its pixels cannot match its text.
OCR_EXCLUDED = {"XiaoBiaoSong.pdf"}
#: Why a document misses the target where the ground truth, not the text, differs.
KNOWN_GAPS = {
    "normal_4pages.pdf": "footnotes come last on a page; the ground truth keeps them "
    "at the foot of each column, inside the sentence that runs on into the next column",
    "right_to_left_02.pdf": "the ground truth doubles Arabic letters",
}


def part_a(data: Path) -> bool:
    print("(a) docling PDFs: text layer engine vs groundtruth Markdown")
    print(f"{'document':38} {'pages':>5} {'edit dist':>9} {'recall':>7}")
    ok = True
    dists, recalls = [], []
    for pdf in sorted((data / "accuracy/docling/pdf").glob("*.pdf")):
        truth = strip_markdown((pdf.parent / "groundtruth" / f"{pdf.stem}.md").read_text())
        doc = parse(pdf, engine="cpu")
        # docling's Markdown leaves page furniture out, so compare with ours without it.
        got = strip_markdown(doc.markdown(headers_footers=False))
        dist = normalised_edit_distance(squeeze(got), squeeze(truth))
        recall = word_recall(got, truth)
        dists.append(dist)
        recalls.append(recall)
        flag = "" if dist <= 0.10 and recall >= 0.95 else "  <- misses target"
        if flag and pdf.name in KNOWN_GAPS:
            flag += f" ({KNOWN_GAPS[pdf.name]})"
        ok = ok and not flag
        print(f"{pdf.name:38} {len(doc.pages):5d} {dist:9.3f} {recall:7.3f}{flag}")
    print(f"{'median':38} {'':5} {statistics.median(dists):9.3f} {statistics.median(recalls):7.3f}")
    print(f"{'mean':38} {'':5} {statistics.mean(dists):9.3f} {statistics.mean(recalls):7.3f}\n")
    return ok


def part_b(data: Path) -> bool:
    print("(b) ja/zh pdf.js PDFs rendered at 200 DPI, OCR'd, vs text layer (CER)")
    print(f"{'document':32} {'page':>4} {'chars':>6} {'CER':>6}")
    ok = True
    split: dict[str, list[float]] = {"horizontal": [], "vertical": []}
    for lang in ("ja", "zh"):
        for pdf in sorted((data / "accuracy/pdfjs_textlayer" / lang).glob("*.pdf")):
            if pdf.name in OCR_EXCLUDED:
                print(f"{lang}/{pdf.name:29} (excluded: PDFium renders mojibake)")
                continue
            truth_pages = pdf.with_suffix(".textlayer.txt").read_text().split("\f")
            doc = parse(pdf, engine="cpu", ocr="always", dpi=200)
            for page in doc.pages:
                truth = (
                    squeeze(truth_pages[page.number - 1]) if page.number <= len(truth_pages) else ""
                )
                if not truth:
                    continue
                got = squeeze(strip_markdown("\n".join(e.text or "" for e in page.elements)))
                cer = character_error_rate(got, truth)
                note = (
                    "  (vertical text read column by column, right to left; the text layer "
                    "runs in another order and holds Latin labels)"
                    if "6387" in pdf.name
                    else ""
                )
                flag = "  <- misses target" if cer > 0.05 and not note else ""
                ok = ok and not flag
                print(
                    f"{lang}/{pdf.name:29} {page.number:4d} {len(truth):6d} {cer:6.3f}{flag}{note}"
                )
                if lang == "ja":
                    split[_writing(pdf, page.number - 1, truth)].append(cer)
    for writing, cers in split.items():
        if cers:
            print(f"ja {writing} pages: {len(cers)}, mean CER {statistics.mean(cers):.3f}")
    print("(vertical recognition alone, reading order aside: benchmarks/vertical_ocr.py)")
    print()
    return ok


def _writing(pdf: Path, index: int, truth: str) -> str:
    """'vertical' where most of a page's text layer stands in CJK columns."""
    columns = textlayer_columns(pdf, index, 1.0)
    in_columns = sum(len(squeeze(text)) for _, text in columns)
    return "vertical" if in_columns > 0.5 * len(truth) else "horizontal"


def part_c(data: Path) -> bool:
    print("(c) lying text layer (robustness/pdfjs/issue20232.pdf)")
    doc = parse(data / "robustness/pdfjs/issue20232.pdf", engine="cpu")
    page = doc.pages[0]
    text = " ".join(e.text or "" for e in page.elements)
    hangul = len(re.findall(r"[\uac00-\ud7af]", text))
    ok = page.method == "ocr" and hangul == 0
    verdict = "pass" if ok else "FAIL"
    print(f"method={page.method} hangul_chars={hangul} text={text[:80]!r} -> {verdict}\n")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b", "c"], action="append")
    args = parser.parse_args()
    data = require_shared_data()
    parts = {"a": part_a, "b": part_b, "c": part_c}
    results = [parts[p](data) for p in (args.part or ["a", "b", "c"])]
    print("all targets met" if all(results) else "some targets missed")


if __name__ == "__main__":
    main()
