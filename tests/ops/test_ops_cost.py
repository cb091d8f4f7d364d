"""`dotsocr cost` against numbers worked out by hand from the guide's prices.

At 2 pages/s and 100,000 pages a month: 100,000 / (2 x 3600) = 13.889 GPU hours.
- AWS p3.2xlarge $3.06/h: 13.889 x 3.06 = $42.50 a month; 3.06 / 7.2 = $0.425 per 1,000.
- RunPod RTX 3090 $0.34/h: $4.722 a month; $0.04722 per 1,000.
- Colab Pro+: $49.99 flat; 49.99 / 100 = $0.4999 per 1,000.
- On-prem RTX 4070 Ti: power ¥30,000 / (365 x 8 h) = ¥10.274/h; x 13.889 h = ¥142.69
  a month = $0.9513 at ¥150/$; ¥10.274 / 7.2 = ¥1.4269 per 1,000 pages.
  Purchase ¥150,000 = $1,000; against AWS: 1000 / (42.50 - 0.9513) = 24.07 months;
  against RunPod: 1000 / (4.7222 - 0.9513) = 265.2 months.

A CPU-engine bench of 0.5 pages/s on 4 cores, 36,000 pages a month, on the [[cpu]]
rows (AWS c5, $0.0425 per vCPU hour):
- c5.large, 2 vCPU: 0.5 x 2/4 = 0.25 pages/s -> 36,000 / 900 = 40 h x $0.085 = $3.40;
  per 1,000 pages 0.085 / (0.25 x 3.6) = $0.09444.
- c5.2xlarge, 8 vCPU: 1 page/s -> 10 h x $0.34 = $3.40.
- c5.4xlarge, 16 vCPU: 2 pages/s -> 5 h x $0.68 = $3.40.
"""

from __future__ import annotations

import json

import pytest

from dotsocr.ops.cost import CostError, Throughput, compute_costs, load_prices, read_bench
from support import run_dotsocr


def options_by_name(report):
    return {o.name: o for o in report.options}


def test_hand_worked_numbers_from_the_bundled_prices():
    report = compute_costs(load_prices(), pages_per_month=100_000, pages_per_second=2.0)
    opts = options_by_name(report)
    aws = opts["AWS p3.2xlarge (V100)"]
    assert aws.hours_per_month == pytest.approx(13.8889, abs=1e-4)
    assert aws.usd_per_month == pytest.approx(42.50, abs=0.005)
    assert aws.usd_per_1000_pages == pytest.approx(0.425)
    runpod = opts["RunPod RTX 3090"]
    assert runpod.usd_per_month == pytest.approx(4.7222, abs=1e-4)
    assert runpod.usd_per_1000_pages == pytest.approx(0.047222, abs=1e-6)
    colab = opts["Colab Pro+"]
    assert colab.usd_per_month == 49.99 and colab.usd_per_1000_pages == pytest.approx(0.4999)
    onprem = opts["On-prem RTX 4070 Ti"]
    assert onprem.jpy_per_month == pytest.approx(142.69, abs=0.01)
    assert onprem.usd_per_month == pytest.approx(0.9513, abs=1e-4)
    assert onprem.jpy_per_1000_pages == pytest.approx(1.4269, abs=1e-4)
    assert onprem.purchase_usd == pytest.approx(1000.0)
    assert onprem.payback_months["AWS p3.2xlarge (V100)"] == pytest.approx(24.07, abs=0.01)
    assert onprem.payback_months["RunPod RTX 3090"] == pytest.approx(265.2, abs=0.1)
    assert report.jpy_per_usd == 150.0


