"""What a month of pages costs on each option of the price table, and when a GPU
bought on premises pays for itself.

Hours needed = pages / (pages/s x 3600). Hourly cloud offers cost hours x price;
subscriptions cost their monthly fee; on-prem costs power, priced per hour from the
yearly power figure at its daily duty, plus the purchase, which pays back once the
monthly saving against an option covers it.

A bench of the embedded CPU engine measured CPU cores, not a GPU: it is priced
only against the ``[[cpu]]`` machines of the table, its pages/s scaled from the
benched core count to each machine's vCPUs. Everything else is priced as GPU time.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from dotsocr.errors import DotsOCRError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DAYS_PER_MONTH = 365 / 12
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH


#: What the throughput was measured on: GPU time (a model server, or a number
#: given by hand) or the CPU cores of the benched machine (the CPU engine).
PricedAs = Literal["gpu", "cpu"]
GPU_KINDS = ("cloud", "subscription", "onprem")


class CostError(DotsOCRError):
    """A price file or a bench file that cannot be used."""


@dataclass(frozen=True)
class Throughput:
    """The pages/s to price, and what it was measured on."""

    pages_per_second: float
    priced_as: PricedAs = "gpu"
    #: Cores of the machine a CPU bench ran on (``os.cpu_count()``), when known.
    cpu_count: int | None = None


@dataclass
class OptionCost:
    name: str
    kind: str  # "cloud", "subscription", "onprem" or "cpu"
    pages_per_second: float
    hours_per_month: float
    usd_per_month: float
    usd_per_1000_pages: float
    jpy_per_month: float | None = None
    jpy_per_1000_pages: float | None = None
    purchase_usd: float | None = None
    purchase_jpy: float | None = None
    #: months until the purchase is paid back, against each other option (None: never)
    payback_months: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class CostReport:
    pages_per_month: int
    pages_per_second: float
    jpy_per_usd: float
    prices_file: str
    options: list[OptionCost]
    priced_as: PricedAs = "gpu"
    cpu_count: int | None = None  # cores the CPU bench ran on

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_prices_path() -> Path:
    return Path(str(resources.files("dotsocr.ops").joinpath("prices.toml")))


def load_prices(path: Path | None = None) -> dict[str, Any]:
    path = path or default_prices_path()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CostError(f"{path}: no such price file") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CostError(f"{path}: not a readable TOML price file ({exc})") from None
    if not any(data.get(kind) for kind in (*GPU_KINDS, "cpu")):
        raise CostError(f"{path}: no [[cloud]], [[subscription]], [[onprem]] or [[cpu]] entries")
    return data


def _priced_as(data: dict[str, Any]) -> PricedAs:
    """CPU for a bench whose pages were computed on the benched machine's CPUs.
    Results written before bench recorded ``runs_on`` name the CPU engine instead."""
    runs_on = data.get("runs_on")
    if runs_on is None:
        runs_on = "cpu" if data.get("engine") == "cpu" else "server"
    return "cpu" if runs_on == "cpu" else "gpu"


def read_bench(path: Path) -> Throughput:
    """The throughput of `dotsocr bench --json` output, or of the last line of a
    results file (one JSON object per line)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CostError(f"{path}: cannot read ({exc.strerror or exc})") from None
    candidates = [text, *reversed(text.splitlines())]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("pages_per_second"), (int, float)):
            if data["pages_per_second"] <= 0:
                raise CostError(f"{path}: pages_per_second is not positive")
            machine = data.get("machine")
            cores = machine.get("cpu_count") if isinstance(machine, dict) else None
            return Throughput(
                float(data["pages_per_second"]),
                _priced_as(data),
                cores if isinstance(cores, int) and cores > 0 else None,
            )
    raise CostError(f"{path}: no pages_per_second found (write it with `dotsocr bench --json`)")


def _number(entry: dict[str, Any], key: str, where: str) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CostError(f"{where}: '{key}' must be a non-negative number")
    return float(value)


def _speed(entry: dict[str, Any], where: str, default: float) -> float:
    """The entry's own pages/s when it sets one, else ``default``."""
    if "pages_per_second" not in entry:
        return default
    value = _number(entry, "pages_per_second", where)
    if value <= 0:
        raise CostError(f"{where}: 'pages_per_second' must be positive")
    return value


def _hourly(
    entry: dict[str, Any], kind: str, where: str, pps: float, pages_per_month: int, unit: str
) -> OptionCost:
    """An offer rented by the hour: a cloud GPU or a CPU machine."""
    hours = pages_per_month / (pps * 3600)
    per_hour = _number(entry, "usd_per_hour", where)
    option = OptionCost(
        str(entry.get("name", where)), kind, pps, hours, hours * per_hour, per_hour / (pps * 3.6)
    )
    if hours > HOURS_PER_MONTH:
        option.notes.append(f"needs {int(-(-hours // HOURS_PER_MONTH))} {unit} running all month")
    return option


def _cloud_costs(prices: dict[str, Any], pages_per_month: int, pps: float) -> list[OptionCost]:
    options = []
    for i, entry in enumerate(prices.get("cloud") or []):
        where = f"cloud entry {i + 1} ({entry.get('name', '?')})"
        speed = _speed(entry, where, pps)
        options.append(_hourly(entry, "cloud", where, speed, pages_per_month, "GPUs"))
    return options


