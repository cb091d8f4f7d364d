"""RapidOCR (PP-OCRv6 det + rec on onnxruntime) turned into page lines.

Detection runs with its longer side limited (1280 px by default: CER 0-0.3 % on
Japanese test pages at about 2 s/page on 2 cores) and without the angle classifier.
The recogniser alone is also exposed: the text-layer check reads a few line crops
with it to see whether the layer says what the page shows. Tall lines on a page of
Chinese or Japanese are read again cell by cell (:mod:`vertical_ocr`): on 15
vertical pages mean CER 0.109 -> 0.007 (benchmarks/vertical_ocr.py), for about
twice the recognition time of such a page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

from dotsocr.engines.cpu.merged_columns import column_spans, column_width, split_quad
from dotsocr.engines.cpu.models import REC_MIN_WIDTH, get_ocr, model_lock
from dotsocr.engines.cpu.scripts import is_cjk, strip_cjk_spaces
from dotsocr.engines.cpu.textlines import Line
from dotsocr.engines.cpu.vertical_ocr import normalise_vertical, read_columns

#: Det boxes are padded around the glyphs; their height is about 1.35 em.
_BOX_TO_EM = 0.75
#: Share of CJK among a page's recognised letters from which its tall lines are
#: taken for vertical writing.
_CJK_PAGE = 0.3
#: Tall boxes a page needs before they say how wide its columns are.
_TYPICAL_OF = 5
#: A turned reading this confident, without CJK, is Latin set sideways; below it,
#: upright glyphs may have been read on their side.
_SURE = 0.8


def to_bgr(image: Image.Image) -> np.ndarray:
    """PIL image -> contiguous BGR uint8 array, the layout both libraries expect."""
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _line_from_quad(quad: np.ndarray, text: str, score: float) -> Line:
    xs, ys = quad[:, 0], quad[:, 1]
    box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
    w, h = box[2] - box[0], box[3] - box[1]
    text = strip_cjk_spaces(" ".join(text.split()))
    vertical = h > 1.5 * w and len(text) >= 2
    size = (w if vertical else h) * _BOX_TO_EM
    return Line(text=text, box=box, size=max(size, 1.0), vertical=vertical, score=score)


def ocr_lines(image: Image.Image | np.ndarray, det_limit_side_len: int = 1280) -> list[Line]:
    """Detect and read every text line of a page image (RGB PIL or BGR array).

    On a page of Chinese or Japanese, tall narrow lines are read again cell by cell
    (:mod:`vertical_ocr`): the recogniser's own reading of them, turned by 90
    degrees, loses the punctuation, small kana and ー of vertical writing. Before
    that, boxes that ran neighbouring columns together are cut apart: on the
    official gazette page (8 pt, tight columns) bag-of-characters error 0.363 ->
    0.023 (benchmarks/ocr_cer_ja.py).
    """
    bgr = to_bgr(image) if isinstance(image, Image.Image) else image
    engine = get_ocr(det_limit_side_len)
    with model_lock():
        result = engine(bgr, use_det=True, use_cls=False, use_rec=True)
    boxes = getattr(result, "boxes", None)
    txts = getattr(result, "txts", None)
    if boxes is None or txts is None or len(txts) == 0:
        return []
    scores = getattr(result, "scores", None) or [1.0] * len(txts)
    quads = [np.asarray(q, dtype=float) for q in boxes[: len(txts)]]
    read = [(str(t), float(s)) for t, s in zip(txts, scores, strict=False)]
    if _cjk_share([t for t, _ in read]) >= _CJK_PAGE:
        quads, read = _split_merged_columns(bgr, quads, read)
        read = _reread_vertical(bgr, quads, read, det_limit_side_len)
    lines = []
    for quad, (text, score) in zip(quads, read, strict=False):
        if text and text.strip():
            lines.append(_line_from_quad(quad, text, score))
    return lines


def _is_tall(quad: np.ndarray) -> bool:
    """The det box shape of a vertical line (the test :func:`_line_from_quad` uses)."""
    w = quad[:, 0].max() - quad[:, 0].min()
    h = quad[:, 1].max() - quad[:, 1].min()
    return bool(h > 1.5 * w)


def _cjk_share(texts: Sequence[str]) -> float:
    letters = [ch for t in texts for ch in t if ch.isalnum()]
    return sum(is_cjk(ch) for ch in letters) / len(letters) if letters else 0.0


def _split_merged_columns(
    bgr: np.ndarray, quads: list[np.ndarray], read: list[tuple[str, float]]
) -> tuple[list[np.ndarray], list[tuple[str, float]]]:
    """Cut tall boxes that hold neighbouring columns apart, and trim the slivers
    of neighbours off the others (:mod:`merged_columns`). The pieces of a cut box
    are left unread, for the vertical reader."""
    crops = {i: _box_crop(bgr, quads[i]) for i in _vertical_candidates(quads, read)}
    if len(crops) < _TYPICAL_OF:
        return quads, read
    em = column_width(list(crops.values()))
    out_quads, out_read = [], []
    for i, (quad, reading) in enumerate(zip(quads, read, strict=True)):
        spans = column_spans(crops[i], em) if i in crops else []
        if spans and spans != [(0, crops[i].shape[1])]:
            pieces = split_quad(quad, spans)
            out_quads += pieces
            out_read += [reading] if len(pieces) == 1 else [("", 0.0)] * len(pieces)
        else:
            out_quads.append(quad)
            out_read.append(reading)
    return out_quads, out_read


def _reread_vertical(
    bgr: np.ndarray,
    quads: Sequence[np.ndarray],
    read: list[tuple[str, float]],
    det_limit_side_len: int,
) -> list[tuple[str, float]]:
    """Replace the readings of tall lines by cell-by-cell readings.

    A tall line confidently read turned without any CJK (Latin set sideways)
    keeps that reading; one whose confident turned reading has some Latin letters
    or digits takes them from it.
    """
    tall = _vertical_candidates(quads, read)
    if not tall:
        return read
    crops = [_box_crop(bgr, quads[i]) for i in tall]
    latin = [
        read[i][1] >= _SURE and sum(ch.isascii() and ch.isalnum() for ch in read[i][0]) >= 2
        for i in tall
    ]
    again = read_columns(
        crops,
        lambda strips: read_positions(strips, det_limit_side_len),
        lambda tiles: read_crops(tiles, det_limit_side_len),
        sideways=latin,
    )
    out = list(read)
    for i, (text, score) in zip(tall, again, strict=True):
        if text:
            out[i] = (normalise_vertical(text), score)
    return out


def _vertical_candidates(
    quads: Sequence[np.ndarray], read: Sequence[tuple[str, float]]
) -> list[int]:
    """Indices of the tall boxes whose turned reading leaves room for vertical writing."""
    return [i for i, q in enumerate(quads) if _is_tall(q) and _maybe_vertical(*read[i])]


def _maybe_vertical(turned: str, score: float) -> bool:
    """Whether a tall line's turned reading leaves room for vertical writing: it has
    CJK, or the recogniser was unsure of it (upright glyphs stacked, such as digits,
    read on their side). A confident reading without CJK is Latin set sideways."""
    return any(is_cjk(ch) for ch in turned) or score < _SURE


def _box_crop(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The page pixels inside a det box's bounding rectangle."""
    h, w = bgr.shape[:2]
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
    return bgr[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]


