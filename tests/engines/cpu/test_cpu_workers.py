"""``workers > 1``: pages read in worker processes give what one process gives, in
page order; a page's failure or a worker's death fails that page only; workers
ignore Ctrl-C and SIGTERM and are gone after close() or interpreter exit."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions, models, worker_count
from dotsocr.engines.cpu.headers import relabel_running_headers
from dotsocr.engines.cpu.worker_count import effective_workers, threads_per_worker
from dotsocr.model import Page
from dotsocr.sources.base import PageImage
from support import make_text_pdf
from support.cpu import page_image, rendered_pages, text_image


@dataclass
class SleepyPage(PageImage):
    """A page that, once a worker unpickles it, writes the worker's pid to ``flag``
    and sleeps, so a test knows which process to kill while it holds this page."""

    flag: str = ""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        Path(self.flag).write_text(str(os.getpid()))
        time.sleep(120)


@pytest.fixture(scope="module")
def pooled() -> Iterator[CpuEngine]:
    """An engine with two workers, shared by the tests that leave it working."""
    engine = CpuEngine(CpuEngineOptions(workers=2))
    engine.prepare()
    yield engine
    engine.close()


def in_one_process(pages: list[PageImage]) -> list[Page]:
    return list(CpuEngine(CpuEngineOptions(workers=1)).process(pages))


def comparable(pages: list[Page]) -> list[dict[str, Any]]:
    """Everything in the results but the timings."""
    return [p.model_dump(exclude={"timings"}) for p in pages]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_default_count_is_the_cores_capped_by_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert effective_workers(CpuEngineOptions(workers=3)) == 3
    monkeypatch.setattr(worker_count, "usable_cores", lambda: 8)
    monkeypatch.setattr(worker_count, "available_memory", lambda: None)
    assert effective_workers(CpuEngineOptions()) == 8
    per_worker = worker_count.WORKER_MEMORY_BYTES
    monkeypatch.setattr(worker_count, "available_memory", lambda: int(3.5 * per_worker))
    assert effective_workers(CpuEngineOptions()) == 3
    monkeypatch.setattr(worker_count, "available_memory", lambda: per_worker // 4)
    assert effective_workers(CpuEngineOptions()) == 1
    assert threads_per_worker(2) == 4
    assert threads_per_worker(16) == 1


def test_the_worker_count_is_not_an_output_setting() -> None:
    one = CpuEngine(CpuEngineOptions(workers=1)).settings()
    assert "workers" not in one
    assert CpuEngine(CpuEngineOptions(workers=4)).settings() == one


def test_sessions_do_not_spin_and_keep_an_arena() -> None:
    options = CpuEngineOptions()
    ocr = models.get_ocr(options.det_limit_side_len)
    layout = models.get_layout(options.layout_conf)
    sessions = [ocr.text_det.session.session, ocr.text_rec.session.session]
    sessions.append(layout.session.session)
    for session in sessions:
        options = session.get_session_options()
        for key, value in models.SESSION_CONFIG.items():
            assert options.get_session_config_entry(key) == value
        assert options.enable_cpu_mem_arena


def test_a_worker_builds_its_sessions_with_its_share_of_threads() -> None:
    code = (
        "from dotsocr.engines.cpu import models\n"
        "models.set_threads(1)\n"
        "ocr, layout = models.get_ocr(1280), models.get_layout(0.5)\n"
        "for s in (ocr.text_det.session, ocr.text_rec.session, layout.session):\n"
        "    print(s.session.get_session_options().intra_op_num_threads)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "1", "1"]


def test_one_worker_means_no_processes() -> None:
    children = multiprocessing.active_children()
    engine = CpuEngine(CpuEngineOptions(workers=1))
    (page,) = engine.process([page_image(text_image(["No pool for one worker"]))])
    assert page.status == "ok"
    assert engine.worker_pids() == []
    assert multiprocessing.active_children() == children


def test_workers_give_the_same_pages_as_one_process_on_a_real_pdf(
    shared_data: Path, pooled: CpuEngine
) -> None:
    pages = rendered_pages(shared_data / "robustness/pdfjs/freeculture.pdf", "20-25", dpi=100)
    expected = in_one_process(pages)
    got = list(pooled.process(pages))
    assert [p.number for p in got] == list(range(20, 26))
    assert all(p.status == "ok" and p.elements for p in got)
    assert comparable(got) == comparable(expected)
    relabel_running_headers(expected)
    relabel_running_headers(got)
    assert comparable(got) == comparable(expected)


def test_workers_give_the_same_pages_in_order_on_a_generated_pdf(
    tmp_path: Path, pooled: CpuEngine
) -> None:
    pdf = make_text_pdf(
        tmp_path / "made.pdf",
        [[f"Page {n} of a generated report.", f"Its second line, number {n}."] for n in range(5)],
    )
    pages = rendered_pages(pdf, dpi=100)
    # The first page loses its text layer, so it is read by OCR: the slowest page
    # comes first and the others finish before it.
    pages[0] = replace(pages[0], text_layer=None)
    expected = in_one_process(pages)
    got = list(pooled.process(pages))
    assert [p.number for p in got] == [1, 2, 3, 4, 5]
    assert [p.method for p in got] == ["ocr", *["text-layer"] * 4]
    assert comparable(got) == comparable(expected)


def test_a_page_that_fails_in_a_worker_fails_alone(pooled: CpuEngine) -> None:
    good = [page_image(text_image([f"Page {n} reads fine"]), number=n) for n in (1, 3, 5)]
    broken = page_image(text_image(["Its text layer is nonsense"]), number=2)
    broken.text_layer = "not a text layer"  # type: ignore[assignment]
    unsendable = page_image(text_image(["It cannot be pickled"]), number=4)
    unsendable.text_layer = lambda: None  # type: ignore[assignment]
    got = list(pooled.process([good[0], broken, good[1], unsendable, good[2]]))
    assert [p.number for p in got] == [1, 2, 3, 4, 5]
    assert [p.status for p in got] == ["ok", "failed", "ok", "failed", "ok"]
    assert "AttributeError" in (got[1].error or "")
    assert "could not send the page to a worker" in (got[3].error or "")
    assert got[1].width == broken.size[0] and got[1].engine == "cpu"
    assert comparable([got[0], got[2], got[4]]) == comparable(in_one_process(good))


def test_a_killed_worker_fails_only_the_page_it_was_reading(
    tmp_path: Path, pooled: CpuEngine
) -> None:
    pooled.prepare()
    flag = tmp_path / "pid"
    good = [page_image(text_image([f"Page {n} survives"]), number=n) for n in (1, 3, 4, 5)]
    sleepy = SleepyPage(
        **{**page_image(text_image(["This worker will be killed"]), number=2).__dict__},
        flag=str(flag),
    )
    killed: list[int] = []

    def kill_when_asleep() -> None:
        for _ in range(600):
            if flag.exists() and flag.read_text():
                killed.append(int(flag.read_text()))
                os.kill(killed[0], signal.SIGKILL)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_when_asleep, daemon=True)
    killer.start()
    got = list(pooled.process([good[0], sleepy, *good[1:]]))
    killer.join()
    assert killed, "the sleepy page never reached a worker"
    assert [p.number for p in got] == [1, 2, 3, 4, 5]
    assert [p.status for p in got] == ["ok", "failed", "ok", "ok", "ok"]
    assert "died (killed by SIGKILL)" in (got[1].error or "")
    assert comparable([got[0], *got[2:]]) == comparable(in_one_process(good))
    assert killed[0] not in pooled.worker_pids()
    (again,) = pooled.process([good[0]])  # the pool goes on
    assert again.status == "ok"


def test_workers_ignore_ctrl_c_and_sigterm(pooled: CpuEngine) -> None:
    pages = [page_image(text_image([f"Still here {n}"]), number=n) for n in (1, 2, 3)]
    list(pooled.process(pages))
    pids = pooled.worker_pids()
    assert len(pids) == 2
    for pid in pids:
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
    got = list(pooled.process(pages))
    assert [p.status for p in got] == ["ok", "ok", "ok"]
    assert sorted(pooled.worker_pids()) == sorted(pids)


def test_close_leaves_no_worker_processes() -> None:
    engine = CpuEngine(CpuEngineOptions(workers=2))
    pages = [page_image(text_image([f"Close after page {n}"]), number=n) for n in (1, 2, 3)]
    assert [p.status for p in engine.process(pages)] == ["ok", "ok", "ok"]
    pids = engine.worker_pids()
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    engine.close()
    engine.close()
    assert not any(alive(pid) for pid in pids)
    assert engine.worker_pids() == []
    assert not [p for p in multiprocessing.active_children() if p.pid in pids]


def test_an_unclosed_engine_does_not_hold_up_interpreter_exit() -> None:
    code = (
        "from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions\n"
        "engine = CpuEngine(CpuEngineOptions(workers=2))\n"
        "engine.prepare()\n"
        "print(*engine.worker_pids())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    pids = [int(p) for p in run.stdout.split()]
    assert pids
    assert not any(alive(pid) for pid in pids)
