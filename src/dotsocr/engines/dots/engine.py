"""DotsEngine: pages through the DotsOCR model behind a vLLM OpenAI-compatible server.

Per page: a blank page is answered locally (the model invents text on blank pages);
otherwise the page is sent with a rising temperature until an answer is clean.
A truncated, looping or malformed answer is retried; if no attempt is clean the
best salvage is kept (``repaired``); if nothing is salvageable the page falls back
to the CPU engine (``fallback``); if that is off or fails, the page is ``failed``.
Requests stay in flight (up to ``concurrency``) while the caller's thread renders
and encodes the next pages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dotsocr.blank import is_blank
from dotsocr.engines.base import failed_page
from dotsocr.engines.dots.client import ClientOptions, Completion, DotsClient, ServerError
from dotsocr.engines.dots.loop_thread import LoopThread
from dotsocr.engines.dots.mapping import map_elements
from dotsocr.engines.dots.repair import ParsedOutput, RawElement, parse_layout_output
from dotsocr.engines.dots.request import build_request, image_data_url
from dotsocr.geometry import to_model_space
from dotsocr.model import Element, Page, TokenUsage
from dotsocr.protocol import DEFAULT_MAX_TOKENS, DEFAULT_TOP_P
from dotsocr.sources.base import PageImage

ENGINE_VERSION = "dots-1"

#: Request keys the engine and client own; --extra-body may set any other key.
RESERVED_BODY_KEYS = frozenset({"messages", "stream", "stream_options"})

DotsPrompt = Literal["layout_all", "layout_only", "ocr", "grounding_ocr"]


class DotsEngineOptions(BaseModel):
    """Settings of the DotsOCR engine. Server URLs and the API key are not output
    settings: they are kept out of :meth:`DotsEngine.settings` (and so out of
    manifests and resume keys)."""

    model_config = ConfigDict(extra="forbid")

    servers: list[str] = Field(min_length=1, repr=False)
    model: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    prompt: DotsPrompt = "layout_all"
    bbox: list[int] | None = Field(
        default=None, min_length=4, max_length=4, description="grounding_ocr box, page pixels"
    )
    concurrency: int = Field(default=64, ge=1, le=4096, description="requests in flight")
    timeout: float = Field(default=600.0, gt=0, description="seconds per request")
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=16)
    temperatures: tuple[float, ...] = Field(
        default=(0.1, 0.3, 0.5), min_length=1, description="one per attempt"
    )
    top_p: float = DEFAULT_TOP_P
    max_retries: int = Field(default=4, ge=0, description="transport retries per request")
    retry_backoff: float = Field(
        default=0.5, gt=0, description="first retry delay, doubling up to 40 times it"
    )
    fallback: bool = Field(default=True, description="CPU engine for pages the model fails")
    page_timeout: float = Field(default=900.0, gt=0, description="seconds per page, all tries")
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="keys merged into every request body (vLLM sampling, structured_outputs)",
    )

    @field_validator("extra_body")
    @classmethod
    def _extra_body_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(set(value) & RESERVED_BODY_KEYS)
        if taken:
            raise ValueError(
                f"--extra-body cannot set {', '.join(taken)}: the engine sets "
                f"{', '.join(sorted(RESERVED_BODY_KEYS))} itself"
            )
        return value


@dataclass
class _Outcome:
    """What the async part found for one page; turned into a Page by the caller."""

    elements: list[Element] = field(default_factory=list)
    status: Literal["ok", "repaired", "failed"] = "ok"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    infer_seconds: float = 0.0


class DotsEngine:
    """The GPU engine; one HTTP client and event loop for its whole life (close it)."""

    name = "dots"

    def __init__(self, options: DotsEngineOptions) -> None:
        if options.prompt == "grounding_ocr" and options.bbox is None:
            raise ValueError("the grounding_ocr prompt needs a box (--bbox x1 y1 x2 y2)")
        self.options = options
        self._loop: LoopThread | None = None
        self._client: DotsClient | None = None
        self._model: str | None = None
        self._cpu: Any = None

    # -- lifecycle ----------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        o = self.options
        return {
            "engine_version": ENGINE_VERSION,
            "model": o.model or "(served model)",
            "prompt": o.prompt,
            "bbox": o.bbox,
            "temperatures": list(o.temperatures),
            "top_p": o.top_p,
            "max_tokens": o.max_tokens,
            "fallback": o.fallback,
        } | ({"extra_body": o.extra_body} if o.extra_body else {})

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

    def __enter__(self) -> DotsEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        in_flight: dict[Future[_Outcome], tuple[PageImage, float]] = {}
        try:
            for page in pages:
                ready = self.answer_without_request(page)
                if ready is not None:
                    yield ready
                    continue
                started = time.perf_counter()
                url = image_data_url(page.image)
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
        self, in_flight: dict[Future[_Outcome], tuple[PageImage, float]], *, block: bool
    ) -> Iterator[Page]:
        done, _ = wait(list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            page, encode_seconds = in_flight.pop(future)
            yield self._page(page, self.outcome_of(future), encode_seconds)

    # -- one page at a time, for runners that schedule pages themselves (Ray) -------

    def answer_without_request(self, page: PageImage) -> Page | None:
        """The result of a page that needs no request (render error, blank page),
        or None when the page must go to the model."""
        if page.error is not None or page.image is None:
            return self._failed(page, page.error or "page has no image")
        if is_blank(page.image):
            return self._page(page, _Outcome(warnings=["blank page: not sent"]), 0.0)
        return None

    def submit(self, image_url: str, size: tuple[int, int]) -> Future[_Outcome]:
        """Start all of one page's attempts on the engine's loop (call prepare() first)."""
        assert self._loop is not None, "prepare() the engine first"
        return self._loop.submit(self._infer_within_deadline(image_url, size))

    @staticmethod
    def outcome_of(future: Future[_Outcome]) -> _Outcome:
        """A finished request's outcome; a bug in one page's request path fails that page."""
        try:
            return future.result()
        except Exception as exc:
            return _Outcome(status="failed", error=f"{type(exc).__name__}: {exc}")

    def finish(self, page: PageImage, outcome: _Outcome, encode_seconds: float) -> Page:
        """The Page for an outcome; a failed outcome goes to the CPU fallback when on
        (``page`` should then carry its text layer)."""
        return self._page(page, outcome, encode_seconds)

    def _page(self, page: PageImage, outcome: _Outcome, encode_seconds: float) -> Page:
        width, height = page.size
        if outcome.status == "failed" and self.options.fallback:
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

    def _fallback(self, page: PageImage, outcome: _Outcome) -> Page:
        """The CPU engine's reading of a page the model could not answer."""
        if self._cpu is None:
            from dotsocr.engines.cpu import CpuEngine

            self._cpu = CpuEngine()
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

    async def _infer_within_deadline(self, image_url: str, size: tuple[int, int]) -> _Outcome:
        """All of a page's attempts, cut off at the page timeout."""
        limit = self.options.page_timeout
        try:
            return await asyncio.wait_for(self._infer(image_url, size), limit)
        except asyncio.TimeoutError:
            return _Outcome(
                status="failed",
                error=f"page timeout ({limit:g} s) reached (raise it with --page-timeout)",
                infer_seconds=limit,
            )

    async def _infer(self, image_url: str, size: tuple[int, int]) -> _Outcome:
        assert self._client is not None
        o = self.options
        outcome = _Outcome()
        best: ParsedOutput | None = None
        clean = False
        started = time.perf_counter()
        box = to_model_space(o.bbox, size) if o.bbox is not None else None
        for temperature in o.temperatures:
            body = build_request(
                image_url,
                prompt_mode=o.prompt,
                model=self._model,
                temperature=temperature,
                top_p=o.top_p,
                max_tokens=o.max_tokens,
                bbox_model_space=box,
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
            parsed = self._parse(completion, box)
            if completion.finish_reason == "stop" and parsed.status in ("ok", "empty"):
                best, clean = parsed, True
                break
            outcome.warnings.append(
                _attempt_note(outcome.attempts, temperature, completion, parsed)
            )
            if best is None or len(parsed.elements) > len(best.elements):
                best = parsed
        outcome.infer_seconds = time.perf_counter() - started
        if outcome.status == "failed":
            return outcome
        if best is None or (best.status != "empty" and not best.elements):
            outcome.status, outcome.error = "failed", "no usable answer after retries"
            return outcome
        mapped = map_elements(best.elements, size, prompt_mode=o.prompt)
        outcome.elements = mapped.elements
        outcome.warnings.extend(mapped.warnings)
        if not clean:
            outcome.status = "repaired"
            outcome.warnings.extend(best.notes)
        return outcome

    def _parse(self, completion: Completion, box: list[int] | None) -> ParsedOutput:
        """The answer as elements. The text prompts give one Text element: the
        grounding box, or (bbox None) the whole page."""
        if self.options.prompt in ("layout_all", "layout_only"):
            return parse_layout_output(completion.text)
        text = completion.text.strip()
        if not text:
            return ParsedOutput(elements=[], status="empty", notes=[])
        bbox = [float(v) for v in box] if box is not None else None
        return ParsedOutput(
            elements=[RawElement(bbox=bbox, category="Text", text=text)], status="ok", notes=[]
        )


def _attempt_note(
    attempt: int, temperature: float, completion: Completion, parsed: ParsedOutput
) -> str:
    if completion.finish_reason == "loop":
        why = f"repetition loop cancelled ({completion.loop_reason})"
    elif completion.finish_reason == "length":
        why = "answer truncated at max tokens"
    else:
        why = f"answer was {parsed.status.replace('_', ' ')}"
    return f"attempt {attempt} (temperature {temperature}): {why}"


async def _make_client(options: ClientOptions) -> DotsClient:
    """Create the client on the loop thread, so its connections belong to that loop."""
    return DotsClient(options)