def test_cost_cli_json_matches_and_text_shows_yen_and_payback():
    run = run_dotsocr("cost", "--pages-per-second", "2", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    aws = next(o for o in data["options"] if o["name"].startswith("AWS"))
    assert aws["usd_per_month"] == pytest.approx(42.5)
    run = run_dotsocr("cost", "--pages-per-second", "2")
    assert run.returncode == 0, run.stderr
    assert "100,000 pages/month at 2 pages/s" in run.stdout and "¥150 per USD" in run.stdout
    assert "$42.50" in run.stdout and "$0.425" in run.stdout
    assert "$0.951 (¥143)" in run.stdout
    assert "AWS p3.2xlarge (V100): 24.1 months (2.0 years)" in run.stdout


def test_from_bench_takes_the_measured_throughput(tmp_path):
    bench = tmp_path / "bench.jsonl"
    bench.write_text(
        json.dumps({"pages_per_second": 1.0}) + "\n" + json.dumps({"pages_per_second": 4.0}) + "\n"
    )
    assert read_bench(bench) == Throughput(4.0)  # the last line of a results file
    run = run_dotsocr("cost", "--from-bench", bench, "--pages-per-month", "36000", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["pages_per_second"] == 4.0
    # 36,000 pages at 4 pages/s = 2.5 hours; AWS: 2.5 x 3.06 = $7.65
    aws = next(o for o in data["options"] if o["name"].startswith("AWS"))
    assert aws["hours_per_month"] == pytest.approx(2.5)
    assert aws["usd_per_month"] == pytest.approx(7.65)
    assert data["priced_as"] == "gpu" and "cpu" not in {o["kind"] for o in data["options"]}


def test_an_edited_price_file_is_used(tmp_path):
    prices = tmp_path / "prices.toml"
    prices.write_text(
        "jpy_per_usd = 100.0\n"
        '[[cloud]]\nname = "Fast"\nusd_per_hour = 2.0\npages_per_second = 10\n'
        '[[onprem]]\nname = "Box"\npurchase_jpy = 120000\npower_jpy_per_year = 36500\n'
        "power_hours_per_day = 10\n"
    )
    run = run_dotsocr(
        "cost",
        "--prices",
        prices,
        "--pages-per-second",
        "1",
        "--pages-per-month",
        "360000",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    fast, box = json.loads(run.stdout)["options"]
    # Fast: 360,000 / (10 x 3600) = 10 h -> $20; Box: 100 h x ¥10/h = ¥1,000 = $10.
    assert fast["hours_per_month"] == pytest.approx(10) and fast["usd_per_month"] == 20
    assert box["jpy_per_month"] == pytest.approx(1000) and box["usd_per_month"] == 10
    # $1,200 purchase / ($20 - $10) saving = 120 months
    assert box["payback_months"]["Fast"] == pytest.approx(120)
    assert box["notes"] == []  # 100 h a month is 3.3 h/day, within the 10 h/day duty


def test_more_hours_than_a_month_or_the_power_duty_are_noted():
    report = compute_costs(load_prices(), pages_per_month=3_600_000, pages_per_second=1)
    opts = options_by_name(report)
    # 1,000 hours: more than one GPU-month (730 h) and than 8 h/day (243 h)
    assert opts["RunPod RTX 3090"].notes == ["needs 2 GPUs running all month"]
    assert "32.9 h/day, more than the 8 h/day" in opts["On-prem RTX 4070 Ti"].notes[0]


def test_payback_is_never_when_on_prem_costs_more():
    prices = {
        "jpy_per_usd": 100.0,
        "cloud": [{"name": "Cheap", "usd_per_hour": 0.01}],
        "onprem": [
            {
                "name": "Box",
                "purchase_jpy": 1000,
                "power_jpy_per_year": 365000,
                "power_hours_per_day": 1,
            }
        ],
    }
    report = compute_costs(prices, pages_per_month=3600, pages_per_second=1)
    assert options_by_name(report)["Box"].payback_months == {"Cheap": None}


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ((), 2, "exactly one of"),
        (("--pages-per-second", "1", "--from-bench", "x.json"), 2, "exactly one of"),
        (("--from-bench", "missing.json"), 1, "cannot read"),
        (("--pages-per-second", "1", "--prices", "missing.toml"), 1, "no such price file"),
    ],
)
def test_cost_errors_are_one_line(tmp_path, args, code, words):
    run = run_dotsocr("cost", *args, cwd=tmp_path)
    assert run.returncode == code
    assert words in run.stderr and "Traceback" not in run.stderr


def test_a_broken_price_file_is_reported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[cloud]\nname=")
    with pytest.raises(CostError, match="not a readable TOML"):
        load_prices(bad)
    bad.write_text('[[cloud]]\nname = "x"\nusd_per_hour = "cheap"\n')
    with pytest.raises(CostError, match="usd_per_hour"):
        compute_costs(load_prices(bad), pages_per_month=1, pages_per_second=1)


CPU_BENCH = {
    "engine": "cpu",
    "pages_per_second": 0.5,
    "runs_on": "cpu",
    "machine": {"host": "box", "cpu_count": 4, "python": "3.11.7"},
}


def test_a_cpu_bench_is_read_as_cpu_time_on_its_cores(tmp_path):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(CPU_BENCH))
    assert read_bench(bench) == Throughput(0.5, "cpu", 4)
    # Results written before bench recorded runs_on: the engine says it.
    bench.write_text(json.dumps({"engine": "cpu", "pages_per_second": 0.5}))
    assert read_bench(bench) == Throughput(0.5, "cpu", None)
    bench.write_text(json.dumps({**CPU_BENCH, "engine": "dots", "runs_on": "server"}))
    assert read_bench(bench).priced_as == "gpu"


