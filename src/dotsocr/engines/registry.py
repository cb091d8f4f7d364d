"""Every engine by name: its options model and how to build it.

The CLI, the Python API, bench and the Ray runner take their engine choices from
here; a new engine is one module with an options model and a factory, plus one
entry in :data:`ENGINES`. Factories import their engine lazily, so naming the
engines costs no model or HTTP-client import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from dotsocr.engines.cpu.options import CpuEngineOptions
from dotsocr.engines.dots.options import DotsEngineOptions
from dotsocr.errors import EngineSetupError

if TYPE_CHECKING:
    from dotsocr.engines.base import Engine
    from dotsocr.options import ParseOptions

SERVER_ENV = "DOTSOCR_SERVER_URL"
API_KEY_ENV = "DOTSOCR_API_KEY"
AUTO = "auto"

ALL_PROMPTS = frozenset({"layout_all", "layout_only", "ocr", "grounding_ocr"})


@dataclass(frozen=True)
class EngineSpec:
    """One engine: what it is called, what it takes, how it is built."""

    name: str
    summary: str
    options_model: type[BaseModel]
    #: Builds the engine for a run (its own options are ``options.engine_options(name)``).
    build: Callable[[ParseOptions], Engine]
    #: Why ``--engine auto`` would pick this engine for these options, or None.
    auto_reason: Callable[[ParseOptions], str | None]
    prompts: frozenset[str] = ALL_PROMPTS


@dataclass(frozen=True)
class EngineChoice:
    engine: Engine
    reason: str  # one line saying why this engine was picked, for the user


def configured_servers(options: ParseOptions) -> list[str]:
    """--server URLs, else the DOTSOCR_SERVER_URL environment variable (comma-separated)."""
    if options.server:
        return list(options.server)
    env = os.environ.get(SERVER_ENV, "")
    return [url.strip() for url in env.split(",") if url.strip()]


def _build_cpu(options: ParseOptions) -> Engine:
    from dotsocr.engines.cpu import CpuEngine

    return CpuEngine(options.engine_options("cpu"))  # type: ignore[arg-type]


def _build_dots(options: ParseOptions) -> Engine:
    servers = configured_servers(options)
    if not servers:
        raise EngineSetupError(
            f"the dots engine needs a server: pass --server URL or set {SERVER_ENV} "
            "(start one with `dotsocr serve` or `vllm serve`)"
        )
    from dotsocr.engines.dots import DotsEngine

    own: DotsEngineOptions = options.engine_options("dots")  # type: ignore[assignment]
    try:
        settings = DotsEngineOptions(
            **(
                own.model_dump()
                | {
                    "servers": servers,
                    "prompt": options.prompt,
                    "api_key": own.api_key or os.environ.get(API_KEY_ENV) or None,
                }
            )
        )
        return DotsEngine(settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EngineSetupError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ValueError as exc:
        raise EngineSetupError(str(exc)) from None


def _dots_auto(options: ParseOptions) -> str | None:
    return "a DotsOCR server is configured" if configured_servers(options) else None


def _cpu_auto(options: ParseOptions) -> str | None:
    return f"no --server or {SERVER_ENV} given"


#: In ``--engine auto`` order: the first engine with an auto reason is used.
ENGINES: dict[str, EngineSpec] = {
    spec.name: spec
    for spec in (
        EngineSpec(
            name="dots",
            summary="DotsOCR over an OpenAI-compatible server (vLLM, ollama, ...)",
            options_model=DotsEngineOptions,
            build=_build_dots,
            auto_reason=_dots_auto,
        ),
        EngineSpec(
            name="cpu",
            summary="embedded engine: text layer or OCR, no GPU, no downloads",
            options_model=CpuEngineOptions,
            build=_build_cpu,
            auto_reason=_cpu_auto,
            prompts=ALL_PROMPTS - {"grounding_ocr"},
        ),
    )
}


def engine_names() -> list[str]:
    """The engines' names, in auto order."""
    return list(ENGINES)


def engine_spec(name: str) -> EngineSpec:
    try:
        return ENGINES[name]
    except KeyError:
        known = ", ".join([AUTO, *ENGINES])
        raise EngineSetupError(f"unknown engine {name!r}; choose one of {known}") from None


def validate_engine_options(values: dict[str, Any]) -> dict[str, BaseModel]:
    """Each engine's options as its own model; engines not named get defaults."""
    unknown = sorted(set(values) - set(ENGINES))
    if unknown:
        raise ValueError(f"options for unknown engine(s): {', '.join(unknown)}")
    result: dict[str, BaseModel] = {}
    for name, spec in ENGINES.items():
        given = values.get(name)
        if isinstance(given, spec.options_model):
            result[name] = given
        else:
            result[name] = spec.options_model.model_validate(given or {})
    return result


def select_engine(options: ParseOptions) -> EngineChoice:
    """Build the engine ``options.engine`` names (or the one ``auto`` picks)."""
    if options.engine == AUTO:
        for spec in ENGINES.values():
            why = spec.auto_reason(options)
            if why is not None:
                break
        else:  # pragma: no cover - the cpu engine always has a reason
            raise EngineSetupError("no engine available")
    else:
        spec, why = engine_spec(options.engine), "chosen with --engine"
    if options.prompt not in spec.prompts:
        able = [s.name for s in ENGINES.values() if options.prompt in s.prompts]
        raise EngineSetupError(
            f"the {options.prompt} prompt needs the {' or '.join(able)} engine "
            f"(--engine {able[0]})"
        )
    return EngineChoice(spec.build(options), f"{spec.name} ({why})")
