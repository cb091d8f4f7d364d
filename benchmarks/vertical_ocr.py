"""OCR of vertical Japanese (縦書き) lines: CER of the recognised columns.

Two kinds of pages, both with a known text:
(a) vertical pages rendered here from prose (punctuation, small kana, ー and
    brackets on every line) with a Japanese font taken from a package: IPAex Gothic
    from the japanize-matplotlib wheel or sdist, IPAex Mincho from Debian's
    fonts-ipaexfont-mincho (give their paths with --font, or set DOTSOCR_JA_FONTS);
    part (a) is skipped when none is found;
(b) vertical text-layer PDFs (the corpus's novel and two-tier Japanese documents,
    the shared pdf.js issue6387) rendered at 200 DPI; their text layer, without ruby
    (glyphs under 0.7 of the page's body size), is the truth.

Only recognition is measured: the page's vertical lines holding CJK or digits (Latin
set sideways is left out on both sides; ruby-thin OCR lines too) are put in vertical reading
order here (tiers top to bottom, columns right to left), the same way for the OCR
lines and the truth, so that the engine's reading order does not enter the score.
CER after NFKC and whitespace removal; target <= 0.05.

    python benchmarks/vertical_ocr.py [--turned] [--part a|b] [--font PATH ...]

--turned measures the recogniser's own reading of tall lines turned by 90 degrees
(the engine before cell-by-cell reading) for comparison.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image, ImageDraw, ImageFont

from common import REPO_ROOT, SHARED_DATA
from textmetrics import character_error_rate, squeeze

#: Prose for the rendered pages (the first from 宮沢賢治「銀河鉄道の夜」, public
#: domain; the others written for this benchmark).
TEXTS = (
    "「ではみなさんは、そういうふうに川だと云われたり、乳の流れたあとだと云われたりしていた"
    "このぼんやりと白いものがほんとうは何かご承知ですか。」先生は、黒板に吊した大きな黒い星座"
    "の図の、上から下へ白くけぶった銀河帯のようなところを指しながら、みんなに問をかけました。"
    "カムパネルラが手をあげました。それから四、五人手をあげました。ジョバンニも手をあげようと"
    "して、急いでそのままやめました。たしかにあれがみんな星だと、いつか雑誌で読んだのでしたが、"
    "このごろはジョバンニはまるで毎日教室でもねむく、本を読むひまも読む本もないので、なんだか"
    "どんなこともよくわからないという気持ちがするのでした。",
    "朝のホームは、いつもよりずっと静かだった。ベンチに座ったサトウさんは、コーヒーの紙コップ"
    "を両手で包みながら、電光掲示板をぼんやり見上げている。「ちょっと、遅れてるみたいですね。」"
    "隣のおじいさんが言った。「ええ、さっきのアナウンスでは、十五分ほどだそうです。」サトウさん"
    "はそう答えて、カバンからノートを取り出した。表紙には、きゅうりとトマトのイラストが描いて"
    "ある。ページをめくると、びっしりと小さな字が並んでいた。おじいさんは、ちょっと身を乗り"
    "出した。「ほう、レシピですか。」「はい、祖母のです。ずっと探していたんですけど、やっと見"
    "つかったんです。」",
    "夏休みの最後の日、ぼくらは裏山のキャンプ場へ行った。リュックには、おにぎりとラムネと、"
    "懐中電灯が入っている。ユウタはずっと地図を見ていたが、途中でとうとう道がわからなくなった。"
    "「こっちだよ、きっと。」ミキがそう言って、細いけもの道を指さした。ぼくは少し迷ったけれど、"
    "ついて行くことにした。しばらく歩くと、木のあいだから、きらきら光る湖が見えてきた。"
    "「ほらね。」ミキは得意そうに笑った。ぼくたちは、ショートカットした分だけ、早く着いたの"
    "だった。",
    "雨はやっと上がった。ヨーコは窓を開けて、しめった空気を胸いっぱいに吸いこんだ。遠くで"
    "チャイムが鳴っている。「あっ、もうこんな時間。」あわててセーターを着て、マフラーを巻き、"
    "玄関でブーツをはいた。外へ出ると、水たまりに青い空がうつっていた。角のパン屋さんからは、"
    "焼きたてのクロワッサンのにおいがただよってくる。ヨーコはちょっと立ち止まったが、首をふって、"
    "またいそいで歩き出した。「帰りに寄ろう。ぜったいに。」",
)

#: (text, font file name, font size in px at 200 DPI, characters per column)
PAGES = (
    (0, "ipaexm.ttf", 40, 38),
    (1, "ipaexg.ttf", 36, 44),
    (2, "ipaexm.ttf", 30, 50),
    (3, "ipaexg.ttf", 48, 32),
    (1, "ipaexm.ttf", 33, 46),
    (2, "ipaexg.ttf", 58, 26),
)
#: A column must not start with these (kinsoku): they hang at the end of the last.
_NO_START = set("、。，．」』）ーっゃゅょぁぃぅぇぉッャュョァィゥェォ")
_FONT_NAMES = ("ipaexm.ttf", "ipaexg.ttf")


def find_fonts(given: Sequence[str]) -> dict[str, Path]:
    """The Japanese fonts at hand, by file name: --font, DOTSOCR_JA_FONTS, an
    installed japanize_matplotlib, or the system's font folders."""
    places = [Path(p) for p in given]
    places += [Path(p) for p in os.environ.get("DOTSOCR_JA_FONTS", "").split(os.pathsep) if p]
    try:
        import japanize_matplotlib  # type: ignore[import-not-found]

        places.append(Path(japanize_matplotlib.__file__).parent / "fonts")
    except ImportError:
        pass
    places += [Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts/truetype")]
    found: dict[str, Path] = {}
    for place in places:
        files = (
            [place] if place.is_file() else sorted(place.rglob("*.ttf")) if place.is_dir() else []
        )
        for f in files:
            if f.name in _FONT_NAMES:
                found.setdefault(f.name, f)
    return found


def layout_columns(text: str, per_column: int) -> list[str]:
    """Break prose into columns of about per_column characters (kinsoku: closing
    punctuation and small kana never start a column)."""
    cols, cur = [], ""
    for ch in text:
        if len(cur) >= per_column and ch not in _NO_START:
            cols.append(cur)
            cur = ""
        cur += ch
    return [*cols, cur] if cur else cols


def render_vertical_page(
    text: str, font: Path, px: int, per_column: int, page: tuple[int, int] = (1654, 2339)
) -> tuple[Image.Image, list[str]]:
    """An A5-like page at 200 DPI set in vertical writing, columns right to left,
    drawn at twice the size and scaled down (as a rasteriser would anti-alias)."""
    k = 2
    face = ImageFont.truetype(str(font), px * k)
    image = Image.new("L", (page[0] * k, page[1] * k), 255)
    draw = ImageDraw.Draw(image)
    margin = 150 * k
    x = image.width - margin - px * k
    kept = []
    for col in layout_columns(text, per_column):
        if x < margin:
            break
        draw.text((x, margin), col, font=face, fill=0, direction="ttb")
        kept.append(col)
        x -= round(px * k * 1.8)
    return image.resize(page, Image.Resampling.LANCZOS).convert("RGB"), kept


def vertical_order(boxes: Sequence[tuple[float, float, float, float]]) -> list[int]:
    """Indices of column boxes in vertical reading order: tiers (bands of boxes that
    overlap in height) top to bottom, columns right to left, pieces top to bottom."""
    n = len(boxes)
    tier = list(range(n))

    def root(i: int) -> int:
        while tier[i] != i:
            i = tier[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, b = boxes[i], boxes[j]
            if min(a[3], b[3]) - max(a[1], b[1]) > 0:
                tier[root(j)] = root(i)
    top = {
        r: min(boxes[i][1] for i in range(n) if root(i) == r) for r in {root(i) for i in range(n)}
    }
    width = statistics.median([b[2] - b[0] for b in boxes]) if boxes else 1.0

    def key(i: int) -> tuple[float, float, float]:
        b = boxes[i]
        return (top[root(i)], -round((b[0] + b[2]) / 2 / (0.6 * width)), b[1])

    return sorted(range(n), key=key)


def _counted(text: str) -> bool:
    """Columns scored: those with CJK, or digits alone (Latin set sideways is left
    out)."""
    from dotsocr.engines.cpu.scripts import is_cjk

    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return any(is_cjk(ch) for ch in text) or (latin == 0 and any(ch.isdigit() for ch in text))


def ocr_vertical_text(image: Image.Image) -> str:
    """The text of a page's vertical OCR lines, ruby-thin lines left out, in
    vertical reading order."""
    from dotsocr.engines.cpu.ocr import ocr_lines

    lines = [ln for ln in ocr_lines(image) if ln.vertical and _counted(ln.text)]
    if not lines:
        return ""
    body = statistics.median([ln.box[2] - ln.box[0] for ln in lines])
    lines = [ln for ln in lines if ln.box[2] - ln.box[0] >= 0.82 * body]
    order = vertical_order([ln.box for ln in lines])
    return "".join(lines[i].text for i in order)


def textlayer_columns(pdf: Path, index: int, scale: float) -> list[tuple[tuple[float, ...], str]]:
    """A PDF page's vertical text as columns (box in pixels at scale, text), ruby
    (glyphs smaller than 0.7 of the body size) and lone glyphs left out."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(str(pdf))
    page = doc[index]
    height = page.get_height()
    tp = page.get_textpage()
    chars = []
    loose = raw.FS_RECTF()
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch.strip():
            continue
        # The loose box spans the font's ascent to descent: its longer side is the
        # font size for every glyph (、, ruby and Latin set sideways included).
        raw.FPDFText_GetLooseCharBox(tp.raw, i, loose)
        size = max(loose.top - loose.bottom, loose.right - loose.left)
        left, bottom, right, top = tp.get_charbox(i)
        box = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
        chars.append((ch, size, box))
    if not chars:
        return []
    body = statistics.median(s for _, s, _ in chars)
    chars = [c for c in chars if c[1] >= 0.7 * body]
    em = body * scale
    columns: list[list[tuple[str, float, tuple[float, ...]]]] = []
    for c in chars:
        if columns:
            last = columns[-1][-1][2]
            same_x = abs((last[0] + last[2]) / 2 - (c[2][0] + c[2][2]) / 2) < 0.5 * em
            below = -0.2 * em < c[2][1] - last[3] < 1.5 * em
            if same_x and below:
                columns[-1].append(c)
                continue
        columns.append([c])
    out = []
    for col in columns:
        if len(col) < 2:
            continue
        box = (
            min(c[2][0] for c in col),
            min(c[2][1] for c in col),
            max(c[2][2] for c in col),
            max(c[2][3] for c in col),
        )
        text = "".join(c[0] for c in col)
        if box[3] - box[1] > 1.5 * (box[2] - box[0]) and _counted(text):
            out.append((box, text))
    return out


def textlayer_pages() -> list[tuple[str, Path, int]]:
    """Vertical text-layer pages: corpus novels and two-tier pages, and issue6387."""
    pages = []
    manifest = REPO_ROOT / "benchmarks" / "corpus" / "MANIFEST.tsv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                name = row.get("file", "")
                if (
                    row.get("lang") == "ja"
                    and row.get("kind") in ("novel", "two_tier")
                    and name.endswith(".pdf")
                ):
                    path = manifest.parent / "docs" / name
                    if path.is_file():
                        pages += [(name, path, i) for i in range(int(row.get("pages") or 1))]
    shared = SHARED_DATA / "accuracy/pdfjs_textlayer/ja/issue6387.pdf"
    if shared.is_file():
        pages.append((shared.name, shared, 0))
    return pages


def _score(
    name: str, image: Image.Image, truth: str, results: list[tuple[str, float, float]]
) -> None:
    start = time.perf_counter()
    got = ocr_vertical_text(image)
    took = time.perf_counter() - start
    if not got:
        print(f"{name:36} no vertical OCR lines (fonts not embedded, page renders blank?)")
        return
    cer = character_error_rate(squeeze(got), squeeze(truth))
    results.append((name, cer, took))
    flag = "  <- misses target" if cer > 0.05 else ""
    print(f"{name:36} {len(squeeze(truth)):6d} {cer:6.3f} {took:6.1f}{flag}")


def part_a(fonts: dict[str, Path], results: list[tuple[str, float, float]]) -> None:
    print("(a) vertical pages rendered from prose (IPAex fonts)")
    if not fonts:
        print("    skipped: no IPAex font found (see --font)\n")
        return
    print(f"{'page':36} {'chars':>6} {'CER':>6} {'s':>6}")
    for text_no, font_name, px, per_column in PAGES:
        font = fonts.get(font_name) or next(iter(fonts.values()))
        image, cols = render_vertical_page(TEXTS[text_no], font, px, per_column)
        _score(f"text{text_no} {font.stem} {px}px", image, "".join(cols), results)
    print()


def part_b(results: list[tuple[str, float, float]]) -> None:
    import pypdfium2 as pdfium

    print("(b) vertical text-layer PDFs at 200 DPI (truth: text layer without ruby)")
    print(f"{'page':36} {'chars':>6} {'CER':>6} {'s':>6}")
    scale = 200 / 72
    for name, path, index in textlayer_pages():
        columns = textlayer_columns(path, index, scale)
        if not columns:
            continue
        order = vertical_order([box for box, _ in columns])
        truth = "".join(columns[i][1] for i in order)
        image = pdfium.PdfDocument(str(path))[index].render(scale=scale).to_pil().convert("RGB")
        _score(f"{name} p{index + 1}", image, truth, results)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b"], action="append")
    parser.add_argument("--font", action="append", default=[], help="an IPAex .ttf or a folder")
    parser.add_argument("--turned", action="store_true", help="the turned reading only (before)")
    args = parser.parse_args()
    if args.turned:
        from dotsocr.engines.cpu import ocr

        ocr._reread_vertical = lambda bgr, quads, read, limit: read  # type: ignore[assignment]
    results: list[tuple[str, float, float]] = []
    parts = args.part or ["a", "b"]
    if "a" in parts:
        part_a(find_fonts(args.font), results)
    if "b" in parts:
        part_b(results)
    if results:
        cers = [c for _, c, _ in results]
        print(
            f"{len(results)} pages: mean CER {statistics.mean(cers):.3f}, "
            f"worst {max(cers):.3f}, {statistics.mean(t for _, _, t in results):.1f} s/page"
        )
        print("target met" if max(cers) <= 0.05 else "target missed")


if __name__ == "__main__":
    main()
