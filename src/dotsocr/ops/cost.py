"""What a month of pages costs on each option of the price table, and when a GPU
bought on premises pays for itself.

Hours needed = pages / (pages/s x 3600). Hourly cloud offers cost hours x price;
subscriptions cost their monthly fee; on-prem costs power, priced per hour from the
yearly power figure at its daily duty, plus the purchase, which pays back once the
monthly saving against an option covers it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from dotsocr.errors import DotsOCRError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DAYS_PER_MONTH = 365 / 12
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH


class CostError(DotsOCRError):
    """A price file or a bench file that cannot be used."""


@dataclass
class OptionCost:
    name: str
    kind: str  # "cloud", "subscription" or "onprem"
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
    if not any(data.get(kind) for kind in ("cloud", "subscription", "onprem")):
        raise CostError(f"{path}: no [[cloud]], [[subscription]] or [[onprem]] entries")
    return data


def pages_per_second_from_bench(path: Path) -> float:
    """pages_per_second from `dotsocr bench --json` output, or the last line of a
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
            return float(data["pages_per_second"])
    raise CostError(f"{path}: no pages_per_second found (write it with `dotsocr bench --json`)")


def _number(entry: dict[str, Any], key: str, where: str) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CostError(f"{where}: '{key}' must be a non-negative number")
    return float(value)


def compute_costs(
    prices: dict[str, Any],
    *,
    pages_per_month: int,
    pages_per_second: float,
    prices_file: str = "",
) -> CostReport:
    if pages_per_second <= 0:
        raise CostError("pages per second must be positive")
    if pages_per_month <= 0:
        raise CostError("pages per month must be positive")
    rate = _number(prices, "jpy_per_usd", "price file") if "jpy_per_usd" in prices else None
    thousands = pages_per_month / 1000
    options: list[OptionCost] = []

    def speed(entry: dict[str, Any], where: str) -> float:
        if "pages_per_second" in entry:
            value = _number(entry, "pages_per_second", where)
            if value <= 0:
                raise CostError(f"{where}: 'pages_per_second' must be positive")
            return value
        return pages_per_second

    for i, entry in enumerate(prices.get("cloud") or []):
        where = f"cloud entry {i + 1} ({entry.get('name', '?')})"
        pps = speed(entry, where)
        hours = pages_per_month / (pps * 3600)
        per_hour = _number(entry, "usd_per_hour", where)
        option = OptionCost(
            str(entry.get("name", where)),
            "cloud",
            pps,
            hours,
            hours * per_hour,
            per_hour / (pps * 3.6),
        )
        if hours > HOURS_PER_MONTH:
            gpus = int(-(-hours // HOURS_PER_MONTH))
            option.notes.append(f"needs {gpus} GPUs running all month")
        options.append(option)

    for i, entry in enumerate(prices.get("subscription") or []):
        where = f"subscription entry {i + 1} ({entry.get('name', '?')})"
        pps = speed(entry, where)
        monthly = _number(entry, "usd_per_month", where)
        options.append(
            OptionCost(
                str(entry.get("name", where)),
                "subscription",
                pps,
                pages_per_month / (pps * 3600),
                monthly,
                monthly / thousands,
            )
        )

    for i, entry in enumerate(prices.get("onprem") or []):
        where = f"onprem entry {i + 1} ({entry.get('name', '?')})"
        if rate is None or rate <= 0:
            raise CostError("price file: on-prem entries need a positive 'jpy_per_usd'")
        pps = speed(entry, where)
        hours = pages_per_month / (pps * 3600)
        duty = _number(entry, "power_hours_per_day", where)
        if duty <= 0:
            raise CostError(f"{where}: 'power_hours_per_day' must be positive")
        jpy_per_hour = _number(entry, "power_jpy_per_year", where) / (365 * duty)
        purchase = _number(entry, "purchase_jpy", where)
        jpy_month = hours * jpy_per_hour
        option = OptionCost(
            str(entry.get("name", where)),
            "onprem",
            pps,
            hours,
            jpy_month / rate,
            jpy_per_hour / (pps * 3.6) / rate,
            jpy_per_month=jpy_month,
            jpy_per_1000_pages=jpy_per_hour / (pps * 3.6),
            purchase_usd=purchase / rate,
            purchase_jpy=purchase,
        )
        if hours > duty * DAYS_PER_MONTH:
            option.notes.append(
                f"needs {hours / DAYS_PER_MONTH:.1f} h/day, more than the {duty:g} h/day of "
                "the power figure (power is priced per hour used)"
            )
        options.append(option)

    for option in options:
        if option.kind != "onprem" or option.purchase_usd is None:
            continue
        for other in options:
            if other.kind == "onprem":
                continue
            saving = other.usd_per_month - option.usd_per_month
            option.payback_months[other.name] = option.purchase_usd / saving if saving > 0 else None
    return CostReport(pages_per_month, pages_per_second, rate or 0.0, prices_file, options)
