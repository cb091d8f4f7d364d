"""The pipeline with a scripted engine: streaming, fault isolation, resume, refinement."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from dotsocr.engines.base import Engine
from dotsocr.model import Element, Page
from dotsocr.options import ParseOptions
from dotsocr.pipeline import LOOKAHEAD_PAGES, Pipeline
from dotsocr.sources.base import PageImage
from support import make_text_pdf


class ScriptedEngine(Engine):
    """Echoes each page's text layer as one Text element; fails the pages it is told to."""

    name = "scripted"

    def __init__(self, fail_pages: Iterable[int] = (), crash_at: int | None = None) -> None:
        self.fail_pages = set(fail_pages)
        self.crash_at = crash_at
        self.seen: list[int] = []
        self.max_alive = 0

    def settings(self) -> dict:
        return {"name": self.name}

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        for image in pages:
            self.seen.append(image.number)
            if image.number == self.crash_at:
                raise RuntimeError("engine bug")
            if image.number in self.fail_pages:
                yield Page(
                    number=image.number,
                    width=0,
                    height=0,
                    status="failed",
                    engine=self.name,
                    error="scripted failure",
                )
                continue
            text = image.text_layer.text.strip() if image.text_layer else ""
            w, h = image.size
            yield Page(
                number=image.number,
                width=w,
                height=h,
                dpi=image.dpi,
                engine=self.name,
                elements=[Element(bbox=[0, 0, w // 2, h // 10], category="Text", text=text)],
            )


def _pdf(tmp_path: Path, n: int) -> Path:
    return make_text_pdf(
        tmp_path / "doc.pdf", [[f"Sentence on page {i}."] for i in range(1, n + 1)]
    )


def test_pages_stream_and_files_are_written(tmp_path):
    pdf = _pdf(tmp_path, 3)
    out = tmp_path / "out"
    doc = Pipeline(ScriptedEngine(), ParseOptions(), output_dir=out).parse_document(pdf)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[1].elements[0].text == "Sentence on page 2."
    assert doc.pages[0].dpi == 200
    for i in range(3):
        for suffix in (".json", ".md", "_nohf.md", ".jpg"):
            assert (out / "doc" / f"doc_page_{i}{suffix}").is_file()
    assert "Sentence on page 3." in (out / "doc" / "doc.md").read_text()
    assert len((out / "doc.jsonl").read_text().splitlines()) == 3
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporaries left


def test_a_failing_page_does_not_stop_the_document(tmp_path):
    pdf = _pdf(tmp_path, 3)
    doc = Pipeline(
        ScriptedEngine(fail_pages={2}), ParseOptions(max_error_rate=0.5), output_dir=tmp_path / "o"
    ).parse_document(pdf)
    assert [p.status for p in doc.pages] == ["ok", "failed", "ok"]
    assert not doc.ok
    assert "page 2 failed" in (tmp_path / "o" / "doc" / "doc.md").read_text()


def test_an_engine_crash_marks_remaining_pages_failed(tmp_path):
    pdf = _pdf(tmp_path, 4)
    doc = Pipeline(ScriptedEngine(crash_at=3), ParseOptions()).parse_document(pdf)
    assert [p.status for p in doc.pages] == ["ok", "ok", "failed", "failed"]
    assert "engine bug" in doc.pages[2].error


def test_rerun_skips_done_pages_and_force_redoes_them(tmp_path):
    pdf = _pdf(tmp_path, 3)
    out = tmp_path / "out"
    Pipeline(ScriptedEngine(fail_pages={2}), ParseOptions(), output_dir=out).parse_document(pdf)
    engine = ScriptedEngine()
    doc = Pipeline(engine, ParseOptions(), output_dir=out).parse_document(pdf)
    assert engine.seen == [2]
    assert [p.status for p in doc.pages] == ["ok", "ok", "ok"]
    assert doc.resumed_pages == 2

    engine = ScriptedEngine()
    Pipeline(engine, ParseOptions(force=True), output_dir=out).parse_document(pdf)
    assert engine.seen == [1, 2, 3]

    engine = ScriptedEngine()
    Pipeline(engine, ParseOptions(dpi=100), output_dir=out).parse_document(pdf)
    assert engine.seen == [1, 2, 3]  # a settings change invalidates


class TableEngine(ScriptedEngine):
    """The scripted engine, with one small table under each page's text."""

    TABLE = "<table><tr><td>Engine</td><td>Pages/s</td></tr><tr><td>cpu</td><td>3</td></tr></table>"

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        for page in super().process(pages):
            page.elements.append(Element(bbox=[0, 20, 10, 30], category="Table", text=self.TABLE))
            yield page


def test_md_tables_pipe_rewrites_the_markdown_and_redoes_the_pages(tmp_path):
    pdf = _pdf(tmp_path, 2)
    out = tmp_path / "out"
    pipe = "| Engine | Pages/s |\n| --- | --- |\n| cpu | 3 |"
    Pipeline(TableEngine(), ParseOptions(), output_dir=out).parse_document(pdf)
    json_before = (out / "doc" / "doc_page_0.json").read_bytes()
    assert TableEngine.TABLE in (out / "doc" / "doc_page_0.md").read_text()

    engine = TableEngine()
    options = ParseOptions(md_tables="pipe")
    doc = Pipeline(engine, options, output_dir=out).parse_document(pdf)
    assert engine.seen == [1, 2]  # other Markdown: the pages are not reused
    assert doc.settings["md_tables"] == "pipe"
    for name in ("doc_page_0.md", "doc_page_1_nohf.md", "doc.md"):
        md = (out / "doc" / name).read_text()
        assert pipe in md and "<table>" not in md, name
    assert (out / "doc" / "doc_page_0.json").read_bytes() == json_before
    assert doc.markdown(tables="pipe") == (out / "doc" / "doc.md").read_text()

    engine = TableEngine()
    doc = Pipeline(engine, options, output_dir=out).parse_document(pdf)
    assert engine.seen == [] and doc.resumed_pages == 2
    assert pipe in (out / "doc" / "doc.md").read_text()


def test_the_default_table_form_keeps_the_settings_hash_of_earlier_runs():
    # Left out at its default, so outputs written before --md-tables existed still resume.
    assert "md_tables" not in Pipeline(ScriptedEngine(), ParseOptions()).settings
    piped = Pipeline(ScriptedEngine(), ParseOptions(md_tables="pipe")).settings
    assert piped["md_tables"] == "pipe"
    # Without the Markdown writer the table form changes no file, so no hash either.
    json_only = Pipeline(ScriptedEngine(), ParseOptions(md_tables="pipe", to=["json"])).settings
    assert "md_tables" not in json_only


def test_page_selection(tmp_path):
    pdf = _pdf(tmp_path, 5)
    engine = ScriptedEngine()
    doc = Pipeline(engine, ParseOptions(pages="2,4-5")).parse_document(pdf)
    assert engine.seen == [2, 4, 5]
    assert doc.page_count == 5


def test_unreadable_input_becomes_a_document_error(tmp_path):
    bogus = tmp_path / "bogus.pdf"
    bogus.write_text("this is not a pdf")
    summary = Pipeline(ScriptedEngine(), ParseOptions()).run([bogus, _pdf(tmp_path, 1)])
    assert summary.documents[0].error
    assert summary.documents[1].ok
    assert not summary.ok


def test_refinement_sees_lookahead_pages_before_they_are_written(tmp_path):
    pdf = _pdf(tmp_path, LOOKAHEAD_PAGES + 4)
    calls: list[list[int]] = []

    class RefiningEngine(ScriptedEngine):
        def refine_document(self, pages: list[Page]) -> None:
            calls.append([p.number for p in pages])
            for page in pages:
                page.elements[0].category = "Page-header"

    out = tmp_path / "out"
    doc = Pipeline(RefiningEngine(), ParseOptions(), output_dir=out).parse_document(pdf)
    assert all(p.elements[0].category == "Page-header" for p in doc.pages)
    assert max(len(c) for c in calls) <= LOOKAHEAD_PAGES + 1 + 16
    assert (out / "doc" / "doc_page_0_nohf.md").read_text() == ""


def test_prompt_modes_trim_cpu_output(tmp_path):
    from dotsocr.engines.cpu import CpuEngine

    pdf = _pdf(tmp_path, 1)

    class Cpu(ScriptedEngine):
        trim_to_prompt = CpuEngine.trim_to_prompt

    doc = Pipeline(Cpu(), ParseOptions(prompt="layout_only")).parse_document(pdf)
    assert doc.pages[0].elements[0].text is None
    doc = Pipeline(ScriptedEngine(), ParseOptions(prompt="layout_only")).parse_document(pdf)
    assert doc.pages[0].elements[0].text  # an engine that sends the prompt keeps its answer


def test_inputs_sharing_a_stem_get_separate_outputs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = make_text_pdf(tmp_path / "a" / "same.pdf", [["From folder a."]])
    second = make_text_pdf(tmp_path / "b" / "same.pdf", [["From folder b."]])
    out = tmp_path / "out"
    Pipeline(ScriptedEngine(), ParseOptions(), output_dir=out).run([first, second])
    manifests = sorted(p.name for p in out.glob("*.jsonl"))
    assert len(manifests) == 2 and manifests[0] == "same.jsonl"
    texts = sorted(p.read_text() for p in out.glob("*/*_page_0.md"))
    assert texts == ["From folder a.\n", "From folder b.\n"]


def test_a_page_whose_outputs_cannot_be_written_fails_alone(tmp_path, monkeypatch):
    import dotsocr.writers.overlay_writer as overlay_module

    real = overlay_module.overlay_jpeg

    def overlay_failing_on_page_2(picture, elements):
        if elements and elements[0].text == "Sentence on page 2.":
            raise ValueError("image too large for JPEG")
        return real(picture, elements)

    monkeypatch.setattr(overlay_module, "overlay_jpeg", overlay_failing_on_page_2)
    out = tmp_path / "out"
    doc = Pipeline(ScriptedEngine(), ParseOptions(), output_dir=out).parse_document(
        _pdf(tmp_path, 3)
    )
    assert [p.status for p in doc.pages] == ["ok", "failed", "ok"]
    assert "could not write outputs" in doc.pages[1].error
    assert not (out / "doc" / "doc_page_1.json").exists()
    assert (out / "doc" / "doc_page_2.json").is_file()


def test_an_unexpected_error_in_one_document_does_not_end_the_run(tmp_path, monkeypatch):
    good = _pdf(tmp_path, 1)
    pipeline = Pipeline(ScriptedEngine(), ParseOptions())
    real = pipeline.parse_document

    def explode_on_first(path):
        if path.name == "boom.pdf":
            raise RuntimeError("unexpected")
        return real(path)

    monkeypatch.setattr(pipeline, "parse_document", explode_on_first)
    summary = pipeline.run([tmp_path / "boom.pdf", good])
    assert "internal error" in summary.documents[0].error
    assert summary.documents[1].ok


def test_too_many_failed_pages_fail_the_document(tmp_path):
    pdf = _pdf(tmp_path, 4)
    out = tmp_path / "out"
    engine = ScriptedEngine(fail_pages={2})
    doc = Pipeline(engine, ParseOptions(max_error_rate=0.25), output_dir=out).parse_document(pdf)
    assert doc.error is None  # 1 of 4 is not over 25%
    assert (out / "doc" / "doc.md").is_file()
    engine = ScriptedEngine(fail_pages={2, 3})
    doc = Pipeline(
        engine, ParseOptions(max_error_rate=0.25, force=True), output_dir=out
    ).parse_document(pdf)
    assert doc.error == (
        "2 of 4 pages failed (50%, over the maximum error rate of 25%); document marked failed"
    )
    assert not (out / "doc" / "doc.md").exists()  # no whole-document file that looks complete


def test_document_timeout_fails_the_remaining_pages(tmp_path):
    pdf = _pdf(tmp_path, 4)

    class Slow(ScriptedEngine):
        def process(self, pages):
            for page in super().process(pages):
                time.sleep(0.3)
                yield page

    doc = Pipeline(Slow(), ParseOptions(document_timeout=0.5, max_error_rate=1)).parse_document(pdf)
    statuses = [p.status for p in doc.pages]
    assert statuses[0] == "ok" and statuses[-1] == "failed"
    assert "document timeout (0.5 s)" in doc.pages[-1].error
    assert len(doc.pages) == 4


def test_file_size_and_page_limits(tmp_path):
    pdf = _pdf(tmp_path, 3)
    doc = Pipeline(ScriptedEngine(), ParseOptions(max_file_mb=0.001)).parse_document(pdf)
    assert "over the limit of 0.001 MB" in doc.error
    doc = Pipeline(ScriptedEngine(), ParseOptions(max_pages=2)).parse_document(pdf)
    assert "3 pages selected, over the limit of 2" in doc.error
    doc = Pipeline(ScriptedEngine(), ParseOptions(max_pages=2, pages="1-2")).parse_document(pdf)
    assert doc.error is None and len(doc.pages) == 2


def test_password_candidates_are_tried_in_turn(shared_data):
    encrypted = shared_data / "robustness/pdfjs/issue6010_1.pdf"
    options = ParseOptions(passwords=["wrong", "also-wrong", "abc"])
    assert Pipeline(ScriptedEngine(), options).parse_document(encrypted).error is None
    options = ParseOptions(file_passwords={"issue6010_1.pdf": "abc"}, password="nope")
    assert Pipeline(ScriptedEngine(), options).parse_document(encrypted).error is None
    options = ParseOptions(passwords=["x", "y"])
    error = Pipeline(ScriptedEngine(), options).parse_document(encrypted).error
    assert error == "encrypted PDF: none of the 2 passwords opens it"


def test_a_stopped_run_keeps_finished_pages_and_records_no_others(tmp_path):
    import json
    import threading

    pdf = _pdf(tmp_path, 6)
    out = tmp_path / "out"
    stop = threading.Event()

    class StopsAfterTwo(ScriptedEngine):
        def process(self, pages):
            for page in super().process(pages):
                if page.number == 2:
                    stop.set()  # as a signal handler would, mid-document
                yield page

    engine = StopsAfterTwo()
    summary = Pipeline(engine, ParseOptions(), output_dir=out, stop=stop).run([pdf, pdf])
    assert summary.interrupted
    assert len(summary.documents) == 1  # the second input was not started
    assert engine.seen == [1, 2]
    records = [json.loads(line) for line in (out / "doc.jsonl").read_text().splitlines()]
    assert [(r["page"], r["status"]) for r in records] == [(1, "ok"), (2, "ok")]
    assert summary.saved_pages == 2 and summary.planned_pages == 6
    assert not (out / "doc" / "doc.md").exists()  # the document is not whole
    assert summary.documents[0].error is None

    engine = ScriptedEngine()
    doc = Pipeline(engine, ParseOptions(), output_dir=out).parse_document(pdf)
    assert engine.seen == [3, 4, 5, 6] and doc.resumed_pages == 2
    assert (out / "doc" / "doc.md").is_file()


def test_the_render_thread_is_joined_before_the_source_closes(tmp_path, monkeypatch):
    """A KeyboardInterrupt out of the engine (a second Ctrl-C) must not close the
    PDF while the render thread may still be rendering it: PDFium crashes then."""
    import threading

    import pytest

    from dotsocr.sources.pdf import PdfRenderer

    alive_at_close: list[bool] = []
    real_close = PdfRenderer.close

    def recording_close(self):
        names = [t.name for t in threading.enumerate()]
        alive_at_close.append("dotsocr-prefetch" in names)
        real_close(self)

    monkeypatch.setattr(PdfRenderer, "close", recording_close)

    class Interrupted(ScriptedEngine):
        def process(self, pages):
            for page in super().process(pages):
                yield page
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Pipeline(Interrupted(), ParseOptions()).parse_document(_pdf(tmp_path, 12))
    assert alive_at_close == [False]
