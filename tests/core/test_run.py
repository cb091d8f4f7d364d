"""The run layer: one batch from engine choice to close, safe to run several at once."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from dotsocr.engines.base import Engine
from dotsocr.errors import EngineSetupError, OutputDirError, UsageError
from dotsocr.model import Element, Page
from dotsocr.options import ParseOptions
from dotsocr.run import Batch, EngineReady, run_batch
from dotsocr.sources.base import PageImage
from support import SAMPLE_PDF, make_text_pdf


class EchoEngine(Engine):
    """Each page's text layer as one Text element; counts its lifecycle calls."""

    name = "echo"

    def __init__(self) -> None:
        self.prepared = self.closed = 0

    def settings(self) -> dict:
        return {"name": self.name}

    def prepare(self) -> str | None:
        self.prepared += 1
        return "echo-model"

    def close(self) -> None:
        self.closed += 1

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        for image in pages:
            text = image.text_layer.text.strip() if image.text_layer else ""
            w, h = image.size
            element = Element(bbox=[0, 0, w, h], category="Text", text=text)
            yield Page(number=image.number, width=w, height=h, engine=self.name, elements=[element])


def test_a_bad_output_folder_is_refused_before_the_engine_is_prepared(tmp_path):
    in_the_way = tmp_path / "out"
    in_the_way.write_text("a file")
    engine = EchoEngine()
    with pytest.raises(OutputDirError, match="is a file"):
        run_batch(Batch([SAMPLE_PDF], output_dir=in_the_way), engine=engine)
    assert engine.prepared == 0
    assert issubclass(OutputDirError, UsageError)


def test_an_engine_the_options_cannot_build_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DOTSOCR_SERVER_URL", raising=False)
    with pytest.raises(EngineSetupError, match="needs a server") as caught:
        run_batch(Batch([SAMPLE_PDF], ParseOptions(engine="dots")))
    assert isinstance(caught.value, UsageError)


def test_a_callers_engine_is_prepared_reported_and_left_open(tmp_path):
    engine = EchoEngine()
    seen: list[EngineReady] = []
    summary = run_batch(
        Batch([SAMPLE_PDF], output_dir=tmp_path), engine=engine, on_engine_ready=seen.append
    )
    assert summary.ok and summary.processed_pages == 2
    assert engine.prepared == 1 and engine.closed == 0  # the caller closes its engine
    assert seen[0].served == "echo-model" and "model echo-model" in seen[0].describe()
    assert (tmp_path / "sample_report" / "sample_report_page_1.json").is_file()


def test_a_stop_set_before_the_run_starts_no_page(tmp_path):
    batch = Batch([SAMPLE_PDF], output_dir=tmp_path)
    batch.stop.set()
    summary = run_batch(batch, engine=EchoEngine())
    assert summary.interrupted and summary.documents == []


def _texts(out: Path, stem: str) -> list[str]:
    return [p.read_text() for p in sorted((out / stem).glob("*_page_*.json"))]


def test_batches_run_one_after_another_and_at_once_give_the_same_files(tmp_path):
    first = make_text_pdf(tmp_path / "first.pdf", [[f"First, page {i}."] for i in range(4)])
    second = make_text_pdf(tmp_path / "second.pdf", [[f"Second, page {i}."] for i in range(4)])
    options = ParseOptions(engine="cpu", engines={"cpu": {"workers": 1}}, to=["json"])
    for name, pdf in (("a", first), ("b", second)):
        assert run_batch(Batch([pdf], options, tmp_path / f"seq-{name}")).ok

    results: dict[str, object] = {}

    def run(name: str, pdf: Path) -> None:
        try:
            results[name] = run_batch(Batch([pdf], options, tmp_path / f"par-{name}"))
        except BaseException as exc:  # surfaced below, not lost in the thread
            results[name] = exc

    threads = [
        threading.Thread(target=run, args=("a", first)),
        threading.Thread(target=run, args=("b", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert all(getattr(results[n], "ok", False) for n in "ab"), results
    assert _texts(tmp_path / "par-a", "first") == _texts(tmp_path / "seq-a", "first")
    assert _texts(tmp_path / "par-b", "second") == _texts(tmp_path / "seq-b", "second")
    assert "First, page 3." in _texts(tmp_path / "par-a", "first")[3]