def recognize(
    crops: Sequence[np.ndarray], det_limit_side_len: int = 1280
) -> list[tuple[str, float]]:
    """Read single-line BGR crops with the recogniser only (no detection)."""
    engine = get_ocr(det_limit_side_len)
    out: list[tuple[str, float]] = []
    with model_lock():
        for crop in crops:
            if crop.size == 0 or crop.shape[0] < 2 or crop.shape[1] < 2:
                out.append(("", 0.0))
                continue
            result = engine(crop, use_det=False, use_cls=False, use_rec=True)
            txts = getattr(result, "txts", None) or ("",)
            scores = getattr(result, "scores", None) or (0.0,)
            out.append((str(txts[0]), float(scores[0])))
    return out


def _decode(
    preds: np.ndarray, chars: Sequence[str], x_per_frame: float
) -> list[tuple[str, float, float]]:
    """Greedy CTC decoding that keeps each character's frame as an x position."""
    idx, prob = preds.argmax(axis=1), preds.max(axis=1)
    found = []
    for t, k in enumerate(idx):
        if k == 0 or (t > 0 and idx[t - 1] == k) or k >= len(chars):
            continue
        found.append((chars[k], float(prob[t]), (t + 0.5) * x_per_frame))
    return found


def read_positions(
    strips: Sequence[np.ndarray], det_limit_side_len: int = 1280, batch: int = 6
) -> list[list[tuple[str, float, float]]]:
    """Read BGR strips with the recogniser, keeping where each character was read.

    Per strip: (character, confidence, x centre in strip pixels), from the CTC
    frame that emitted it. The vertical reader needs the positions to tell which
    character cell a character came from. Strips of similar width go through the
    model together (padded to the widest of their batch, as the recogniser does).
    """
    engine = get_ocr(det_limit_side_len)
    rec = engine.text_rec
    chars = rec.postprocess_op.character
    height = rec.rec_image_shape[1]
    out: list[list[tuple[str, float, float]]] = [[] for _ in strips]
    ratios = [max(s.shape[1] / s.shape[0], REC_MIN_WIDTH / height) for s in strips]
    order = sorted(range(len(strips)), key=lambda i: ratios[i])
    with model_lock():
        for start in range(0, len(order), batch):
            group = order[start : start + batch]
            widest = max(ratios[i] for i in group)
            norm = np.stack([rec.resize_norm_img(strips[i], widest) for i in group])
            preds = np.asarray(rec.session(norm.astype(np.float32)))
            model_w = norm.shape[3]
            for i, p in zip(group, preds, strict=True):
                h, w = strips[i].shape[:2]
                # The strip was scaled to the model's height, then padded on the right.
                scale = w / min(model_w, math.ceil(height * w / h))
                out[i] = _decode(p, chars, model_w / len(p) * scale)
    return out


def read_crops(
    crops: Sequence[np.ndarray], det_limit_side_len: int = 1280
) -> list[tuple[str, float]]:
    """Read small BGR crops in batches: text and mean confidence of each."""
    out = []
    for found in read_positions(crops, det_limit_side_len, batch=32):
        text = "".join(ch for ch, _, _ in found)
        out.append((text, float(np.mean([c for _, c, _ in found])) if found else 0.0))
    return out
