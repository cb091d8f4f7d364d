"""The DotsOCR engine end to end against the fake vLLM server on 127.0.0.1:
request shape, retries with rising temperature, repair, fallback, concurrency."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dotsocr import parse
from dotsocr.engines.dots import DotsEngine, DotsEngineOptions
from dotsocr.engines.vlm.client import ServerError
from dotsocr.errors import InputReadError
from dotsocr.geometry import smart_resize
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline
from dotsocr.protocol import IMAGE_PREFIX, PROMPTS
from dotsocr.sources.base import PageImage
from support.fake_dots_server import FakeServer, Reply, default_responder, layout_json

SIZE = (600, 800)


def page_image(marker: tuple[int, int, int], *, ink: bool = True) -> Image.Image:
    image = Image.new("RGB", SIZE, "white")
    if ink:
        ImageDraw.Draw(image).rectangle((60, 60, 400, 90), fill="black")
    image.putpixel((0, 0), marker)
    return image


def tiff(path: Path, markers: list[tuple[int, int, int]], blank: set[int] = frozenset()) -> Path:
    frames = [page_image(m, ink=i not in blank) for i, m in enumerate(markers)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return path


def markers(n: int) -> list[tuple[int, int, int]]:
    return [(10 * i + 5, 0, 0) for i in range(n)]


def model_box(box: list[float]) -> list[int]:
    """A page-pixel box in the model's smart_resize space for SIZE."""
    h, w = smart_resize(SIZE[1], SIZE[0])
    return [
        round(box[0] * w / SIZE[0]),
        round(box[1] * h / SIZE[1]),
        round(box[2] * w / SIZE[0]),
        round(box[3] * h / SIZE[1]),
    ]


GOOD = [
    {"bbox": model_box([60, 60, 400, 90]), "category": "Title", "text": "Known Title"},
    {"bbox": model_box([60, 120, 540, 300]), "category": "Text", "text": "A paragraph."},
]


def run_dots(path: Path, server: FakeServer, **options) -> list:
    """The pages parse() made, also when too many failed for the document to pass."""
    try:
        doc = parse(path, engine="dots", server=server.url, **options)
    except InputReadError as exc:
        doc = exc.document  # type: ignore[attr-defined]
    return doc.pages


def test_good_answers_map_to_page_pixels_and_requests_match_the_protocol(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(3))
    with FakeServer(responder=lambda info, attempt: Reply(text=layout_json(GOOD))) as server:
        pages = run_dots(src, server)
        chats = server.chat_requests()
    assert [p.status for p in pages] == ["ok", "ok", "ok"]
    page = pages[0]
    assert page.engine == "dots" and page.method == "vlm" and page.attempts == 1
    assert page.tokens.prompt > 0 and page.tokens.completion > 0
    title = page.elements[0]
    assert title.category == "Title" and title.text == "Known Title"
    assert all(abs(a - b) <= 2 for a, b in zip(title.bbox, [60, 60, 400, 90], strict=True))
    assert len(chats) == 3
    for info in chats:
        assert info.model == "dotsocr-model"  # discovered from /v1/models
        assert info.temperature == 0.1 and info.top_p == 1.0 and info.max_tokens == 16384
        assert info.prompt == PROMPTS["layout_all"]
        assert info.image_size == SIZE
        assert info.body["messages"][0]["content"][1]["text"].startswith(IMAGE_PREFIX)


def test_blank_pages_are_not_sent(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(3), blank={1})
    with FakeServer(responder=lambda info, attempt: Reply(text=layout_json(GOOD))) as server:
        pages = run_dots(src, server)
        sent = len(server.chat_requests())
    assert sent == 2
    assert pages[1].status == "ok" and pages[1].elements == []
    assert "blank" in pages[1].warnings[0]


