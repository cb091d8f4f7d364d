"""The engine's contract: failed pages instead of exceptions, blank pages empty,
models loaded once and quietly, settings that describe the output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dotsocr.engines.base import Engine
from dotsocr.engines.cpu import ENGINE_VERSION, CpuEngine, CpuEngineOptions, engine, models
from support.cpu import page_image, rendered_pages, text_image


def test_engine_satisfies_the_protocol(cpu_engine: CpuEngine) -> None:
    e: Engine = cpu_engine
    assert e.name == "cpu"
    settings = cpu_engine.settings()
    assert settings["ocr"] == "auto"
    assert settings["det_limit_side_len"] == 1280
    assert settings["engine_version"] == ENGINE_VERSION
    assert CpuEngine(CpuEngineOptions(ocr="always")).settings() != settings


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        CpuEngineOptions(ocr="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CpuEngineOptions(det_limit_side_len=10)


def test_a_page_that_failed_to_render_stays_failed(cpu_engine: CpuEngine) -> None:
    (page,) = cpu_engine.process([page_image(None, number=4, error="render failed: boom")])
    assert page.status == "failed"
    assert page.number == 4
    assert page.error == "render failed: boom"
    assert page.engine == "cpu"
    assert page.elements == []


def test_an_exception_fails_only_its_page(monkeypatch: pytest.MonkeyPatch) -> None:
    in_process = CpuEngine(CpuEngineOptions(workers=1))  # the patch reaches no worker
    calls = {"n": 0}
    real = engine.assemble

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("layout exploded")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "assemble", flaky)
    blank = Image.new("RGB", (800, 1000), "white")
    results = list(in_process.process([page_image(blank, number=1), page_image(blank, number=2)]))
    assert [p.status for p in results] == ["failed", "ok"]
    assert "layout exploded" in (results[0].error or "")
    assert results[0].width == 800 and results[0].height == 1000


def test_blank_page_has_no_elements(cpu_engine: CpuEngine) -> None:
    page = cpu_engine.process_page(page_image(Image.new("RGB", (1200, 1600), "white")))
    assert page.status == "ok"
    assert page.elements == []
    assert (page.width, page.height, page.dpi) == (1200, 1600, 200.0)


def test_models_load_once(cpu_engine: CpuEngine) -> None:
    image = text_image(["Load the models only once"])
    cpu_engine.process_page(page_image(image))
    before = dict(models.LOAD_COUNTS)
    CpuEngine(CpuEngineOptions()).process_page(page_image(image))
    CpuEngine(CpuEngineOptions(ocr="always")).process_page(page_image(image))
    assert dict(models.LOAD_COUNTS) == before
    assert all(n == 1 for n in models.LOAD_COUNTS.values())
    assert models.get_ocr(1280) is models.get_ocr(1280)
    assert models.get_layout(0.5) is models.get_layout(0.5)


def test_loading_prints_nothing_on_stdout() -> None:
    code = "from dotsocr.engines.cpu import models\nmodels.get_ocr(1280); models.get_layout(0.5)\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "[INFO]" not in run.stderr


def test_two_column_paper_reads_left_column_first(shared_data: Path, cpu_engine: CpuEngine) -> None:
    (page,) = rendered_pages(shared_data / "accuracy/pdfjs_textlayer/en/tracemonkey.pdf", "1")
    result = cpu_engine.process_page(page)
    assert result.method == "text-layer"
    texts = [e.text or "" for e in result.elements]
    joined = "\n".join(texts)
    left = joined.index("Dynamic languages such as JavaScript are more difficult")
    right = joined.index("and is used for the application logic")
    assert joined.index("Trace-based Just-in-Time") < left < right
    assert result.elements[0].category == "Title"
    assert set(result.timings) >= {"text", "layout"}
