"""VlmEngine: pages through a vision-language model behind OpenAI-compatible servers.

Per page: a blank page is answered locally (OCR models invent text on blank pages);
otherwise the page is sent with a rising temperature until an answer is clean.
A truncated, looping or malformed answer is retried; if no attempt is clean the
best salvage is kept (``repaired``); if nothing is salvageable the page falls back
to the CPU engine (``fallback``); if that is off or fails, the page is ``failed``.
Requests stay in flight (up to ``concurrency``) while the caller's thread renders
and encodes the next pages.

What the request looks like and how an answer becomes elements is the model
adapter's business (``adapter.py``); this class only holds the page policy and
drives the transport (``client.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image

from dotsocr.blank import is_blank
from dotsocr.engines.base import failed_page
from dotsocr.engines.vlm.adapter import CLEAN_STATUSES, ModelAdapter, Reading
from dotsocr.engines.vlm.client import ChatClient, ClientOptions, Completion, ServerError
from dotsocr.engines.vlm.images import image_data_url
from dotsocr.engines.vlm.loop_thread import LoopThread
from dotsocr.engines.vlm.paged import PageOutcome, PagewiseEngine
from dotsocr.model import Page, TokenUsage
from dotsocr.sources.base import PageImage

if TYPE_CHECKING:
    from dotsocr.options import ParseOptions


class VlmOptions(Protocol):
    """The settings the engine itself reads; a model's options model has these
    fields (see ``DotsEngineOptions``) plus its own."""

    servers: list[str]
    model: str | None
    api_key: str | None
    concurrency: int
    timeout: float
    max_tokens: int
    temperatures: tuple[float, ...]
    max_retries: int
    retry_backoff: float
    fallback: bool
    page_timeout: float
    extra_body: dict[str, Any]

    def model_dump(self) -> dict[str, Any]: ...


class VlmEngine(PagewiseEngine):
    """One HTTP client and event loop for the engine's whole life (close it).
    Subclasses name the engine and say which of its settings change the output."""

    def __init__(self, options: VlmOptions, adapter: ModelAdapter[Any]) -> None:
        if not options.servers:
            raise ValueError("no model server given")
        self.options = options
        self.adapter = adapter
        self._loop: LoopThread | None = None
        self._client: ChatClient | None = None
        self._model: str | None = None
        self._cpu: Any = None

    # -- lifecycle ----------------------------------------------------------------

    def prepare(self) -> str:
        """Start the client and check the server: returns the model name served.
        Raises ServerError with advice when the server is unreachable or wrong."""
        if self._client is None:
            self._loop = LoopThread()
            o = self.options
            client_options = ClientOptions(
                servers=tuple(o.servers),
                model=o.model,
                api_key=o.api_key,
                timeout=o.timeout,
                max_retries=o.max_retries,
                backoff_base=o.retry_backoff,
                backoff_max=40 * o.retry_backoff,
            )
            self._client = self._loop.run(_make_client(client_options))
        if self._model is None:
            assert self._loop is not None and self._client is not None
            model = self._loop.run(self._client.model_name())
            limit = self._client.max_model_len.get(model)
            if limit is not None and self.options.max_tokens > limit:
                raise ServerError(
                    f"--max-tokens {self.options.max_tokens} is more than the server's "
                    f"max_model_len {limit} for model {model}: lower --max-tokens (or serve "
                    "with a larger --max-model-len)"
                )
            self._model = model
        return self._model

    def close(self) -> None:
        if self._loop is not None:
            if self._client is not None:
                self._loop.run(self._client.aclose())
            self._loop.close()
        self._loop = self._client = None

    # -- pages --------------------------------------------------------------------

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        """Send pages as they come, keep up to ``concurrency`` in flight, yield
        results as they complete (not necessarily in page order)."""
        try:
            self.prepare()
        except ServerError as exc:
            for page in pages:
                yield self._failed(page, str(exc))
            return
        assert self._loop is not None
        in_flight: dict[Future[PageOutcome], tuple[PageImage, float]] = {}
        try:
            for page in pages:
                ready = self.answer_without_request(page)
                if ready is not None:
                    yield ready
                    continue
                assert page.image is not None  # answer_without_request saw to that
                started = time.perf_counter()
                url = self.encode(page.image)
                encode_seconds = time.perf_counter() - started
                future = self.submit(url, page.size)
                in_flight[future] = (page, encode_seconds)
                while len(in_flight) >= self.options.concurrency:
                    yield from self._collect(in_flight, block=True)
                yield from self._collect(in_flight, block=False)
            while in_flight:
                yield from self._collect(in_flight, block=True)
        finally:
            for future in in_flight:
                future.cancel()

    def _collect(
        self, in_flight: dict[Future[PageOutcome], tuple[PageImage, float]], *, block: bool
    ) -> Iterator[Page]:
        done, _ = wait(list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            page, encode_seconds = in_flight.pop(future)
            yield self.finish(page, self.outcome_of(future), encode_seconds)

    # -- one page at a time, for runners that schedule pages themselves (Ray) -------

    @property
    def max_in_flight(self) -> int:
        return self.options.concurrency

    @property
    def server_count(self) -> int:
        return len(self.options.servers)

    def registry_options(self, options: ParseOptions) -> ParseOptions:
        return options.model_copy(
            update={
                "engine": self.name,
                "server": list(self.options.servers),
                "engines": {**options.engines, self.name: self.options},
            }
        )

    def encode(self, image: Image.Image) -> str:
        return image_data_url(image)

    def answer_without_request(self, page: PageImage) -> Page | None:
        if page.error is not None or page.image is None:
            return self._failed(page, page.error or "page has no image")
        if is_blank(page.image):
            return self.finish(page, PageOutcome(warnings=["blank page: not sent"]), 0.0)
        return None

    def submit(self, encoded: str, size: tuple[int, int]) -> Future[PageOutcome]:
        assert self._loop is not None, "prepare() the engine first"
        return self._loop.submit(self._infer_within_deadline(encoded, size))

    def outcome_of(self, future: Future[PageOutcome]) -> PageOutcome:
        try:
            return future.result()
        except Exception as exc:
            return PageOutcome(status="failed", error=f"{type(exc).__name__}: {exc}")

    def needs_text_layer(self, outcome: PageOutcome) -> bool:
        return outcome.status == "failed" and self.options.fallback

    def finish(self, page: PageImage, outcome: PageOutcome, encode_seconds: float) -> Page:
        width, height = page.size
        if self.needs_text_layer(outcome):
            return self._fallback(page, outcome)
        return Page(
            number=page.number,
            width=width,
            height=height,
            dpi=page.dpi,
            elements=outcome.elements,
            status=outcome.status,
            error=outcome.error,
            engine=self.name,
            method="vlm",
            warnings=outcome.warnings,
            timings={"encode": round(encode_seconds, 4), "infer": round(outcome.infer_seconds, 4)},
            tokens=TokenUsage(prompt=outcome.prompt_tokens, completion=outcome.completion_tokens),
            attempts=outcome.attempts,
        )

    def _fallback(self, page: PageImage, outcome: PageOutcome) -> Page:
        """The CPU engine's reading of a page the model could not answer."""
        if self._cpu is None:
            from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions

            self._cpu = CpuEngine(CpuEngineOptions(workers=1))
        result: Page = self._cpu.process_page(page)
        reason = outcome.error or "no usable answer"
        if result.status == "failed":
            result.error = f"{reason}; CPU fallback failed too: {result.error}"
        else:
            result.status = "fallback"
            result.error = reason
        result.warnings = [*outcome.warnings, *result.warnings]
        result.tokens = TokenUsage(
            prompt=outcome.prompt_tokens, completion=outcome.completion_tokens
        )
        result.attempts = outcome.attempts
        result.timings["infer"] = round(outcome.infer_seconds, 4)
        return result

    def _failed(self, page: PageImage, error: str) -> Page:
        return failed_page(page, error, self.name)

    # -- one page's requests (on the event loop) ----------------------------------

    async def _infer_within_deadline(self, image_url: str, size: tuple[int, int]) -> PageOutcome:
        """All of a page's attempts, cut off at the page timeout."""
        limit = self.options.page_timeout
        try:
            return await asyncio.wait_for(self._infer(image_url, size), limit)
        except asyncio.TimeoutError:
            return PageOutcome(
                status="failed",
                error=f"page timeout ({limit:g} s) reached (raise it with --page-timeout)",
                infer_seconds=limit,
            )

    async def _infer(self, image_url: str, size: tuple[int, int]) -> PageOutcome:
        assert self._client is not None
        o = self.options
        outcome = PageOutcome()
        best: Reading | None = None
        clean = False
        started = time.perf_counter()
        for temperature in o.temperatures:
            body = self.adapter.request_body(
                image_url, size, model=self._model, temperature=temperature
            )
            body.update(o.extra_body)
            try:
                completion = await self._client.complete(body)
            except ServerError as exc:
                if best is not None and best.elements:  # keep what an earlier attempt gave
                    outcome.warnings.append(f"attempt {outcome.attempts + 1}: {exc}")
                else:
                    outcome.status, outcome.error = "failed", str(exc)
                break
            outcome.attempts += 1
            outcome.prompt_tokens += completion.prompt_tokens
            outcome.completion_tokens += completion.completion_tokens
            reading = self.adapter.read(completion.text, size)
            if completion.finish_reason == "stop" and reading.status in CLEAN_STATUSES:
                best, clean = reading, True
                break
            outcome.warnings.append(
                _attempt_note(outcome.attempts, temperature, completion, reading.status)
            )
            if best is None or len(reading.elements) > len(best.elements):
                best = reading
        outcome.infer_seconds = time.perf_counter() - started
        if outcome.status == "failed":
            return outcome
        if best is None or (best.status != "empty" and not best.elements):
            outcome.status, outcome.error = "failed", "no usable answer after retries"
            return outcome
        placed = self.adapter.place(best, size)
        outcome.elements = placed.elements
        outcome.warnings.extend(placed.warnings)
        if not clean:
            outcome.status = "repaired"
            outcome.warnings.extend(best.notes)
        return outcome


def _attempt_note(attempt: int, temperature: float, completion: Completion, status: str) -> str:
    if completion.finish_reason == "loop":
        why = f"repetition loop cancelled ({completion.loop_reason})"
    elif completion.finish_reason == "length":
        why = "answer truncated at max tokens"
    else:
        why = f"answer was {status.replace('_', ' ')}"
    return f"attempt {attempt} (temperature {temperature}): {why}"


async def _make_client(options: ClientOptions) -> ChatClient:
    """Create the client on the loop thread, so its connections belong to that loop."""
    return ChatClient(options)