def test_truncated_answer_is_retried_with_a_higher_temperature(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    full = layout_json(GOOD)

    def responder(info, attempt):
        if attempt == 1:
            return Reply(text=full[: len(full) // 2], finish_reason="length")
        return Reply(text=full)

    with FakeServer(responder=responder) as server:
        (page,) = run_dots(src, server)
        temperatures = [info.temperature for info in server.chat_requests()]
    assert temperatures == [0.1, 0.3]
    assert page.status == "ok" and page.attempts == 2
    assert any("truncated" in w for w in page.warnings)
    assert [e.text for e in page.elements] == ["Known Title", "A paragraph."]


def test_always_truncated_answer_is_repaired(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    full = layout_json(GOOD)
    cut = full[: full.index("A paragraph") - 5]
    with FakeServer(responder=lambda i, a: Reply(text=cut, finish_reason="length")) as server:
        (page,) = run_dots(src, server)
        assert len(server.chat_requests()) == 3
    assert page.status == "repaired" and page.attempts == 3
    assert [e.text for e in page.elements] == ["Known Title"]
    assert any("incomplete tail" in w for w in page.warnings)


def test_repetition_loop_is_cancelled_quickly(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    start = layout_json(GOOD)[:-1] + ", "
    loop = '{"bbox": [1, 2, 3, 4], "category": "Text", "text": "again"}, '

    def responder(info, attempt):
        return Reply(text=start, loop_forever=True, loop_chunk=loop, chunk_delay=0.001)

    with FakeServer(responder=responder) as server:
        started = time.perf_counter()
        (page,) = run_dots(src, server)
        elapsed = time.perf_counter() - started
    assert elapsed < 15, elapsed
    assert page.status == "repaired"
    assert any("repetition loop" in w for w in page.warnings)
    texts = [e.text for e in page.elements]
    assert texts[:2] == ["Known Title", "A paragraph."]
    assert texts.count("again") <= 1  # duplicates dropped


def test_plain_text_answer_becomes_one_text_element(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(text="Just some words on the page.")) as s:
        (page,) = run_dots(src, s)
    assert page.status == "repaired"
    assert [(e.category, e.text) for e in page.elements] == [
        ("Text", "Just some words on the page.")
    ]
    assert page.elements[0].bbox == [0, 0, SIZE[0], SIZE[1]]


def test_unusable_answers_fall_back_to_the_cpu_engine(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(text='[{"bbox": [1, 2,')) as server:
        (page,) = run_dots(src, server)
    assert page.status == "fallback" and page.engine == "cpu"
    assert page.error == "no usable answer after retries"
    assert page.attempts == 3


def test_server_errors_fall_back_or_fail(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(status=500)) as server:
        (fallback,) = run_dots(src, server, fallback=True)
        (failed,) = run_dots(src, server, fallback=False)
    assert fallback.status == "fallback" and "unavailable" in fallback.error
    assert failed.status == "failed" and "unavailable" in failed.error


def test_transient_errors_are_retried_transparently(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(2))

    def responder(info, attempt):
        if attempt == 1:
            return Reply(status=503, retry_after=0.05)
        if attempt == 2:
            return Reply(text=layout_json(GOOD)[:40], drop="mid")
        return Reply(text=layout_json(GOOD))

    with FakeServer(responder=responder) as server:
        pages = run_dots(src, server)
    assert [p.status for p in pages] == ["ok", "ok"]
    assert all(p.attempts == 1 for p in pages)  # transport retries are not model attempts


def test_requests_in_flight_stay_within_concurrency(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(12))
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def responder(info, attempt):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        return default_responder(info, attempt)

    with FakeServer(responder=responder) as server:
        started = time.perf_counter()
        pages = run_dots(src, server, concurrency=4)
        elapsed = time.perf_counter() - started
    assert [p.number for p in pages] == list(range(1, 13))
    assert state["peak"] == 4
    assert elapsed < 12 * 0.3  # overlapped, not one after another


def test_two_servers_share_the_pages(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(6))
    with FakeServer() as one, FakeServer() as two:
        doc = parse(src, engine="dots", server=[one.url, two.url])
        counts = (len(one.chat_requests()), len(two.chat_requests()))
    assert all(p.status == "ok" for p in doc.pages)
    assert min(counts) >= 2 and sum(counts) == 6


def test_grounding_ocr_sends_the_box_in_model_space(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(text="Known Title")) as server:
        (page,) = run_dots(src, server, prompt="grounding_ocr", bbox=[60, 60, 400, 90])
        (info,) = server.chat_requests()
    assert info.prompt == PROMPTS["grounding_ocr"] + str(model_box([60, 60, 400, 90]))
    (element,) = page.elements
    assert element.text == "Known Title"
    assert all(abs(a - b) <= 2 for a, b in zip(element.bbox, [60, 60, 400, 90], strict=True))


def test_wrong_model_name_is_a_clear_error():
    options = {"model": "not-this-one", "fallback": False}
    page = PageImage(Path("doc.png"), 1, page_image((5, 0, 0)), 200)
    with FakeServer(models=("dots-served",)) as server:
        with (
            DotsEngine(DotsEngineOptions(servers=[server.url], **options)) as engine,
            pytest.raises(ServerError, match="pass --model dots-served"),
        ):
            engine.prepare()
        with DotsEngine(DotsEngineOptions(servers=[server.url], **options)) as engine:
            (result,) = engine.process([page])
    assert result.status == "failed"
    assert "dots-served" in result.error


def test_api_key_is_sent_but_never_written(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    out = tmp_path / "out"
    secret = "sk-very-secret-key"
    with FakeServer(api_key=secret) as server:
        parse(src, engine="dots", server=server.url, api_key=secret, output_dir=out)
        (info,) = server.chat_requests()
        url = server.url
    assert info.headers["authorization"] == f"Bearer {secret}"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".md"):
            text = path.read_text()
            assert secret not in text and url not in text


def test_pipeline_writes_dots_pages_out_of_order_safely(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(5))

    def responder(info, attempt):
        time.sleep(0.05 * (5 - info.pixel[0] // 10))  # later pages answer first
        return default_responder(info, attempt)

    out = tmp_path / "out"
    with FakeServer(responder=responder) as server:
        engine = DotsEngine(DotsEngineOptions(servers=[server.url], concurrency=5))
        with engine:
            Pipeline(engine, ParseOptions(engine="dots"), output_dir=out).parse_document(src)
    manifest = [json.loads(x) for x in (out / "doc.jsonl").read_text().splitlines()]
    assert [m["page"] for m in manifest] == [1, 2, 3, 4, 5]
    assert all(m["status"] == "ok" and m["engine"] == "dots" for m in manifest)
    assert len(list((out / "doc").glob("doc_page_*.json"))) == 5


@pytest.mark.parametrize("status", [401, 400])
def test_non_retryable_errors_fail_fast(tmp_path, status):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(status=status)) as server:
        started = time.perf_counter()
        (page,) = run_dots(src, server, fallback=False)
        assert len(server.chat_requests()) == 1
    assert page.status == "failed" and time.perf_counter() - started < 5


def test_a_server_error_after_a_partial_answer_keeps_the_salvage(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    full = layout_json(GOOD)
    cut = full[: full.index("A paragraph") - 5]

    def responder(info, attempt):
        if attempt == 1:
            return Reply(text=cut, finish_reason="length")
        return Reply(status=400)

    with FakeServer(responder=responder) as server:
        (page,) = run_dots(src, server, fallback=False)
    assert page.status == "repaired"
    assert [e.text for e in page.elements] == ["Known Title"]


def test_setup_guide_processor_with_gpu(tmp_path):
    from dotsocr import DotsOCRPDFProcessor

    src = tiff(tmp_path / "doc.tiff", markers(4))
    with (
        FakeServer() as server,
        DotsOCRPDFProcessor(use_gpu=True, batch_size=2, server_url=server.url) as proc,
    ):
        first = proc.process_pdf(src)
        second = proc.process_image(src, pages="2")
    assert [p.status for p in first.pages] == ["ok"] * 4
    assert first.pages[0].elements[0].text == "# A Title"
    assert [p.number for p in second.pages] == [2]


def test_page_timeout_cuts_all_attempts(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    with FakeServer(responder=lambda i, a: Reply(text=layout_json(GOOD), delay=5)) as server:
        started = time.perf_counter()
        (page,) = run_dots(src, server, page_timeout=1, fallback=False)
        elapsed = time.perf_counter() - started
    assert elapsed < 4
    assert page.status == "failed" and "page timeout (1 s)" in page.error


def test_extra_body_is_merged_into_each_attempt_and_into_the_settings(tmp_path):
    src = tiff(tmp_path / "doc.tiff", markers(1))
    full = layout_json(GOOD)

    def responder(info, attempt):
        if attempt == 1:
            return Reply(text=full[:20], finish_reason="length")
        return Reply(text=full)

    extra = {"repetition_penalty": 1.1, "top_k": 5}
    with FakeServer(responder=responder) as server:
        (page,) = run_dots(src, server, extra_body=extra)
        chats = server.chat_requests()
    assert page.status == "ok" and len(chats) == 2
    for info in chats:
        assert info.body["repetition_penalty"] == 1.1 and info.body["top_k"] == 5
    engine = DotsEngine(DotsEngineOptions(servers=["http://x"], extra_body=extra))
    plain = DotsEngine(DotsEngineOptions(servers=["http://x"]))
    assert engine.settings()["extra_body"] == extra and "extra_body" not in plain.settings()