def _cpu_costs(
    prices: dict[str, Any], pages_per_month: int, pps: float, cpu_count: int | None
) -> list[OptionCost]:
    """CPU machines at the benched pages/s, scaled from the benched cores to each
    machine's vCPUs (the CPU engine parses one page per core at a time)."""
    options = []
    for i, entry in enumerate(prices.get("cpu") or []):
        where = f"cpu entry {i + 1} ({entry.get('name', '?')})"
        vcpus = _number(entry, "vcpus", where)
        if vcpus <= 0:
            raise CostError(f"{where}: 'vcpus' must be positive")
        scaled = pps * vcpus / cpu_count if cpu_count else pps
        speed = _speed(entry, where, scaled)
        option = _hourly(entry, "cpu", where, speed, pages_per_month, "machines")
        if "pages_per_second" not in entry and cpu_count and vcpus != cpu_count:
            option.notes.insert(
                0, f"{speed:.3g} pages/s: the {cpu_count}-core bench scaled to {vcpus:g} vCPUs"
            )
        elif "pages_per_second" not in entry and not cpu_count:
            option.notes.insert(0, "at the benched pages/s (the bench's core count is unknown)")
        options.append(option)
    return options


def _subscription_costs(
    prices: dict[str, Any], pages_per_month: int, pps: float
) -> list[OptionCost]:
    options = []
    for i, entry in enumerate(prices.get("subscription") or []):
        where = f"subscription entry {i + 1} ({entry.get('name', '?')})"
        speed = _speed(entry, where, pps)
        monthly = _number(entry, "usd_per_month", where)
        options.append(
            OptionCost(
                str(entry.get("name", where)),
                "subscription",
                speed,
                pages_per_month / (speed * 3600),
                monthly,
                monthly / (pages_per_month / 1000),
            )
        )
    return options


def _onprem_costs(
    prices: dict[str, Any], pages_per_month: int, pps: float, rate: float | None
) -> list[OptionCost]:
    options = []
    for i, entry in enumerate(prices.get("onprem") or []):
        where = f"onprem entry {i + 1} ({entry.get('name', '?')})"
        if rate is None or rate <= 0:
            raise CostError("price file: on-prem entries need a positive 'jpy_per_usd'")
        speed = _speed(entry, where, pps)
        hours = pages_per_month / (speed * 3600)
        duty = _number(entry, "power_hours_per_day", where)
        if duty <= 0:
            raise CostError(f"{where}: 'power_hours_per_day' must be positive")
        jpy_per_hour = _number(entry, "power_jpy_per_year", where) / (365 * duty)
        purchase = _number(entry, "purchase_jpy", where)
        jpy_month = hours * jpy_per_hour
        option = OptionCost(
            str(entry.get("name", where)),
            "onprem",
            speed,
            hours,
            jpy_month / rate,
            jpy_per_hour / (speed * 3.6) / rate,
            jpy_per_month=jpy_month,
            jpy_per_1000_pages=jpy_per_hour / (speed * 3.6),
            purchase_usd=purchase / rate,
            purchase_jpy=purchase,
        )
        if hours > duty * DAYS_PER_MONTH:
            option.notes.append(
                f"needs {hours / DAYS_PER_MONTH:.1f} h/day, more than the {duty:g} h/day of "
                "the power figure (power is priced per hour used)"
            )
        options.append(option)
    return options


def _add_paybacks(options: list[OptionCost]) -> None:
    """Months until each on-prem purchase is paid back by its saving on each other option."""
    for option in options:
        if option.kind != "onprem" or option.purchase_usd is None:
            continue
        for other in options:
            if other.kind == "onprem":
                continue
            saving = other.usd_per_month - option.usd_per_month
            option.payback_months[other.name] = option.purchase_usd / saving if saving > 0 else None


def compute_costs(
    prices: dict[str, Any],
    *,
    pages_per_month: int,
    pages_per_second: float,
    priced_as: PricedAs = "gpu",
    cpu_count: int | None = None,
    prices_file: str = "",
) -> CostReport:
    """Price the month on the table's GPU options, or with ``priced_as="cpu"`` (a
    CPU-engine bench on ``cpu_count`` cores) on its CPU machines only."""
    if pages_per_second <= 0:
        raise CostError("pages per second must be positive")
    if pages_per_month <= 0:
        raise CostError("pages per month must be positive")
    rate = _number(prices, "jpy_per_usd", "price file") if "jpy_per_usd" in prices else None
    pps = pages_per_second
    if priced_as == "cpu":
        options = _cpu_costs(prices, pages_per_month, pps, cpu_count)
        if not options:
            raise CostError(
                f"{prices_file or 'price file'}: a CPU-engine bench is priced on [[cpu]] "
                "machines (name, vcpus, usd_per_hour), and there are none"
            )
    else:
        options = [
            *_cloud_costs(prices, pages_per_month, pps),
            *_subscription_costs(prices, pages_per_month, pps),
            *_onprem_costs(prices, pages_per_month, pps, rate),
        ]
        if not options:
            raise CostError(
                f"{prices_file or 'price file'}: no [[cloud]], [[subscription]] or [[onprem]] "
                "entries to price GPU time"
            )
        _add_paybacks(options)
    return CostReport(
        pages_per_month,
        pages_per_second,
        rate or 0.0,
        prices_file,
        options,
        priced_as,
        cpu_count if priced_as == "cpu" else None,
    )