def test_cpu_bench_hand_worked_numbers_on_the_cpu_rows():
    report = compute_costs(
        load_prices(), pages_per_month=36_000, pages_per_second=0.5, priced_as="cpu", cpu_count=4
    )
    opts = options_by_name(report)
    assert set(opts) == {
        "AWS c5.large (2 vCPU)",
        "AWS c5.2xlarge (8 vCPU)",
        "AWS c5.4xlarge (16 vCPU)",
    }  # no GPU rental, no subscription, no on-prem GPU
    assert report.priced_as == "cpu" and report.cpu_count == 4
    small = opts["AWS c5.large (2 vCPU)"]
    mid = opts["AWS c5.2xlarge (8 vCPU)"]
    big = opts["AWS c5.4xlarge (16 vCPU)"]
    assert {o.kind for o in report.options} == {"cpu"}
    assert small.pages_per_second == pytest.approx(0.25)
    assert small.hours_per_month == pytest.approx(40)
    assert small.usd_per_month == pytest.approx(3.40)
    assert small.usd_per_1000_pages == pytest.approx(0.094444, abs=1e-6)
    assert small.notes == ["0.25 pages/s: the 4-core bench scaled to 2 vCPUs"]
    assert mid.hours_per_month == pytest.approx(10) and mid.usd_per_month == pytest.approx(3.40)
    assert big.hours_per_month == pytest.approx(5) and big.usd_per_month == pytest.approx(3.40)
    assert big.payback_months == {}


def test_cpu_rows_note_machines_needed_and_unknown_cores():
    prices = {"cpu": [{"name": "Box", "vcpus": 2, "usd_per_hour": 0.1}]}
    report = compute_costs(prices, pages_per_month=3_600_000, pages_per_second=1, priced_as="cpu")
    (box,) = report.options
    # 1,000 hours at the benched rate (no core count to scale from): 2 machines all month
    assert box.hours_per_month == pytest.approx(1000) and box.usd_per_month == pytest.approx(100)
    assert box.notes == [
        "at the benched pages/s (the bench's core count is unknown)",
        "needs 2 machines running all month",
    ]


def test_a_cpu_bench_needs_cpu_rows_and_gpu_time_needs_gpu_rows():
    with pytest.raises(CostError, match=r"\[\[cpu\]\] machines"):
        compute_costs(
            {"cloud": [{"name": "G", "usd_per_hour": 1}]},
            pages_per_month=1,
            pages_per_second=1,
            priced_as="cpu",
        )
    with pytest.raises(CostError, match="to price GPU time"):
        compute_costs(
            {"cpu": [{"name": "C", "vcpus": 2, "usd_per_hour": 1}]},
            pages_per_month=1,
            pages_per_second=1,
        )
    with pytest.raises(CostError, match="'vcpus' must be positive"):
        compute_costs(
            {"cpu": [{"name": "C", "vcpus": 0, "usd_per_hour": 1}]},
            pages_per_month=1,
            pages_per_second=1,
            priced_as="cpu",
        )


def test_cost_cli_prices_a_cpu_bench_as_cpu_machine_hours(tmp_path):
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps(CPU_BENCH) + "\n")
    run = run_dotsocr("cost", "--from-bench", bench, "--pages-per-month", "36000")
    assert run.returncode == 0, run.stderr
    assert "a CPU-engine bench (4 cores): priced as CPU machine hours" in run.stdout
    assert "AWS c5.large (2 vCPU)" in run.stdout and "$3.40" in run.stdout
    assert "the 4-core bench scaled to 16 vCPUs" in run.stdout
    for gpu_option in ("AWS p3.2xlarge", "RunPod", "Colab", "On-prem", "pays back"):
        assert gpu_option not in run.stdout
