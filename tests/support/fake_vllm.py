"""A stand-in for the ``vllm`` executable, for ``dotsocr serve`` tests.

Run as ``python fake_vllm.py serve WEIGHTS --port N ...``. FAKE_VLLM_MODE picks
its behaviour:

- ``ok``: listen on 127.0.0.1:N at once; /health and /v1/models answer.
- ``slow``: listen, but /health answers 503 for FAKE_VLLM_DELAY seconds while
  printing loading lines.
- ``oom`` / ``flash`` / ``arch``: print a vLLM-like start-up failure and exit 1.
- ``never``: listen, /health never turns 200.

FAKE_VLLM_ARGV names a file the arguments are written to (JSON), FAKE_VLLM_ENV one
the environment is written to (JSON). With
FAKE_VLLM_WORKER=1 it starts a sleeping child in its own process group, like vLLM's
engine workers, and prints its pid. SIGINT/SIGTERM: prints a line and exits 0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILURES = {
    "oom": (
        "INFO Loading model weights took 5.7 GiB\n"
        "Traceback (most recent call last):\n"
        '  File "vllm/worker/model_runner.py", line 1, in profile_run\n'
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 74.00 GiB. GPU 0 has a "
        "total capacity of 11.72 GiB of which 3.20 GiB is free.\n"
    ),
    "flash": (
        "Traceback (most recent call last):\n"
        '  File "modeling_dots_vision.py", line 9, in <module>\n'
        "ModuleNotFoundError: No module named 'flash_attn'\n"
    ),
    "arch": (
        "Traceback (most recent call last):\n"
        '  File "vllm/model_executor/models/registry.py", line 1, in inspect_model_cls\n'
        "ValueError: Model architectures ['DotsOCRForCausalLM'] are not supported for now. "
        "Supported architectures: [...]\n"
    ),
}


def main() -> int:
    args = sys.argv[1:]
    mode = os.environ.get("FAKE_VLLM_MODE", "ok")
    argv_file = os.environ.get("FAKE_VLLM_ARGV")
    if argv_file:
        with open(argv_file, "w", encoding="utf-8") as handle:
            json.dump(args, handle)
    env_file = os.environ.get("FAKE_VLLM_ENV")
    if env_file:
        with open(env_file, "w", encoding="utf-8") as handle:
            json.dump(dict(os.environ), handle)
    port = int(args[args.index("--port") + 1])
    name = args[args.index("--served-model-name") + 1]
    print(f"INFO fake vLLM starting on port {port}", flush=True)
    if mode in FAILURES:
        time.sleep(0.2)
        print(FAILURES[mode], end="", flush=True)
        return 1
    if os.environ.get("FAKE_VLLM_WORKER") == "1":
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        print(f"worker pid {worker.pid}", flush=True)
    delay = float(os.environ.get("FAKE_VLLM_DELAY", "0")) if mode == "slow" else 0.0
    started = time.monotonic()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *a: object) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            ready = mode != "never" and time.monotonic() - started >= delay
            if self.path == "/health":
                self._send(200 if ready else 503, b"")
            elif self.path == "/v1/models" and ready:
                self._send(200, json.dumps({"object": "list", "data": [{"id": name}]}).encode())
            else:
                self._send(404, b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        print(f"INFO shutting down on signal {signum}", flush=True)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    while not stop.wait(0.3):
        if time.monotonic() - started < delay:
            print(f"INFO loading weights ({time.monotonic() - started:.1f} s)", flush=True)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
