import threading
import time

import pytest

from dotsocr.prefetch import prefetch


def test_order_is_kept():
    assert list(prefetch(range(50), depth=3)) == list(range(50))


def test_producer_stays_bounded_ahead():
    produced = []

    def items():
        for i in range(100):
            produced.append(i)
            yield i

    stream = prefetch(items(), depth=2)
    assert next(stream) == 0
    time.sleep(0.2)
    # one handed out, two queued, one waiting to be put
    assert len(produced) <= 4
    stream.close()


def test_errors_reach_the_consumer():
    def items():
        yield 1
        raise ValueError("render failed")

    stream = prefetch(items())
    assert next(stream) == 1
    with pytest.raises(ValueError, match="render failed"):
        next(stream)


def test_closing_early_stops_the_worker():
    stream = prefetch(iter(range(10_000)), depth=1)
    next(stream)
    stream.close()
    time.sleep(0.1)
    assert not any(t.name == "dotsocr-prefetch" for t in threading.enumerate())
